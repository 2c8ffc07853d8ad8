import t from 'tap'
import type { KeyName } from '../../../config/schema.js'
import { SimGpioChip } from '../../../drivers/gpio/sim-gpio.js'
import type { I2cBus } from '../../../drivers/i2c/i2c-bus.js'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { wireIrq } from '../../../drivers/i2c/sim-irq-wire.js'
import { initWrites } from '../../../drivers/keypad/mpr121-codec.js'
import { Mpr121Keypad, type Mpr121KeypadConfig } from '../../../drivers/keypad/mpr121-keypad.js'
import { SimMpr121 } from '../../../drivers/keypad/sim-mpr121.js'
import { StationError } from '../../../runtime/core/errors.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
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

const IRQ_LINE = 17
const SAFETY_POLL_MS = 1000

/** The rig with the chip's IRQ pin wired to GPIO17 of a simulated GPIO chip, as config/sim.yaml has it. */
function irqRig(options: { bus?: (bus: SimI2cBus, clock: SimClock) => I2cBus; wired?: boolean } = {}) {
  const clock = new SimClock(0)
  const simBus = new SimI2cBus()
  const chip = new SimMpr121()
  const gpio = new SimGpioChip({ idleLevel: 1 })
  // Not wired: the pin goes nowhere, as with a broken wire; the driver's line never moves.
  const wire = wireIrq(chip, gpio, options.wired === false ? undefined : IRQ_LINE)
  simBus.attach(ADDRESS, wire.device)
  const opened: string[] = []
  const keypad = new Mpr121Keypad(
    {
      bus: options.bus?.(simBus, clock) ?? simBus,
      clock,
      openIrq: async (edge) => {
        opened.push(edge)
        return gpio.line(IRQ_LINE)
      },
    },
    { address: ADDRESS, electrodes: ELECTRODES, pollIntervalMs: POLL_MS, irqSafetyPollMs: SAFETY_POLL_MS, touchThreshold: 12, releaseThreshold: 6 },
  )
  const keys: KeyName[] = []
  keypad.onKey((key) => keys.push(key))
  const statusReads = () => simBus.transactions.filter((t) => t.kind === 'readRegister' && t.register === 0x00).length
  /** A finger on or off electrode `n`: the chip's status changes and its IRQ pin follows. */
  const touch = (n: number) => {
    chip.touch(n)
    wire.sync()
  }
  const release = (n: number) => {
    chip.release(n)
    wire.sync()
  }
  return { clock, simBus, chip, gpio, keypad, keys, opened, statusReads, touch, release }
}

t.test('with an IRQ line a press is read on the falling edge, long before the safety poll', async (t) => {
  const { clock, gpio, keypad, keys, opened, statusReads, touch, release } = irqRig()
  await drive(clock, keypad.start())
  await clock.advanceAsync(5, 1)
  t.same(opened, ['falling'], 'the driver asks the line for falling edges only')
  t.equal(gpio.watcherCount(IRQ_LINE), 1)
  t.equal(gpio.level(IRQ_LINE), 1, 'IRQ idles high')
  const readsBefore = statusReads()
  touch(3)
  await clock.advanceAsync(5, 1)
  t.strictSame(keys, ['4'], 'seen within 5 ms; the poll would be 1000 ms away')
  t.equal(gpio.level(IRQ_LINE), 1, 'the read released IRQ')
  release(3)
  await clock.advanceAsync(5, 1)
  touch(3)
  await clock.advanceAsync(5, 1)
  t.strictSame(keys, ['4', '4'], 'the release was read too, so the next touch is a new press')
  t.equal(statusReads() - readsBefore, 3, 'one read per change, nothing in between')
  await keypad.stop()
  t.equal(gpio.watcherCount(IRQ_LINE), 0, 'stop releases the line')
  t.equal(clock.pendingTimers, 0)
})

t.test('with an IRQ line the chip is polled only every irqSafetyPollMs while nothing happens', async (t) => {
  const { clock, keypad, statusReads } = irqRig()
  await drive(clock, keypad.start())
  await clock.advanceAsync(5, 1)
  const readsBefore = statusReads()
  await clock.advanceAsync(10 * SAFETY_POLL_MS + 50, 10)
  t.equal(statusReads() - readsBefore, 10, '10 reads in 10 s, not 500')
  await keypad.stop()
})

