import t from 'tap'
import type { KeyName } from '../../../config/schema.js'
import { SimGpioChip } from '../../../drivers/gpio/sim-gpio.js'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { wireIrq } from '../../../drivers/i2c/sim-irq-wire.js'
import { Ft6x36TouchKeypad, type Ft6x36TouchKeypadConfig } from '../../../drivers/touch/ft6x36-touch-keypad.js'
import { phoneKeyZones } from '../../../drivers/touch/key-zones.js'
import { SimFt6x36 } from '../../../drivers/touch/sim-ft6x36.js'
import { StationError } from '../../../runtime/core/errors.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

const ADDRESS = 0x38
const POLL_MS = 20
const PANEL = { widthPx: 240, heightPx: 320 }
/** 80 × 80 keys with a 10 px dead band: 1 2 3 / 4 5 6 / 7 8 9 / back 0 ok. */
const ZONES = phoneKeyZones(PANEL, { gapPx: 10 })
/** Centre of each key on that layout. */
const CENTRE: Record<KeyName, [number, number]> = {
  '1': [40, 40],
  '2': [120, 40],
  '3': [200, 40],
  '4': [40, 120],
  '5': [120, 120],
  '6': [200, 120],
  '7': [40, 200],
  '8': [120, 200],
  '9': [200, 200],
  back: [40, 280],
  '0': [120, 280],
  ok: [200, 280],
}

/** SimClock, SimI2cBus with a SimFt6x36 at 0x38, and the real driver recording keys and faults. */
function rig(config: Partial<Ft6x36TouchKeypadConfig> = {}, chip = new SimFt6x36()) {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  bus.attach(ADDRESS, chip)
  const keypad = new Ft6x36TouchKeypad(
    { bus, clock },
    { address: ADDRESS, zones: ZONES, panel: PANEL, pollIntervalMs: POLL_MS, ...config },
  )
  const keys: KeyName[] = []
  const faults: StationError[] = []
  keypad.onKey((key) => keys.push(key))
  keypad.onFault((error) => faults.push(error))
  /** Lets `ms` of polling happen. */
  const wait = (ms: number) => clock.advanceAsync(ms, POLL_MS)
  /** Finger `id` down on the centre of `key`. */
  const press = (id: number, key: KeyName) => chip.touch(id, ...CENTRE[key])
  return { clock, bus, chip, keypad, keys, faults, wait, press }
}

t.test('start reads the chip ID and one report, then polls the report block from 0x00', async (t) => {
  const { bus, keypad, wait } = rig()
  await keypad.start()
  t.equal(keypad.health().state, 'ok')
  await wait(POLL_MS)
  t.strictSame(
    bus.transactions.map(({ kind, register, bytes }) => [kind, register, bytes.length]),
    [
      ['readRegister', 0xa3, 1],
      ['readRegister', 0x00, 16],
      ['readRegister', 0x00, 16],
    ],
  )
  t.ok(
    bus.transactions.every((transaction) => transaction.kind === 'readRegister'),
    'writes nothing to the chip',
  )
})

t.test('a tap in a zone gives its key once', async (t) => {
  const { chip, keypad, keys, wait, press } = rig()
  await keypad.start()
  press(0, '5')
  await wait(3 * POLL_MS)
  chip.lift(0)
  await wait(3 * POLL_MS)
  press(0, '9')
  await wait(POLL_MS)
  chip.lift(0)
  await wait(POLL_MS)
  t.strictSame(keys, ['5', '9'])
})

t.test('every zone of the phone layout maps to its key', async (t) => {
  const { chip, keypad, keys, wait, press } = rig()
  await keypad.start()
  const order: KeyName[] = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'back', '0', 'ok']
  for (const key of order) {
    press(0, key)
    await wait(POLL_MS)
    chip.lift(0)
    await wait(POLL_MS)
  }
  t.strictSame(keys, order)
})

t.test('holding a finger gives one key, and pressing again after the lift gives another', async (t) => {
  const { chip, keypad, keys, wait, press } = rig()
  await keypad.start()
  press(0, '7')
  await wait(POLL_MS)
  t.strictSame(keys, ['7'])
  await wait(50 * POLL_MS)
  t.strictSame(keys, ['7'], 'held')
  t.match(keypad.health(), { state: 'ok', detail: { touches: 1 } })
  chip.lift(0)
  await wait(POLL_MS)
  press(0, '7')
  await wait(POLL_MS)
  t.strictSame(keys, ['7', '7'])
})

