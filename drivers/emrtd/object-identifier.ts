/** ASN.1 OBJECT IDENTIFIER contents ↔ dotted text ("0.4.0.127.0.7.2.2.4.2.2"), for EF.CardAccess and PACE. */
import { StationError } from '../../runtime/core/errors.js'

export function decodeOid(bytes: Uint8Array): string {
  const arcs: number[] = []
  let value = 0
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f)
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80)
      else arcs.push(value)
      value = 0
    }
  }
  if (bytes.length === 0 || ((bytes[bytes.length - 1] ?? 0) & 0x80) !== 0) {
    throw new StationError('E_CODEC_INVALID', 'object identifier is truncated', { length: bytes.length })
  }
  return arcs.join('.')
}

export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number)
  const [first = 0, second = 0, ...rest] = arcs
  const out: number[] = []
  for (const arc of [first * 40 + second, ...rest]) {
    const groups = [arc & 0x7f]
    let remaining = Math.floor(arc / 128)
    while (remaining > 0) {
      groups.unshift((remaining & 0x7f) | 0x80)
      remaining = Math.floor(remaining / 128)
    }
    out.push(...groups)
  }
  return Uint8Array.from(out)
}
