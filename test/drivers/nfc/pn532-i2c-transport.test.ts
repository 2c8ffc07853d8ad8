import t from 'tap'
import type { I2cDevice } from '../../../drivers/i2c/i2c-bus.js'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { formatHexBytes, parseHexBytes } from '../../../drivers/nfc/hex-bytes.js'
import {
  getFirmwareVersion,
  inListPassiveTarget,
  rfConfigurationMaxRetries,
  type Pn532Command,
} from '../../../drivers/nfc/pn532-commands.js'
import { Pn532I2cTransport, type Pn532I2cTransportOptions } from '../../../drivers/nfc/pn532-i2c-transport.js'
import { SimPn532, SimPn532I2c, type SimPn532I2cOptions } from '../../../drivers/nfc/sim-pn532.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { driveClockThroughIo as drive } from '../../support/drive-clock.js'

const ADDRESS = 0x24
const ACK = '00 00 FF 00 FF 00'

function rig(chipOptions: Omit<SimPn532I2cOptions, 'clock'> & { onClock?: boolean } = {}, options: Partial<Pn532I2cTransportOptions> = {}) {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  const chip = new SimPn532()
  const { onClock, ...i2cOptions } = chipOptions
  bus.attach(ADDRESS, new SimPn532I2c(chip, onClock ? { ...i2cOptions, clock } : i2cOptions))
  const transport = new Pn532I2cTransport(bus, { clock, ...options })
  const exchange = (command: Pn532Command, timeoutMs = 200, signal?: AbortSignal) =>
    drive(clock, transport.exchange(command, signal ? { timeoutMs, signal } : { timeoutMs }))
  const writes = () => bus.transactions.filter((transaction) => transaction.kind === 'write').map(({ bytes }) => formatHexBytes(bytes))
  return { clock, bus, chip, transport, exchange, writes }
}

/** An I2C device that answers reads from a script (hex, one entry per read; the last repeats). */
function scriptedDevice(script: string[]): I2cDevice & { writes: string[] } {
  const writes: string[] = []
  let next = 0
  return {
    writes,
    write: (bytes) => void writes.push(formatHexBytes(bytes)),
    read: (length) => {
      const bytes = parseHexBytes(script[Math.min(next++, script.length - 1)] ?? '00')
      const read = new Uint8Array(length)
      read.set(bytes.subarray(0, length))
      return read
    },
  }
}

t.test('writes the frame, polls 1-byte status reads until ready, reads the ACK, then the response', async (t) => {
  const { bus, exchange } = rig({ busyReads: 1 })
  const data = await exchange(getFirmwareVersion())
  t.equal(formatHexBytes(data), '03 32 01 06 07')
  t.strictSame(
    bus.transactions.map(({ kind, bytes }) => `${kind} ${kind === 'write' ? formatHexBytes(bytes) : bytes.length}`),
    [
      'write 00 00 FF 02 FE D4 02 2A 00',
      'read 1', // busy
      'read 1', // ready
      'read 7', // status + ACK
      'read 1', // busy
      'read 1',
      'read 271', // status + RESPONSE_READ_BYTES
    ],
  )
})

t.test('sleeps statusPollMs between status reads while the chip is busy', async (t) => {
  const { bus, clock, transport } = rig({ onClock: true, busyMs: 10 }, { statusPollMs: 5 })
  const startMs = clock.now()
  const doneMs = await drive(clock, transport.exchange(getFirmwareVersion(), { timeoutMs: 100 }).then(() => clock.now()))
  const statusReads = bus.transactions.filter(({ kind, bytes }) => kind === 'read' && bytes.length === 1).length
  t.equal(statusReads, 6, '3 per frame: at 0, 5 and 10 ms')
  t.equal(doneMs - startMs, 20, 'ACK ready at 10 ms, response 10 ms after it was read')
})

