import t from 'tap'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { formatHexBytes } from '../../../drivers/nfc/hex-bytes.js'
import {
  getFirmwareVersion,
  inListPassiveTarget,
  inRelease,
  rfConfigurationMaxRetries,
  samConfiguration,
  type Pn532Command,
} from '../../../drivers/nfc/pn532-commands.js'
import { ACK_FRAME, encodeCommand, HSU_WAKEUP, NACK_FRAME } from '../../../drivers/nfc/pn532-frame.js'
import { SimPn532, SimPn532Hsu, SimPn532I2c } from '../../../drivers/nfc/sim-pn532.js'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

const ADDRESS = 0x24
const ACK = '00 00 FF 00 FF 00'
const NO_TARGET = '00 00 FF 03 FD D5 4B 00 E0 00'
const CARD = '00 00 FF 0C F4 D5 4B 01 01 00 04 08 04 DE AD BE EF 96 00'
const ERROR = '00 00 FF 01 FF 7F 81 00'

const frame = (command: Pn532Command): Uint8Array => encodeCommand(command.code, command.params)

/** A SimPn532 on a SimI2cBus at 0x24. `read(n)` returns hex of an n-byte read transaction. */
function i2cRig(options: { busyReads?: number; clock?: SimClock; busyMs?: number } = {}) {
  const bus = new SimI2cBus()
  const chip = new SimPn532()
  bus.attach(ADDRESS, new SimPn532I2c(chip, options))
  const send = (bytes: Uint8Array) => bus.write(ADDRESS, bytes)
  const read = async (length: number) => formatHexBytes(await bus.read(ADDRESS, length))
  /** Status-polls until ready (at most `maxReads`), then reads status + `length`; hex without the status byte. */
  const readFrame = async (length: number, maxReads = 10) => {
    for (let reads = 0; reads < maxReads; reads++) {
      const [status] = await bus.read(ADDRESS, 1)
      if (status === 0x01) return (await read(1 + length)).slice(3)
    }
    return 'busy'
  }
  return { bus, chip, send, read, readFrame }
}

t.test('on I2C every read starts with the status byte: busy (with stale bytes), then ready with the ACK', async (t) => {
  const { chip, send, read } = i2cRig({ busyReads: 2 })
  await send(frame(getFirmwareVersion()))
  t.equal(await read(1), '00')
  t.equal(await read(7), '00 00 00 00 00 00 00', 'busy, and nothing was read before')
  t.equal(await read(1), '01', 'a 1-byte status read does not consume the ACK')
  t.equal(await read(1), '01')
  t.equal(await read(7), `01 ${ACK}`)
  t.equal(await read(7), `00 ${ACK}`, 'busy again; the stale ACK looks valid (vector i2c_read_not_ready)')
  t.equal(await read(7), '00 00 00 FF 00 FF 00')
  t.equal(await read(14), '01 00 00 FF 06 FA D5 03 32 01 06 07 E8 00')
  t.equal(await read(6), '00 00 00 FF 06 FA', 'reads are cut to their length')
  t.strictSame(
    chip.commands.map(({ name, outcome }) => ({ name, outcome })),
    [{ name: 'GetFirmwareVersion', outcome: 'answered' }],
  )
})

t.test('on I2C a ready read longer than the frame is zero-padded', async (t) => {
  const { send, readFrame } = i2cRig({ busyReads: 0 })
  await send(frame(samConfiguration(1)))
  t.equal(await readFrame(8), `${ACK} 00 00`)
  t.equal(await readFrame(12), '00 00 FF 02 FE D5 15 16 00 00 00 00')
})

t.test('with a clock the busy period is measured in milliseconds, not reads', async (t) => {
  const clock = new SimClock(0)
  const { send, read } = i2cRig({ clock, busyMs: 5 })
  await send(frame(getFirmwareVersion()))
  for (let reads = 0; reads < 20; reads++) t.equal(await read(1), '00')
  clock.advance(5)
  t.equal(await read(7), `01 ${ACK}`)
  t.equal(await read(1), '00', 'the response has its own busy period')
  clock.advance(5)
  t.equal(await read(1), '01')
})

