import { join } from 'node:path'
import t from 'tap'
import type { GpioLevel } from '../../../drivers/gpio/gpio-line.js'
import { openOnoffLine, type OnoffModule } from '../../../drivers/gpio/onoff-gpio.js'
import { testDir } from '../../support/test-dir.js'

/** A recorded Pi 4 (kernel 6.6) /sys/class/gpio: header chip at base 512. */
const PI4_SYSFS = {
  export: '',
  unexport: '',
  gpiochip512: { base: '512\n', label: 'pinctrl-bcm2711\n', ngpio: '58\n' },
  gpiochip570: { base: '570\n', label: 'raspberrypi-exp-gpio\n', ngpio: '8\n' },
}

type WatchCallback = (error: Error | null | undefined, value: GpioLevel) => void

/** Stands in for onoff's Gpio: records what the adapter asks of it. */
function fakeOnoff(options: { accessible?: boolean; failConstruct?: Error } = {}) {
  const calls: unknown[][] = []
  const callbacks = new Set<WatchCallback>()
  let level: GpioLevel = 0
  let failNext: Error | undefined
  const take = (): void => {
    const error = failNext
    failNext = undefined
    if (error) throw error
  }
  class Gpio {
    static accessible = options.accessible ?? true
    constructor(...args: unknown[]) {
      if (options.failConstruct) throw options.failConstruct
      calls.push(['new', ...args])
    }
    async read(): Promise<GpioLevel> {
      take()
      return level
    }
    async write(value: GpioLevel): Promise<void> {
      take()
      calls.push(['write', value])
      level = value
    }
    watch(callback: WatchCallback): void {
      callbacks.add(callback)
    }
    unwatch(callback: WatchCallback): void {
      callbacks.delete(callback)
    }
    unwatchAll(): void {
      calls.push(['unwatchAll'])
      callbacks.clear()
    }
    unexport(): void {
      take()
      calls.push(['unexport'])
    }
  }
  return {
    module: { Gpio } as unknown as OnoffModule,
    calls,
    callbacks,
    /** An interrupt as onoff reports it: the level read after the edge. */
    interrupt(value: GpioLevel, error?: Error) {
      level = value
      for (const callback of [...callbacks]) callback(error ?? null, value)
    },
    failNext(error: Error) {
      failNext = error
    },
  }
}

const errnoError = (code: string): Error => Object.assign(new Error(`${code}: failed`), { code })

t.test('refuses to open a line when sysfs GPIO is missing, naming the node and the gpio group', async (t) => {
  const sysfsRoot = join(testDir(t, {}), 'gpio')
  await t.rejects(openOnoffLine({ bcm: 17, direction: 'in', sysfsRoot }), {
    code: 'E_DEVICE_ABSENT',
    message: /gpio .*group gpio/,
    context: { node: sysfsRoot },
  })
})

t.test('refuses to open a line when the export node is missing or not writable', async (t) => {
  const { export: _export, ...withoutExport } = PI4_SYSFS
  const sysfsRoot = testDir(t, withoutExport)
  await t.rejects(openOnoffLine({ bcm: 17, direction: 'out', sysfsRoot }), {
    code: 'E_DEVICE_ABSENT',
    message: /export is missing or not writable: add the service user to group gpio/,
    context: { node: join(sysfsRoot, 'export'), bcm: 17, errno: 'ENOENT' },
  })
})

t.test('refuses to open a line on a board without a header GPIO chip', async (t) => {
  const sysfsRoot = testDir(t, { export: '', gpiochip512: { base: '512\n', label: 'INT34C5:00\n', ngpio: '360\n' } })
  await t.rejects(openOnoffLine({ bcm: 17, direction: 'in', sysfsRoot }), { code: 'E_DEVICE_ABSENT', message: /header GPIO chip/ })
})

t.test('reports onoff that is missing or not built for this machine as E_DEVICE_ABSENT', async (t) => {
  const sysfsRoot = testDir(t, PI4_SYSFS)
  await t.rejects(
    openOnoffLine({ bcm: 17, direction: 'in', sysfsRoot, loadModule: () => Promise.reject(new Error('Could not locate the bindings file')) }),
    { code: 'E_DEVICE_ABSENT', message: 'onoff native module not installed' },
  )
  // The real module: here either its native epoll addon is not built, or it loads and finds no sysfs GPIO.
  await t.rejects(openOnoffLine({ bcm: 17, direction: 'in', sysfsRoot }), { code: 'E_DEVICE_ABSENT' })
})

