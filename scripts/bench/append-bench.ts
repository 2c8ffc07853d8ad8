/**
 * Figure 5 (docs/benchmarks.md): durable appends through the outbox against raw FileHandle
 * write + datasync per record of the same size (async, as ours), sequential and 200 at a time.
 */
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Submission } from '../../runtime/outbox/outbox-types.js'
import { summarize, type FigureResult, type Repetition } from './figure.js'
import { appendRange, folderBytes, openBenchOutbox, type OutboxFixtures } from './fixtures.js'
import { benchSubmission } from './submissions.js'

export const CONCURRENT_APPENDS = 200

export interface AppendBenchOptions {
  fixtures: OutboxFixtures
  workDir: string
  /** Records per sequential run. */
  sequential: number
  /** Batches of CONCURRENT_APPENDS per concurrent run. */
  batches: number
  repetitions: number
}

/** Bytes one record takes on disk in our outbox (frame, seal, index), measured on a scratch outbox. */
async function recordBytes(options: AppendBenchOptions): Promise<number> {
  const dir = join(options.workDir, 'append-size')
  const outbox = await openBenchOutbox(dir, options.fixtures.key)
  const emptyBytes = await folderBytes(dir)
  await appendRange(outbox, 0, 200)
  await outbox.close()
  const bytes = Math.round(((await folderBytes(dir)) - emptyBytes) / 200)
  await rm(dir, { recursive: true, force: true })
  return bytes
}

async function ourRate(options: AppendBenchOptions, name: string, submissions: readonly Submission[], concurrent: boolean): Promise<number> {
  const dir = join(options.workDir, name)
  const outbox = await openBenchOutbox(dir, options.fixtures.key)
  try {
    const startedMs = performance.now()
    if (concurrent) {
      for (let from = 0; from < submissions.length; from += CONCURRENT_APPENDS) {
        await Promise.all(submissions.slice(from, from + CONCURRENT_APPENDS).map((submission) => outbox.append(submission)))
      }
    } else {
      for (const submission of submissions) await outbox.append(submission)
    }
    return (submissions.length * 1000) / (performance.now() - startedMs)
  } finally {
    await outbox.close()
    await rm(dir, { recursive: true, force: true })
  }
}

async function rawRate(options: AppendBenchOptions, name: string, count: number, bytes: number, concurrent: boolean): Promise<number> {
  const file = join(options.workDir, `${name}.raw`)
  const record = Buffer.alloc(bytes, 0x61)
  const handle = await open(file, 'a')
  const durable = async () => {
    await handle.write(record)
    await handle.datasync()
  }
  try {
    const startedMs = performance.now()
    if (concurrent) {
      for (let from = 0; from < count; from += CONCURRENT_APPENDS) {
        await Promise.all(Array.from({ length: Math.min(CONCURRENT_APPENDS, count - from) }, durable))
      }
    } else {
      for (let i = 0; i < count; i++) await durable()
    }
    return (count * 1000) / (performance.now() - startedMs)
  } finally {
    await handle.close()
    await rm(file, { force: true })
  }
}

export async function benchAppend(options: AppendBenchOptions): Promise<FigureResult[]> {
  const bytes = await recordBytes(options)
  const sequentialSubmissions = Array.from({ length: options.sequential }, (_, i) => benchSubmission(i))
  const concurrentCount = options.batches * CONCURRENT_APPENDS
  const concurrentSubmissions = Array.from({ length: concurrentCount }, (_, i) => benchSubmission(i))
  const sequential: Repetition[] = []
  const concurrent: Repetition[] = []
  for (let rep = 0; rep < options.repetitions; rep++) {
    sequential.push({
      ours: await ourRate(options, `append-seq-${rep}`, sequentialSubmissions, false),
      reference: await rawRate(options, `append-seq-${rep}`, options.sequential, bytes, false),
    })
    concurrent.push({
      ours: await ourRate(options, `append-conc-${rep}`, concurrentSubmissions, true),
      reference: await rawRate(options, `append-conc-${rep}`, concurrentCount, bytes, true),
    })
  }
  const note = `raw records are ${bytes} B, what one record added to our outbox folder`
  return [
    summarize(
      {
        name: 'append-sequential',
        title: `durable append, sequential (${options.sequential})`,
        unit: 'rec/s',
        reference: 'FileHandle write + datasync each',
        goal: { metric: 'ratio', op: '>=', value: 0.8, text: '>= 0.8x' },
      },
      sequential,
      [note],
    ),
    summarize(
      {
        name: 'append-concurrent',
        title: `durable append, ${CONCURRENT_APPENDS} concurrent (${concurrentCount})`,
        unit: 'rec/s',
        reference: `same raw, ${CONCURRENT_APPENDS} concurrent`,
        goal: { metric: 'ratio', op: '>=', value: 1, text: '> 1x (group commit)' },
      },
      concurrent,
      [note],
    ),
  ]
}
