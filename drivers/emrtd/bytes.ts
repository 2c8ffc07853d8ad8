/**
 * Byte helpers shared by the eMRTD code (docs/emrtd.md): concatenation, XOR, comparison and the
 * contiguous upper-case hex that ICAO 9303 prints its worked examples in.
 */
import { timingSafeEqual } from 'node:crypto'

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0)
  const out = new Uint8Array(total)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError(`xor of ${a.length} and ${b.length} bytes`)
  return a.map((byte, index) => byte ^ (b[index] ?? 0))
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b)
}

/** "239AB9CB": contiguous upper-case hex, as ICAO 9303 Part 11 Appendix D prints values. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase()
}

/** Bytes from contiguous hex (spaces allowed); throws RangeError on anything else. */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '')
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) throw new RangeError('not hex')
  return new Uint8Array(Buffer.from(digits, 'hex'))
}

/** A big-endian unsigned integer of `length` bytes. */
export function uintBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length)
  let rest = value
  for (let index = length - 1; index >= 0; index--) {
    out[index] = Number(rest & 0xffn)
    rest >>= 8n
  }
  return out
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}
