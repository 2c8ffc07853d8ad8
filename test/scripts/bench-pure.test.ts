import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../config/load.js'
import { parseBenchArgs } from '../../scripts/bench/args.js'
import { summarize } from '../../scripts/bench/figure.js'
import { findI2cLogEntries, irqConfigYaml } from '../../scripts/bench/idle-bench.js'
import { parseProcStat, parseProcStatus, readProcSample } from '../../scripts/bench/proc-stats.js'
import { median, ratio, spread } from '../../scripts/bench/stats.js'
import { formatNumber, renderTable } from '../../scripts/bench/table.js'

t.test('median, spread and ratio', async (t) => {
  t.equal(median([3, 1, 2]), 2, 'odd count: the middle one')
  t.equal(median([4, 1, 3, 2]), 2.5, 'even count: mean of the middle two')
  t.strictSame(spread([5, 0.5, 2]), { min: 0.5, median: 2, max: 5 })
  t.throws(() => median([]), RangeError)
  t.equal(ratio(3, 6), 0.5)
  t.equal(ratio(0, 0), 1, 'both at the floor count as equal')
  t.equal(ratio(1, 0), Number.POSITIVE_INFINITY)
})

t.test('summarize: ratio per repetition, medians, extras, and the goal judged on the chosen metric', async (t) => {
  const figure = summarize(
    { name: 'x', title: 'x', unit: 'msg/s', reference: 'raw', goal: { metric: 'ratio', op: '>=', value: 0.5, text: '>= 0.5x' } },
    [
      { ours: 10, reference: 40, extra: { mb: 30 } },
      { ours: 30, reference: 40, extra: { mb: 10 } },
      { ours: 20, reference: 20, extra: { mb: 20 } },
    ],
  )
  t.strictSame(figure.ratio, { min: 0.25, median: 0.75, max: 1 })
  t.equal(figure.oursMedian, 20)
  t.equal(figure.referenceMedian, 40)
  t.strictSame(figure.extra.mb, { min: 10, median: 20, max: 30 })
  t.equal(figure.goalMet, true, 'median ratio 0.75 meets >= 0.5')
  const onExtra = summarize({ name: 'y', title: 'y', unit: 'MB', reference: 'empty', goal: { metric: 'mb', op: '<=', value: 15, text: '' } }, figure.repetitions)
  t.equal(onExtra.goalMet, false, 'median extra 20 MB misses <= 15')
  t.equal(summarize({ name: 'z', title: 'z', unit: '', reference: '' }, figure.repetitions).goalMet, null, 'no goal: not judged')
  const table = renderTable([figure])
  t.match(table, /0\.25 \/ 0\.75 \/ 1\.00x/)
  t.match(table, /\| yes/)
})

t.test('formatNumber keeps three significant digits', async (t) => {
  t.equal(formatNumber(1234.5), '1235')
  t.equal(formatNumber(12.345), '12.3')
  t.equal(formatNumber(1.2345), '1.23')
  t.equal(formatNumber(0.012345), '0.012')
  t.equal(formatNumber(Number.POSITIVE_INFINITY), 'inf')
})

t.test('parseProcStat counts fields after the last parenthesis, so a command name with spaces and ) parses', async (t) => {
  const line = '4242 (node ) weird) S 1 4242 4242 0 -1 4194560 1000 0 0 0 157 42 0 0 20 0 11 0 12345 1000000 5000'
  t.strictSame(parseProcStat(line), { utimeTicks: 157, stimeTicks: 42 })
  t.throws(() => parseProcStat('garbage'), /no command name/)
  t.throws(() => parseProcStat('1 (x) S 1'), /not integers/)
})

t.test('parseProcStatus reads memory and context switches; missing keys are 0', async (t) => {
  const text = 'Name:\tnode\nVmHWM:\t  90000 kB\nVmRSS:\t  52000 kB\nvoluntary_ctxt_switches:\t120\nnonvoluntary_ctxt_switches:\t7\n'
  t.strictSame(parseProcStatus(text), { vmRssKb: 52000, vmHwmKb: 90000, voluntaryCtxtSwitches: 120, nonvoluntaryCtxtSwitches: 7 })
  t.strictSame(parseProcStatus('Name:\tx\n'), { vmRssKb: 0, vmHwmKb: 0, voluntaryCtxtSwitches: 0, nonvoluntaryCtxtSwitches: 0 })
})

t.test('readProcSample reads this process: CPU grows with work, RSS and switches are there', async (t) => {
  const before = await readProcSample(process.pid)
  const until = performance.now() + 100
  let spin = 0
  while (performance.now() < until) spin += Math.sqrt(spin + 1)
  const after = await readProcSample(process.pid)
  t.ok(spin > 0)
  t.ok(after.cpuS > before.cpuS, `CPU went from ${before.cpuS} to ${after.cpuS} s`)
  t.ok(after.rssKb > 1000, 'RSS in kB')
  t.ok(after.ctxtSwitches >= before.ctxtSwitches)
})

t.test('parseBenchArgs: defaults, flags, and clear errors', async (t) => {
  const groups = ['drain', 'idle']
  const defaults = parseBenchArgs([], groups)
  t.equal(defaults.jsonFile, 'bench-results.json')
  t.equal(defaults.only, null)
  t.equal(defaults.quick, false)
  const given = parseBenchArgs(['--quick', '--only', 'drain, idle', '--json=out.json'], groups)
  t.strictSame([...given.only!], ['drain', 'idle'])
  t.equal(given.jsonFile, 'out.json')
  t.equal(given.quick, true)
  t.throws(() => parseBenchArgs(['--only', 'drain,nope'], groups), /unknown group nope/)
  t.throws(() => parseBenchArgs(['--json'], groups), /--json needs a value/)
  t.throws(() => parseBenchArgs(['--fast'], groups), /unknown argument --fast/)
})

t.test('findI2cLogEntries finds a count under an i2c path only', async (t) => {
  t.equal(findI2cLogEntries({ devices: { keypad: { ok: true } }, sim: { i2c: { transactions: 128 } } }), 128)
  t.equal(findI2cLogEntries({ sim: { i2cLog: { entries: 5 } } }), 5)
  t.equal(findI2cLogEntries({ outbox: { depth: 3 }, transactions: 9 }), null, 'a count not about i2c is not taken')
  t.equal(findI2cLogEntries(null), null)
})

t.test('the IRQ config the idle figure writes is a valid station config with the keypad IRQ line set', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-irq-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'irq.yaml')
  await writeFile(file, irqConfigYaml(17))
  const loaded = await loadConfig({ file, env: {}, overrides: { simulated: true }, bundledFlowsDir: join(dir, 'flows'), defaultDataDir: dir, cwd: dir })
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
  t.equal(loaded.config.hardware.keypad.irqLine, 17)
  t.equal(loaded.config.hardware.simulated, true)
})
