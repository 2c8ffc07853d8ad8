import t from 'tap'
import {
  isCanceled,
  isDeviceGone,
  isStationError,
  isTransient,
  messageOf,
  StationError,
  type ErrorCode,
} from '../../../runtime/core/errors.js'

t.test('a StationError carries its code, message, context and cause', async (t) => {
  const cause = Object.assign(new Error('EREMOTEIO'), { code: 'EREMOTEIO' })
  const error = new StationError('E_I2C_NACK', 'no ACK from 0x5a', { address: 0x5a, register: 0 }, { cause })
  t.ok(error instanceof Error)
  t.equal(error.name, 'StationError')
  t.equal(error.code, 'E_I2C_NACK')
  t.equal(error.message, 'no ACK from 0x5a')
  t.strictSame(error.context, { address: 0x5a, register: 0 })
  t.equal(error.cause, cause)
  t.match(error.stack, /^StationError: no ACK from 0x5a/)
  t.strictSame(new StationError('E_CANCELED', 'stopping').context, {}, 'context defaults to empty')
})

t.test('code and context survive JSON, so they reach logs and MQTT payloads', async (t) => {
  const json = JSON.parse(JSON.stringify(new StationError('E_SERIAL_IO', 'unplugged', { path: '/dev/ttyUSB0' })))
  t.match(json, { code: 'E_SERIAL_IO', context: { path: '/dev/ttyUSB0' } })
})

t.test('isStationError tells our errors from everything else', async (t) => {
  t.equal(isStationError(new StationError('E_OUTBOX_IO', 'x')), true)
  for (const other of [new Error('x'), Object.assign(new Error('x'), { code: 'E_OUTBOX_IO' }), 'E_OUTBOX_IO', null, undefined]) {
    t.equal(isStationError(other), false, String(other))
  }
})

const ALL_CODES: ErrorCode[] = [
  'E_CONFIG_INVALID',
  'E_I2C_NACK',
  'E_I2C_IO',
  'E_SERIAL_IO',
  'E_DEVICE_ABSENT',
  'E_DEVICE_PROTOCOL',
  'E_DEVICE_TIMEOUT',
  'E_PRINTER_NOT_READY',
  'E_CODEC_INVALID',
  'E_CARD_INVALID',
  'E_FLOW_INVALID',
  'E_OUTBOX_IO',
  'E_OUTBOX_FULL',
  'E_MQTT_UNAVAILABLE',
  'E_CONTROL_REQUEST',
  'E_CANCELED',
]

function codesWhere(predicate: (error: unknown) => boolean): ErrorCode[] {
  return ALL_CODES.filter((code) => predicate(new StationError(code, 'x')))
}

t.test('errors are sorted by what the caller does next', async (t) => {
  t.strictSame(codesWhere(isTransient), ['E_I2C_IO', 'E_DEVICE_TIMEOUT', 'E_MQTT_UNAVAILABLE'], 'retry with backoff')
  t.strictSame(codesWhere(isDeviceGone), ['E_I2C_NACK', 'E_SERIAL_IO', 'E_DEVICE_ABSENT'], 'restart the driver')
  t.strictSame(codesWhere(isCanceled), ['E_CANCELED'], 'dropped during shutdown')
})

t.test('plain errors are never transient, gone or canceled, whatever their code', async (t) => {
  const plain = Object.assign(new Error('x'), { code: 'E_CANCELED' })
  t.equal(isTransient(plain), false)
  t.equal(isDeviceGone(plain), false)
  t.equal(isCanceled(plain), false)
  t.equal(isCanceled(new DOMException('aborted', 'AbortError')), false)
})

t.test('messageOf prints any thrown value', async (t) => {
  t.equal(messageOf(new StationError('E_OUTBOX_FULL', 'outbox full')), 'outbox full')
  t.equal(messageOf(new TypeError('bad')), 'bad')
  t.equal(messageOf('just a string'), 'just a string')
  t.equal(messageOf(42), '42')
  t.equal(messageOf(undefined), 'undefined')
})