t.test('answers bad parameters and unknown commands with ACK and the error frame', async (t) => {
  const { chip, send, readFrame } = i2cRig()
  const cases: Array<[string, Uint8Array]> = [
    ['GetFirmwareVersion with a parameter', encodeCommand(0x02, Uint8Array.of(0x00))],
    ['SAMConfiguration mode 9', encodeCommand(0x14, Uint8Array.of(0x09))],
    ['SAMConfiguration without mode', encodeCommand(0x14, new Uint8Array(0))],
    ['RFConfiguration MaxRetries with 2 bytes', encodeCommand(0x32, Uint8Array.of(0x05, 0xff, 0x01))],
    ['RFConfiguration unknown item', encodeCommand(0x32, Uint8Array.of(0x07, 0x00))],
    ['InListPassiveTarget MaxTg 3', encodeCommand(0x4a, Uint8Array.of(0x03, 0x00))],
    ['InListPassiveTarget BrTy 9', encodeCommand(0x4a, Uint8Array.of(0x01, 0x09))],
    ['InListPassiveTarget FeliCa without payload', encodeCommand(0x4a, Uint8Array.of(0x01, 0x01))],
    ['InRelease without Tg', encodeCommand(0x52, new Uint8Array(0))],
    ['unknown command', encodeCommand(0x7e, new Uint8Array(0))],
  ]
  for (const [name, bytes] of cases) {
    await send(bytes)
    t.equal(await readFrame(6), ACK, `${name}: ACK`)
    t.equal(await readFrame(8), ERROR, `${name}: error frame`)
  }
  t.ok(chip.commands.every((command) => command.outcome === 'error'))
})

t.test('ignores a frame with a bad checksum: no ACK', async (t) => {
  const { chip, send, readFrame } = i2cRig()
  const bytes = frame(getFirmwareVersion())
  bytes[7] = 0x2b
  await send(bytes)
  t.equal(await readFrame(6), 'busy')
  t.strictSame(chip.commands, [])
})

t.test('with MxRtyPassiveActivation 0xFF and no card InListPassiveTarget never answers, until a card comes', async (t) => {
  const { chip, send, readFrame } = i2cRig()
  t.equal(chip.passiveActivationRetries, 0xff, 'the power-up value')
  await send(frame(inListPassiveTarget(1, 0)))
  t.equal(await readFrame(6), ACK)
  t.equal(await readFrame(20, 50), 'busy')
  t.ok(chip.waitingForCard)
  chip.presentCard({ uid: 'DE AD BE EF' })
  t.equal(await readFrame(20), `${CARD} 00`)
  t.notOk(chip.waitingForCard)
  t.equal(chip.commands[0]?.outcome, 'answered')
})

t.test('with a small MxRtyPassiveActivation InListPassiveTarget answers D5 4B 00 when no card is there', async (t) => {
  const { chip, send, readFrame } = i2cRig()
  await send(frame(rfConfigurationMaxRetries(0xff, 0x01, 0x02)))
  await readFrame(6)
  t.equal(await readFrame(9), '00 00 FF 02 FE D5 33 F8 00')
  t.equal(chip.passiveActivationRetries, 2)
  await send(frame(inListPassiveTarget(1, 0)))
  await readFrame(6)
  t.equal(await readFrame(10), NO_TARGET)
  chip.presentCard({ uid: 'DE AD BE EF' })
  await send(frame(inListPassiveTarget(1, 0)))
  await readFrame(6)
  t.equal(await readFrame(19), CARD, 'the card is found again at every poll while in the field')
  chip.removeCard()
  await send(frame(inListPassiveTarget(1, 0)))
  await readFrame(6)
  t.equal(await readFrame(10), NO_TARGET)
  await send(encodeCommand(0x4a, Uint8Array.of(1, 3, 0x00)))
  await readFrame(6)
  t.equal(await readFrame(10), NO_TARGET, 'no type B card either')
})

