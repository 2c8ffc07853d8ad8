import t from 'tap'
import { formatHexBytes, parseHexBytes } from '../../../drivers/nfc/hex-bytes.js'
import {
  getFirmwareVersion,
  inListPassiveTarget,
  samConfiguration,
  type Pn532Command,
} from '../../../drivers/nfc/pn532-commands.js'
import { encodeCommand, HSU_WAKEUP } from '../../../drivers/nfc/pn532-frame.js'
import { Pn532HsuTransport } from '../../../drivers/nfc/pn532-hsu-transport.js'
import { SimPn532, SimPn532Hsu } from '../../../drivers/nfc/sim-pn532.js'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { driveClockThroughIo as drive } from '../../support/drive-clock.js'

const ACK = '00 00 FF 00 FF 00'
const SAM = samConfiguration(1)

/**
 * SimClock, a SimSerialLink pair with the transport on the host end; `sent` collects what reached the
 * device end. With `chip` (default) a SimPn532Hsu answers there; `echo` makes the line echo.
 */
function rig(options: { chip?: boolean; echo?: boolean; responseDelayMs?: number } = {}) {
  const clock = new SimClock(0)
  const { host, device } = SimSerialLink.pair('/dev/ttyAMA0')
  const chip = new SimPn532()
  const sent: string[] = []
  device.onData((chunk) => sent.push(formatHexBytes(chunk)))
  if (options.echo) device.onData((chunk) => void device.write(chunk))
  if (options.chip !== false) new SimPn532Hsu(chip, device, { clock, responseDelayMs: options.responseDelayMs ?? 0 })
  const transport = new Pn532HsuTransport(host, { clock })
  const exchange = (command: Pn532Command, timeoutMs = 200, signal?: AbortSignal) =>
    drive(clock, transport.exchange(command, signal ? { timeoutMs, signal } : { timeoutMs }))
  return { clock, host, device, chip, transport, sent, exchange }
}

const frameHex = (command: Pn532Command) => formatHexBytes(encodeCommand(command.code, command.params))

t.test('sends the wake-up before the first command only, and returns the response data', async (t) => {
  const { chip, sent, exchange } = rig()
  t.equal(formatHexBytes(await exchange(SAM)), '15')
  t.equal(formatHexBytes(await exchange(getFirmwareVersion())), '03 32 01 06 07')
  t.strictSame(sent, [`${formatHexBytes(HSU_WAKEUP)} ${frameHex(SAM)}`, frameHex(getFirmwareVersion())])
  t.notOk(chip.lowVbat)
})

t.test('waits for a response that comes after the ACK', async (t) => {
  const { clock, exchange } = rig({ responseDelayMs: 40 })
  const startMs = clock.now()
  t.equal(formatHexBytes(await exchange(SAM)), '15')
  t.ok(clock.now() - startMs >= 40, 'the response came 40 ms after the ACK')
})

t.test('ignores its own frames echoed back by the line, and the echoed wake-up', async (t) => {
  const { exchange } = rig({ echo: true })
  t.equal(formatHexBytes(await exchange(SAM)), '15')
  t.equal(formatHexBytes(await exchange(getFirmwareVersion())), '03 32 01 06 07')
})

t.test('drops stale bytes received before the command', async (t) => {
  const { device, exchange } = rig()
  await exchange(SAM)
  await device.write(parseHexBytes(`${ACK} 00 00 FF 03 FD D5 4B 00 E0 00 00 00 FF 06`))
  t.equal(formatHexBytes(await exchange(getFirmwareVersion())), '03 32 01 06 07')
})

t.test('skips a stale response that arrives before the ACK, and an ACK before the response', async (t) => {
  const { device, transport, clock } = rig({ chip: false })
  const answered = drive(clock, transport.exchange(getFirmwareVersion(), { timeoutMs: 200 }))
  await new Promise<void>((resolve) => setImmediate(resolve))
  await device.write(parseHexBytes(`00 00 FF 03 FD D5 4B 00 E0 00 ${ACK} ${ACK}`))
  await device.write(parseHexBytes('00 00 FF 03 FD D5 4B 00 E0 00 00 00 FF 06 FA D5 03 32 01 06 07 E8 00'))
  t.equal(formatHexBytes(await answered), '03 32 01 06 07')
})

t.test('no ACK in time is a timeout; the next command wakes the chip again', async (t) => {
  const { chip, clock, sent, exchange } = rig()
  await exchange(SAM)
  chip.failNext('nack')
  const startMs = clock.now()
  await t.rejects(exchange(getFirmwareVersion()), { code: 'E_DEVICE_TIMEOUT', message: /no ACK/ })
  t.ok(clock.now() - startMs >= 50 && clock.now() - startMs < 60, 'after ackTimeoutMs (50 ms)')
  t.equal(sent.at(-1), ACK, 'the chip is told to abort')
  t.equal(formatHexBytes(await exchange(getFirmwareVersion())), '03 32 01 06 07')
  t.ok(sent.at(-1)?.startsWith('55 55 00'), 'wake-up again after a failure')
})