t.test('a response that does not come in time is a timeout, and the chip is told to abort', async (t) => {
  const { chip, clock, exchange, writes } = rig()
  const startMs = clock.now()
  await t.rejects(exchange(inListPassiveTarget(1, 0), 100), {
    code: 'E_DEVICE_TIMEOUT',
    message: /no response/,
    context: { address: ADDRESS },
  })
  t.ok(clock.now() - startMs >= 100 && clock.now() - startMs < 110, 'after timeoutMs')
  t.equal(writes().at(-1), ACK, 'ACK frame sent to abort')
  t.notOk(chip.waitingForCard)
  chip.presentCard({ uid: 'DE AD BE EF' })
  await exchange(rfConfigurationMaxRetries(0xff, 1, 2))
  t.equal(formatHexBytes(await exchange(inListPassiveTarget(1, 0))), '4B 01 01 00 04 08 04 DE AD BE EF', 'usable afterwards')
})

t.test('no ACK within ackTimeoutMs is a timeout', async (t) => {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  const device = scriptedDevice(['00'])
  bus.attach(ADDRESS, device)
  const transport = new Pn532I2cTransport(bus, { clock, ackTimeoutMs: 30 })
  await t.rejects(drive(clock, transport.exchange(getFirmwareVersion(), { timeoutMs: 1000 })), {
    code: 'E_DEVICE_TIMEOUT',
    message: /no ACK/,
  })
  t.ok(clock.now() >= 30 && clock.now() < 40)
  t.strictSame(device.writes, ['00 00 FF 02 FE D4 02 2A 00', ACK])
})

t.test('an error frame rejects with E_DEVICE_PROTOCOL', async (t) => {
  const { exchange } = rig()
  await t.rejects(exchange({ code: 0x7e, params: new Uint8Array(0) }), {
    code: 'E_DEVICE_PROTOCOL',
    message: /0x7E.*error frame/,
  })
})

t.test('an absent chip rejects with E_I2C_NACK and nothing more is sent', async (t) => {
  const { bus, exchange } = rig()
  bus.detach(ADDRESS)
  await t.rejects(exchange(getFirmwareVersion()), { code: 'E_I2C_NACK' })
  t.equal(bus.transactions.length, 1)
})

t.test('a failed read rejects with E_I2C_IO and a damaged frame with E_CODEC_INVALID', async (t) => {
  const { chip, exchange, writes } = rig()
  chip.failNext('eio')
  await t.rejects(exchange(getFirmwareVersion()), { code: 'E_I2C_IO' })
  t.equal(writes().at(-1), ACK)
  chip.failNext('garbage')
  await t.rejects(exchange(getFirmwareVersion()), { code: 'E_CODEC_INVALID' })
  t.equal(formatHexBytes(await exchange(getFirmwareVersion())), '03 32 01 06 07', 'fine again')
})

t.test('a status byte that is neither 0x00 nor 0x01 rejects with E_CODEC_INVALID', async (t) => {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  bus.attach(ADDRESS, scriptedDevice(['80']))
  const transport = new Pn532I2cTransport(bus, { clock })
  await t.rejects(drive(clock, transport.exchange(getFirmwareVersion(), { timeoutMs: 100 })), {
    code: 'E_CODEC_INVALID',
    context: { byte: 0x80 },
  })
})

t.test('keeps polling when the chip turns busy between the status read and the frame read', async (t) => {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  bus.attach(
    ADDRESS,
    scriptedDevice(['01', '00', '01', `01 ${ACK}`, '01', '01 00 00 FF 06 FA D5 03 32 01 06 07 E8 00']),
  )
  const transport = new Pn532I2cTransport(bus, { clock })
  const data = await drive(clock, transport.exchange(getFirmwareVersion(), { timeoutMs: 100 }))
  t.equal(formatHexBytes(data), '03 32 01 06 07')
})

