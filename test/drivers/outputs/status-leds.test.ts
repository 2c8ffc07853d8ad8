import t from 'tap'
import { SimGpioChip } from '../../../drivers/gpio/sim-gpio.js'
import { LED_PATTERNS, StatusLeds } from '../../../drivers/outputs/status-leds.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

const GREEN = 20
const RED = 21

/** Real StatusLeds on a SimGpioChip whose ticks are milliseconds since the rig started, ×1000. */
function rig() {
  const clock = new SimClock()
  const startMs = clock.now()
  const chip = new SimGpioChip({ tickUs: () => (clock.now() - startMs) * 1000 })
  const errors: unknown[] = []
  const leds = new StatusLeds({ green: chip.line(GREEN), red: chip.line(RED), clock, onError: (error) => errors.push(error) })
  /** [level, ms] of each change of a line. */
  const changes = (line: number) => chip.history(line).map((change) => [change.level, change.tickUs / 1000])
  return { clock, chip, leds, errors, changes }
}

t.test('shows ok as a steady green light with red off', async (t) => {
  const { clock, leds, changes } = rig()
  await leds.show('ok')
  clock.advance(5000)
  t.strictSame(changes(GREEN), [[1, 0]])
  t.strictSame(changes(RED), [])
  t.equal(leds.state, 'ok')
})

t.test('blinks green at 2 Hz while busy', async (t) => {
  const { clock, leds, changes } = rig()
  await leds.show('busy')
  clock.advance(1000)
  t.strictSame(changes(GREEN), [[1, 0], [0, 250], [1, 500], [0, 750], [1, 1000]])
  t.strictSame(changes(RED), [])
})

t.test('blinks red at 1 Hz on a fault, with green off', async (t) => {
  const { clock, leds, changes } = rig()
  await leds.show('ok')
  clock.advance(100)
  await leds.show('fault')
  clock.advance(1500)
  t.strictSame(changes(GREEN), [[1, 0], [0, 100]])
  t.strictSame(changes(RED), [[1, 100], [0, 600], [1, 1100], [0, 1600]])
})

t.test('a new state cancels the running pattern; the same state keeps its rhythm', async (t) => {
  const { clock, leds, changes, chip } = rig()
  await leds.show('busy')
  clock.advance(100)
  await leds.show('busy')
  clock.advance(200)
  t.strictSame(changes(GREEN), [[1, 0], [0, 250]], 'asking again did not restart the blink')
  await leds.show('ok')
  clock.advance(2000)
  t.strictSame(changes(GREEN), [[1, 0], [0, 250], [1, 300]])
  t.equal(clock.pendingTimers, 0, 'no timer left from the blink')
  await leds.stop()
  await leds.stop()
  t.equal(chip.level(GREEN), 0)
  t.equal(chip.level(RED), 0)
})

t.test('writes nothing before the first show, and off turns both LEDs off', async (t) => {
  const { leds, chip } = rig()
  t.strictSame(chip.history(GREEN), [])
  await leds.show('off')
  t.equal(leds.state, 'off')
  t.equal(chip.level(GREEN), 0)
})

t.test('rejects show when a line fails, and reports failures of later steps to onError', async (t) => {
  const { clock, leds, chip, errors } = rig()
  chip.fail(RED)
  await t.rejects(leds.show('ok'), { code: 'E_DEVICE_ABSENT' })
  chip.fail(RED, false)
  await leds.show('fault')
  chip.fail(RED)
  clock.advance(500)
  await new Promise((resolve) => setImmediate(resolve))
  t.match(errors, [{ code: 'E_DEVICE_ABSENT' }])
  chip.fail(RED, false)
  clock.advance(500)
  t.equal(chip.level(RED), 1, 'the pattern went on')
})

t.test('describes every state as a non-empty pattern with positive steps for blinks', async (t) => {
  for (const [state, pattern] of Object.entries(LED_PATTERNS)) {
    if (pattern.length > 1) t.ok(pattern.every((step) => step.holdMs > 0), state)
    else t.equal(pattern.length, 1, state)
  }
})