t.test('reports an NTAG and an ISO 14443-4 card with their own ATQA, SAK and ATS', async (t) => {
  const { chip, send, readFrame } = i2cRig()
  await send(frame(rfConfigurationMaxRetries(0xff, 0x01, 0x00)))
  await readFrame(6)
  await readFrame(9)
  chip.presentCard({ uid: '04 A2 24 E2 C8 5A 80', atqa: '0x0044', sak: '00' })
  await send(frame(inListPassiveTarget(1, 0)))
  await readFrame(6)
  t.match(await readFrame(22), /^00 00 FF 0F F1 D5 4B 01 01 00 44 00 07 04 A2 24 E2 C8 5A 80 /)
  chip.presentCard({ uid: '08 12 34 56', sak: '20', ats: '05 78 80 70 02' })
  await send(frame(inListPassiveTarget(1, 0)))
  await readFrame(6)
  t.match(await readFrame(24), /^00 00 FF 11 EF D5 4B 01 01 00 04 20 04 08 12 34 56 05 78 80 70 02 /)
})

t.test('refuses malformed cards', async (t) => {
  const chip = new SimPn532()
  t.throws(() => chip.presentCard({ uid: 'DE AD BE' }), { name: 'TypeError', message: /uid/ })
  t.throws(() => chip.presentCard({ uid: 'DE AD BE EF', atqa: '04' }), { message: /atqa/ })
  t.throws(() => chip.presentCard({ uid: 'DE AD BE EF', sak: '' }), { message: /sak/ })
  t.throws(() => chip.presentCard({ uid: 'DE AD BE EF', sak: '20' }), { message: /ats/ })
  t.throws(() => chip.presentCard({ uid: 'DE AD BE EF', ats: '01' }), { message: /ats/ })
  t.throws(() => chip.presentCard({ uid: 'DE AD BE EF', sak: '20', ats: '05 78' }), { message: /ats/ })
  t.throws(() => chip.failNext('eio', 0), TypeError)
})

t.test('the host ACK aborts a waiting InListPassiveTarget; another command replaces it', async (t) => {
  const { chip, send, readFrame } = i2cRig()
  await send(frame(inListPassiveTarget(1, 0)))
  await readFrame(6)
  await send(ACK_FRAME)
  t.notOk(chip.waitingForCard)
  chip.presentCard({ uid: 'DE AD BE EF' })
  t.equal(await readFrame(20, 20), 'busy', 'no late answer to an aborted command')
  chip.removeCard()
  await send(frame(inListPassiveTarget(1, 0)))
  await readFrame(6)
  await send(frame(inRelease(0)))
  t.equal(await readFrame(6), ACK)
  t.equal(await readFrame(10), '00 00 FF 03 FD D5 53 00 D8 00')
  t.notOk(chip.waitingForCard)
  t.strictSame(
    chip.commands.map(({ outcome }) => outcome),
    ['ignored', 'ignored', 'answered'],
  )
})

t.test('the host NACK gets the last response again', async (t) => {
  const { send, readFrame } = i2cRig()
  await send(NACK_FRAME)
  t.equal(await readFrame(6), 'busy', 'nothing to resend yet')
  await send(frame(getFirmwareVersion()))
  await readFrame(6)
  const response = await readFrame(13)
  await send(NACK_FRAME)
  t.equal(await readFrame(13), response)
})

