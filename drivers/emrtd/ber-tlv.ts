/**
 * The BER-TLV subset ICAO 9303 files and secure-messaging objects use (docs/emrtd.md, "Encoding"):
 * one- or two-byte tags (a first byte with the low five bits set continues), definite lengths in short
 * form or `81 xx` / `82 xx xx`. Indefinite lengths never occur in LDS1 and are refused.
 */
import { StationError } from '../../runtime/core/errors.js'
import { concatBytes } from './bytes.js'

export interface Tlv {
  /** The tag bytes as one number: 0x87, 0x5F1F, 0x7F49. */
  readonly tag: number
  readonly value: Uint8Array
  /** Offset of the first tag byte in the parsed buffer. */
  readonly start: number
  /** Offset just past the value. */
  readonly end: number
  /** Tag + length bytes. */
  readonly headerLength: number
}

function invalid(message: string, offset: number): StationError {
  return new StationError('E_CODEC_INVALID', `BER-TLV: ${message}`, { offset })
}

/** Tag and length of the TLV at `offset`, without requiring the value to be present (for "how long is this file"). */
export function readTlvHeader(bytes: Uint8Array, offset = 0): { tag: number; length: number; headerLength: number } {
  let position = offset
  const first = bytes[position++]
  if (first === undefined) throw invalid('missing tag', offset)
  let tag = first
  if ((first & 0x1f) === 0x1f) {
    let next: number | undefined
    do {
      next = bytes[position++]
      if (next === undefined) throw invalid('truncated tag', offset)
      tag = tag * 256 + next
    } while ((next & 0x80) !== 0 && position - offset < 4)
  }
  const lengthByte = bytes[position++]
  if (lengthByte === undefined) throw invalid('missing length', offset)
  let length = lengthByte
  if (lengthByte > 0x80) {
    const count = lengthByte & 0x7f
    if (count > 3) throw invalid('length too long', offset)
    length = 0
    for (let index = 0; index < count; index++) {
      const byte = bytes[position++]
      if (byte === undefined) throw invalid('truncated length', offset)
      length = length * 256 + byte
    }
  } else if (lengthByte === 0x80) {
    throw invalid('indefinite length', offset)
  }
  return { tag, length, headerLength: position - offset }
}

export function readTlv(bytes: Uint8Array, offset = 0): Tlv {
  const header = readTlvHeader(bytes, offset)
  const valueStart = offset + header.headerLength
  const end = valueStart + header.length
  if (end > bytes.length) throw invalid('value runs past the end', offset)
  return { tag: header.tag, value: bytes.subarray(valueStart, end), start: offset, end, headerLength: header.headerLength }
}

/** Every TLV in `bytes`, back to back. */
export function readTlvs(bytes: Uint8Array): Tlv[] {
  const out: Tlv[] = []
  let offset = 0
  while (offset < bytes.length) {
    const tlv = readTlv(bytes, offset)
    out.push(tlv)
    offset = tlv.end
  }
  return out
}

/** The first TLV with `tag` among `bytes`' top-level TLVs. */
export function findTlv(bytes: Uint8Array, tag: number): Tlv | undefined {
  return readTlvs(bytes).find((tlv) => tlv.tag === tag)
}

export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length)
  if (length <= 0xff) return Uint8Array.of(0x81, length)
  if (length <= 0xffff) return Uint8Array.of(0x82, length >> 8, length & 0xff)
  throw new RangeError(`TLV length ${length} too long`)
}

function encodeTag(tag: number): Uint8Array {
  const bytes: number[] = []
  let rest = tag
  do {
    bytes.unshift(rest & 0xff)
    rest = Math.floor(rest / 256)
  } while (rest > 0)
  return Uint8Array.from(bytes)
}

export function encodeTlv(tag: number, ...value: readonly Uint8Array[]): Uint8Array {
  const body = concatBytes(...value)
  return concatBytes(encodeTag(tag), encodeLength(body.length), body)
}
