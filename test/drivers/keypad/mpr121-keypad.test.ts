import t from 'tap'
import type { KeyName } from '../../../config/schema.js'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { initWrites } from '../../../drivers/keypad/mpr121-codec.js'
import { Mpr121Keypad, type Mpr121KeypadConfig } from '../../../drivers/keypad/mpr121-keypad.js'
import { SimMpr121 } from '../../../drivers/keypad/sim-mpr121.js'
import type { StationError } from '../../../runtime/errors.js'
import { SimClock } from '../../../runtime/sim-clock.js'
import { driveClock } from '../../support/drive-clock.js'

const ADDRESS = 0x5a
const POLL_MS = 20
/** A front panel wired in an order that is not simply 0..9. */
const ELECTRODES: KeyName[] = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'back', '0', 'ok']

const drive = <T>(clock: SimClock, work: Promise<T>, maxMs = 100): Promise<T> => driveClock(clock, work, maxMs)

/** SimClock, SimI2cBus with a SimMpr121 at 0x5a, and the real driver recording keys and faults. */
function rig(config: Partial<Mpr121KeypadConfig> = {}) {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  const chip = new SimMpr121()
  bus.attach(ADDRESS, chip)
  const keypad = new Mpr121Keypad(
    { bus, clock },
    {
      address: ADDRESS,
      electrodes: ELECTRODES,
      pollIntervalMs: POLL_MS,
      touchThreshold: 12,
      releaseThreshold: 6,
      ...config,
    },
  )
  const keys: KeyName[] = []
  const faults: StationError[] = []
  keypad.onKey((key) => keys.push(key))
  keypad.onFault((error) => faults.push(error))
  /** Lets `ms` of polling happen. */
  const wait = (ms: number) => clock.advanceAsync(ms, POLL_MS)
  return { clock, bus, chip, keypad, keys, faults, wait }
}

t.test('start resets the chip, checks it is an MPR121 and configures it in stop mode, ECR last', async (t) => {
  const { clock, bus, chip, keypad } = rig()
  await drive(clock, keypad.start())
  t.ok(chip.running)
  t.strictSame(
    chip.writes.map(({ register, value }) => ({ register, value })),
    initWrites({ touchThreshold: 12, releaseThreshold: 6 }),
  )
  t.ok(chip.writes.every((write) => write.applied), 'no write was ignored by the chip')
  t.ok(
    bus.transactions.some((transaction) => transaction.kind === 'readRegister' && transaction.register === 0x5d),
    'read CONFIG2',
  )
  t.equal(keypad.health().state, 'ok')
})

t.test('reports one press per touch, not repeated while the finger stays', async (t) => {
  const { clock, chip, keypad, keys, wait } = rig()
  await drive(clock, keypad.start())
  chip.touch(3)
  await wait(POLL_MS)
  t.strictSame(keys, ['4'])
  await wait(10 * POLL_MS)
  t.strictSame(keys, ['4'], 'held')
  chip.release(3)
  await wait(POLL_MS)
  chip.touch(3)
  await wait(POLL_MS)
  t.strictSame(keys, ['4', '4'])
})

t.test('maps electrodes to the configured key names', async (t) => {
  const { clock, chip, keypad, keys, wait } = rig()
  await drive(clock, keypad.start())
  chip.touch(11)
  chip.touch(9)
  await wait(POLL_MS)
  chip.touch(10)
  await wait(POLL_MS)
  t.strictSame(keys, ['back', 'ok', '0'])
})

t.test('an unsubscribed listener hears nothing, and a throwing listener does not stop the others', async (t) => {
  const { clock, chip, keypad, keys, wait } = rig()
  const heard: KeyName[] = []
  const unsubscribe = keypad.onKey((key) => heard.push(key))
  keypad.onKey(() => {
    throw new Error('listener bug')
  })
  await drive(clock, keypad.start())
  chip.touch(0)
  await wait(POLL_MS)
  unsubscribe()
  chip.touch(1)
  await wait(POLL_MS)
  t.strictSame(heard, ['1'])
  t.strictSame(keys, ['1', '2'])
})

t.test('checkNow reads the status at once, as an IRQ edge would', async (t) => {
  const { clock, chip, keypad, keys } = rig()
  await drive(clock, keypad.start())
  chip.touch(0)
  await keypad.checkNow()
  t.strictSame(keys, ['1'])
  t.ok(!chip.irqAsserted, 'the read released IRQ')
})

t.test('start rejects with E_DEVICE_ABSENT when nothing answers', async (t) => {
  const { clock, bus, keypad } = rig()
  bus.detach(ADDRESS)
  await t.rejects(drive(clock, keypad.start()), { code: 'E_DEVICE_ABSENT', context: { address: ADDRESS } })
  t.match(keypad.health(), { state: 'absent', lastErrorCode: 'E_DEVICE_ABSENT' })
})

t.test('start rejects with E_DEVICE_PROTOCOL when another chip answers (CONFIG2 not 0x24)', async (t) => {
  const { clock, bus, keypad } = rig()
  bus.detach(ADDRESS)
  bus.attach(ADDRESS, { write: () => undefined, read: (length) => new Uint8Array(length) })
  await t.rejects(drive(clock, keypad.start()), {
    code: 'E_DEVICE_PROTOCOL',
    context: { address: ADDRESS, register: 0x5d, value: 0 },
  })
  t.equal(keypad.health().state, 'faulty')
})

