/** Small DER builders for the simulated issuer's certificates and EF.SOD (docs/emrtd.md, "Simulated chip"). */
import { encodeTlv } from './ber-tlv.js'
import { concatBytes, uintBytes } from './bytes.js'
import { encodeOid } from './object-identifier.js'

export const sequence = (...items: Uint8Array[]) => encodeTlv(0x30, ...items)
export const set = (...items: Uint8Array[]) => encodeTlv(0x31, ...items)
export const oid = (dotted: string) => encodeTlv(0x06, encodeOid(dotted))
export const octetString = (bytes: Uint8Array) => encodeTlv(0x04, bytes)
export const utf8String = (text: string) => encodeTlv(0x0c, new TextEncoder().encode(text))
export const printableString = (text: string) => encodeTlv(0x13, new TextEncoder().encode(text))
export const explicit = (number: number, ...items: Uint8Array[]) => encodeTlv(0xa0 + number, ...items)
export const bitString = (bytes: Uint8Array, unusedBits = 0) => encodeTlv(0x03, Uint8Array.of(unusedBits), bytes)
export const boolean = (value: boolean) => encodeTlv(0x01, Uint8Array.of(value ? 0xff : 0x00))

/** A non-negative INTEGER, minimal, with a 00 when the top bit would read as a sign. */
export function integer(value: bigint | number): Uint8Array {
  const big = BigInt(value)
  let length = 1
  while (big >> BigInt(length * 8) > 0n) length++
  const bytes = uintBytes(big, length)
  return encodeTlv(0x02, ((bytes[0] ?? 0) & 0x80) !== 0 ? concatBytes(Uint8Array.of(0), bytes) : bytes)
}

/** UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5). */
export function time(date: Date): Uint8Array {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14)
  const year = date.getUTCFullYear()
  if (year >= 1950 && year < 2050) return encodeTlv(0x17, new TextEncoder().encode(`${iso.slice(2)}Z`))
  return encodeTlv(0x18, new TextEncoder().encode(`${iso}Z`))
}
