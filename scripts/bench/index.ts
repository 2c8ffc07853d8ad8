/**
 * `npm run bench`: every figure of docs/benchmarks.md, each ours beside its reference measured in
 * the same run, interleaved, at least 3 repetitions; a table on stdout and the JSON in
 * bench-results.json (or --json FILE). `--only group,...` runs some groups; `--quick` shrinks sizes
 * and windows for a smoke test.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { systemClock } from '../../runtime/core/clock.js'
import { createSilentLogger } from '../../runtime/log.js'
import { findMosquitto, spawnPrivateMosquitto, type PrivateMosquitto } from '../../runtime/mqtt/broker-discovery.js'
import { benchAppend } from './append-bench.js'
import { parseBenchArgs, type BenchArgs } from './args.js'
import { benchReady, benchStatus } from './cli-bench.js'
import { benchDrain } from './drain-bench.js'
import type { FigureResult } from './figure.js'
import { OutboxFixtures } from './fixtures.js'
import { benchFootprint } from './footprint-bench.js'
import { benchIdle } from './idle-bench.js'
import { benchIndex } from './index-bench.js'
import { describeMachine } from './machine.js'
import { renderTable } from './table.js'

export const BENCH_GROUPS = ['status', 'ready', 'idle', 'index', 'footprint', 'append', 'drain'] as const
type Group = (typeof BENCH_GROUPS)[number]

/** Sizes and windows; `--quick` is a smoke test of the same code, not figures to quote. */
function sizes(quick: boolean) {
  return quick
    ? { repetitions: 3, drain: [200, 1000], drainCapMs: () => 15_000, indexLarge: 5000, indexSmall: 500, footprint: 5000, appendSequential: 200, appendBatches: 1, idleWindowMs: 3000, idleSettleMs: 1000, statusReps: 3, readyReps: 3 }
    : {
        repetitions: 3,
        drain: [1000, 10_000, 100_000],
        // Bounds a full run on a slow drain; a cut-off run reports its rate so far and says so.
        drainCapMs: (size: number) => (size <= 1000 ? 30_000 : size <= 10_000 ? 40_000 : 60_000),
        indexLarge: 100_000,
        indexSmall: 1000,
        footprint: 100_000,
        appendSequential: 1000,
        appendBatches: 5,
        idleWindowMs: 20_000,
        idleSettleMs: 3000,
        statusReps: 10,
        readyReps: 5,
      }
}

const log = (line: string) => process.stderr.write(`${line}\n`)

async function withBroker<T>(binary: string | null, use: (url: string) => Promise<T>): Promise<T> {
  if (binary === null) throw new Error('mosquitto is not installed: this figure needs a private broker')
  const broker: PrivateMosquitto = await spawnPrivateMosquitto({ binary, clock: systemClock, log: createSilentLogger() })
  try {
    return await use(broker.url)
  } finally {
    await broker.stop()
  }
}

async function run(args: BenchArgs): Promise<number> {
  const size = sizes(args.quick)
  const workDir = await mkdtemp(join(tmpdir(), 'station-bench-'))
  const startedAt = new Date()
  const machine = describeMachine(workDir)
  const fixtures = new OutboxFixtures(join(workDir, 'fixtures'))
  const binary = await findMosquitto({ searchPath: process.env.PATH ?? '' })
  const figures: FigureResult[] = []
  const failures: Array<{ group: string; error: string }> = []
  const groups: Record<Group, () => Promise<FigureResult[]>> = {
    status: () => benchStatus({ brokerUrl: '', workDir, repetitions: size.statusReps }),
    ready: () => withBroker(binary, (brokerUrl) => benchReady({ brokerUrl, workDir, repetitions: size.readyReps })),
    idle: () =>
      withBroker(binary, (brokerUrl) =>
        benchIdle({ brokerUrl, workDir, windowMs: size.idleWindowMs, settleMs: size.idleSettleMs, repetitions: size.repetitions, log }),
      ),
    index: () => benchIndex({ fixtures, large: size.indexLarge, small: size.indexSmall, repetitions: size.repetitions }),
    footprint: () => benchFootprint({ fixtures, workDir, size: size.footprint, repetitions: size.repetitions }),
    append: () =>
      benchAppend({ fixtures, workDir, sequential: size.appendSequential, batches: size.appendBatches, repetitions: size.repetitions }),
    drain: () =>
      withBroker(binary, (brokerUrl) =>
        benchDrain({ brokerUrl, fixtures, workDir, sizes: size.drain, repetitions: size.repetitions, capMs: size.drainCapMs, log }),
      ),
  }
  try {
    for (const group of BENCH_GROUPS) {
      if (args.only && !args.only.has(group)) continue
      const groupStartedMs = performance.now()
      log(`bench: ${group}…`)
      try {
        figures.push(...(await groups[group]()))
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
        failures.push({ group, error: message })
        log(`bench: ${group} failed: ${message}`)
      }
      log(`bench: ${group} took ${((performance.now() - groupStartedMs) / 1000).toFixed(1)} s`)
    }
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
  const finishedAt = new Date()
  console.log(renderTable(figures))
  console.log(`\nmachine: ${machine.cpuModel}, ${machine.cores} cores, node ${machine.nodeVersion}, tmp on ${machine.tmpDisk.source} (${machine.tmpDisk.fsType})`)
  const fixtureBuild = Object.fromEntries([...fixtures.buildMs].map(([count, ms]) => [String(count), Math.round(ms)]))
  const result = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    quick: args.quick,
    only: args.only ? [...args.only] : null,
    machine,
    fixtureBuildMs: fixtureBuild,
    figures,
    failures,
  }
  const jsonFile = resolve(args.jsonFile)
  await writeFile(jsonFile, `${JSON.stringify(result, null, 2)}\n`)
  console.log(`results: ${jsonFile} (${result.durationS.toFixed(0)} s)`)
  for (const failure of failures) console.log(`FAILED ${failure.group}: ${failure.error.split('\n')[0]}`)
  return failures.length === 0 ? 0 : 1
}

let parsed: BenchArgs
try {
  parsed = parseBenchArgs(process.argv.slice(2), BENCH_GROUPS)
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(64)
}
process.exitCode = await run(parsed)