t.test('failNext on I2C: nack refuses the write, eio breaks the next read, garbage replaces the answer', async (t) => {
  const { chip, send, read, readFrame } = i2cRig({ busyReads: 0 })
  chip.failNext('nack', 2)
  await t.rejects(send(frame(getFirmwareVersion())), { code: 'E_I2C_NACK', context: { address: ADDRESS } })
  await t.rejects(send(frame(getFirmwareVersion())), { code: 'E_I2C_NACK' })
  t.strictSame(
    chip.commands.map(({ outcome }) => outcome),
    ['ignored', 'ignored'],
  )
  await send(frame(getFirmwareVersion()))
  t.equal(await readFrame(6), ACK, 'then the chip answers again')
  chip.failNext('eio')
  await send(frame(getFirmwareVersion()))
  await t.rejects(read(1), { code: 'E_I2C_IO' })
  t.equal(await readFrame(6), ACK, 'the command itself arrived')
  chip.failNext('garbage')
  await send(frame(getFirmwareVersion()))
  t.equal(await readFrame(11), '5A A5 00 00 FF 03 FD D5 4B 00 00')
  t.equal(await readFrame(13), '00 00 FF 06 FA D5 03 32 01 06 07 E8 00')
})

t.test('a power cycle drops what was waiting to be read and restores the power-up settings', async (t) => {
  const { chip, send, readFrame } = i2cRig()
  await send(frame(samConfiguration(1)))
  await send(frame(rfConfigurationMaxRetries(0xff, 1, 2)))
  t.notOk(chip.lowVbat)
  chip.powerCycle()
  t.ok(chip.lowVbat)
  t.equal(chip.passiveActivationRetries, 0xff)
  t.equal(await readFrame(6), 'busy')
  await send(frame(getFirmwareVersion()))
  t.equal(await readFrame(6), ACK, 'I2C does not need the LowVbat exit first')
})

t.test('reports another IC when told to', async (t) => {
  const bus = new SimI2cBus()
  bus.attach(ADDRESS, new SimPn532I2c(new SimPn532({ ic: 0x33, ver: 2, rev: 7, support: 5 }), { busyReads: 0 }))
  await bus.write(ADDRESS, frame(getFirmwareVersion()))
  await bus.read(ADDRESS, 7)
  t.equal(formatHexBytes(await bus.read(ADDRESS, 14)), '01 00 00 FF 06 FA D5 03 33 02 07 05 E7 00')
})

/** A SimPn532 at the device end of a SimSerialLink; `received` collects what the host gets. */
function hsuRig(options: { clock?: SimClock; responseDelayMs?: number } = {}) {
  const { host, device } = SimSerialLink.pair('/dev/sim-pn532')
  const chip = new SimPn532()
  const port = new SimPn532Hsu(chip, device, options)
  let received: number[] = []
  host.onData((chunk) => received.push(...chunk))
  const settle = async () => {
    for (let tick = 0; tick < 10; tick++) await new Promise<void>((resolve) => setImmediate(resolve))
  }
  /** Writes `bytes` and returns what came back (hex) once the line is quiet. */
  const exchange = async (bytes: Uint8Array) => {
    received = []
    await host.write(bytes)
    await settle()
    return formatHexBytes(Uint8Array.from(received))
  }
  return { host, device, chip, port, exchange, settle }
}

const SAM_FRAME = frame(samConfiguration(1))
const SAM_ANSWER = `${ACK} 00 00 FF 02 FE D5 15 16 00`
const FIRMWARE_ANSWER = `${ACK} 00 00 FF 06 FA D5 03 32 01 06 07 E8 00`

t.test('on HSU the chip sleeps until 55 55 and zeros; a frame without the wake-up is lost', async (t) => {
  const { chip, port, exchange } = hsuRig()
  t.notOk(port.awake)
  t.equal(await exchange(SAM_FRAME), '', 'no wake-up, no answer')
  t.equal(await exchange(Uint8Array.of(0x55, 0x13, 0x55, 0x00, 0x00)), '', 'not the wake-up sequence')
  t.notOk(port.awake)
  t.strictSame(chip.commands, [])
  t.equal(await exchange(Uint8Array.from([...HSU_WAKEUP, ...SAM_FRAME])), SAM_ANSWER)
  t.ok(port.awake)
})