t.test('a second finger going down while the first is held gives the second key', async (t) => {
  const { chip, keypad, keys, wait, press } = rig()
  await keypad.start()
  press(0, '1')
  await wait(POLL_MS)
  press(1, 'ok')
  await wait(POLL_MS)
  t.strictSame(keys, ['1', 'ok'])
  chip.lift(0)
  await wait(3 * POLL_MS)
  t.strictSame(keys, ['1', 'ok'], 'the first lifting does not press the second again')
  press(0, '3')
  await wait(POLL_MS)
  t.strictSame(keys, ['1', 'ok', '3'])
})

t.test('two fingers landing between two polls give both keys, in touch ID order', async (t) => {
  const { keypad, keys, wait, press } = rig()
  await keypad.start()
  press(1, '2')
  press(0, '8')
  await wait(POLL_MS)
  t.strictSame(keys, ['8', '2'])
})

t.test('touches outside every zone are ignored, also when the finger slides into a zone', async (t) => {
  const { chip, keypad, keys, wait } = rig()
  await keypad.start()
  chip.touch(0, 80, 40) // the dead band between 1 and 2
  await wait(POLL_MS)
  chip.touch(0, 120, 40) // slides onto 2
  await wait(3 * POLL_MS)
  t.strictSame(keys, [])
  chip.lift(0)
  await wait(POLL_MS)
  chip.touch(0, 239, 319) // bottom-right corner: ok
  await wait(POLL_MS)
  t.strictSame(keys, ['ok'])
})

t.test('a finger dragged from one key into another gives only the first', async (t) => {
  const { chip, keypad, keys, wait, press } = rig()
  await keypad.start()
  press(0, '4')
  await wait(POLL_MS)
  for (const x of [60, 80, 100, 120]) {
    chip.touch(0, x, 120)
    await wait(POLL_MS)
  }
  press(0, '6')
  await wait(POLL_MS)
  t.strictSame(keys, ['4'])
})

t.test('a finger already on the glass at start is not a press', async (t) => {
  const chip = new SimFt6x36()
  chip.touch(0, ...CENTRE['1'])
  const { keypad, keys, wait, press } = rig({}, chip)
  await keypad.start()
  await wait(5 * POLL_MS)
  t.strictSame(keys, [])
  chip.lift(0)
  await wait(POLL_MS)
  press(0, '1')
  await wait(POLL_MS)
  t.strictSame(keys, ['1'])
})

t.test('checkNow reads the report at once, as an INT edge would', async (t) => {
  const chip = new SimFt6x36({ interruptMode: 'trigger' })
  const { keypad, keys, press } = rig({}, chip)
  await keypad.start()
  press(0, '0')
  t.ok(chip.irqAsserted)
  await keypad.checkNow()
  t.strictSame(keys, ['0'])
  t.notOk(chip.irqAsserted, 'the read took the report')
})

t.test('checkNow does nothing before start or after stop', async (t) => {
  const { bus, keypad, keys, press } = rig()
  press(0, '5')
  await keypad.checkNow()
  t.equal(bus.transactions.length, 0)
  await keypad.start()
  await keypad.stop()
  const before = bus.transactions.length
  await keypad.checkNow()
  t.equal(bus.transactions.length, before)
  t.strictSame(keys, [])
})

t.test('an unsubscribed listener hears nothing, and a throwing listener does not stop the others', async (t) => {
  const { chip, keypad, keys, wait, press } = rig()
  const heard: KeyName[] = []
  const unsubscribe = keypad.onKey((key) => heard.push(key))
  keypad.onKey(() => {
    throw new Error('listener bug')
  })
  await keypad.start()
  press(0, '1')
  await wait(POLL_MS)
  chip.lift(0)
  await wait(POLL_MS)
  unsubscribe()
  press(0, '2')
  await wait(POLL_MS)
  t.strictSame(heard, ['1'])
  t.strictSame(keys, ['1', '2'])
})

t.test('start rejects with E_DEVICE_ABSENT when nothing answers at the address', async (t) => {
  const { bus, keypad } = rig()
  bus.detach(ADDRESS)
  await t.rejects(keypad.start(), { code: 'E_DEVICE_ABSENT', context: { address: ADDRESS, errno: 'EREMOTEIO' } })
  t.match(keypad.health(), { state: 'absent', lastErrorCode: 'E_DEVICE_ABSENT' })
})

t.test('start rejects with E_DEVICE_PROTOCOL when the chip ID is not an FT6x36 one', async (t) => {
  const { keypad } = rig({}, new SimFt6x36({ chipId: 0x99 }))
  await t.rejects(keypad.start(), {
    code: 'E_DEVICE_PROTOCOL',
    context: { address: ADDRESS, register: 0xa3, value: 0x99 },
  })
  t.equal(keypad.health().state, 'faulty')
})

