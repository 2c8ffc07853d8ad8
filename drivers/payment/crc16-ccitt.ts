/**
 * CRC-16/CCITT-FALSE, the checksum of EMVCo merchant-presented QR codes (VietQR tag 63, docs/protocols.md 8.2):
 * polynomial 0x1021, initial value 0xffff, no reflection, no final XOR. Check value for ASCII
 * "123456789" is 0x29b1.
 */

const POLYNOMIAL = 0x1021
const INITIAL = 0xffff

/** Table of the CRC of every byte value, so the loop does one lookup per byte instead of eight shifts. */
const TABLE: readonly number[] = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ POLYNOMIAL) & 0xffff : (crc << 1) & 0xffff
  return crc
})

/** CRC-16/CCITT-FALSE of `data`, as a number 0..0xffff. */
export function crc16CcittFalse(data: Uint8Array): number {
  let crc = INITIAL
  for (const byte of data) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0)
  return crc
}

/** A CRC as the four uppercase hex digits EMVCo puts in tag 63: 0x29b1 → "29B1". */
export function formatCrc16(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0')
}
