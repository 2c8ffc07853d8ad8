import type { FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Clock } from '../core/clock.js'
import { scanFrames, type FrameDecoder, type FrameScanResult, type ScanRegion } from './frame-scan.js'
import { FILE_MODE, keepDamagedCopy, outboxIoError, syncDirectory, wrapIo, writeFully, type OutboxFiles } from './outbox-files.js'
import {
  decodeAsideCode,
  decodeRecordHead,
  encodeFileHeader,
  FILE_HEADER_BYTES,
  fileHeaderIsValid,
  type AsideCode,
  type RecordHead,
} from './segment-format.js'
import { ReaderBuffers, WindowReader } from './window-reader.js'

/**
 * Opening one segment after a restart (docs/outbox.md, "Recovery"): reads it in fixed-size chunks,
 * lists its records with where they lie, cuts a torn tail off the last segment, and for anything
 * else that does not frame keeps a copy, then rewrites the segment without the bad bytes so the
 * same damage is not copied again at the next open.
 */

/** Chunk read at a time during recovery. */
export const RECOVERY_CHUNK_BYTES = 1024 * 1024

/**
 * Largest write one group commit makes (docs/outbox.md, "Append"), so the most a crash can leave
 * half-written at the end of the last segment; a bad tail longer than this is damage, not a torn write.
 */
export const MAX_BATCH_BYTES = 1024 * 1024

export interface RecoveredRecord {
  head: RecordHead
  offsetBytes: number
  frameBytes: number
}

export interface SegmentRecovery {
  records: RecoveredRecord[]
  sizeBytes: number
  tornBytesDropped: number
  damagedBytes: number
  damagedRegions: number
  /** The `.damaged-<ms>` copy kept, or null when the segment was not damaged. */
  damagedCopy: string | null
}

const segmentDecoder: FrameDecoder<RecordHead> = {
  // Type byte add (1) or ack (2); an ack is at most 3 + 65535 bytes.
  mayStart: (firstByte, payloadBytes) => firstByte === 1 || (firstByte === 2 && payloadBytes <= 3 + 0xffff),
  decode: (payload, resyncing) => {
    const head = decodeRecordHead(payload)
    return head === null || (resyncing && head.type === 'unknown') ? null : head
  },
}

/**
 * Recovers segment `number` at `path`. `isLast`: it is the newest segment, the only one a crash
 * can have left half-written. Rejects with E_OUTBOX_IO when the file cannot be read or repaired.
 */
export async function recoverSegment(
  files: OutboxFiles,
  path: string,
  number: number,
  isLast: boolean,
  clock: Clock,
  /** Shared across the segments of one open, which are recovered one after the other. */
  buffers: ReaderBuffers = new ReaderBuffers(RECOVERY_CHUNK_BYTES),
): Promise<SegmentRecovery> {
  const handle = await wrapIo('open', path, () => files.open(path, isLast ? 'r+' : 'r'))
  let scan: FrameScanResult
  let headerValid: boolean
  let sizeBytes: number
  const records: RecoveredRecord[] = []
  try {
    sizeBytes = (await wrapIo('stat', path, () => handle.stat())).size
    const reader = new WindowReader(handle, sizeBytes, buffers)
    headerValid = (await wrapIo('read', path, () => reader.ensure(0, FILE_HEADER_BYTES))) &&
      fileHeaderIsValid(reader.view(0, FILE_HEADER_BYTES), 'segment', number)
    // A bad header is damage too: frames are searched from the first byte.
    scan = await wrapIo('read', path, () =>
      scanFrames(reader, headerValid ? FILE_HEADER_BYTES : 0, segmentDecoder, (head, offsetBytes, frameBytes) => {
        records.push({ head, offsetBytes, frameBytes })
      }),
    )
  } catch (error) {
    await handle.close().catch(() => undefined)
    throw error
  }

  const damaged: ScanRegion[] = [...scan.damaged]
  if (!headerValid && (damaged[0]?.startBytes ?? scan.tail?.startBytes ?? -1) !== 0) {
    // No bytes of a frame before the first record, but no header either.
    damaged.unshift({ startBytes: 0, endBytes: records[0]?.offsetBytes ?? 0 })
  }
  let tornBytesDropped = 0
  if (scan.tail) {
    const tailBytes = scan.tail.endBytes - scan.tail.startBytes
    const torn = isLast && headerValid && (tailBytes <= MAX_BATCH_BYTES || scan.tail.claimsPastEnd)
    if (torn) tornBytesDropped = tailBytes
    else damaged.push(scan.tail)
  }

  if (damaged.length === 0) {
    try {
      if (tornBytesDropped > 0) {
        const keptBytes = sizeBytes - tornBytesDropped
        await wrapIo('truncate', path, async () => {
          await handle.truncate(keptBytes)
          await handle.sync()
        })
        sizeBytes = keptBytes
      }
    } finally {
      await handle.close().catch(() => undefined)
    }
    return { records, sizeBytes, tornBytesDropped, damagedBytes: 0, damagedRegions: 0, damagedCopy: null }
  }

  try {
    const damagedCopy = await keepDamagedCopy(files, path, clock)
    const rewritten = await rewriteWithout(files, handle, path, number, records)
    return {
      records: rewritten.records,
      sizeBytes: rewritten.sizeBytes,
      tornBytesDropped,
      damagedBytes: damaged.reduce((sum, region) => sum + region.endBytes - region.startBytes, 0),
      damagedRegions: damaged.length,
      damagedCopy,
    }
  } finally {
    await handle.close().catch(() => undefined)
  }
}

