import { statfs } from 'node:fs/promises'
import type { Clock, TimerHandle } from '../core/clock.js'
import { messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { StorageState } from '../outbox/outbox-types.js'
import type { Health, Service } from '../supervisor/service.js'

/** How often free space is looked at: a resident takes longer than this to fill in a procedure. */
export const STORAGE_CHECK_MS = 2000

/** Free bytes for an unprivileged writer on the file system holding `dir` (statfs: bavail x bsize). */
export async function freeBytesOf(dir: string): Promise<number> {
  const stats = await statfs(dir)
  return stats.bavail * stats.bsize
}

export interface StorageWatchOptions {
  clock: Clock
  /** Free bytes on the data dir's file system (statfs: bavail x bsize). */
  freeBytes: () => Promise<number>
  /** New submissions are refused while less than this is free (config `storage.reserveBytes`). */
  reserveBytes: number
  /** The outbox's own view: its bound and a write that failed (docs/outbox.md). */
  outboxStorage: () => StorageState
  /** The station state: written again when a write failed at start (the boot counter on a full disk). */
  state: { readonly unsaved: boolean; persist(): Promise<void> }
  /** Told on every change between accepting and not (the kiosk). */
  onChange: (storage: StorageState) => void
  /** `storage.full {reason}` / `storage.ok` towards central; codes only. */
  event: (type: string, fields: Record<string, string | number | boolean>) => void
  log: Logger
  intervalMs?: number
}

/**
 * Decides whether the station takes new submissions (docs/storage-faults.md): full when the disk has
 * less than the reserve free, when the outbox is at its bound or its last write failed, or when the
 * station state could not be written; ok again once none of these holds. Queued submissions are
 * delivered either way; only intake stops.
 */
export class StorageWatch implements Service {
  readonly name = 'storage'
  readonly #o: StorageWatchOptions
  #current: StorageState = { state: 'ok' }
  #timer: TimerHandle | null = null
  #checking: Promise<StorageState> | null = null
  #running = false

  constructor(options: StorageWatchOptions) {
    this.#o = options
  }

  /** The last decision. */
  get current(): StorageState {
    return this.#current
  }

  async start(): Promise<void> {
    this.#running = true
    await this.check()
    this.#schedule()
  }

  async stop(): Promise<void> {
    this.#running = false
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer)
    this.#timer = null
    await this.#checking
  }

  health(): Health {
    if (!this.#running) return { state: 'stopped' }
    return this.#current.state === 'ok' ? { state: 'ok' } : { state: 'degraded', lastError: `storage full (${this.#current.reason})` }
  }

  /** Looks now (also after an append was refused); concurrent callers share one look. */
  check(): Promise<StorageState> {
    this.#checking ??= this.#look().finally(() => {
      this.#checking = null
    })
    return this.#checking
  }

  /** Says `storage.full` again while full: events are not queued offline, so the station calls this on each connect. */
  repeat(): void {
    if (this.#current.state === 'full') this.#o.event('storage.full', { reason: this.#current.reason ?? 'write-failed' })
  }

  async #look(): Promise<StorageState> {
    const next = await this.#decide()
    const before = this.#current
    if (next.state !== before.state || next.reason !== before.reason) {
      this.#current = next
      if (next.state === 'full') {
        this.#o.log.warn({ reason: next.reason }, 'storage full: new submissions refused, queued ones still delivered')
        this.#o.event('storage.full', { reason: next.reason ?? 'write-failed' })
      } else {
        this.#o.log.info('storage ok: submissions accepted again')
        this.#o.event('storage.ok', {})
      }
      if (next.state !== before.state) this.#o.onChange(next)
    }
    return next
  }

  async #decide(): Promise<StorageState> {
    if (this.#o.state.unsaved) {
      try {
        await this.#o.state.persist()
        this.#o.log.info('station state written after an earlier failure')
      } catch (error) {
        this.#o.log.debug({ err: messageOf(error) }, 'station state still cannot be written')
        return { state: 'full', reason: 'write-failed' }
      }
    }
    let free: number | null = null
    try {
      free = await this.#o.freeBytes()
    } catch (error) {
      // Unknown free space is not a reason to refuse; the outbox's own checks still apply.
      this.#o.log.debug({ err: messageOf(error) }, 'free space unreadable')
    }
    if (free !== null && free < this.#o.reserveBytes) return { state: 'full', reason: 'disk-reserve' }
    return this.#o.outboxStorage()
  }

  #schedule(): void {
    if (!this.#running) return
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = null
      void this.check().finally(() => this.#schedule())
    }, this.#o.intervalMs ?? STORAGE_CHECK_MS)
  }
}
