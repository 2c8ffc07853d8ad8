import t from 'tap'
import type { GpioLine } from '../../../drivers/gpio/gpio-line.js'
import { SimGpioChip } from '../../../drivers/gpio/sim-gpio.js'
import { BEEPS, Buzzer } from '../../../drivers/outputs/buzzer.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

const PIN = 13

/** Lets a beep that was just asked for start: it begins on a later microtask, as it queues behind others. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function rig(kind: 'plain' | 'pwm', options: { frequencyHz?: number } = {}) {
  const clock = new SimClock()
  const startMs = clock.now()
  const chip = new SimGpioChip({ tickUs: () => (clock.now() - startMs) * 1000 })
  const pwmLine = chip.line(PIN)
  // A plain line: the same sim line without its pwm method, as onoff gives.
  const { pwm: _pwm, ...plainLine } = pwmLine
  const line: GpioLine = kind === 'pwm' ? pwmLine : plainLine
  const buzzer = new Buzzer({ line, clock, ...options })
  return {
    clock,
    chip,
    buzzer,
    levels: () => chip.history(PIN).map((change) => [change.level, change.tickUs / 1000]),
    tones: () => chip.pwmHistory(PIN).map((change) => [change.dutyCycle, change.frequencyHz, change.tickUs / 1000]),
  }
}

t.test('switches a plain line on and off for each tone of a pattern', async (t) => {
  const { clock, buzzer, levels } = rig('plain')
  const done = buzzer.beep('ok')
  await flush()
  await clock.advanceAsync(300, 10)
  await done
  t.strictSame(levels(), [[1, 0], [0, 80], [1, 140], [0, 220]])
})

t.test('plays PWM bursts on a line that can do PWM', async (t) => {
  const { clock, buzzer, tones, levels } = rig('pwm', { frequencyHz: 4000 })
  const done = buzzer.beep([{ onMs: 50, offMs: 20 }, { onMs: 30, offMs: 0 }])
  await flush()
  await clock.advanceAsync(200, 10)
  await done
  t.strictSame(tones(), [[0.5, 4000, 0], [0, 4000, 50], [0.5, 4000, 70], [0, 4000, 100]])
  t.strictSame(levels(), [], 'the level is left to the PWM')
})

t.test('plays beeps one after another, in the order asked', async (t) => {
  const { clock, buzzer, levels } = rig('plain')
  const first = buzzer.beep('key')
  const second = buzzer.beep('error')
  await flush()
  await clock.advanceAsync(600, 10)
  await Promise.all([first, second])
  t.strictSame(levels(), [[1, 0], [0, 30], [1, 30], [0, 530]])
})

t.test('stop silences at once and cancels the playing and waiting beeps', async (t) => {
  const { clock, buzzer, chip, levels } = rig('plain')
  const playing = buzzer.beep('alarm')
  const waiting = buzzer.beep('key')
  await flush()
  await clock.advanceAsync(320, 10)
  await buzzer.stop()
  await t.rejects(playing, { code: 'E_CANCELED' })
  await t.rejects(waiting, { code: 'E_CANCELED' })
  await clock.advanceAsync(1000, 100)
  t.equal(chip.level(PIN), 0)
  t.strictSame(levels(), [[1, 0], [0, 200], [1, 300], [0, 320]], 'cut short at 320 ms, nothing after')
  const after = buzzer.beep('key')
  await flush()
  await clock.advanceAsync(50, 10)
  await after
  t.equal(levels().length, 6, 'beeps again after a stop')
})

t.test('rejects with the line error when the line fails, and leaves the buzzer silent', async (t) => {
  const { clock, buzzer, chip } = rig('plain')
  const done = buzzer.beep('error')
  await flush()
  await clock.advanceAsync(10, 10)
  chip.fail(PIN)
  const rejected = t.rejects(done, { code: 'E_DEVICE_ABSENT' })
  await clock.advanceAsync(600, 10)
  await rejected
  chip.fail(PIN, false)
  const next = buzzer.beep('key')
  await flush()
  await clock.advanceAsync(50, 10)
  await next
  t.equal(chip.level(PIN), 0)
})

t.test('turns the buzzer off again when a tone fails after switching on', async (t) => {
  const clock = new SimClock()
  const chip = new SimGpioChip()
  const { pwm: _pwm, ...line } = chip.line(PIN)
  let writes = 0
  const flaky: GpioLine = {
    ...line,
    write: async (level) => {
      writes++
      if (writes === 2) throw new Error('glitch')
      await line.write(level)
    },
  }
  const buzzer = new Buzzer({ line: flaky, clock })
  const done = buzzer.beep('key')
  await flush()
  const rejected = t.rejects(done, { message: 'glitch' })
  await clock.advanceAsync(50, 10)
  await rejected
  t.equal(chip.level(PIN), 0, 'the recovery write silenced it')
  t.equal(writes, 3)
})

t.test('refuses tones without sound or with negative pauses', async (t) => {
  const { buzzer } = rig('plain')
  t.throws(() => buzzer.beep([{ onMs: 0, offMs: 0 }]), TypeError)
  t.throws(() => buzzer.beep([{ onMs: 10, offMs: -1 }]), TypeError)
  t.throws(() => buzzer.beep([{ onMs: Number.NaN, offMs: 0 }]), TypeError)
})

t.test('offers named patterns with valid tones', async (t) => {
  for (const [name, tones] of Object.entries(BEEPS)) {
    t.ok(tones.length > 0 && tones.every((tone) => tone.onMs > 0 && tone.offMs >= 0), name)
  }
})
