import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { Clock, TimerHandle } from '../core/clock.js'
import { openJson, sealJson } from '../crypto/field-cipher.js'
import { StationError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { encodeFrame, FRAME_HEADER_BYTES, frameCrcMatches } from './journal-frame.js'
import {
  createFileAtomic,
  DIR_MODE,
  errnoOf,
  fileLabel,
  isNoSpace,
  nodeOutboxFiles,
  outboxIoError,
  syncDirectory,
  wrapIo,
  writeFully,
  type OutboxFiles,
} from './outbox-files.js'
import type { Outbox, OutboxDamage, PendingRef, SetAsideCode, StorageState, Submission, Unsubscribe } from './outbox-types.js'
import { PendingIndex } from './pending-index.js'
import {
  decodeAdd,
  encodeAck,
  encodeAdd,
  encodeAside,
  encodeFileHeader,
  FILE_HEADER_BYTES,
  segmentFileName,
  segmentNumberOf,
} from './segment-format.js'
import { CoalescedReads } from './coalesced-reads.js'
import { countAside, MAX_BATCH_BYTES, RECOVERY_CHUNK_BYTES, recoverSegment } from './segment-recovery.js'
import { ReaderBuffers } from './window-reader.js'
import { openV1Journal, readV1Add, V1_JOURNAL_FILE_NAME, V1_MIGRATED_FILE_NAME } from './v1-journal.js'

/**
 * The station's outbox as a store of segment files (docs/outbox.md): submissions are appended, in
 * fdatasync'd group commits, to the newest segment; memory holds only an index of where pending ones
 * lie; a segment whose adds are all delivered is deleted, oldest first; nothing live is ever
 * rewritten. Everything a resident answered is sealed (AES-256-GCM, bound to the submission id) before
 * it reaches a file; only id, flow, flowVersion and createdAt are stored in clear.
 */

export const DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024
export const DEFAULT_RESERVE_BYTES = 8 * 1024 * 1024
export const ASIDE_FILE_NAME = 'aside.log'
/** How long a free-space reading is trusted, so `storage()` is not a statfs per call. */
const DEFAULT_FREE_SPACE_CACHE_MS = 1000
/** `storage()` says `outbox-bound` once less than this is left under `maxBytes`: a typical submission would not fit. */
const BOUND_HEADROOM_BYTES = 16 * 1024
/** Acks that could not be written are tried again this long after, if nothing else writes first. */
const ACK_RETRY_MS = 2000
/** Migrated v1 records are written this many to a group commit. */
const MIGRATION_BATCH_RECORDS = 500

export interface SegmentOutboxOptions {
  /** Folder for segments; created (mode 0700) when absent. */
  dir: string
  /** 32-byte AES-256 key, from `loadOrCreateKey`. */
  key: Uint8Array
  clock: Clock
  /** Bound on all segments together; appends that would pass it reject with E_OUTBOX_FULL. */
  maxBytes: number
  log: Logger
  /** Size at which a new segment is started (default 4 MiB; config `storage.outboxSegmentBytes`). */
  segmentBytes?: number
  /** New submissions are refused while the disk has less free than this (default 8 MiB; config `storage.reserveBytes`). */
  reserveBytes?: number
  /** File-system calls (tests inject faults or count syncs here). */
  files?: OutboxFiles
  freeSpaceCacheMs?: number
}

/** What opening found and repaired; all zero for a clean outbox. */
export interface OutboxRecovery {
  segments: number
  /** Bytes of an interrupted last write cut off the end of the newest segment (or the v1 journal). */
  tornBytesDropped: number
  damagedBytes: number
  damagedRegions: number
  /** `.damaged-<ms>` copies kept by this open. */
  damagedCopies: string[]
  /** Pending records moved from a v1 `outbox.journal` by this open. */
  migratedV1Records: number
}

interface Segment {
  number: number
  sizeBytes: number
}

type QueuedOp =
  | { kind: 'add'; id: string; frame: Buffer; createdAtMs: number; resolve: () => void; reject: (error: unknown) => void }
  | { kind: 'ack'; id: string; frame: Buffer; resolve: () => void }

type QueuedAck = Extract<QueuedOp, { kind: 'ack' }>

/**
 * Opens (or creates) the outbox in `options.dir`: recovers every segment, migrates a v1 journal,
 * builds the index. Rejects with E_OUTBOX_IO when the folder or a file cannot be used; throws
 * TypeError for a key that is not 32 bytes.
 */
export async function openSegmentOutbox(options: SegmentOutboxOptions): Promise<SegmentOutbox> {
  if (options.key.length !== 32) throw new TypeError(`key must be 32 bytes (got ${options.key.length})`)
  const files = options.files ?? nodeOutboxFiles
  const { dir, clock } = options
  await wrapIo('create folder', dir, () => files.mkdir(dir, DIR_MODE))
  const names = await wrapIo('list', dir, () => files.readdir(dir))
  for (const name of names) {
    // Temp files of an interrupted atomic create or repair: the real file is whole without them.
    if (name.endsWith('.tmp') && (segmentNumberOf(name.slice(0, -4)) !== null || name === `${ASIDE_FILE_NAME}.tmp`)) {
      await files.unlink(join(dir, name)).catch(() => undefined)
    }
  }
  const numbers = names.map(segmentNumberOf).filter((n): n is number => n !== null).sort((a, b) => a - b)
  const index = new PendingIndex()
  const recovery: OutboxRecovery = { segments: 0, tornBytesDropped: 0, damagedBytes: 0, damagedRegions: 0, damagedCopies: [], migratedV1Records: 0 }
  const segments: Segment[] = []
  const buffers = new ReaderBuffers(RECOVERY_CHUNK_BYTES)
  for (const [position, number] of numbers.entries()) {
    const found = await recoverSegment(files, join(dir, segmentFileName(number)), number, position === numbers.length - 1, clock, buffers)
    recovery.tornBytesDropped += found.tornBytesDropped
    recovery.damagedBytes += found.damagedBytes
    recovery.damagedRegions += found.damagedRegions
    if (found.damagedCopy) recovery.damagedCopies.push(found.damagedCopy)
    for (const { head, offsetBytes, frameBytes } of found.records) {
      // Replayed in file order: an add already pending (a migration redone after a crash) is a duplicate.
      if (head.type === 'add') {
        if (!index.has(head.id)) index.push(head.id, number, offsetBytes, frameBytes, head.createdAtMs)
      } else if (head.type === 'ack') {
        index.remove(head.id)
      }
    }
    segments.push({ number, sizeBytes: found.sizeBytes })
  }
  if (segments.length === 0) {
    await wrapIo('create', dir, () => createFileAtomic(files, join(dir, segmentFileName(1)), encodeFileHeader('segment', 1)))
    segments.push({ number: 1, sizeBytes: FILE_HEADER_BYTES })
  }
  recovery.segments = segments.length
  const aside = await countAside(files, join(dir, ASIDE_FILE_NAME))
  const last = segments[segments.length - 1] as Segment
  const activePath = join(dir, segmentFileName(last.number))
  const handle = await wrapIo('open', activePath, () => files.open(activePath, 'r+'))
  const outbox = new SegmentOutbox(options, files, index, segments, handle, recovery, aside?.counts ?? { undecryptable: 0, damaged: 0 })
  try {
    await outbox.migrateV1()
    await outbox.deleteDeliveredSegments()
  } catch (error) {
    await outbox.close().catch(() => undefined)
    throw error
  }
  outbox.logRecovery()
  return outbox
}

/** Use `openSegmentOutbox`. */
export class SegmentOutbox implements Outbox {
  /** What opening found and repaired. */
  readonly recovery: OutboxRecovery
  readonly #dir: string
  readonly #key: Uint8Array
  readonly #clock: Clock
  readonly #log: Logger
  readonly #files: OutboxFiles
  readonly #maxBytes: number
  readonly #segmentBytes: number
  readonly #reserveBytes: number
  readonly #freeSpaceCacheMs: number
  readonly #index: PendingIndex
  /** Oldest first; the last one is written to. */
  readonly #segments: Segment[]
  #activeHandle: FileHandle
  readonly #readHandles = new Map<number, Promise<FileHandle>>()
  readonly #reads = new CoalescedReads((segment) => this.#readHandle(segment))
  #usedBytes: number
  #queue: QueuedOp[] = []
  #queuedAddBytes = 0
  /** Acks whose write failed, oldest first; written before anything queued after them. */
  #retryAcks: QueuedAck[] = []
  #retryTimer: TimerHandle | null = null
  /** Appends queued or being written, by id, so appending the same id again waits for the same write. */
  readonly #appending = new Map<string, Promise<void>>()
  #flushing: Promise<void> | null = null
  #flushScheduled = false
  /** Set after EIO: a failed flush may have dropped dirty pages, so nothing more is written (fsyncgate). */
  #poisoned: StationError | null = null
  /** Set after ENOSPC; cleared by a write that succeeds, a segment deleted, or free space seen again. */
  #noSpaceAtMs: number | null = null
  #freeSpace: { bytes: number; atMs: number } | null = null
  #freeSpaceWarned = false
  #writeWarned = false
  #fullWarned = false
  #asideHandle: { handle: FileHandle; sizeBytes: number } | null = null
  #asideChain: Promise<unknown> = Promise.resolve()
  readonly #setAside: Record<SetAsideCode, number>
  /** What open found, told to each onSetAside listener when it subscribes. */
  readonly #foundAtOpen: Record<SetAsideCode, number>
  readonly #appendedListeners = new Set<(ref: PendingRef) => void>()
  readonly #setAsideListeners = new Set<(code: SetAsideCode, count: number) => void>()
  #closed = false
  /** Set once close() has closed the files: a group commit scheduled before that must not start. */
  #filesClosed = false

  /** Takes the state `openSegmentOutbox` recovered. */
  constructor(
    options: SegmentOutboxOptions,
    files: OutboxFiles,
    index: PendingIndex,
    segments: Segment[],
    activeHandle: FileHandle,
    recovery: OutboxRecovery,
    asideCounts: Record<SetAsideCode, number>,
  ) {
    this.#dir = options.dir
    this.#key = options.key
    this.#clock = options.clock
    this.#log = options.log.child({ component: 'runtime.outbox' })
    this.#files = files
    this.#maxBytes = options.maxBytes
    this.#segmentBytes = Math.max(options.segmentBytes ?? DEFAULT_SEGMENT_BYTES, FILE_HEADER_BYTES + 64)
    this.#reserveBytes = options.reserveBytes ?? DEFAULT_RESERVE_BYTES
    this.#freeSpaceCacheMs = options.freeSpaceCacheMs ?? DEFAULT_FREE_SPACE_CACHE_MS
    this.#index = index
    this.#segments = segments
    this.#activeHandle = activeHandle
    this.#usedBytes = segments.reduce((sum, segment) => sum + segment.sizeBytes, 0)
    this.recovery = recovery
    this.#setAside = { undecryptable: asideCounts.undecryptable, damaged: asideCounts.damaged + recovery.damagedRegions }
    this.#foundAtOpen = { ...this.#setAside }
  }

  /** Folder of the segments. */
  get dir(): string {
    return this.#dir
  }

  /** Bytes of all segments on disk (compare with `maxBytes`). */
  sizeBytes(): number {
    return this.#usedBytes
  }

  /** Segment numbers on disk, oldest first. */
  segmentNumbers(): number[] {
    return this.#segments.map((segment) => segment.number)
  }

  append(submission: Submission): Promise<void> {
    let frame: Buffer
    let createdAtMs: number
    try {
      checkSubmission(submission)
      if (this.#closed) throw this.#closedError()
      if (this.#index.has(submission.id)) return Promise.resolve()
      const already = this.#appending.get(submission.id)
      if (already) return already
      if (this.#poisoned) throw this.#poisoned
      const storage = this.storage()
      if (storage.state === 'full') throw this.#fullError(storage.reason ?? 'outbox-bound')
      createdAtMs = Date.parse(submission.createdAt)
      // Sealed now, so later changes to the caller's object cannot leak in.
      const sealed = sealJson(this.#key, submission.data, submission.id)
      frame = encodeFrame(
        encodeAdd({ id: submission.id, createdAtMs, createdAt: submission.createdAt, flow: submission.flow, flowVersion: submission.flowVersion, sealed }),
      )
      if (this.#usedBytes + this.#queuedAddBytes + frame.length > this.#maxBytes) throw this.#fullError('outbox-bound')
    } catch (error) {
      return Promise.reject(error)
    }
    const id = submission.id
    const written = new Promise<void>((resolve, reject) => {
      this.#queue.push({ kind: 'add', id, frame, createdAtMs, resolve, reject })
    })
    this.#queuedAddBytes += frame.length
    this.#appending.set(id, written)
    const forget = (): void => {
      this.#appending.delete(id)
    }
    written.then(forget, forget)
    this.#schedule()
    return written
  }

  pendingFrom(fromSeq: number, limit: number): PendingRef[] {
    return this.#index.from(fromSeq, limit)
  }

  async read(id: string): Promise<Submission | null> {
    if (this.#closed) throw this.#closedError()
    const slot = this.#index.get(id)
    if (!slot) return null
    const path = this.#segmentPath(slot.segment)
    let frame: Buffer
    let bytesRead: number
    try {
      ;({ bytes: frame, bytesRead } = await this.#reads.read(slot.segment, slot.offsetBytes, slot.frameBytes))
    } catch (error) {
      // Delivered meanwhile and its segment deleted under the read: nothing to send.
      if (this.#index.get(id)?.seq !== slot.seq) return null
      throw outboxIoError('read', path, error)
    }
    if (this.#index.get(id)?.seq !== slot.seq) return null
    const payload = frame.subarray(FRAME_HEADER_BYTES)
    if (bytesRead !== slot.frameBytes || frame.readUInt32BE(0) !== slot.frameBytes - FRAME_HEADER_BYTES || !frameCrcMatches(frame)) {
      await this.#putAside(id, 'damaged', payload)
      return null
    }
    const record = decodeAdd(payload)
    if (!record || record.id !== id) {
      await this.#putAside(id, 'damaged', payload)
      return null
    }
    let data: unknown
    try {
      data = openJson(this.#key, record.sealed, id)
    } catch {
      data = undefined
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      await this.#putAside(id, 'undecryptable', payload)
      return null
    }
    return { id, flow: record.flow, flowVersion: record.flowVersion, createdAt: record.createdAt, data: data as Record<string, unknown> }
  }

  markDelivered(id: string): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError())
    // Out of the queue at once, whatever happens to the write: the drain must never stall on it.
    if (this.#index.remove(id) === null) return Promise.resolve()
    return this.#queueAck(id)
  }

  depth(): number {
    return this.#index.depth
  }

  oldestCreatedAtMs(): number | null {
    return this.#index.oldestCreatedAtMs()
  }

  damage(): OutboxDamage {
    return {
      setAside: { ...this.#setAside },
      damagedBytes: this.recovery.damagedBytes,
      damagedRegions: this.recovery.damagedRegions,
    }
  }

  storage(): StorageState {
    if (this.#poisoned) return { state: 'full', reason: 'write-failed' }
    if (this.#noSpaceAtMs !== null) {
      const free = this.#freeBytes()
      // Only a reading taken after the failure can say space came back.
      if (free.atMs > this.#noSpaceAtMs && free.bytes > this.#reserveBytes) this.#noSpaceAtMs = null
      else return { state: 'full', reason: 'write-failed' }
    }
    if (this.#usedBytes + this.#queuedAddBytes + BOUND_HEADROOM_BYTES > this.#maxBytes) return { state: 'full', reason: 'outbox-bound' }
    if (this.#freeBytes().bytes < this.#reserveBytes) return { state: 'full', reason: 'disk-reserve' }
    return { state: 'ok' }
  }

  onAppended(listener: (ref: PendingRef) => void): Unsubscribe {
    this.#appendedListeners.add(listener)
    return () => this.#appendedListeners.delete(listener)
  }

  /** Also called at once, per code, with what was set aside or found damaged before the listener subscribed at open. */
  onSetAside(listener: (code: SetAsideCode, count: number) => void): Unsubscribe {
    this.#setAsideListeners.add(listener)
    for (const code of ['undecryptable', 'damaged'] as const) {
      if (this.#foundAtOpen[code] > 0) this.#callSetAside(listener, code, this.#foundAtOpen[code])
    }
    return () => this.#setAsideListeners.delete(listener)
  }

  /** Writes what is queued (acks still waiting included, one last try), then closes the files. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#retryTimer) this.#clock.clearTimeout(this.#retryTimer)
    this.#retryTimer = null
    while (this.#flushing) await this.#flushing
    if (this.#queue.length > 0 || this.#retryAcks.length > 0) await this.#runFlush()
    await this.#asideChain.catch(() => undefined)
    if (this.#retryAcks.length > 0) {
      this.#log.warn({ acks: this.#retryAcks.length }, 'outbox closed with acknowledgements unwritten; those submissions will be sent again, central drops them by id')
    }
    this.#appendedListeners.clear()
    this.#setAsideListeners.clear()
    const handles = [this.#activeHandle, ...(await Promise.allSettled(this.#readHandles.values())).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))]
    this.#readHandles.clear()
    if (this.#asideHandle) handles.push(this.#asideHandle.handle)
    this.#asideHandle = null
    this.#filesClosed = true
    await Promise.all(handles.map((handle) => handle.close().catch(() => undefined)))
  }

  /** Moves a v1 journal's pending records into segments, then renames it (docs/outbox.md, "Migration"). For `openSegmentOutbox`. */
  async migrateV1(): Promise<void> {
    const path = join(this.#dir, V1_JOURNAL_FILE_NAME)
    const journal = await openV1Journal(this.#files, path, this.#clock)
    if (!journal) return
    try {
      this.recovery.tornBytesDropped += journal.tornBytesDropped
      this.recovery.damagedBytes += journal.damagedBytes
      this.recovery.damagedRegions += journal.damagedRegions
      this.#setAside.damaged += journal.damagedRegions
      this.#foundAtOpen.damaged += journal.damagedRegions
      if (journal.damagedCopy) this.recovery.damagedCopies.push(journal.damagedCopy)
      for (let from = 0; from < journal.pending.length; from += MIGRATION_BATCH_RECORDS) {
        const writes: Array<Promise<void>> = []
        for (const at of journal.pending.slice(from, from + MIGRATION_BATCH_RECORDS)) {
          const record = await readV1Add(journal, at, path, this.#clock.now())
          // Already in a segment: an earlier migration got this far before a crash.
          if (this.#index.has(record.id)) continue
          const frame = encodeFrame(encodeAdd(record))
          writes.push(
            new Promise<void>((resolve, reject) => {
              this.#queue.push({ kind: 'add', id: record.id, frame, createdAtMs: record.createdAtMs, resolve, reject })
            }),
          )
          this.#queuedAddBytes += frame.length
          this.recovery.migratedV1Records++
        }
        this.#schedule()
        // Every one must be durable before the journal goes: the bound does not apply to what was already accepted.
        await Promise.all(writes)
      }
    } finally {
      await journal.handle.close().catch(() => undefined)
    }
    await wrapIo('rename', path, async () => {
      await this.#files.rename(path, join(this.#dir, V1_MIGRATED_FILE_NAME))
      await syncDirectory(this.#files, this.#dir)
    })
    this.#log.info({ records: this.recovery.migratedV1Records }, 'outbox v1 journal migrated to segments')
  }

  /**
   * Deletes segments whose adds are all delivered, oldest first only: acks for an old segment's adds
   * may live in newer segments, so a newer one may not go before it. When nothing is pending and
   * the only segment is large (or the disk is full) it is cut back to its header. For `openSegmentOutbox`
   * and after each write.
   */
  async deleteDeliveredSegments(): Promise<void> {
    let deleted = false
    try {
      while (this.#segments.length > 1 && this.#index.liveIn((this.#segments[0] as Segment).number) === 0) {
        const segment = this.#segments[0] as Segment
        const reader = this.#readHandles.get(segment.number)
        this.#readHandles.delete(segment.number)
        if (reader) await reader.then((handle) => handle.close()).catch(() => undefined)
        await this.#files.unlink(this.#segmentPath(segment.number))
        this.#segments.shift()
        this.#usedBytes -= segment.sizeBytes
        deleted = true
      }
      if (deleted) await syncDirectory(this.#files, this.#dir)
      const active = this.#segments[this.#segments.length - 1] as Segment
      if (
        this.#segments.length === 1 &&
        this.#index.depth === 0 &&
        this.#queue.length === 0 &&
        this.#appending.size === 0 &&
        active.sizeBytes > FILE_HEADER_BYTES &&
        (active.sizeBytes >= this.#segmentBytes / 4 || this.#noSpaceAtMs !== null)
      ) {
        // Every add in it is delivered and there is no older segment: no record of it is still needed.
        await this.#activeHandle.truncate(FILE_HEADER_BYTES)
        await this.#activeHandle.datasync()
        this.#usedBytes -= active.sizeBytes - FILE_HEADER_BYTES
        active.sizeBytes = FILE_HEADER_BYTES
        this.#retryAcks = []
        deleted = true
      }
    } catch (error) {
      this.#log.warn({ errno: errnoOf(error) }, 'outbox could not delete a delivered segment; will retry after the next write')
    }
    if (deleted) {
      this.#noSpaceAtMs = null
      this.#freeSpace = null
    }
  }

  /** One log line of what opening found: counts only. */
  logRecovery(): void {
    const { tornBytesDropped, damagedBytes, damagedRegions, migratedV1Records, segments } = this.recovery
    const fields = { segments, depth: this.depth(), tornBytesDropped, damagedBytes, damagedRegions, migratedV1Records, setAside: this.#setAside }
    if (damagedRegions > 0) this.#log.error(fields, 'outbox found damaged bytes; intact records kept, damaged files copied aside')
    else if (tornBytesDropped > 0) this.#log.warn(fields, 'outbox ended in an interrupted write; cut off')
    else this.#log.debug(fields, 'outbox opened')
  }

  #queueAck(id: string): Promise<void> {
    const frame = encodeFrame(encodeAck(id))
    const done = new Promise<void>((resolve) => {
      this.#queue.push({ kind: 'ack', id, frame, resolve })
    })
    this.#schedule()
    return done
  }

  /** Starts a group commit after the current tick, so what is queued in it shares one write and one sync. */
  #schedule(): void {
    if (this.#flushScheduled || this.#flushing) return
    this.#flushScheduled = true
    queueMicrotask(() => {
      this.#flushScheduled = false
      if (this.#flushing || this.#filesClosed) return
      void this.#runFlush()
    })
  }

  #runFlush(): Promise<void> {
    const run = (async () => {
      while (this.#queue.length > 0 || this.#retryAcks.length > 0) {
        const batch = this.#takeBatch()
        const written = await this.#writeBatch(batch)
        await this.deleteDeliveredSegments()
        // Acks resolve once what they freed is gone too, so a caller sees the space back.
        for (const op of batch) if (op.kind === 'ack') op.resolve()
        if (!written) break
      }
    })()
    this.#flushing = run.finally(() => {
      this.#flushing = null
      // Queued while the last write was being synced (a failure empties the queue, so no tight loop).
      if (this.#queue.length > 0 && !this.#closed) this.#schedule()
    })
    return this.#flushing
  }

  /** Acks waiting for a retry first, then the queue in order, up to one write's worth that fits a segment. */
  #takeBatch(): QueuedOp[] {
    const capBytes = Math.min(MAX_BATCH_BYTES, this.#segmentBytes - FILE_HEADER_BYTES)
    const batch: QueuedOp[] = []
    let bytes = 0
    for (const source of [this.#retryAcks, this.#queue]) {
      let taken = 0
      while (taken < source.length) {
        const op = source[taken] as QueuedOp
        if (batch.length > 0 && bytes + op.frame.length > capBytes) break
        batch.push(op)
        bytes += op.frame.length
        taken++
      }
      source.splice(0, taken)
      if (taken < source.length) break
    }
    return batch
  }

  /** One write and one fdatasync for the whole batch; true when it is durable. */
  async #writeBatch(batch: QueuedOp[]): Promise<boolean> {
    if (this.#poisoned) {
      this.#failBatch(batch, this.#poisoned)
      return false
    }
    const bytes = batch.length === 1 ? (batch[0] as QueuedOp).frame : Buffer.concat(batch.map((op) => op.frame))
    let active = this.#segments[this.#segments.length - 1] as Segment
    let startBytes = active.sizeBytes
    try {
      if (active.sizeBytes > FILE_HEADER_BYTES && active.sizeBytes + bytes.length > this.#segmentBytes) {
        active = await this.#startSegment(active.number + 1)
        startBytes = active.sizeBytes
      }
      await writeFully(this.#activeHandle, bytes, startBytes)
      await this.#activeHandle.datasync()
    } catch (error) {
      // Cut a partial write off so nothing lands behind garbage; what was synced before stays.
      await this.#activeHandle.truncate(startBytes).catch(() => undefined)
      this.#failBatch(batch, error)
      return false
    }
    active.sizeBytes += bytes.length
    this.#usedBytes += bytes.length
    this.#noSpaceAtMs = null
    this.#writeWarned = false
    let offsetBytes = startBytes
    for (const op of batch) {
      if (op.kind === 'add') {
        this.#queuedAddBytes -= op.frame.length
        const seq = this.#index.push(op.id, active.number, offsetBytes, op.frame.length, op.createdAtMs)
        op.resolve()
        this.#notifyAppended({ id: op.id, seq, createdAtMs: op.createdAtMs })
      }
      offsetBytes += op.frame.length
    }
    return true
  }

  /** Starts segment `number` (created whole, atomically) and writes to it from now on. */
  async #startSegment(number: number): Promise<Segment> {
    const path = this.#segmentPath(number)
    await createFileAtomic(this.#files, path, encodeFileHeader('segment', number))
    const handle = await this.#files.open(path, 'r+')
    const previous = this.#segments[this.#segments.length - 1] as Segment
    // The previous segment stays readable through its handle until it is deleted.
    this.#readHandles.set(previous.number, Promise.resolve(this.#activeHandle))
    this.#activeHandle = handle
    const segment = { number, sizeBytes: FILE_HEADER_BYTES }
    this.#segments.push(segment)
    this.#usedBytes += FILE_HEADER_BYTES
    return segment
  }

  /**
   * A write failed: its adds (and the adds queued behind it) are refused, nothing of them was
   * accepted; its acks stay in memory and go with the next write (or a retry timer).
   */
  #failBatch(batch: QueuedOp[], error: unknown): void {
    const path = this.#segmentPath((this.#segments[this.#segments.length - 1] as Segment).number)
    const noSpace = isNoSpace(error)
    const errno = errnoOf(error) ?? (error instanceof StationError ? String(error.context.errno ?? '') : undefined)
    let failure: StationError
    if (error instanceof StationError && error === this.#poisoned) failure = error
    else if (noSpace) failure = new StationError('E_OUTBOX_FULL', `the disk holding ${path} is full; the submission was not stored`, { path, errno }, { cause: error })
    else failure = outboxIoError('append', path, error)
    if (errno === 'EIO' && !this.#poisoned) this.#poisoned = failure
    if (noSpace) this.#noSpaceAtMs = this.#clock.now()
    const ops = [...batch, ...this.#queue]
    const inBatch = new Set<QueuedOp>(batch)
    this.#queue = []
    const acks: QueuedAck[] = []
    for (const op of ops) {
      if (op.kind === 'add') {
        this.#queuedAddBytes -= op.frame.length
        op.reject(failure)
      } else {
        acks.push(op)
        // Acks of the failed batch resolve in #runFlush, after it; ones only queued resolve now.
        if (!inBatch.has(op)) op.resolve()
      }
    }
    this.#retryAcks = [...acks, ...this.#retryAcks]
    if (!this.#writeWarned) {
      this.#writeWarned = true
      this.#log.warn(
        { errno, file: fileLabel(path), acksWaiting: this.#retryAcks.length },
        'outbox write failed; new submissions are refused, acknowledgements are kept in memory and written later',
      )
    }
    if (this.#retryAcks.length > 0 && !this.#retryTimer && !this.#closed) {
      this.#retryTimer = this.#clock.setTimeout(() => {
        this.#retryTimer = null
        // After the write that failed has wound up, or the retry would be dropped by it.
        void (this.#flushing ?? Promise.resolve()).then(() => {
          if (!this.#closed && this.#retryAcks.length > 0) this.#schedule()
        })
      }, ACK_RETRY_MS)
    }
  }

  /**
   * Copies a record that cannot be sent to the aside file (sealed bytes as they are, fsync'd), then
   * takes it out of the queue and acks it. Rejects with E_OUTBOX_IO when the copy cannot be written:
   * the record stays pending, nothing is lost.
   */
  async #putAside(id: string, code: SetAsideCode, payload: Buffer): Promise<void> {
    const frame = encodeFrame(encodeAside(code, payload))
    const write = this.#asideChain.then(async () => {
      const path = join(this.#dir, ASIDE_FILE_NAME)
      if (!this.#asideHandle) {
        const counted = await countAside(this.#files, path)
        if (!counted) await wrapIo('create', path, () => createFileAtomic(this.#files, path, encodeFileHeader('aside', 0)))
        const handle = await wrapIo('open', path, () => this.#files.open(path, 'r+'))
        this.#asideHandle = { handle, sizeBytes: counted?.sizeBytes ?? FILE_HEADER_BYTES }
      }
      const aside = this.#asideHandle
      try {
        await writeFully(aside.handle, frame, aside.sizeBytes)
        await aside.handle.datasync()
      } catch (error) {
        await aside.handle.truncate(aside.sizeBytes).catch(() => undefined)
        throw outboxIoError('set aside', path, error)
      }
      aside.sizeBytes += frame.length
    })
    this.#asideChain = write.catch(() => undefined)
    await write
    if (this.#index.remove(id) === null) return
    this.#setAside[code]++
    // The submission id and the code only; never what it held.
    this.#log.warn({ submissionId: id, code }, 'outbox record cannot be sent; set aside in aside.log')
    void this.#queueAck(id)
    for (const listener of this.#setAsideListeners) this.#callSetAside(listener, code, 1)
  }

  #callSetAside(listener: (code: SetAsideCode, count: number) => void, code: SetAsideCode, count: number): void {
    try {
      listener(code, count)
    } catch (error) {
      this.#log.warn({ err: error }, 'outbox onSetAside listener threw')
    }
  }

  #notifyAppended(ref: PendingRef): void {
    for (const listener of this.#appendedListeners) {
      try {
        listener(ref)
      } catch (error) {
        this.#log.warn({ err: error, submissionId: ref.id }, 'outbox onAppended listener threw')
      }
    }
  }

  #readHandle(segment: number): Promise<FileHandle> {
    const active = this.#segments[this.#segments.length - 1] as Segment
    if (segment === active.number) return Promise.resolve(this.#activeHandle)
    let handle = this.#readHandles.get(segment)
    if (!handle) {
      handle = this.#files.open(this.#segmentPath(segment), 'r')
      this.#readHandles.set(segment, handle)
      handle.catch(() => this.#readHandles.delete(segment))
    }
    return handle
  }

  /** Free bytes on the outbox's filesystem, read at most once per `freeSpaceCacheMs`. */
  #freeBytes(): { bytes: number; atMs: number } {
    const nowMs = this.#clock.now()
    if (this.#freeSpace && nowMs - this.#freeSpace.atMs < this.#freeSpaceCacheMs) return this.#freeSpace
    let bytes: number
    try {
      bytes = this.#files.freeBytes(this.#dir)
    } catch (error) {
      if (!this.#freeSpaceWarned) this.#log.warn({ errno: errnoOf(error) }, 'outbox cannot read free disk space; reserve not checked')
      this.#freeSpaceWarned = true
      bytes = Number.POSITIVE_INFINITY
    }
    this.#freeSpace = { bytes, atMs: nowMs }
    return this.#freeSpace
  }

  #fullError(reason: NonNullable<StorageState['reason']>): StationError {
    if (!this.#fullWarned) {
      this.#fullWarned = true
      this.#log.warn({ reason, depth: this.depth(), sizeBytes: this.#usedBytes, maxBytes: this.#maxBytes }, 'outbox is full; refusing new submissions')
    }
    return new StationError('E_OUTBOX_FULL', `the outbox refuses new submissions (${reason})`, {
      reason,
      path: this.#dir,
      sizeBytes: this.#usedBytes,
      maxBytes: this.#maxBytes,
      reserveBytes: this.#reserveBytes,
    })
  }

  #closedError(): StationError {
    return new StationError('E_OUTBOX_IO', 'outbox is closed', { path: this.#dir })
  }

  #segmentPath(number: number): string {
    return join(this.#dir, segmentFileName(number))
  }
}

function checkSubmission(submission: Submission): void {
  if (typeof submission.id !== 'string' || submission.id.length === 0) {
    throw new TypeError(`submission.id must be a non-empty string (got ${typeof submission.id})`)
  }
  if (typeof submission.flow !== 'string') throw new TypeError('submission.flow must be a string')
  if (!Number.isFinite(submission.flowVersion)) throw new TypeError('submission.flowVersion must be a finite number')
  if (typeof submission.createdAt !== 'string' || !Number.isFinite(Date.parse(submission.createdAt))) {
    throw new TypeError('submission.createdAt must be an ISO 8601 date string')
  }
  if (typeof submission.data !== 'object' || submission.data === null || Array.isArray(submission.data)) {
    throw new TypeError('submission.data must be an object')
  }
}