t.test('with the IRQ line stuck (it never fires) the safety poll still sees the key', async (t) => {
  const { clock, gpio, keypad, keys, touch } = irqRig({ wired: false })
  await drive(clock, keypad.start())
  await clock.advanceAsync(5, 1)
  touch(0)
  t.equal(gpio.level(IRQ_LINE), 1, 'no edge reaches the driver')
  await clock.advanceAsync(SAFETY_POLL_MS / 2, 10)
  t.strictSame(keys, [], 'nothing before the safety poll')
  await clock.advanceAsync(SAFETY_POLL_MS, 10)
  t.strictSame(keys, ['1'], 'the safety poll read it')
  await keypad.stop()
})

t.test('an IRQ that fires while a read is in flight is not lost', async (t) => {
  // Each read reaches the chip at once but takes 5 ms to come back, as a slow bus would.
  const slowReads = (bus: SimI2cBus, clock: SimClock): I2cBus => ({
    write: (address, bytes) => bus.write(address, bytes),
    read: (address, length) => bus.read(address, length),
    writeRegister: (address, register, bytes) => bus.writeRegister(address, register, bytes),
    readRegister: async (address, register, length) => {
      const bytes = await bus.readRegister(address, register, length)
      await clock.sleep(5)
      return bytes
    },
    close: () => bus.close(),
  })
  const { clock, keypad, keys, statusReads, touch } = irqRig({ bus: slowReads })
  await drive(clock, keypad.start())
  await clock.advanceAsync(20, 1)
  const readsBefore = statusReads()
  touch(0)
  await clock.advanceAsync(2, 1)
  t.equal(statusReads() - readsBefore, 1, 'the first read reached the chip and is on its way back')
  t.strictSame(keys, [], 'and has not returned yet')
  touch(1)
  await clock.advanceAsync(20, 1)
  t.strictSame(keys, ['1', '2'], 'the edge during the read made a second read, not a wait for the safety poll')
  await keypad.stop()
})

t.test('a touch before the IRQ watch began (IRQ already low) is read right after start', async (t) => {
  const { clock, chip, gpio, keypad, keys, touch } = irqRig()
  // The chip asserts IRQ as soon as it runs, before the driver watches: no edge will come.
  const startChip = chip.write.bind(chip)
  let touched = false
  chip.write = (bytes: Uint8Array) => {
    startChip(bytes)
    if (!touched && chip.running) {
      touched = true
      chip.touch(5)
    }
  }
  await drive(clock, keypad.start())
  t.ok(touched)
  await clock.advanceAsync(5, 1)
  t.strictSame(keys, ['6'])
  t.equal(gpio.level(IRQ_LINE), 1, 'IRQ released')
  touch(6)
  await clock.advanceAsync(5, 1)
  t.strictSame(keys, ['6', '7'])
  await keypad.stop()
})

t.test('an IRQ line that cannot be opened fails start and leaves the chip in stop mode', async (t) => {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  const chip = new SimMpr121()
  bus.attach(ADDRESS, chip)
  const keypad = new Mpr121Keypad(
    { bus, clock, openIrq: async () => Promise.reject(new StationError('E_DEVICE_ABSENT', 'GPIO17 is not accessible')) },
    { address: ADDRESS, electrodes: ELECTRODES, pollIntervalMs: POLL_MS, touchThreshold: 12, releaseThreshold: 6 },
  )
  await t.rejects(drive(clock, keypad.start()), { code: 'E_DEVICE_ABSENT', message: /GPIO17/ })
  t.notOk(chip.running, 'configured, then stopped again')
  t.match(keypad.health(), { state: 'absent', lastErrorCode: 'E_DEVICE_ABSENT' })
  t.equal(clock.pendingTimers, 0, 'no polling')
})

t.test('an IRQ line whose release fails: stop still ends, and records why', async (t) => {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  const chip = new SimMpr121()
  bus.attach(ADDRESS, chip)
  const gpio = new SimGpioChip()
  const keypad = new Mpr121Keypad(
    {
      bus,
      clock,
      openIrq: async () => ({ ...gpio.line(IRQ_LINE), close: async () => Promise.reject(new Error('sysfs unexport failed')) }),
    },
    { address: ADDRESS, electrodes: ELECTRODES, pollIntervalMs: POLL_MS, touchThreshold: 12, releaseThreshold: 6 },
  )
  await drive(clock, keypad.start())
  await keypad.stop()
  t.notOk(chip.running)
  t.match(keypad.health(), { state: 'stopped', lastError: /sysfs unexport failed/ })
  t.throws(() => new Mpr121Keypad({ bus, clock }, { address: ADDRESS, electrodes: ELECTRODES, pollIntervalMs: POLL_MS, irqSafetyPollMs: 0, touchThreshold: 12, releaseThreshold: 6 }), TypeError)
})
