import t from 'tap'
import { SimGpioChip } from '../../../drivers/gpio/sim-gpio.js'
import { TamperSwitch, type TamperSwitchOptions } from '../../../drivers/tamper/tamper-switch.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

const PIN = 26

/** A real TamperSwitch on a SimGpioChip line; the door starts closed (line low). */
async function rig(options: Partial<TamperSwitchOptions> = {}) {
  const clock = new SimClock()
  const chip = new SimGpioChip()
  const errors: unknown[] = []
  const tamper = new TamperSwitch({ line: chip.line(PIN), clock, onError: (error) => errors.push(error), ...options })
  const changes: boolean[] = []
  tamper.onChange((open) => changes.push(open))
  await tamper.start()
  return { clock, chip, tamper, changes, errors }
}

t.test('reads the state at start without reporting it as a change', async (t) => {
  const { tamper, changes } = await rig()
  t.equal(tamper.isOpen, false)
  t.strictSame(changes, [])
  const chip = new SimGpioChip({ idleLevel: 1 })
  const open = new TamperSwitch({ line: chip.line(PIN), clock: new SimClock() })
  t.equal(open.isOpen, null)
  await open.start()
  t.equal(open.isOpen, true)
})

t.test('reports an opening once, after the contact has been still for 50 ms', async (t) => {
  const { clock, chip, tamper, changes } = await rig()
  chip.drive(PIN, 1)
  await clock.advanceAsync(10)
  chip.drive(PIN, 0)
  await clock.advanceAsync(10)
  chip.drive(PIN, 1)
  await clock.advanceAsync(49)
  t.strictSame(changes, [], 'still bouncing 49 ms after the last edge')
  await clock.advanceAsync(1)
  t.strictSame(changes, [true])
  t.equal(tamper.isOpen, true)
  await clock.advanceAsync(500)
  t.strictSame(changes, [true], 'once')
  chip.drive(PIN, 0)
  await clock.advanceAsync(50)
  t.strictSame(changes, [true, false])
})

t.test('ignores a glitch that settles back to the stable state', async (t) => {
  const { clock, chip, changes } = await rig()
  chip.drive(PIN, 1)
  await clock.advanceAsync(5)
  chip.drive(PIN, 0)
  await clock.advanceAsync(200)
  t.strictSame(changes, [])
})

t.test('uses the configured debounce time and open level', async (t) => {
  const { clock, chip, tamper, changes } = await rig({ debounceMs: 200, openLevel: 0 })
  t.equal(tamper.isOpen, true, 'low means open here')
  chip.drive(PIN, 1)
  await clock.advanceAsync(199)
  t.strictSame(changes, [])
  await clock.advanceAsync(1)
  t.strictSame(changes, [false])
})

t.test('stop ends watching and drops a pending debounce; start is idempotent', async (t) => {
  const { clock, chip, tamper, changes } = await rig()
  await tamper.start()
  t.equal(chip.watcherCount(PIN), 1)
  chip.drive(PIN, 1)
  tamper.stop()
  tamper.stop()
  await clock.advanceAsync(100)
  t.strictSame(changes, [])
  t.equal(chip.watcherCount(PIN), 0)
  t.equal(clock.pendingTimers, 0)
})

t.test('reports a failed read after the debounce to onError and recovers on the next edge', async (t) => {
  const { clock, chip, changes, errors } = await rig()
  chip.drive(PIN, 1)
  chip.fail(PIN)
  await clock.advanceAsync(50)
  t.match(errors, [{ code: 'E_DEVICE_ABSENT' }])
  chip.fail(PIN, false)
  chip.drive(PIN, 0)
  chip.drive(PIN, 1)
  await clock.advanceAsync(50)
  t.strictSame(changes, [true])
})

t.test('start rejects and stops watching when the line cannot be read', async (t) => {
  const chip = new SimGpioChip()
  chip.fail(PIN)
  const tamper = new TamperSwitch({ line: chip.line(PIN), clock: new SimClock() })
  await t.rejects(tamper.start(), { code: 'E_DEVICE_ABSENT' })
  t.equal(chip.watcherCount(PIN), 0)
  t.equal(tamper.isOpen, null)
})

t.test('listeners can unsubscribe', async (t) => {
  const { clock, chip, tamper, changes } = await rig()
  const off = tamper.onChange(() => t.fail('unsubscribed'))
  off()
  chip.drive(PIN, 1)
  await clock.advanceAsync(50)
  t.strictSame(changes, [true])
})
