import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { GpioLevel } from '../../../drivers/gpio/gpio-line.js'
import { checkPigpioBoard, openPigpioLine, type PigpioModule } from '../../../drivers/gpio/pigpio-gpio.js'
import { testDir } from '../../support/test-dir.js'

// The real pigpio is never imported here: on a machine without its C library it prints a warning box at
// import (docs/toolchain.md 5). The absent paths are reached before any import; the mapping uses a stand-in.

/** Device-tree model files as the firmware writes them (NUL-terminated). */
const modelFile = (t: Test, model: string): string => join(testDir(t, { model: `${model}\0` }), 'model')

type AlertHandler = (level: GpioLevel, tick: number) => void

/** Stands in for pigpio's Gpio: records calls. `failWith` makes every call after construction throw. */
function fakePigpio(options: { failConstruct?: Error } = {}) {
  const calls: unknown[][] = []
  const handlers = new Set<AlertHandler>()
  let failWith: Error | undefined
  const record = (...call: unknown[]): void => {
    if (failWith) throw failWith
    calls.push(call)
  }
  class Gpio {
    static INPUT = 0
    static OUTPUT = 1
    static PUD_OFF = 0
    static PUD_DOWN = 1
    static PUD_UP = 2
    constructor(gpio: number, opts: unknown) {
      if (options.failConstruct) throw options.failConstruct
      calls.push(['new', gpio, opts])
    }
    digitalRead(): number {
      record('digitalRead')
      return 1
    }
    digitalWrite(level: number): this {
      record('digitalWrite', level)
      return this
    }
    pwmFrequency(frequency: number): this {
      record('pwmFrequency', frequency)
      return this
    }
    pwmWrite(dutyCycle: number): this {
      record('pwmWrite', dutyCycle)
      return this
    }
    glitchFilter(steady: number): this {
      record('glitchFilter', steady)
      return this
    }
    disableAlert(): this {
      record('disableAlert')
      return this
    }
    on(event: string, handler: AlertHandler): this {
      if (event === 'alert') handlers.add(handler)
      return this
    }
    off(event: string, handler: AlertHandler): this {
      if (event === 'alert') handlers.delete(handler)
      return this
    }
  }
  return {
    module: { Gpio } as unknown as PigpioModule,
    calls,
    handlers,
    alert(level: GpioLevel, tick: number) {
      for (const handler of [...handlers]) handler(level, tick)
    },
    fail(error: Error) {
      failWith = error
    },
  }
}

t.test('refuses a machine without a device-tree model: not a Raspberry Pi', async (t) => {
  const modelPath = join(testDir(t, {}), 'model')
  await t.rejects(openPigpioLine({ bcm: 17, direction: 'in', modelPath }), {
    code: 'E_DEVICE_ABSENT',
    message: /pigpio needs a Raspberry Pi 0–4; .*model is missing/,
    context: { node: modelPath, model: null },
  })
})

t.test('refuses boards that are not a Raspberry Pi', async (t) => {
  await t.rejects(openPigpioLine({ bcm: 17, direction: 'in', modelPath: modelFile(t, 'Radxa ROCK 5B') }), {
    code: 'E_DEVICE_ABSENT',
    message: /this board is "Radxa ROCK 5B"/,
  })
})

t.test('refuses the Raspberry Pi 5 family, whose RP1 pigpio cannot drive', async (t) => {
  for (const model of ['Raspberry Pi 5 Model B Rev 1.0', 'Raspberry Pi 500 Rev 1.0', 'Raspberry Pi Compute Module 5 Rev 1.0']) {
    await t.rejects(
      openPigpioLine({ bcm: 17, direction: 'in', modelPath: modelFile(t, model), loadModule: () => t.fail('must not load') as never }),
      { code: 'E_DEVICE_ABSENT', message: /does not run on the Raspberry Pi 5 family .*onoff/ },
      model,
    )
  }
})

t.test('accepts Pi 0–4 models, and only reads the model (pure check)', async (t) => {
  const supported = ['Raspberry Pi 4 Model B Rev 1.4', 'Raspberry Pi Zero 2 W Rev 1.0', 'Raspberry Pi 400 Rev 1.0']
  for (const model of [...supported, 'Raspberry Pi Compute Module 4 Rev 1.0', 'Raspberry Pi Model B Plus Rev 1.2']) {
    t.doesNotThrow(() => checkPigpioBoard(model), model)
  }
  t.throws(() => checkPigpioBoard('Raspberry Pi 5 Model B Rev 1.1'), { code: 'E_DEVICE_ABSENT' })
})

t.test('reports an unreadable model file as E_DEVICE_ABSENT', async (t) => {
  // A directory where the file should be: read fails with EISDIR, not ENOENT.
  const modelPath = testDir(t, { model: {} })
  await t.rejects(openPigpioLine({ bcm: 17, direction: 'in', modelPath: join(modelPath, 'model') }), {
    code: 'E_DEVICE_ABSENT',
    context: { errno: 'EISDIR' },
  })
})

