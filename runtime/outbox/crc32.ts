import * as zlib from 'node:zlib'

/**
 * CRC-32/ISO-HDLC (the zlib / Ethernet / PNG CRC): reflected polynomial 0x04C11DB7 (0xEDB88320
 * reflected), init 0xFFFFFFFF, final XOR 0xFFFFFFFF. Check value for ASCII "123456789" is
 * 0xCBF43926 (Greg Cook's CRC catalogue, "CRC-32/ISO-HDLC").
 *
 * `crc32` is zlib's native one where Node has it (`zlib.crc32`, Node 20.15+ / 22.2+), several times
 * faster than the table, which matters when recovery checks every frame of every segment
 * (docs/outbox.md); on older Node it is `tableCrc32`. Both give the same value.
 */

const REFLECTED_POLY = 0xedb88320

const TABLE = buildTable()

function buildTable(): Uint32Array {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ REFLECTED_POLY : c >>> 1
    table[n] = c >>> 0
  }
  return table
}

/** CRC-32/ISO-HDLC of `bytes` by table, as an unsigned 32-bit integer. */
export function tableCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (let i = 0; i < bytes.length; i++) {
    // Both indexes are in range by construction (byte value, and 0..255 after masking).
    crc = (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8)
  }
  return (crc ^ 0xffffffff) >>> 0
}

/** zlib's crc32 when this Node has it (looked up at run time: older Node lacks the export). */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32

/** Whether `crc32` is zlib's native implementation. */
export const CRC32_IS_NATIVE = typeof nativeCrc32 === 'function'

/** CRC-32/ISO-HDLC of `bytes`, as an unsigned 32-bit integer. */
export const crc32: (bytes: Uint8Array) => number = CRC32_IS_NATIVE
  ? (bytes) => (nativeCrc32 as (data: Uint8Array) => number)(bytes) >>> 0
  : tableCrc32