t.test('on HSU the wake-up may arrive in pieces', async (t) => {
  const { exchange } = hsuRig()
  t.equal(await exchange(Uint8Array.of(0x55)), '')
  t.equal(await exchange(Uint8Array.of(0x55)), '')
  t.equal(await exchange(Uint8Array.from([0x00, ...SAM_FRAME])), SAM_ANSWER)
})

t.test('on HSU the chip stays in LowVbat, ignoring other commands, until SAMConfiguration', async (t) => {
  const { chip, exchange } = hsuRig()
  t.equal(await exchange(Uint8Array.from([...HSU_WAKEUP, ...frame(getFirmwareVersion())])), '')
  t.ok(chip.lowVbat)
  t.equal(chip.commands[0]?.outcome, 'ignored')
  t.equal(await exchange(encodeCommand(0x14, Uint8Array.of(0x05))), `${ACK} ${ERROR}`, 'a bad SAMConfiguration is refused')
  t.ok(chip.lowVbat)
  t.equal(await exchange(SAM_FRAME), SAM_ANSWER)
  t.notOk(chip.lowVbat)
  t.equal(await exchange(frame(getFirmwareVersion())), FIRMWARE_ANSWER)
})

t.test('on HSU a power cycle puts the chip back to sleep in LowVbat', async (t) => {
  const { chip, port, exchange } = hsuRig()
  await exchange(Uint8Array.from([...HSU_WAKEUP, ...SAM_FRAME]))
  chip.powerCycle()
  t.notOk(port.awake)
  t.equal(await exchange(frame(getFirmwareVersion())), '')
  t.equal(await exchange(Uint8Array.from([...HSU_WAKEUP, ...frame(getFirmwareVersion())])), '', 'LowVbat again')
  t.equal(await exchange(SAM_FRAME), SAM_ANSWER)
})

t.test('on HSU a late card answer goes out on the line, and the response can be delayed on a clock', async (t) => {
  const clock = new SimClock(0)
  const { chip, exchange } = hsuRig({ clock, responseDelayMs: 10 })
  t.equal(await exchange(Uint8Array.from([...HSU_WAKEUP, ...SAM_FRAME])), ACK, 'the ACK at once')
  clock.advance(10)
  t.equal(await exchange(new Uint8Array(0)), '00 00 FF 02 FE D5 15 16 00', 'the response 10 ms later')
  t.equal(await exchange(frame(inListPassiveTarget(1, 0))), ACK)
  chip.presentCard({ uid: 'DE AD BE EF' })
  t.equal(await exchange(new Uint8Array(0)), '', 'not before the delay')
  clock.advance(10)
  t.equal(await exchange(new Uint8Array(0)), CARD)
})

t.test('failNext on HSU: nack loses the command, eio cuts the response, garbage replaces the answer', async (t) => {
  const { chip, port, exchange } = hsuRig()
  await exchange(Uint8Array.from([...HSU_WAKEUP, ...SAM_FRAME]))
  chip.failNext('nack')
  t.equal(await exchange(frame(getFirmwareVersion())), '')
  chip.failNext('eio')
  t.equal(await exchange(frame(getFirmwareVersion())), `${ACK} 00 00 FF 06 FA D5 03`)
  chip.failNext('garbage')
  t.equal(await exchange(frame(getFirmwareVersion())), '5A A5 00 00 FF 03 FD D5 4B 00 00 00')
  t.equal(await exchange(frame(getFirmwareVersion())), FIRMWARE_ANSWER)
  t.equal(await exchange(Uint8Array.from([0x13, 0x37, ...frame(getFirmwareVersion())])), FIRMWARE_ANSWER, 'noise before a frame is skipped')
  port.close()
  port.close()
  t.equal(await exchange(frame(getFirmwareVersion())), '', 'closed: no longer listening')
})
