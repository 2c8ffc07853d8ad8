import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Clock } from '../clock.js'
import { openJson, sealJson } from '../crypto/field-cipher.js'
import { isStationError, StationError } from '../errors.js'
import type { Logger } from '../log.js'
import { openJournal, type Journal, type JournalRecovery } from './journal.js'
import type { Outbox, OutboxDamage, PendingRef, SetAsideCode, StorageState, Submission, Unsubscribe } from './outbox-types.js'

/**
 * The station's outbox: submissions kept in an fsync'd journal until central has them. Everything
 * a resident answered (identity included) is sealed with AES-256-GCM, bound to the submission id,
 * before it reaches the file; only id, flow, flowVersion and createdAt are stored in clear.
 */

/** File name of the journal inside the outbox folder. */
export const JOURNAL_FILE_NAME = 'outbox.journal'

/** Default for `compactMinBytes`: below this much delivered data a rewrite is not worth its fsyncs. */
const DEFAULT_COMPACT_MIN_BYTES = 64 * 1024

export interface JournalOutboxOptions {
  /** Folder for the journal; created (mode 0700) when absent. */
  dir: string
  /** 32-byte AES-256 key, from `loadOrCreateKey`. */
  key: Uint8Array
  clock: Clock
  /** Bound on the journal file; appends that would pass it reject with E_OUTBOX_FULL. */
  maxBytes: number
  log: Logger
  /**
   * Delivered records are compacted away once they take at least this many bytes and more than
   * the pending ones (default 65536). Compaction also runs on open and when an append hits the bound.
   */
  compactMinBytes?: number
}

/** A submission as stored in the journal: personal answers only inside `data`, sealed. */
interface AddEntry {
  t: 'add'
  id: string
  flow: string
  flowVersion: number
  createdAt: string
  /** `sealJson(key, submission.data, id)`. */
  data: string
}

interface AckEntry {
  t: 'ack'
  id: string
}

interface PendingRecord {
  entry: AddEntry
  frameBytes: number
  /** Append order (PendingRef.seq). */
  seq: number
  /** Decrypted; null when the data cannot be opened with the current key. */
  submission: Submission | null
}

/**
 * Opens (or creates) the outbox in `options.dir`, repairing the journal if a crash damaged it,
 * decrypting pending submissions, and compacting delivered ones away.
 * Rejects with E_OUTBOX_IO when the folder or journal cannot be used; throws TypeError for a key
 * that is not 32 bytes.
 */
export async function openJournalOutbox(options: JournalOutboxOptions): Promise<JournalOutbox> {
  if (options.key.length !== 32) throw new TypeError(`key must be 32 bytes (got ${options.key.length})`)
  await mkdir(options.dir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw new StationError('E_OUTBOX_IO', `cannot create the outbox folder ${options.dir}`, { path: options.dir }, { cause: error })
  })
  const path = join(options.dir, JOURNAL_FILE_NAME)
  const { journal, entries, recovery } = await openJournal(path, { clock: options.clock })
  const outbox = new JournalOutbox(journal, recovery, entries, options)
  try {
    await outbox.compact()
  } catch (error) {
    await journal.close().catch(() => undefined)
    throw error
  }
  return outbox
}

/** Use `openJournalOutbox`. */
export class JournalOutbox implements Outbox {
  /** What opening had to repair in the journal file. */
  readonly recovery: JournalRecovery
  readonly #journal: Journal
  readonly #key: Uint8Array
  readonly #maxBytes: number
  readonly #compactMinBytes: number
  readonly #log: Logger
  /** Insertion order is append order, i.e. oldest first. */
  readonly #pending = new Map<string, PendingRecord>()
  /** Records of a type this version does not know; carried through compaction untouched. */
  readonly #foreign: Array<{ value: unknown; frameBytes: number }> = []
  readonly #appendedListeners = new Set<(ref: PendingRef) => void>()
  readonly #setAsideListeners = new Set<(code: SetAsideCode, count: number) => void>()
  #nextSeq = 0
  readonly #undecryptableListeners = new Set<(id: string) => void>()
  #liveBytes = 0
  #queue: Promise<unknown> = Promise.resolve()
  #closed = false