t.test('a short burst of bus errors only degrades health; keys keep working', async (t) => {
  const { clock, chip, keypad, keys, faults, wait } = rig()
  await drive(clock, keypad.start())
  chip.failNext('eio', 3)
  await wait(3 * POLL_MS)
  t.match(keypad.health(), { state: 'degraded', lastErrorCode: 'E_I2C_IO', detail: { consecutiveFailures: 3 } })
  chip.touch(5)
  await wait(POLL_MS)
  t.strictSame(keys, ['6'])
  t.equal(keypad.health().state, 'ok')
  t.strictSame(faults, [])
})

t.test('a NACK burst ends in faulty health and one fault event, then recovers when the chip answers', async (t) => {
  const { clock, bus, chip, keypad, keys, faults, wait } = rig()
  await drive(clock, keypad.start())
  chip.touch(2)
  await wait(POLL_MS)
  bus.failNext(ADDRESS, 'nack', 8)
  await wait(4 * POLL_MS)
  t.equal(keypad.health().state, 'degraded')
  await wait(POLL_MS)
  t.match(keypad.health(), { state: 'faulty', lastErrorCode: 'E_I2C_NACK' })
  t.equal(faults.length, 1)
  t.equal(faults[0]?.code, 'E_I2C_NACK')
  chip.powerCycle() // it was unplugged; it comes back unconfigured
  await wait(3 * POLL_MS)
  t.equal(faults.length, 1, 'one event per fault')
  await wait(2 * POLL_MS)
  t.equal(keypad.health().state, 'ok')
  t.ok(chip.running, 'configured again')
  chip.release(2)
  chip.touch(7)
  await wait(2 * POLL_MS)
  t.strictSame(keys, ['3', '8'])
})

t.test('EIO bursts past the limit also end in faulty health', async (t) => {
  const { clock, chip, keypad, faults, wait } = rig({ maxConsecutiveFailures: 2 })
  await drive(clock, keypad.start())
  chip.failNext('eio', 2)
  await wait(2 * POLL_MS)
  t.equal(keypad.health().state, 'faulty')
  t.equal(faults[0]?.code, 'E_I2C_IO')
  await wait(2 * POLL_MS)
  t.equal(keypad.health().state, 'ok')
})

t.test('over-current makes health faulty and fires onFault; no keys come from a stopped chip', async (t) => {
  const { clock, chip, keypad, keys, faults, wait } = rig()
  await drive(clock, keypad.start())
  chip.setOverCurrent(true)
  chip.touch(0)
  await wait(3 * POLL_MS)
  t.match(keypad.health(), { state: 'faulty', lastErrorCode: 'E_DEVICE_PROTOCOL', lastError: /over-current/ })
  t.equal(faults.length, 1)
  t.strictSame(keys, [])
})

t.test('notices a chip that silently reset to stop mode and configures it again', async (t) => {
  const { clock, chip, keypad, keys, wait } = rig()
  await drive(clock, keypad.start())
  chip.powerCycle()
  await wait(1000 + 2 * POLL_MS)
  t.ok(chip.running)
  chip.touch(1)
  await wait(POLL_MS)
  t.strictSame(keys, ['2'])
  t.equal(keypad.health().state, 'ok')
})

t.test('stop puts the chip in stop mode and ends polling; it is idempotent', async (t) => {
  const { clock, bus, chip, keypad, keys, wait } = rig()
  await drive(clock, keypad.start())
  await keypad.stop()
  t.notOk(chip.running)
  t.equal(keypad.health().state, 'stopped')
  const before = bus.transactions.length
  chip.touch(0)
  await wait(5 * POLL_MS)
  t.equal(bus.transactions.length, before, 'no more polls')
  t.strictSame(keys, [])
  t.equal(clock.pendingTimers, 0)
  await keypad.stop()
})

t.test('stop never rejects, even when the chip is gone', async (t) => {
  const { clock, bus, keypad } = rig()
  await drive(clock, keypad.start())
  bus.detach(ADDRESS)
  await keypad.stop()
  t.match(keypad.health(), { state: 'stopped', lastErrorCode: 'E_I2C_NACK' })
})

t.test('refuses configurations it cannot run', async (t) => {
  const { bus, clock } = rig()
  const base = { address: ADDRESS, electrodes: ELECTRODES, pollIntervalMs: POLL_MS, touchThreshold: 12, releaseThreshold: 6 }
  t.throws(() => new Mpr121Keypad({ bus, clock }, { ...base, electrodes: [] }), TypeError)
  t.throws(() => new Mpr121Keypad({ bus, clock }, { ...base, pollIntervalMs: 0 }), TypeError)
  t.throws(() => new Mpr121Keypad({ bus, clock }, { ...base, maxConsecutiveFailures: 0 }), TypeError)
  const bad = new Mpr121Keypad({ bus, clock }, { ...base, touchThreshold: 5, releaseThreshold: 6 })
  await t.rejects(bad.start(), { code: 'E_CODEC_INVALID' })
})