t.test('a response that stops halfway is a timeout', async (t) => {
  const { chip, exchange } = rig()
  await exchange(SAM)
  chip.failNext('eio')
  await t.rejects(exchange(getFirmwareVersion(), 100), { code: 'E_DEVICE_TIMEOUT', message: /no response/ })
})

t.test('a frame with a bad checksum rejects at once with E_CODEC_INVALID', async (t) => {
  const { chip, clock, exchange } = rig()
  await exchange(SAM)
  chip.failNext('garbage')
  const startMs = clock.now()
  await t.rejects(exchange(getFirmwareVersion(), 1000), { code: 'E_CODEC_INVALID', message: /DCS mismatch/ })
  t.ok(clock.now() - startMs < 5, 'without waiting for the deadline')
  t.equal(formatHexBytes(await exchange(getFirmwareVersion())), '03 32 01 06 07')
})

t.test('line noise alone is not an error, but the timeout mentions it', async (t) => {
  const { device, clock, transport } = rig({ chip: false })
  const pending = drive(clock, transport.exchange(getFirmwareVersion(), { timeoutMs: 100 }))
  await new Promise<void>((resolve) => setImmediate(resolve))
  await device.write(parseHexBytes('13 37 42'))
  await t.rejects(pending, { code: 'E_DEVICE_TIMEOUT', message: /3 stray bytes/, context: { strayBytes: 3 } })
})

t.test('an error frame rejects with E_DEVICE_PROTOCOL; so does a NACK where the ACK belongs', async (t) => {
  const { exchange } = rig()
  await exchange(SAM)
  await t.rejects(exchange({ code: 0x02, params: Uint8Array.of(0x01) }), {
    code: 'E_DEVICE_PROTOCOL',
    message: /error frame/,
  })
  const other = rig({ chip: false })
  const pending = drive(other.clock, other.transport.exchange(SAM, { timeoutMs: 100 }))
  await new Promise<void>((resolve) => setImmediate(resolve))
  await other.device.write(parseHexBytes('00 00 FF FF 00 00'))
  await t.rejects(pending, { code: 'E_DEVICE_PROTOCOL', message: /NACK where the ACK belongs/ })
})

t.test('InListPassiveTarget with no card and MxRty 0xFF times out and is aborted', async (t) => {
  const { chip, exchange, sent } = rig()
  await exchange(SAM)
  await t.rejects(exchange(inListPassiveTarget(1, 0), 300), { code: 'E_DEVICE_TIMEOUT', message: /no response/ })
  t.equal(sent.at(-1), ACK)
  t.notOk(chip.waitingForCard)
})

t.test('an abort signal cancels with E_CANCELED; an aborted signal sends nothing', async (t) => {
  const { chip, clock, transport, sent, exchange } = rig()
  await exchange(SAM)
  const controller = new AbortController()
  const pending = transport.exchange(inListPassiveTarget(1, 0), { timeoutMs: 10_000, signal: controller.signal })
  await clock.advanceAsync(10, 1)
  t.ok(chip.waitingForCard)
  controller.abort()
  await t.rejects(drive(clock, pending), { code: 'E_CANCELED' })
  t.notOk(chip.waitingForCard)
  const count = sent.length
  await t.rejects(transport.exchange(getFirmwareVersion(), { timeoutMs: 100, signal: controller.signal }), {
    code: 'E_CANCELED',
  })
  t.equal(sent.length, count)
})

t.test('a closed link rejects with E_SERIAL_IO; a closed transport stops listening', async (t) => {
  const first = rig()
  await first.host.close()
  await t.rejects(first.exchange(SAM), { code: 'E_SERIAL_IO' })
  const second = rig()
  second.transport.close()
  second.transport.close()
  await t.rejects(second.exchange(SAM), { code: 'E_DEVICE_TIMEOUT' })
})

t.test('describes itself by the link path and refuses a bad ackTimeoutMs', async (t) => {
  const { host } = SimSerialLink.pair('/dev/serial0')
  const clock = new SimClock(0)
  t.equal(new Pn532HsuTransport(host, { clock }).description, 'HSU /dev/serial0')
  t.throws(() => new Pn532HsuTransport(host, { clock, ackTimeoutMs: 0 }), { name: 'TypeError', message: /ackTimeoutMs/ })
})
