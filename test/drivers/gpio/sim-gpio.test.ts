import t from 'tap'
import type { GpioLevel } from '../../../drivers/gpio/gpio-line.js'
import { DEFAULT_LOG_CAPACITY } from '../../../drivers/bounded-log.js'
import { SimGpioChip } from '../../../drivers/gpio/sim-gpio.js'

t.test('keeps the level a line was driven to and records each change with its tick', async (t) => {
  const chip = new SimGpioChip()
  const line = chip.line(17)
  t.equal(await line.read(), 0, 'lines idle low by default')
  chip.drive(17, 1, 1000)
  chip.drive(17, 1, 1500)
  chip.drive(17, 0, 2000)
  t.equal(await line.read(), 0)
  t.equal(chip.level(17), 0)
  t.strictSame(chip.history(17), [
    { level: 1, tickUs: 1000, by: 'drive' },
    { level: 0, tickUs: 2000, by: 'drive' },
  ], 'driving a line to its own level records nothing')
})

t.test('starts lines at the configured idle level', async (t) => {
  const chip = new SimGpioChip({ idleLevel: 1 })
  t.equal(await chip.line(5).read(), 1)
})

t.test('delivers edges to watchers by edge kind, with the level and tick of each change', async (t) => {
  const chip = new SimGpioChip()
  const line = chip.line(4)
  const seen: [string, GpioLevel, number][] = []
  line.watch('rising', (level, tick) => seen.push(['rising', level, tick]))
  line.watch('falling', (level, tick) => seen.push(['falling', level, tick]))
  line.watch('both', (level, tick) => seen.push(['both', level, tick]))
  chip.drive(4, 1, 10)
  chip.drive(4, 0, 2 ** 32 + 20)
  t.strictSame(seen, [
    ['rising', 1, 10],
    ['both', 1, 10],
    ['falling', 0, 20],
    ['both', 0, 20],
  ])
})

t.test('delivers edges in the order they happened, even when a watcher drives another line', async (t) => {
  const chip = new SimGpioChip()
  const order: string[] = []
  chip.line(1).watch('both', (level, tick) => {
    order.push(`1=${level}@${tick}`)
    if (level === 1) chip.drive(2, 1, tick + 5)
  })
  chip.line(2).watch('both', (level, tick) => order.push(`2=${level}@${tick}`))
  chip.line(3).watch('both', (level, tick) => order.push(`3=${level}@${tick}`))
  chip.line(1).watch('rising', (_level, tick) => chip.drive(3, 1, tick + 9))
  chip.drive(1, 1, 100)
  t.strictSame(order, ['1=1@100', '2=1@105', '3=1@109'], 'nested changes wait for the current one')
})

t.test('stamps undated changes and writes from the injected tick source, or the last driven tick', async (t) => {
  let now = 42
  const timed = new SimGpioChip({ tickUs: () => now })
  await timed.line(7).write(1)
  now = 2 ** 32 + 43
  timed.drive(7, 0)
  t.strictSame(timed.history(7), [
    { level: 1, tickUs: 42, by: 'write' },
    { level: 0, tickUs: 43, by: 'drive' },
  ])
  const untimed = new SimGpioChip()
  untimed.drive(8, 1, 500)
  untimed.drive(9, 1)
  await untimed.line(9).write(0)
  t.strictSame(untimed.history(9).map((change) => change.tickUs), [500, 500])
})

t.test('lets a line written by the code under test be watched like a loop-back', async (t) => {
  const chip = new SimGpioChip()
  const levels: GpioLevel[] = []
  chip.line(12).watch('both', (level) => levels.push(level))
  await chip.line(12).write(1)
  await chip.line(12).write(0)
  t.strictSame(levels, [1, 0])
})

