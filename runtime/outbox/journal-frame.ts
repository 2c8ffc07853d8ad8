import { StationError } from '../errors.js'
import { crc32 } from './crc32.js'

/**
 * Pure framing of journal records: `[length u32 BE][crc32 u32 BE][payload]`, where the CRC
 * (CRC-32/ISO-HDLC) covers the payload only. No I/O here: bytes in, frames out.
 */

/** 4-byte big-endian payload length + 4-byte big-endian CRC-32. */
export const FRAME_HEADER_BYTES = 8

/**
 * Largest payload we ever write (16 MiB). A longer length field can only come from damage, so
 * the scanner treats it as a bad frame instead of trying to read that far.
 */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024

/** Frames one payload. Throws E_CODEC_INVALID for an empty or oversized payload. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  if (payload.length === 0 || payload.length > MAX_PAYLOAD_BYTES) {
    throw new StationError('E_CODEC_INVALID', `journal payload must be 1..${MAX_PAYLOAD_BYTES} bytes`, {
      payloadBytes: payload.length,
    })
  }
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length)
  const view = new DataView(frame.buffer)
  view.setUint32(0, payload.length, false)
  view.setUint32(4, crc32(payload), false)
  frame.set(payload, FRAME_HEADER_BYTES)
  return frame
}

/** One good frame found by `scanFrames`. */
export interface ScannedFrame {
  /** Byte offset of the frame header in the scanned bytes. */
  offsetBytes: number
  /** Total frame length (header + payload). */
  frameBytes: number
  /** View into the scanned bytes (not a copy). */
  payload: Uint8Array
}

/**
 * How the scan ended.
 * - `clean`: every byte belongs to a good frame.
 * - `torn`: the bad part is what an interrupted append leaves (a short header, a frame running
 *   past the end or ending exactly at it with a bad CRC, or zero fill to the end); safe to cut off.
 * - `corrupt`: a bad frame with more data after it. Length framing cannot resync past it.
 */
export type ScanEnd = 'clean' | 'torn' | 'corrupt'

export interface FrameScan {
  frames: ScannedFrame[]
  /** Offset just past the last good frame: the length to keep. */
  goodBytes: number
  end: ScanEnd
}

/** Reads frames from the start until the end of the bytes or the first bad frame. */
export function scanFrames(bytes: Uint8Array): FrameScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const frames: ScannedFrame[] = []
  let offset = 0
  while (offset < bytes.length) {
    if (bytes.length - offset < FRAME_HEADER_BYTES) return { frames, goodBytes: offset, end: 'torn' }
    const payloadBytes = view.getUint32(offset, false)
    const expectedCrc = view.getUint32(offset + 4, false)
    const frameEnd = offset + FRAME_HEADER_BYTES + payloadBytes
    const plausibleLength = payloadBytes > 0 && payloadBytes <= MAX_PAYLOAD_BYTES
    if (plausibleLength && frameEnd <= bytes.length) {
      const payload = bytes.subarray(offset + FRAME_HEADER_BYTES, frameEnd)
      if (crc32(payload) === expectedCrc) {
        frames.push({ offsetBytes: offset, frameBytes: frameEnd - offset, payload })
        offset = frameEnd
        continue
      }
    }
    return { frames, goodBytes: offset, end: classifyBadFrame(bytes, offset, frameEnd) }
  }
  return { frames, goodBytes: offset, end: 'clean' }
}

/** Whether the bad frame at `offset` looks like a torn last append or like damage in the middle. */
export function classifyBadFrame(bytes: Uint8Array, offset: number, claimedEnd: number): 'torn' | 'corrupt' {
  if (claimedEnd >= bytes.length) return 'torn'
  // Some filesystems (ext4 with delayed allocation) expose a zero-filled tail after a crash.
  for (let i = offset; i < bytes.length; i++) if (bytes[i] !== 0) return 'corrupt'
  return 'torn'
}
