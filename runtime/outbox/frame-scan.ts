import { FRAME_HEADER_BYTES, frameCrcMatches, payloadCrcMatches, plausiblePayloadBytes } from './journal-frame.js'
import type { WindowReader } from './window-reader.js'

/**
 * Reads the frames of a file in order and, past a bad one, resynchronises on the next valid frame
 * instead of stopping: a bad region is reported, every intact record after it is kept
 * (docs/outbox.md, "Recovery"). Deciding what a bad region means (torn tail or damage) is the caller's.
 */

export interface FrameDecoder<R> {
  /** Cheap check before the CRC while resynchronising: could a payload of this length start with this byte? */
  mayStart(firstByte: number, payloadBytes: number): boolean
  /**
   * The record, or null when the payload does not parse. While resynchronising (`resync`) only
   * records this version knows count, so that a stray match in garbage is not taken for a frame.
   */
  decode(payload: Buffer, resync: boolean): R | null
}

export interface ScanRegion {
  startBytes: number
  endBytes: number
}

export interface FrameScanResult {
  /** Bad regions with a valid frame after them, in file order. */
  damaged: ScanRegion[]
  /** Bad bytes at the end of the file with no valid frame after them, or null. */
  tail: (ScanRegion & { claimsPastEnd: boolean }) | null
}

/** How far ahead the resync loop reads at a time. */
const RESYNC_SPAN_BYTES = 64 * 1024

/** Scans frames from `startBytes` to the end of the reader's file, calling `onFrame` for each valid one. */
export async function scanFrames<R>(
  reader: WindowReader,
  startBytes: number,
  decoder: FrameDecoder<R>,
  onFrame: (record: R, offsetBytes: number, frameBytes: number) => void,
): Promise<FrameScanResult> {
  try {
    return await scanAll(reader, startBytes, decoder, onFrame)
  } finally {
    // The caller may truncate, rewrite or close the file next: no read of it left under way.
    await reader.settle()
  }
}

async function scanAll<R>(
  reader: WindowReader,
  startBytes: number,
  decoder: FrameDecoder<R>,
  onFrame: (record: R, offsetBytes: number, frameBytes: number) => void,
): Promise<FrameScanResult> {
  const damaged: ScanRegion[] = []
  let positionBytes = startBytes
  while (positionBytes < reader.sizeBytes) {
    // Most frames are already in the buffer: checked synchronously, no promise per frame.
    const inMemory = frameInMemory(reader, positionBytes, decoder)
    const frame = inMemory === undefined ? await frameAt(reader, positionBytes, decoder, false) : inMemory
    if (frame) {
      onFrame(frame.record, positionBytes, frame.frameBytes)
      positionBytes += frame.frameBytes
      continue
    }
    const badStartBytes = positionBytes
    const claimsPastEnd = await claimsPastEndAt(reader, badStartBytes)
    const next = await resync(reader, badStartBytes + 1, decoder)
    if (next === null) {
      return { damaged, tail: { startBytes: badStartBytes, endBytes: reader.sizeBytes, claimsPastEnd } }
    }
    damaged.push({ startBytes: badStartBytes, endBytes: next })
    positionBytes = next
  }
  return { damaged, tail: null }
}

/** The frame at `positionBytes` when its bytes are all in memory (null: not a valid frame), or undefined when a read is needed. */
function frameInMemory<R>(reader: WindowReader, positionBytes: number, decoder: FrameDecoder<R>): { record: R; frameBytes: number } | null | undefined {
  if (!reader.holds(positionBytes, FRAME_HEADER_BYTES + 1)) return undefined
  // Read in place: this runs once per record at every open, so no view beyond the payload's.
  const bytes = reader.buffer
  const at = reader.offsetOf(positionBytes)
  const payloadBytes = plausiblePayloadBytes(bytes, at)
  if (payloadBytes === null) return null
  const frameBytes = FRAME_HEADER_BYTES + payloadBytes
  if (!reader.holds(positionBytes, frameBytes)) return undefined
  const payload = bytes.subarray(at + FRAME_HEADER_BYTES, at + frameBytes)
  if (!payloadCrcMatches(payload, bytes, at)) return null
  const record = decoder.decode(payload, false)
  return record === null ? null : { record, frameBytes }
}

async function frameAt<R>(
  reader: WindowReader,
  positionBytes: number,
  decoder: FrameDecoder<R>,
  resyncing: boolean,
): Promise<{ record: R; frameBytes: number } | null> {
  if (!(await reader.ensure(positionBytes, FRAME_HEADER_BYTES + 1))) return null
  const payloadBytes = plausiblePayloadBytes(reader.view(positionBytes, FRAME_HEADER_BYTES))
  if (payloadBytes === null) return null
  if (resyncing && !decoder.mayStart(reader.byteAt(positionBytes + FRAME_HEADER_BYTES), payloadBytes)) return null
  const frameBytes = FRAME_HEADER_BYTES + payloadBytes
  if (!(await reader.ensure(positionBytes, frameBytes))) return null
  const frame = reader.view(positionBytes, frameBytes)
  if (!frameCrcMatches(frame)) return null
  const record = decoder.decode(frame.subarray(FRAME_HEADER_BYTES), resyncing)
  return record === null ? null : { record, frameBytes }
}

/** Whether the bytes at `positionBytes` are a plausible header whose frame would end past the file. */
async function claimsPastEndAt(reader: WindowReader, positionBytes: number): Promise<boolean> {
  if (!(await reader.ensure(positionBytes, FRAME_HEADER_BYTES))) return true
  const payloadBytes = plausiblePayloadBytes(reader.view(positionBytes, FRAME_HEADER_BYTES))
  return payloadBytes !== null && positionBytes + FRAME_HEADER_BYTES + payloadBytes > reader.sizeBytes
}

/** Offset of the next valid frame at or after `fromBytes`, scanning byte by byte; null when there is none. */
async function resync<R>(reader: WindowReader, fromBytes: number, decoder: FrameDecoder<R>): Promise<number | null> {
  const minFrameBytes = FRAME_HEADER_BYTES + 1
  let positionBytes = fromBytes
  while (positionBytes + minFrameBytes <= reader.sizeBytes) {
    if (!(await reader.ensure(positionBytes, Math.min(RESYNC_SPAN_BYTES, reader.sizeBytes - positionBytes)))) return null
    const windowEnd = Math.min(reader.endBytes, reader.sizeBytes) - minFrameBytes
    // Cheap checks synchronously over what is in memory; only a candidate costs a read and a CRC.
    while (positionBytes <= windowEnd) {
      const header = reader.view(positionBytes, FRAME_HEADER_BYTES)
      const payloadBytes = plausiblePayloadBytes(header)
      if (
        payloadBytes !== null &&
        positionBytes + FRAME_HEADER_BYTES + payloadBytes <= reader.sizeBytes &&
        decoder.mayStart(reader.byteAt(positionBytes + FRAME_HEADER_BYTES), payloadBytes)
      ) {
        if (await frameAt(reader, positionBytes, decoder, true)) return positionBytes
        // frameAt may have moved the window forward to this position; continue from memory.
        if (positionBytes + 1 + minFrameBytes > reader.endBytes) {
          positionBytes += 1
          break
        }
      }
      positionBytes += 1
    }
  }
  return null
}