t.test('chipIds lets a clone with another chip ID in', async (t) => {
  const { keypad, keys, wait, press } = rig({ chipIds: [0x99] }, new SimFt6x36({ chipId: 0x99 }))
  await keypad.start()
  press(0, '6')
  await wait(POLL_MS)
  t.strictSame(keys, ['6'])
})

t.test('start rejects with E_I2C_IO on a bus error, and starts once the bus is good', async (t) => {
  const { chip, keypad } = rig()
  chip.failNext('eio')
  await t.rejects(keypad.start(), { code: 'E_I2C_IO' })
  t.match(keypad.health(), { state: 'faulty', lastErrorCode: 'E_I2C_IO' })
  await keypad.start()
  t.equal(keypad.health().state, 'ok')
})

t.test('a garbled first report does not stop start; fingers in it are then seen as new', async (t) => {
  const chip = new SimFt6x36()
  const { bus, keypad, keys, wait, press } = rig({}, chip)
  bus.detach(ADDRESS)
  let reads = 0
  bus.attach(ADDRESS, {
    write: (bytes) => chip.write(bytes),
    // The second read (the first report) comes back as all ones.
    read: (length) => (++reads === 2 ? new Uint8Array(length).fill(0xff) : chip.read(length)),
  })
  press(0, '2')
  await keypad.start()
  await wait(POLL_MS)
  t.strictSame(keys, ['2'])
})

t.test('a short burst of bus errors only degrades health; keys keep working', async (t) => {
  const { chip, keypad, keys, faults, wait, press } = rig()
  await keypad.start()
  chip.failNext('eio', 3)
  await wait(3 * POLL_MS)
  t.match(keypad.health(), { state: 'degraded', lastErrorCode: 'E_I2C_IO', detail: { consecutiveFailures: 3 } })
  press(0, '4')
  await wait(POLL_MS)
  t.strictSame(keys, ['4'])
  t.match(keypad.health(), { state: 'ok', detail: { consecutiveFailures: 0 } })
  t.strictSame(faults, [])
})

t.test('a NACK burst ends in faulty health and one fault event, then recovers without a restart', async (t) => {
  const { chip, bus, keypad, keys, faults, wait, press } = rig()
  await keypad.start()
  press(0, '3')
  await wait(POLL_MS)
  bus.failNext(ADDRESS, 'nack', 8)
  await wait(4 * POLL_MS)
  t.equal(keypad.health().state, 'degraded')
  await wait(POLL_MS)
  t.match(keypad.health(), { state: 'faulty', lastErrorCode: 'E_I2C_NACK' })
  t.equal(faults.length, 1)
  t.equal(faults[0]?.code, 'E_I2C_NACK')
  await wait(3 * POLL_MS)
  t.equal(faults.length, 1, 'one event per fault')
  await wait(POLL_MS)
  t.equal(keypad.health().state, 'ok')
  t.strictSame(keys, ['3'], 'the finger held through the outage is not a new press')
  chip.lift(0)
  press(1, '8')
  await wait(POLL_MS)
  t.strictSame(keys, ['3', '8'])
})

t.test('an EIO burst past the limit is faulty too, and a second fault after recovery fires again', async (t) => {
  const { chip, keypad, faults, wait } = rig({ maxConsecutiveFailures: 2 })
  await keypad.start()
  chip.failNext('eio', 2)
  await wait(2 * POLL_MS)
  t.equal(keypad.health().state, 'faulty')
  t.equal(faults[0]?.code, 'E_I2C_IO')
  await wait(POLL_MS)
  t.equal(keypad.health().state, 'ok')
  chip.failNext('nack', 2)
  await wait(2 * POLL_MS)
  t.strictSame(
    faults.map((fault) => fault.code),
    ['E_I2C_IO', 'E_I2C_NACK'],
  )
})

t.test('reports the codec rejects count as failed polls and change nothing held', async (t) => {
  const chip = new SimFt6x36()
  const { bus, keypad, keys, wait, press } = rig({ maxConsecutiveFailures: 2 }, chip)
  bus.detach(ADDRESS)
  let garbled = 0
  bus.attach(ADDRESS, {
    write: (bytes) => chip.write(bytes),
    read: (length) => {
      const bytes = chip.read(length)
      if (garbled > 0 && length === 16) {
        garbled -= 1
        bytes[2] = 0x03 // TD_STATUS=3: more than an FT6x36 has
      }
      return bytes
    },
  })
  await keypad.start()
  press(0, '5')
  await wait(POLL_MS)
  garbled = 2
  await wait(2 * POLL_MS)
  t.match(keypad.health(), { state: 'faulty', lastErrorCode: 'E_CODEC_INVALID', lastError: /TD_STATUS=3/ })
  await wait(POLL_MS)
  t.equal(keypad.health().state, 'ok')
  t.strictSame(keys, ['5'], 'the held finger was not pressed again')
})

