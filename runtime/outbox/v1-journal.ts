import type { FileHandle } from 'node:fs/promises'
import type { Clock } from '../core/clock.js'
import { scanFrames, type FrameDecoder } from './frame-scan.js'
import { FRAME_HEADER_BYTES } from './journal-frame.js'
import { keepDamagedCopy, outboxIoError, wrapIo, type OutboxFiles } from './outbox-files.js'
import type { AddRecord } from './segment-format.js'
import { MAX_BATCH_BYTES, RECOVERY_CHUNK_BYTES } from './segment-recovery.js'
import { ReaderBuffers, WindowReader } from './window-reader.js'

/**
 * Reading the v1 outbox, a single `outbox.journal` of JSON records in the same frames
 * (`{t:'add', id, flow, flowVersion, createdAt, data}` with `data` sealed, and `{t:'ack', id}`),
 * for its one-time migration into segments (docs/outbox.md, "Migration"). Nothing writes v1 any more.
 */

export const V1_JOURNAL_FILE_NAME = 'outbox.journal'
/** What the v1 journal is renamed to once its pending records are in segments. */
export const V1_MIGRATED_FILE_NAME = 'outbox.journal.migrated-v1'

type V1Head = { t: 'add'; id: string } | { t: 'ack'; id: string } | { t: 'unknown' }

const utf8 = new TextDecoder('utf-8', { fatal: true })

function parseJson(payload: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(payload)) as unknown
  } catch {
    return undefined
  }
}

function isV1Add(value: unknown): value is { t: 'add'; id: string; flow: string; flowVersion: number; createdAt: string; data: string } {
  if (typeof value !== 'object' || value === null) return false
  const entry = value as Record<string, unknown>
  return (
    entry['t'] === 'add' &&
    typeof entry['id'] === 'string' &&
    entry['id'] !== '' &&
    typeof entry['flow'] === 'string' &&
    typeof entry['flowVersion'] === 'number' &&
    typeof entry['createdAt'] === 'string' &&
    typeof entry['data'] === 'string'
  )
}

const v1Decoder: FrameDecoder<V1Head> = {
  mayStart: (firstByte) => firstByte === 0x7b /* '{' */,
  decode: (payload, resyncing) => {
    const value = parseJson(payload)
    if (value === undefined) return null
    if (isV1Add(value)) return { t: 'add', id: value.id }
    const entry = value as Record<string, unknown> | null
    if (typeof entry === 'object' && entry !== null && entry['t'] === 'ack' && typeof entry['id'] === 'string') {
      return { t: 'ack', id: entry['id'] }
    }
    return resyncing ? null : { t: 'unknown' }
  },
}

export interface V1Journal {
  handle: FileHandle
  /** Frames of the adds still pending at the end of the journal, in append order. */
  pending: Array<{ offsetBytes: number; frameBytes: number }>
  tornBytesDropped: number
  damagedBytes: number
  damagedRegions: number
  damagedCopy: string | null
}

/**
 * Scans the v1 journal at `path` (null when there is none), keeping a copy when it is damaged.
 * Only ids and offsets stay in memory; the caller reads each pending add with `readV1Add` and closes `handle`.
 */
export async function openV1Journal(files: OutboxFiles, path: string, clock: Clock): Promise<V1Journal | null> {
  let handle: FileHandle
  try {
    handle = await files.open(path, 'r')
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return null
    throw outboxIoError('open', path, error)
  }
  try {
    const sizeBytes = (await wrapIo('stat', path, () => handle.stat())).size
    const reader = new WindowReader(handle, sizeBytes, new ReaderBuffers(RECOVERY_CHUNK_BYTES))
    // Map order is insertion order; an id added again after its ack moves to the end, as it should.
    const pending = new Map<string, { offsetBytes: number; frameBytes: number }>()
    const scan = await wrapIo('read', path, () =>
      scanFrames(reader, 0, v1Decoder, (head, offsetBytes, frameBytes) => {
        if (head.t === 'add') {
          if (!pending.has(head.id)) pending.set(head.id, { offsetBytes, frameBytes })
        } else if (head.t === 'ack') {
          pending.delete(head.id)
        }
      }),
    )
    const damaged = [...scan.damaged]
    let tornBytesDropped = 0
    if (scan.tail) {
      const tailBytes = scan.tail.endBytes - scan.tail.startBytes
      if (tailBytes <= MAX_BATCH_BYTES || scan.tail.claimsPastEnd) tornBytesDropped = tailBytes
      else damaged.push(scan.tail)
    }
    const damagedCopy = damaged.length > 0 ? await keepDamagedCopy(files, path, clock) : null
    return {
      handle,
      pending: [...pending.values()],
      tornBytesDropped,
      damagedBytes: damaged.reduce((sum, region) => sum + region.endBytes - region.startBytes, 0),
      damagedRegions: damaged.length,
      damagedCopy,
    }
  } catch (error) {
    await handle.close().catch(() => undefined)
    throw error
  }
}

/** One pending v1 add as a segment add record (sealed data as it is); createdAtMs falls back to `nowMs` when createdAt does not parse. */
export async function readV1Add(journal: V1Journal, at: { offsetBytes: number; frameBytes: number }, path: string, nowMs: number): Promise<AddRecord> {
  const frame = Buffer.allocUnsafe(at.frameBytes)
  await wrapIo('read', path, () => journal.handle.read(frame, 0, at.frameBytes, at.offsetBytes))
  const value = parseJson(frame.subarray(FRAME_HEADER_BYTES))
  if (!isV1Add(value)) throw outboxIoError('read', path, new Error('v1 record changed while being migrated'))
  const createdAtMs = Date.parse(value.createdAt)
  return {
    id: value.id,
    flow: value.flow,
    flowVersion: value.flowVersion,
    createdAt: value.createdAt,
    createdAtMs: Number.isFinite(createdAtMs) ? createdAtMs : nowMs,
    sealed: value.data,
  }
}
