/**
 * Figures 3 and 4 (docs/benchmarks.md), each repetition in fresh child processes (--expose-gc):
 * RSS after GC of a process holding an opened outbox with N undelivered records against the same
 * process with an empty outbox; and the time to open it against a raw sequential read of the same
 * files, with the peak RSS (VmHWM) of both.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { benchScript, spawnNode } from './child-process.js'
import { summarize, type FigureResult, type Repetition } from './figure.js'
import { type OutboxFixtures } from './fixtures.js'

export interface FootprintBenchOptions {
  fixtures: OutboxFixtures
  workDir: string
  size: number
  repetitions: number
}

interface OpenProbe {
  openMs: number
  hwmKb: number
  rssKb: number
  idleRssKb: number
  idleWaitMs: number
  depth: number
}

interface ReadProbe {
  readMs: number
  hwmKb: number
  bytes: number
}

async function probe<T>(mode: 'open' | 'raw-read', dir: string, key: Uint8Array): Promise<T> {
  const child = spawnNode(['--expose-gc', benchScript('outbox-probe.js'), mode, dir], { BENCH_OUTBOX_KEY: Buffer.from(key).toString('hex') })
  const line = await child.waitForLine((text) => text.startsWith('{'), 120_000)
  await child.exited
  return JSON.parse(line) as T
}

export async function benchFootprint(options: FootprintBenchOptions): Promise<FigureResult[]> {
  const { fixtures, size } = options
  const full = await fixtures.folder(size)
  const empty = join(options.workDir, 'empty-outbox')
  await mkdir(empty, { recursive: true })
  const rss: Repetition[] = []
  const openTime: Repetition[] = []
  const notes: string[] = []
  for (let rep = 0; rep < options.repetitions; rep++) {
    const held = await probe<OpenProbe>('open', full, fixtures.key)
    const bare = await probe<OpenProbe>('open', empty, fixtures.key)
    const raw = await probe<ReadProbe>('raw-read', full, fixtures.key)
    if (held.depth !== size) notes.push(`rep ${rep + 1}: the opened outbox held ${held.depth} of ${size}`)
    // Judged once idle (idleRssKb): a station holds a backlog for hours, long after V8's memory
    // reducer has given back the young generation the open grew. Right after open in the extras.
    rss.push({
      ours: held.idleRssKb / 1024,
      reference: bare.idleRssKb / 1024,
      extra: {
        aboveEmptyMb: (held.idleRssKb - bare.idleRssKb) / 1024,
        aboveEmptyRightAfterOpenMb: (held.rssKb - bare.rssKb) / 1024,
        idleWaitS: held.idleWaitMs / 1000,
      },
    })
    openTime.push({
      ours: held.openMs,
      reference: raw.readMs,
      extra: { peakRssMb: held.hwmKb / 1024, referencePeakRssMb: raw.hwmKb / 1024, folderMb: raw.bytes / 2 ** 20 },
    })
  }
  return [
    summarize(
      {
        name: 'outbox-rss',
        title: `RSS holding ${size} undelivered 1 KB records`,
        unit: 'MB',
        reference: 'same process, empty outbox',
        goal: { metric: 'aboveEmptyMb', op: '<=', value: 20, text: 'within 20 MB of empty' },
      },
      rss,
      notes,
    ),
    summarize(
      {
        name: 'outbox-open',
        title: `open/recovery of a ${size} outbox`,
        unit: 'ms',
        reference: 'raw sequential read, 1 MiB chunks',
        goal: { metric: 'ratio', op: '<=', value: 3, text: '<= 3x, peak RSS bounded' },
      },
      openTime,
      ['page cache warm for both (the files were just written); peakRssMb is VmHWM of the opening process'],
    ),
  ]
}