t.test('refuses when onoff itself finds sysfs GPIO inaccessible', async (t) => {
  const fake = fakeOnoff({ accessible: false })
  await t.rejects(openOnoffLine({ bcm: 17, direction: 'in', sysfsRoot: testDir(t, PI4_SYSFS), loadModule: async () => fake.module }), {
    code: 'E_DEVICE_ABSENT',
    message: /onoff cannot access .*group gpio/,
  })
  t.strictSame(fake.calls, [], 'nothing exported')
})

t.test('wraps a refused export with the errno and the sysfs number it tried', async (t) => {
  const fake = fakeOnoff({ failConstruct: errnoError('EINVAL') })
  await t.rejects(openOnoffLine({ bcm: 17, direction: 'in', sysfsRoot: testDir(t, PI4_SYSFS), loadModule: async () => fake.module }), {
    code: 'E_DEVICE_ABSENT',
    message: /export GPIO17 \(sysfs 529\).*sysfs base/,
    context: { bcm: 17, sysfs: 529, errno: 'EINVAL' },
  })
})

t.test('rejects a bcm number that is not a non-negative integer', async (t) => {
  await t.rejects(openOnoffLine({ bcm: -1, direction: 'in' }), TypeError)
})

t.test('exports the sysfs number of the BCM line and maps read, write and close onto onoff', async (t) => {
  const fake = fakeOnoff()
  const line = await openOnoffLine({ bcm: 27, direction: 'out', sysfsRoot: testDir(t, PI4_SYSFS), loadModule: async () => fake.module })
  await line.write(1)
  t.equal(await line.read(), 1)
  await t.rejects(line.write(2 as GpioLevel), TypeError)
  t.throws(() => line.watch('both', () => undefined), TypeError, 'outputs have no edges to watch')
  await line.close()
  await line.close()
  t.strictSame(fake.calls, [['new', 539, 'out'], ['write', 1], ['unwatchAll'], ['unexport']])
  await t.rejects(line.read(), { code: 'E_CANCELED' })
})

t.test('delivers watched edges filtered by level and stamped from the tick source, modulo 2^32', async (t) => {
  const fake = fakeOnoff()
  let tick = 2 ** 32 - 1
  const line = await openOnoffLine({
    bcm: 4,
    direction: 'in',
    sysfsRoot: testDir(t, PI4_SYSFS),
    loadModule: async () => fake.module,
    tickUs: () => tick++,
  })
  t.strictSame(fake.calls, [['new', 516, 'in', 'both']], 'inputs default to both edges')
  const falling: number[] = []
  const both: [GpioLevel, number][] = []
  const unwatch = line.watch('falling', (_level, tickUs) => falling.push(tickUs))
  line.watch('both', (level, tickUs) => both.push([level, tickUs]))
  fake.interrupt(0)
  fake.interrupt(1)
  fake.interrupt(0, new Error('read failed'))
  unwatch()
  fake.interrupt(0)
  t.strictSame(falling, [2 ** 32 - 1])
  t.strictSame(both, [[0, 0], [1, 1], [0, 2]], 'ticks wrap at 2^32 like every GpioLine tick')
  t.equal(fake.callbacks.size, 1)
})

t.test('refuses to watch edges the line was not opened for', async (t) => {
  const fake = fakeOnoff()
  const line = await openOnoffLine({
    bcm: 4,
    direction: 'in',
    edge: 'falling',
    sysfsRoot: testDir(t, PI4_SYSFS),
    loadModule: async () => fake.module,
  })
  t.throws(() => line.watch('rising', () => undefined), { name: 'TypeError', message: /edge 'falling'/ })
  t.doesNotThrow(() => line.watch('falling', () => undefined))
  t.strictSame(fake.calls, [['new', 516, 'in', 'falling']])
})

t.test('wraps failures of reads, writes and unexport as E_DEVICE_ABSENT', async (t) => {
  const fake = fakeOnoff()
  const line = await openOnoffLine({ bcm: 5, direction: 'out', sysfsRoot: testDir(t, PI4_SYSFS), loadModule: async () => fake.module })
  fake.failNext(errnoError('EACCES'))
  await t.rejects(line.read(), { code: 'E_DEVICE_ABSENT', message: /read GPIO5 \(sysfs 517\).*group gpio/ })
  fake.failNext(errnoError('EIO'))
  await t.rejects(line.write(0), { code: 'E_DEVICE_ABSENT', context: { errno: 'EIO', bcm: 5, sysfs: 517 } })
  fake.failNext(errnoError('EINVAL'))
  await t.rejects(line.close(), { code: 'E_DEVICE_ABSENT', message: /unexport GPIO5/ })
})