t.test('stop ends polling and writes nothing; it is idempotent, and start works again', async (t) => {
  const { clock, bus, keypad, keys, wait, press, chip } = rig()
  await keypad.start()
  await keypad.stop()
  t.equal(keypad.health().state, 'stopped')
  const before = bus.transactions.length
  press(0, '1')
  await wait(5 * POLL_MS)
  t.equal(bus.transactions.length, before, 'no more polls')
  t.strictSame(keys, [])
  t.equal(clock.pendingTimers, 0)
  t.strictSame(chip.writes, [])
  await keypad.stop()
  await keypad.start()
  await keypad.start()
  chip.lift(0)
  await wait(POLL_MS)
  press(0, '1')
  await wait(POLL_MS)
  t.strictSame(keys, ['1'])
  t.equal(clock.pendingTimers, 1, 'one poll timer, not two')
})

t.test('stop waits for a read in progress and never rejects, even with the chip gone', async (t) => {
  const { bus, keypad } = rig()
  await keypad.start()
  bus.detach(ADDRESS)
  const check = keypad.checkNow()
  await Promise.resolve() // the check has begun: its read is queued on the bus
  await keypad.stop()
  await check
  t.equal(bus.transactions.at(-1)?.error, 'E_I2C_NACK', 'the read went out')
  t.equal(keypad.health().state, 'stopped', 'its failure landed before stop finished, not after')
})

t.test('refuses configurations it cannot run', async (t) => {
  const { bus, clock } = rig()
  const base = { address: ADDRESS, zones: ZONES, panel: PANEL, pollIntervalMs: POLL_MS }
  t.throws(() => new Ft6x36TouchKeypad({ bus, clock }, { ...base, address: 0x80 }), TypeError)
  t.throws(() => new Ft6x36TouchKeypad({ bus, clock }, { ...base, zones: [] }), /key zones are not usable/)
  t.throws(
    () => new Ft6x36TouchKeypad({ bus, clock }, { ...base, panel: { widthPx: 200, heightPx: 320 } }),
    /outside the 200×320 panel/,
  )
  t.throws(
    () =>
      new Ft6x36TouchKeypad(
        { bus, clock },
        { ...base, zones: [...ZONES, { key: 'ok', x: 0, y: 0, widthPx: 10, heightPx: 10 }] },
      ),
    /overlaps/,
  )
  t.throws(() => new Ft6x36TouchKeypad({ bus, clock }, { ...base, pollIntervalMs: 0 }), TypeError)
  t.throws(() => new Ft6x36TouchKeypad({ bus, clock }, { ...base, maxConsecutiveFailures: 0 }), TypeError)
  t.throws(() => new Ft6x36TouchKeypad({ bus, clock }, { ...base, chipIds: [] }), TypeError)
  t.doesNotThrow(() => new Ft6x36TouchKeypad({ bus, clock }, { address: ADDRESS, zones: ZONES, pollIntervalMs: POLL_MS }))
})

const INT_LINE = 27
const SAFETY_POLL_MS = 1000

/** The rig with the panel's INT pin wired to GPIO27 of a simulated GPIO chip. */
function irqRig(options: { interruptMode?: 'polling' | 'trigger'; wired?: boolean } = {}) {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  const chip = new SimFt6x36({ interruptMode: options.interruptMode ?? 'polling' })
  const gpio = new SimGpioChip({ idleLevel: 1 })
  const wire = wireIrq(chip, gpio, options.wired === false ? undefined : INT_LINE)
  bus.attach(ADDRESS, wire.device)
  const opened: string[] = []
  const keypad = new Ft6x36TouchKeypad(
    {
      bus,
      clock,
      openIrq: async (edge) => {
        opened.push(edge)
        return gpio.line(INT_LINE)
      },
    },
    { address: ADDRESS, zones: ZONES, panel: PANEL, pollIntervalMs: POLL_MS, irqSafetyPollMs: SAFETY_POLL_MS },
  )
  const keys: KeyName[] = []
  keypad.onKey((key) => keys.push(key))
  const reports = () => bus.transactions.filter((t) => t.kind === 'readRegister' && t.register === 0x00).length
  const press = (id: number, key: KeyName) => {
    chip.touch(id, ...CENTRE[key])
    wire.sync()
  }
  const lift = (id: number) => {
    chip.lift(id)
    wire.sync()
  }
  return { clock, bus, chip, gpio, keypad, keys, opened, reports, press, lift }
}