/**
 * Replaces the segment, atomically, by a fresh header and its intact frames byte for byte, reading
 * and writing a chunk at a time. Only after the damaged copy is on disk.
 */
async function rewriteWithout(
  files: OutboxFiles,
  source: FileHandle,
  path: string,
  number: number,
  records: RecoveredRecord[],
): Promise<{ records: RecoveredRecord[]; sizeBytes: number }> {
  const tmpPath = `${path}.tmp`
  const target = await wrapIo('rewrite', tmpPath, () => files.open(tmpPath, 'w', FILE_MODE))
  const moved: RecoveredRecord[] = []
  let sizeBytes = 0
  try {
    await wrapIo('rewrite', tmpPath, async () => {
      await target.chmod(FILE_MODE)
      let pending = Buffer.allocUnsafe(Math.max(RECOVERY_CHUNK_BYTES, FILE_HEADER_BYTES))
      let used = encodeFileHeader('segment', number).copy(pending, 0)
      const flush = async (): Promise<void> => {
        await writeFully(target, pending.subarray(0, used), sizeBytes)
        sizeBytes += used
        used = 0
      }
      for (const record of records) {
        if (used + record.frameBytes > pending.length) await flush()
        if (record.frameBytes > pending.length) pending = Buffer.allocUnsafe(record.frameBytes)
        const { bytesRead } = await source.read(pending, used, record.frameBytes, record.offsetBytes)
        if (bytesRead !== record.frameBytes) throw new Error('segment shrank while being repaired')
        moved.push({ head: record.head, offsetBytes: sizeBytes + used, frameBytes: record.frameBytes })
        used += record.frameBytes
      }
      await flush()
      await target.sync()
    })
  } catch (error) {
    await target.close().catch(() => undefined)
    await files.unlink(tmpPath).catch(() => undefined)
    throw error
  }
  await target.close()
  await wrapIo('rewrite', path, async () => {
    await files.rename(tmpPath, path)
    await syncDirectory(files, dirname(path))
  })
  return { records: moved, sizeBytes }
}

const asideDecoder: FrameDecoder<AsideCode> = {
  mayStart: (firstByte) => firstByte === 3,
  decode: (payload) => decodeAsideCode(payload),
}

/** Set-aside records in the aside file by code, and its size; a missing file counts nothing. */
export async function countAside(
  files: OutboxFiles,
  path: string,
): Promise<{ counts: Record<AsideCode, number>; sizeBytes: number } | null> {
  let handle: FileHandle
  try {
    handle = await files.open(path, 'r')
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return null
    throw outboxIoError('open', path, error)
  }
  try {
    const counts: Record<AsideCode, number> = { undecryptable: 0, damaged: 0 }
    const sizeBytes = (await wrapIo('stat', path, () => handle.stat())).size
    const reader = new WindowReader(handle, sizeBytes, new ReaderBuffers(RECOVERY_CHUNK_BYTES))
    // A human's file: what frames is counted; bad bytes in it are left for that human.
    await wrapIo('read', path, () =>
      scanFrames(reader, Math.min(FILE_HEADER_BYTES, sizeBytes), asideDecoder, (code) => void counts[code]++),
    )
    return { counts, sizeBytes }
  } finally {
    await handle.close().catch(() => undefined)
  }
}
