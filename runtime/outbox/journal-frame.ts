import { StationError } from '../core/errors.js'
import { crc32 } from './crc32.js'

/**
 * Pure framing of outbox records: `[length u32 BE][crc32 u32 BE][payload]`, where the CRC
 * (CRC-32/ISO-HDLC) covers the payload only. Segments and the v1 journal use the same frames
 * (docs/outbox.md). No I/O here: bytes in, frames out.
 */

/** 4-byte big-endian payload length + 4-byte big-endian CRC-32. */
export const FRAME_HEADER_BYTES = 8

/**
 * Largest payload we ever write (16 MiB). A longer length field can only come from damage, so
 * the scanner treats it as a bad frame instead of trying to read that far.
 */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024

/** Frames one payload. Throws E_CODEC_INVALID for an empty or oversized payload. */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length === 0 || payload.length > MAX_PAYLOAD_BYTES) {
    throw new StationError('E_CODEC_INVALID', `journal payload must be 1..${MAX_PAYLOAD_BYTES} bytes`, {
      payloadBytes: payload.length,
    })
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length)
  frame.writeUInt32BE(payload.length, 0)
  frame.writeUInt32BE(crc32(payload), 4)
  frame.set(payload, FRAME_HEADER_BYTES)
  return frame
}

/** Big-endian u32 at `offset`, read byte by byte: no DataView per frame on the recovery path. */
function uint32At(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] as number) * 0x1000000 +
    (((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number))
  )
}

/** The payload length a frame header claims, or null when no frame can have it (0, or over the maximum). */
export function plausiblePayloadBytes(header: Uint8Array, offset = 0): number | null {
  const payloadBytes = uint32At(header, offset)
  return payloadBytes > 0 && payloadBytes <= MAX_PAYLOAD_BYTES ? payloadBytes : null
}

/** Whether `frame` (header + payload, exactly) carries the CRC of its payload. */
export function frameCrcMatches(frame: Uint8Array): boolean {
  return payloadCrcMatches(frame.subarray(FRAME_HEADER_BYTES), frame, 0)
}

/**
 * Whether `payload` has the CRC written in the frame header at `headerOffset` of `bytes`: the
 * scanner's form, which checks a frame in place with one view of its payload.
 */
export function payloadCrcMatches(payload: Uint8Array, bytes: Uint8Array, headerOffset: number): boolean {
  return crc32(payload) === uint32At(bytes, headerOffset + 4)
}
