/**
 * Outbox folders with N undelivered 1 KB submissions, built once per run through openJournalOutbox
 * and copied for every repetition that consumes one (docs/benchmarks.md).
 */
import { randomBytes } from 'node:crypto'
import { cp, mkdir, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { systemClock } from '../../runtime/core/clock.js'
import { createSilentLogger } from '../../runtime/log.js'
import { openJournalOutbox } from '../../runtime/outbox/journal-outbox.js'
import type { Outbox } from '../../runtime/outbox/outbox-types.js'
import { benchSubmission } from './submissions.js'

/** Well above any backlog here: the bound must never be what a figure measures. */
export const BENCH_OUTBOX_MAX_BYTES = 2 * 1024 ** 3
/** Appends in flight while building: lets a store with group commit build a 100k folder quickly. */
const BUILD_CONCURRENCY = 256

export type OpenedOutbox = Outbox & { close(): Promise<void> }

export async function openBenchOutbox(dir: string, key: Uint8Array): Promise<OpenedOutbox> {
  return openJournalOutbox({ dir, key, clock: systemClock, maxBytes: BENCH_OUTBOX_MAX_BYTES, log: createSilentLogger() })
}

/** Total bytes of the regular files in `dir` (not recursive beyond one level of folders). */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size
  }
  return total
}

/** Appends submissions [from, from + count) with BUILD_CONCURRENCY in flight. */
export async function appendRange(outbox: Outbox, from: number, count: number): Promise<void> {
  let next = from
  const end = from + count
  const worker = async () => {
    while (next < end) await outbox.append(benchSubmission(next++))
  }
  await Promise.all(Array.from({ length: Math.min(BUILD_CONCURRENCY, count) }, worker))
}

export class OutboxFixtures {
  /** The one key every fixture is sealed with. */
  readonly key = randomBytes(32)
  readonly #root: string
  readonly #built = new Map<number, Promise<string>>()
  /** How long building each size took, for the notes. */
  readonly buildMs = new Map<number, number>()

  constructor(root: string) {
    this.#root = root
  }

  /** A folder with `count` pending submissions; built on first use, then only read: copy it before consuming. */
  folder(count: number): Promise<string> {
    let built = this.#built.get(count)
    if (!built) {
      built = this.#build(count)
      this.#built.set(count, built)
    }
    return built
  }

  /** A fresh copy of the `count` fixture at `to`. */
  async copy(count: number, to: string): Promise<string> {
    await cp(await this.folder(count), to, { recursive: true })
    return to
  }

  async #build(count: number): Promise<string> {
    const dir = join(this.#root, `fixture-${count}`)
    await mkdir(dir, { recursive: true })
    const startedMs = performance.now()
    const outbox = await openBenchOutbox(dir, this.key)
    try {
      await appendRange(outbox, 0, count)
    } finally {
      await outbox.close()
    }
    // Opened and closed once more, so whatever an open rewrites or migrates is done before any figure reads it.
    await (await openBenchOutbox(dir, this.key)).close()
    this.buildMs.set(count, performance.now() - startedMs)
    return dir
  }
}