t.test('stops delivering to an unwatched or closed watcher, and rejects calls after close', async (t) => {
  const chip = new SimGpioChip()
  const line = chip.line(6)
  const other = chip.line(6)
  const seen: number[] = []
  const unwatch = line.watch('both', (_level, tick) => seen.push(tick))
  other.watch('both', (_level, tick) => seen.push(-tick))
  t.equal(chip.watcherCount(6), 2)
  chip.drive(6, 1, 1)
  unwatch()
  unwatch()
  chip.drive(6, 0, 2)
  await other.close()
  await other.close()
  chip.drive(6, 1, 3)
  t.strictSame(seen, [1, -1, -2])
  t.equal(chip.watcherCount(6), 0)
  await t.rejects(other.read(), { code: 'E_CANCELED' })
  await t.rejects(other.write(1), { code: 'E_CANCELED' })
  await t.rejects(other.pwm(0.5, 1000), { code: 'E_CANCELED' })
  t.throws(() => other.watch('both', () => undefined), { code: 'E_CANCELED' })
  t.equal(await line.read(), 1, 'other handles stay open')
})

t.test('a watcher removed by an earlier watcher of the same edge is not called', async (t) => {
  const chip = new SimGpioChip()
  const calls: string[] = []
  let unwatchSecond = (): void => undefined
  chip.line(3).watch('both', () => {
    calls.push('first')
    unwatchSecond()
  })
  unwatchSecond = chip.line(3).watch('both', () => calls.push('second'))
  chip.drive(3, 1)
  t.strictSame(calls, ['first'])
})

t.test('fails reads, writes and PWM with E_DEVICE_ABSENT while a line is failing', async (t) => {
  const chip = new SimGpioChip()
  const line = chip.line(22)
  chip.fail(22)
  await t.rejects(line.read(), { code: 'E_DEVICE_ABSENT', context: { bcm: 22 } })
  await t.rejects(line.write(1), { code: 'E_DEVICE_ABSENT' })
  await t.rejects(line.pwm(0.5, 2000), { code: 'E_DEVICE_ABSENT' })
  chip.fail(22, false)
  await line.write(1)
  t.equal(chip.level(22), 1)
})

t.test('records PWM settings with their ticks and checks them', async (t) => {
  const chip = new SimGpioChip()
  const line = chip.line(18)
  chip.drive(0, 1, 77)
  await line.pwm(0.5, 2700)
  await line.pwm(0, 2700)
  t.strictSame(chip.pwmHistory(18), [
    { dutyCycle: 0.5, frequencyHz: 2700, tickUs: 77 },
    { dutyCycle: 0, frequencyHz: 2700, tickUs: 77 },
  ])
  await t.rejects(line.pwm(2, 2700), TypeError)
})

t.test('rejects bad line numbers and levels with TypeErrors', async (t) => {
  const chip = new SimGpioChip()
  t.throws(() => chip.line(-1), TypeError)
  t.throws(() => chip.drive(1.5, 1), TypeError)
  t.throws(() => chip.drive(1, 2 as GpioLevel), TypeError)
  await t.rejects(chip.line(1).write(3 as GpioLevel), TypeError)
})

t.test('line history and PWM history keep the newest 4096 entries; changeCount counts them all', async (t) => {
  const chip = new SimGpioChip()
  const line = chip.line(23)
  for (let n = 0; n < DEFAULT_LOG_CAPACITY + 10; n++) await line.write(n % 2 === 0 ? 1 : 0)
  t.equal(chip.history(23).length, DEFAULT_LOG_CAPACITY)
  t.equal(chip.changeCount(23), DEFAULT_LOG_CAPACITY + 10)
  t.equal(chip.history(23).at(-1)?.level, (DEFAULT_LOG_CAPACITY + 9) % 2 === 0 ? 1 : 0)
  for (let n = 0; n < DEFAULT_LOG_CAPACITY + 1; n++) await line.pwm(n % 2 === 0 ? 0.5 : 0, 1000 + n)
  t.equal(chip.pwmHistory(23).length, DEFAULT_LOG_CAPACITY)
  t.equal(chip.pwmHistory(23).at(-1)?.frequencyHz, 1000 + DEFAULT_LOG_CAPACITY, 'the newest is kept')
  t.equal(chip.pwmHistory(23)[0]?.frequencyHz, 1001, 'the oldest was dropped')
})
