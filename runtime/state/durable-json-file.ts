import { readFile } from 'node:fs/promises'
import type { Adapter } from 'lowdb'
import { StationError } from '../core/errors.js'
import { writeFileAtomic } from '../core/atomic-write.js'

/** State files hold station identity and counters: owner-only. */
const FILE_MODE = 0o600

interface QueuedWrite {
  json: string
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>
}

/**
 * lowdb adapter that survives power cuts: each write goes to `<file>.tmp`, is fsync'd, renamed over
 * the file, and the directory is fsync'd (lowdb's own JSONFile never fsyncs; docs/toolchain.md 4).
 * Writes run one at a time; writes requested while one is running are coalesced into one that
 * carries the latest data, and every caller resolves once data at least as new as theirs is durable.
 * With `previousPath` the replaced file is kept under that name (renamed, so it is the exact bytes
 * that were good on disk), which is what the opener falls back to when the file is damaged.
 * One instance per file; errors are StationError E_OUTBOX_IO (there is no separate state code).
 */
export class DurableJSONFile<T> implements Adapter<T> {
  readonly filename: string
  /** Where the generation being replaced is kept (`<file>.prev`), or undefined to keep none. */
  readonly previousPath: string | undefined
  /**
   * Whether a write moves the current file to `previousPath` first. The opener turns it off while
   * the file on disk is a damaged one it could not move aside, so damage never replaces a good
   * `.prev`; the first successful write turns it on again.
   */
  rotate = true
  #next: QueuedWrite | null = null
  #running = false

  constructor(filename: string, options: { previousPath?: string } = {}) {
    this.filename = filename
    this.previousPath = options.previousPath
  }

  /** Parsed contents, or null when the file does not exist. Rejects with E_OUTBOX_IO on unreadable or invalid JSON. */
  async read(): Promise<T | null> {
    let text: string
    try {
      text = await readFile(this.filename, 'utf8')
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return null
      throw new StationError('E_OUTBOX_IO', `cannot read state file ${this.filename}`, { path: this.filename }, { cause: error })
    }
    try {
      return JSON.parse(text) as T
    } catch (error) {
      throw new StationError('E_OUTBOX_IO', `state file ${this.filename} is not valid JSON`, { path: this.filename }, { cause: error })
    }
  }

  /** Durably replaces the file with `data` (serialised now, so later mutation of `data` does not leak in). */
  write(data: T): Promise<void> {
    const json = JSON.stringify(data, null, 2)
    return new Promise<void>((resolve, reject) => {
      if (this.#next) {
        this.#next.json = json
        this.#next.waiters.push({ resolve, reject })
      } else {
        this.#next = { json, waiters: [{ resolve, reject }] }
      }
      if (!this.#running) void this.#drain()
    })
  }

  async #drain(): Promise<void> {
    this.#running = true
    while (this.#next) {
      const batch = this.#next
      this.#next = null
      try {
        const keep = this.rotate && this.previousPath !== undefined ? { previousPath: this.previousPath } : {}
        await writeFileAtomic(this.filename, batch.json, { mode: FILE_MODE, ...keep })
        this.rotate = true
        for (const waiter of batch.waiters) waiter.resolve()
      } catch (error) {
        const wrapped = new StationError('E_OUTBOX_IO', `cannot write state file ${this.filename}`, { path: this.filename }, { cause: error })
        for (const waiter of batch.waiters) waiter.reject(wrapped)
      }
    }
    this.#running = false
  }
}