  /** Builds the in-memory state from the records the journal read on open. */
  constructor(
    journal: Journal,
    recovery: JournalRecovery,
    entries: ReadonlyArray<{ value: unknown; frameBytes: number }>,
    options: JournalOutboxOptions,
  ) {
    this.#journal = journal
    this.recovery = recovery
    this.#key = options.key
    this.#maxBytes = options.maxBytes
    this.#compactMinBytes = options.compactMinBytes ?? DEFAULT_COMPACT_MIN_BYTES
    this.#log = options.log.child({ component: 'runtime.outbox' })
    this.#logRecovery()
    for (const { value, frameBytes } of entries) {
      if (isAddEntry(value)) {
        if (!this.#pending.has(value.id)) this.#pending.set(value.id, { entry: value, frameBytes, seq: this.#nextSeq++, submission: null })
      } else if (isAckEntry(value)) {
        this.#pending.delete(value.id)
      } else {
        this.#foreign.push({ value, frameBytes })
      }
    }
    if (this.#foreign.length > 0) {
      this.#log.warn({ records: this.#foreign.length }, 'outbox journal holds records of an unknown type; kept as they are')
    }
    for (const record of this.#pending.values()) {
      this.#liveBytes += record.frameBytes
      record.submission = this.#decrypt(record.entry)
    }
    for (const { frameBytes } of this.#foreign) this.#liveBytes += frameBytes
  }

  /** Journal file path. */
  get path(): string {
    return this.#journal.path
  }

  /**
   * Rewrites the journal with only the pending records, when it holds delivered ones (runs on open
   * too). Atomic; rejects with E_OUTBOX_IO, leaving the old file in place.
   */
  compact(): Promise<void> {
    return this.#serial(async () => {
      this.#checkOpen()
      if (this.#journal.sizeBytes > this.#liveBytes) await this.#compactNow()
    })
  }

  /**
   * Seals and appends the submission; resolves once it is fsync'd. Appending an id that is still
   * pending is a no-op. Rejects with E_OUTBOX_FULL when even after compaction the journal would
   * pass `maxBytes` (nothing stored is ever dropped to make room), E_OUTBOX_IO on a disk failure
   * or after close; with TypeError for a malformed submission.
   */
  append(submission: Submission): Promise<void> {
    let entry: AddEntry
    let stored: Submission
    try {
      // Sealed and copied now, so later changes to the caller's object cannot leak in.
      checkSubmission(submission)
      entry = {
        t: 'add',
        id: submission.id,
        flow: submission.flow,
        flowVersion: submission.flowVersion,
        createdAt: submission.createdAt,
        data: sealJson(this.#key, submission.data, submission.id),
      }
      // A JSON copy: what pending() returns now is what it would return after a restart.
      stored = {
        id: entry.id,
        flow: entry.flow,
        flowVersion: entry.flowVersion,
        createdAt: entry.createdAt,
        data: JSON.parse(JSON.stringify(submission.data)) as Record<string, unknown>,
      }
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#serial(async () => {
      this.#checkOpen()
      if (this.#pending.has(entry.id)) return
      const frameBytes = await this.#appendBounded(entry)
      const seq = this.#nextSeq++
      this.#pending.set(entry.id, { entry, frameBytes, seq, submission: stored })
      this.#liveBytes += frameBytes
      const ref: PendingRef = { id: entry.id, seq, createdAtMs: Date.parse(entry.createdAt) }
      for (const listener of this.#appendedListeners) {
        try {
          listener(ref)
        } catch (error) {
          this.#log.warn({ err: error, submissionId: entry.id }, 'outbox onAppended listener threw')
        }
      }
    })
  }

  /**
   * Undelivered submissions that can be decrypted, oldest first. Records that cannot be decrypted
   * are not listed here (they cannot be sent) but still count in `depth()`; see `onUndecryptable`.
   * The objects are the outbox's own: do not mutate them.
   */
  pending(): Submission[] {
    const out: Submission[] = []
    for (const record of this.#pending.values()) if (record.submission) out.push(record.submission)
    return out
  }

  /**
   * Durably records that central has the submission (fsync'd before resolving). Unknown or already
   * delivered ids are a no-op. Rejects with E_OUTBOX_IO on a disk failure or after close.
   */
  markDelivered(id: string): Promise<void> {
    return this.#serial(async () => {
      this.#checkOpen()
      const record = this.#pending.get(id)
      if (!record) return
      const ack: AckEntry = { t: 'ack', id }
      try {
        await this.#journal.append(ack, this.#maxBytes)
      } catch (error) {
        if (!isStationError(error) || error.code !== 'E_OUTBOX_FULL') throw error
        // No room even for the ack: rewriting without the record records the delivery just as durably.
        await this.#compactNow(id)
        this.#forget(id, record)
        return
      }
      this.#forget(id, record)
      const deliveredBytes = this.#journal.sizeBytes - this.#liveBytes
      if (deliveredBytes >= this.#compactMinBytes && deliveredBytes > this.#liveBytes) {
        // The ack is already durable; a failed compaction only costs disk space until the next try.
        await this.#compactNow().catch((compactError: unknown) => {
          this.#log.warn({ err: compactError }, 'outbox compaction failed; will retry later')
        })
      }
    })
  }

  /** Number of undelivered submissions, including ones that cannot be decrypted. */
  depth(): number {
    return this.#pending.size
  }

  /** createdAt of the oldest undelivered submission in ms since epoch (undecryptable ones included), or null. */
  oldestCreatedAtMs(): number | null {
    let oldest: number | null = null
    for (const { entry } of this.#pending.values()) {
      const createdAtMs = Date.parse(entry.createdAt)
      if (Number.isFinite(createdAtMs) && (oldest === null || createdAtMs < oldest)) oldest = createdAtMs
    }
    return oldest
  }

  /** Called after each successful append, with the stored submission. Listener errors are logged, not thrown. */
  pendingFrom(fromSeq: number, limit: number): PendingRef[] {
    const out: PendingRef[] = []
    for (const record of this.#pending.values()) {
      if (out.length >= limit) break
      if (record.seq < fromSeq || !record.submission) continue
      out.push({ id: record.entry.id, seq: record.seq, createdAtMs: Date.parse(record.entry.createdAt) })
    }
    return out
  }

  read(id: string): Promise<Submission | null> {
    return Promise.resolve(this.#pending.get(id)?.submission ?? null)
  }

  damage(): OutboxDamage {
    return { setAside: { undecryptable: this.undecryptableIds().length, damaged: 0 }, damagedBytes: this.recovery.unreadableBytes, damagedRegions: this.recovery.damagedPath ? 1 : 0 }
  }

  storage(): StorageState {
    return { state: 'ok' }
  }

  onSetAside(listener: (code: SetAsideCode, count: number) => void): Unsubscribe {
    this.#setAsideListeners.add(listener)
    return () => this.#setAsideListeners.delete(listener)
  }

  onAppended(listener: (ref: PendingRef) => void): Unsubscribe {
    this.#appendedListeners.add(listener)
    return () => this.#appendedListeners.delete(listener)
  }

  /**
   * Called with the id of every pending record whose data cannot be decrypted with the current key
   * (such records are found on open, so the listener is called at once for each one already known).
   * They are never deleted; restoring the right key file and restarting makes them sendable again.
   */
  onUndecryptable(listener: (id: string) => void): Unsubscribe {
    this.#undecryptableListeners.add(listener)
    for (const id of this.undecryptableIds()) listener(id)
    return () => this.#undecryptableListeners.delete(listener)
  }

  /** Ids of pending records that cannot be decrypted with the current key. */
  undecryptableIds(): string[] {
    const ids: string[] = []
    for (const [id, record] of this.#pending) if (!record.submission) ids.push(id)
    return ids
  }

  /** Current journal size in bytes (compare with `maxBytes`). */
  sizeBytes(): number {
    return this.#journal.sizeBytes
  }

  /** Waits for queued writes, closes the journal and drops decrypted data from memory. Idempotent. */
  close(): Promise<void> {
    return this.#serial(async () => {
      if (this.#closed) return
      this.#closed = true
      this.#pending.clear()
      this.#appendedListeners.clear()
      this.#undecryptableListeners.clear()
      await this.#journal.close()
    })
  }

  async #appendBounded(entry: AddEntry): Promise<number> {
    try {
      return await this.#journal.append(entry, this.#maxBytes)
    } catch (error) {
      if (!isStationError(error) || error.code !== 'E_OUTBOX_FULL') throw error
      if (this.#journal.sizeBytes > this.#liveBytes) {
        await this.#compactNow()
        return this.#journal.append(entry, this.#maxBytes).catch((retryError: unknown) => {
          throw this.#full(retryError)
        })
      }
      throw this.#full(error)
    }
  }

  #full(error: unknown): unknown {
    if (isStationError(error) && error.code === 'E_OUTBOX_FULL') {
      this.#log.warn({ depth: this.#pending.size, sizeBytes: this.#journal.sizeBytes, maxBytes: this.#maxBytes }, 'outbox is full; refusing new submissions')
    }
    return error
  }

  #forget(id: string, record: PendingRecord): void {
    this.#pending.delete(id)
    this.#liveBytes -= record.frameBytes
  }

  /** Rewrites the journal with foreign and pending records, leaving out `withoutId` if given. */
  async #compactNow(withoutId?: string): Promise<void> {
    const values: unknown[] = this.#foreign.map(({ value }) => value)
    for (const [id, record] of this.#pending) if (id !== withoutId) values.push(record.entry)
    const beforeBytes = this.#journal.sizeBytes
    await this.#journal.compact(values)
    this.#log.debug({ beforeBytes, afterBytes: this.#journal.sizeBytes, depth: this.#pending.size }, 'outbox journal compacted')
  }

  #decrypt(entry: AddEntry): Submission | null {
    let data: unknown
    try {
      data = openJson(this.#key, entry.data, entry.id)
    } catch (error) {
      this.#reportUndecryptable(entry.id, isStationError(error) ? error.message : 'cannot open')
      return null
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      this.#reportUndecryptable(entry.id, 'decrypted data is not an object')
      return null
    }
    return {
      id: entry.id,
      flow: entry.flow,
      flowVersion: entry.flowVersion,
      createdAt: entry.createdAt,
      data: data as Record<string, unknown>,
    }
  }

  #reportUndecryptable(id: string, reason: string): void {
    // The id and reason only: the reason comes from field-cipher, which never includes plaintext.
    this.#log.warn({ submissionId: id, reason }, 'outbox record cannot be decrypted with the current key; kept')
    for (const listener of this.#undecryptableListeners) listener(id)
  }

  #logRecovery(): void {
    const { tornBytesDropped, unreadableBytes, damagedPath } = this.recovery
    if (tornBytesDropped > 0) {
      this.#log.warn({ tornBytesDropped }, 'outbox journal ended in a torn record (interrupted write); cut off')
    }
    if (damagedPath !== null) {
      this.#log.error(
        { damagedPath, unreadableBytes },
        'outbox journal was damaged mid-file; readable records kept, the damaged file copied aside',
      )
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new StationError('E_OUTBOX_IO', 'outbox is closed', { path: this.#journal.path })
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation)
    this.#queue = result.catch(() => undefined)
    return result
  }
}