t.test('reports pigpio that is not installed, or whose C library did not load, as E_DEVICE_ABSENT', async (t) => {
  const modelPath = modelFile(t, 'Raspberry Pi 4 Model B Rev 1.4')
  const loadModule = () => Promise.reject(new Error("Cannot find package 'pigpio'"))
  await t.rejects(openPigpioLine({ bcm: 17, direction: 'in', modelPath, loadModule }), {
    code: 'E_DEVICE_ABSENT',
    message: 'pigpio native module not installed',
  })
  // What pigpio does on a machine where its addon is empty (docs/toolchain.md 5).
  const empty = fakePigpio({ failConstruct: new TypeError('pigpio.gpioInitialise is not a function') })
  await t.rejects(openPigpioLine({ bcm: 17, direction: 'in', modelPath, loadModule: async () => empty.module }), {
    code: 'E_DEVICE_ABSENT',
    message: /C library not loaded/,
  })
  const denied = fakePigpio({ failConstruct: Object.assign(new Error('initialisation failed'), { code: 'EPERM' }) })
  await t.rejects(openPigpioLine({ bcm: 17, direction: 'out', modelPath, loadModule: async () => denied.module }), {
    code: 'E_DEVICE_ABSENT',
    context: { bcm: 17, errno: 'EPERM' },
  })
})

t.test('rejects GPIO numbers beyond the user bank and bad glitch filters with TypeErrors', async (t) => {
  await t.rejects(openPigpioLine({ bcm: 32, direction: 'in' }), TypeError)
  await t.rejects(openPigpioLine({ bcm: 1.5, direction: 'in' }), TypeError)
  await t.rejects(openPigpioLine({ bcm: 4, direction: 'in', glitchFilterUs: 300_001 }), TypeError)
})

t.test('opens inputs with pull, glitch filter and alerts, and passes alert levels and ticks to watchers', async (t) => {
  const fake = fakePigpio()
  const modelPath = modelFile(t, 'Raspberry Pi 4 Model B Rev 1.4')
  const loadModule = async () => fake.module
  const line = await openPigpioLine({ bcm: 5, direction: 'in', pull: 'up', glitchFilterUs: 100, modelPath, loadModule })
  t.strictSame(fake.calls, [
    ['new', 5, { mode: 0, pullUpDown: 2, alert: true }],
    ['glitchFilter', 100],
  ])
  const falling: number[] = []
  const both: [GpioLevel, number][] = []
  const unwatch = line.watch('falling', (_level, tick) => falling.push(tick))
  line.watch('both', (level, tick) => both.push([level, tick]))
  fake.alert(0, 4_294_967_000)
  fake.alert(1, 4_294_967_050)
  unwatch()
  fake.alert(0, 1_704)
  t.strictSame(falling, [4_294_967_000])
  t.strictSame(both, [[0, 4_294_967_000], [1, 4_294_967_050], [0, 1_704]])
  t.equal(await line.read(), 1)
  await line.close()
  await line.close()
  t.equal(fake.handlers.size, 0)
  t.same(fake.calls.slice(2), [['digitalRead'], ['disableAlert']])
  await t.rejects(line.read(), { code: 'E_CANCELED' })
  t.throws(() => line.watch('both', () => undefined), { code: 'E_CANCELED' })
})

t.test('maps pull-down and no pull for inputs', async (t) => {
  const modelPath = modelFile(t, 'Raspberry Pi 3 Model B Plus Rev 1.3')
  const down = fakePigpio()
  await openPigpioLine({ bcm: 6, direction: 'in', pull: 'down', modelPath, loadModule: async () => down.module })
  const none = fakePigpio()
  await openPigpioLine({ bcm: 6, direction: 'in', modelPath, loadModule: async () => none.module })
  t.strictSame([down.calls[0], none.calls[0]], [
    ['new', 6, { mode: 0, pullUpDown: 1, alert: true }],
    ['new', 6, { mode: 0, pullUpDown: 0, alert: true }],
  ])
})

t.test('drives outputs and PWM on pigpio, with the duty cycle scaled to its 0..255 range', async (t) => {
  const fake = fakePigpio()
  const modelPath = modelFile(t, 'Raspberry Pi 4 Model B Rev 1.4')
  const line = await openPigpioLine({ bcm: 18, direction: 'out', modelPath, loadModule: async () => fake.module })
  await line.write(1)
  await line.pwm(0.5, 2700.4)
  await line.pwm(0, 2700)
  await t.rejects(line.pwm(1.2, 2700), TypeError)
  await t.rejects(line.write(7 as GpioLevel), TypeError)
  t.throws(() => line.watch('both', () => undefined), { name: 'TypeError', message: /output/ })
  await line.close()
  t.strictSame(fake.calls, [
    ['new', 18, { mode: 1 }],
    ['digitalWrite', 1],
    ['pwmFrequency', 2700],
    ['pwmWrite', 128],
    ['pwmFrequency', 2700],
    ['pwmWrite', 0],
  ], 'closing an output disables no alerts')
})

t.test('wraps pigpio call failures as E_DEVICE_ABSENT', async (t) => {
  const fake = fakePigpio()
  const modelPath = modelFile(t, 'Raspberry Pi 4 Model B Rev 1.4')
  const line = await openPigpioLine({ bcm: 5, direction: 'in', modelPath, loadModule: async () => fake.module })
  fake.fail(new Error('GPIO is not in use'))
  await t.rejects(line.read(), { code: 'E_DEVICE_ABSENT', message: 'cannot read GPIO5: GPIO is not in use', context: { bcm: 5 } })
  await t.rejects(line.close(), { code: 'E_DEVICE_ABSENT', message: /close GPIO5/ })
})
