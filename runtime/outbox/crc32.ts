/**
 * CRC-32/ISO-HDLC (the zlib / Ethernet / PNG CRC): reflected polynomial 0x04C11DB7 (0xEDB88320
 * reflected), init 0xFFFFFFFF, final XOR 0xFFFFFFFF. Check value for ASCII "123456789" is
 * 0xCBF43926 (Greg Cook's CRC catalogue, "CRC-32/ISO-HDLC").
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

/** CRC-32/ISO-HDLC of `bytes`, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (let i = 0; i < bytes.length; i++) {
    // Both indexes are in range by construction (byte value, and 0..255 after masking).
    crc = (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8)
  }
  return (crc ^ 0xffffffff) >>> 0
}