function isAddEntry(value: unknown): value is AddEntry {
  if (typeof value !== 'object' || value === null) return false
  const entry = value as Record<string, unknown>
  return (
    entry['t'] === 'add' &&
    typeof entry['id'] === 'string' &&
    typeof entry['flow'] === 'string' &&
    typeof entry['flowVersion'] === 'number' &&
    typeof entry['createdAt'] === 'string' &&
    typeof entry['data'] === 'string'
  )
}

function isAckEntry(value: unknown): value is AckEntry {
  if (typeof value !== 'object' || value === null) return false
  const entry = value as Record<string, unknown>
  return entry['t'] === 'ack' && typeof entry['id'] === 'string'
}

function checkSubmission(submission: Submission): void {
  if (typeof submission.id !== 'string' || submission.id.length === 0) {
    throw new TypeError(`submission.id must be a non-empty string (got ${typeof submission.id})`)
  }
  if (typeof submission.flow !== 'string') throw new TypeError('submission.flow must be a string')
  if (!Number.isFinite(submission.flowVersion)) throw new TypeError('submission.flowVersion must be a finite number')
  if (typeof submission.createdAt !== 'string') throw new TypeError('submission.createdAt must be a string')
  if (typeof submission.data !== 'object' || submission.data === null || Array.isArray(submission.data)) {
    throw new TypeError('submission.data must be an object')
  }
}