t.test('a NACK where the ACK belongs, or a response to another command, rejects with E_DEVICE_PROTOCOL', async (t) => {
  const clock = new SimClock(0)
  const nack = new SimI2cBus()
  nack.attach(ADDRESS, scriptedDevice(['01', '01 00 00 FF FF 00 00']))
  await t.rejects(drive(clock, new Pn532I2cTransport(nack, { clock }).exchange(getFirmwareVersion(), { timeoutMs: 100 })), {
    code: 'E_DEVICE_PROTOCOL',
    message: /NACK where the ACK belongs/,
  })
  const other = new SimI2cBus()
  other.attach(ADDRESS, scriptedDevice(['01', `01 ${ACK}`, '01', '01 00 00 FF 06 FA D5 03 32 01 06 07 E8 00']))
  const confused = new Pn532I2cTransport(other, { clock })
  await t.rejects(drive(clock, confused.exchange(inListPassiveTarget(1, 0), { timeoutMs: 100 })), {
    code: 'E_DEVICE_PROTOCOL',
    message: /InListPassiveTarget response/,
  })
})

t.test('an ACK where the response belongs rejects with E_DEVICE_PROTOCOL', async (t) => {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  bus.attach(ADDRESS, scriptedDevice(['01', `01 ${ACK}`]))
  await t.rejects(drive(clock, new Pn532I2cTransport(bus, { clock }).exchange(getFirmwareVersion(), { timeoutMs: 100 })), {
    code: 'E_DEVICE_PROTOCOL',
    message: /ACK where the GetFirmwareVersion response belongs/,
  })
})

t.test('a response frame longer than the read is cut and rejected with E_CODEC_INVALID', async (t) => {
  const { exchange } = rig({}, { responseReadBytes: 8 })
  await t.rejects(exchange(getFirmwareVersion()), { code: 'E_CODEC_INVALID', message: /truncated/ })
})

t.test('an abort signal cancels the exchange with E_CANCELED and aborts the chip command', async (t) => {
  const { chip, clock, transport, writes } = rig()
  const controller = new AbortController()
  const pending = transport.exchange(inListPassiveTarget(1, 0), { timeoutMs: 10_000, signal: controller.signal })
  await clock.advanceAsync(20, 1)
  t.ok(chip.waitingForCard)
  controller.abort()
  await t.rejects(drive(clock, pending), { code: 'E_CANCELED' })
  t.equal(writes().at(-1), ACK)
  t.notOk(chip.waitingForCard)
  const before = writes().length
  await t.rejects(transport.exchange(getFirmwareVersion(), { timeoutMs: 100, signal: controller.signal }), {
    code: 'E_CANCELED',
  })
  t.equal(writes().length, before, 'an already aborted exchange sends nothing')
})

t.test('concurrent exchanges run one after the other', async (t) => {
  const { bus, clock, transport } = rig()
  const first = transport.exchange(getFirmwareVersion(), { timeoutMs: 100 })
  const second = transport.exchange(rfConfigurationMaxRetries(0xff, 1, 2), { timeoutMs: 100 })
  const [a, b] = await drive(clock, Promise.all([first, second]))
  t.equal(formatHexBytes(a), '03 32 01 06 07')
  t.equal(formatHexBytes(b), '33')
  const secondWrite = bus.transactions.findIndex(({ kind }, index) => kind === 'write' && index > 0)
  const firstResponse = bus.transactions.findIndex(({ kind, bytes }) => kind === 'read' && bytes.length === 271)
  t.ok(firstResponse > 0 && firstResponse < secondWrite, 'the second command goes out after the first response was read')
})

t.test('describes itself and refuses bad options', async (t) => {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  t.equal(new Pn532I2cTransport(bus, { clock }).description, 'I2C 0x24')
  t.equal(new Pn532I2cTransport(bus, { clock, address: 0x48 >> 1 }).description, 'I2C 0x24')
  t.throws(() => new Pn532I2cTransport(bus, { clock, address: 0x48 << 1 }), TypeError)
  t.throws(() => new Pn532I2cTransport(bus, { clock, statusPollMs: 0 }), { message: /statusPollMs/ })
  t.throws(() => new Pn532I2cTransport(bus, { clock, responseReadBytes: -1 }), { message: /responseReadBytes/ })
})