t.test('with an INT line (polling mode) taps are read on the edges; idle it polls only every irqSafetyPollMs', async (t) => {
  const { clock, gpio, keypad, keys, opened, reports, press, lift } = irqRig()
  await keypad.start()
  await clock.advanceAsync(5, 1)
  t.same(opened, ['both'], 'the lift (INT released) must be read too')
  t.equal(gpio.watcherCount(INT_LINE), 1)
  let before = reports()
  await clock.advanceAsync(5 * SAFETY_POLL_MS + 10, 10)
  t.equal(reports() - before, 5, 'idle: one read a second')
  press(0, '5')
  await clock.advanceAsync(2, 1)
  t.strictSame(keys, ['5'], 'read on the falling edge')
  before = reports()
  await clock.advanceAsync(10 * POLL_MS, 1)
  t.ok(reports() - before >= 9, 'while the finger is down the panel is polled at pollIntervalMs')
  // A second finger while INT is held low gives no edge: the fast poll sees it.
  press(1, '9')
  await clock.advanceAsync(POLL_MS + 2, 1)
  t.strictSame(keys, ['5', '9'])
  lift(1)
  lift(0)
  await clock.advanceAsync(POLL_MS + 2, 1)
  press(0, '5')
  await clock.advanceAsync(2, 1)
  t.strictSame(keys, ['5', '9', '5'], 'the lift was read, so the next tap is a new press')
  lift(0)
  await clock.advanceAsync(POLL_MS + 2, 1)
  before = reports()
  await clock.advanceAsync(3 * SAFETY_POLL_MS + 10, 10)
  t.equal(reports() - before, 3, 'back to the safety poll once no finger is down')
  await keypad.stop()
  t.equal(gpio.watcherCount(INT_LINE), 0, 'stop releases the line')
  t.equal(clock.pendingTimers, 0)
})

t.test('with an INT line in trigger mode each report pulses INT and is read at once', async (t) => {
  const { clock, gpio, keypad, keys, press, lift } = irqRig({ interruptMode: 'trigger' })
  await keypad.start()
  await clock.advanceAsync(5, 1)
  press(0, '1')
  await clock.advanceAsync(2, 1)
  t.strictSame(keys, ['1'])
  t.equal(gpio.level(INT_LINE), 1, 'the report read released INT')
  lift(0)
  await clock.advanceAsync(2, 1)
  press(0, '1')
  await clock.advanceAsync(2, 1)
  t.strictSame(keys, ['1', '1'])
  await keypad.stop()
})

t.test('with the INT line stuck (it never fires) the safety poll still sees the tap', async (t) => {
  const { clock, keypad, keys, press } = irqRig({ wired: false })
  await keypad.start()
  await clock.advanceAsync(5, 1)
  press(0, 'ok')
  await clock.advanceAsync(SAFETY_POLL_MS / 2, 10)
  t.strictSame(keys, [])
  await clock.advanceAsync(SAFETY_POLL_MS, 10)
  t.strictSame(keys, ['ok'])
  await keypad.stop()
})

t.test('an INT line that cannot be opened fails start; one whose release fails still stops', async (t) => {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  bus.attach(ADDRESS, new SimFt6x36())
  const refused = new Ft6x36TouchKeypad(
    { bus, clock, openIrq: async () => Promise.reject(new StationError('E_DEVICE_ABSENT', 'GPIO27 is not accessible')) },
    { address: ADDRESS, zones: ZONES, panel: PANEL, pollIntervalMs: POLL_MS },
  )
  await t.rejects(refused.start(), { code: 'E_DEVICE_ABSENT', message: /GPIO27/ })
  t.equal(clock.pendingTimers, 0, 'no polling')
  const gpio = new SimGpioChip()
  const stubborn = new Ft6x36TouchKeypad(
    { bus, clock, openIrq: async () => ({ ...gpio.line(INT_LINE), close: async () => Promise.reject(new Error('sysfs unexport failed')) }) },
    { address: ADDRESS, zones: ZONES, panel: PANEL, pollIntervalMs: POLL_MS },
  )
  await stubborn.start()
  await stubborn.stop()
  t.match(stubborn.health(), { state: 'stopped', lastError: /sysfs unexport failed/ })
  t.throws(() => new Ft6x36TouchKeypad({ bus, clock }, { address: ADDRESS, zones: ZONES, panel: PANEL, pollIntervalMs: POLL_MS, irqSafetyPollMs: -1 }), TypeError)
})
