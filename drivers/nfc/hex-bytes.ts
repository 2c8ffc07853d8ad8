/**
 * Hex text ↔ bytes, in the notation of docs/protocols.md and the test vectors ("00 00 FF 02 FE").
 */
import { StationError } from '../../runtime/core/errors.js'

/**
 * Bytes from hex text. Accepts space, colon or no separators and `0x` prefixes ("DE AD", "dead",
 * "0xDE 0xAD", "DE:AD"). Throws E_CODEC_INVALID for an odd digit count or a non-hex character.
 */
export function parseHexBytes(text: string): Uint8Array {
  const digits = text.replace(/0x/gi, '').replace(/[\s:]+/g, '')
  if (!/^[0-9a-f]*$/i.test(digits)) {
    throw new StationError('E_CODEC_INVALID', 'hex text has a character that is not a hex digit', {
      length: text.length,
    })
  }
  if (digits.length % 2 !== 0) {
    throw new StationError('E_CODEC_INVALID', 'hex text has an odd number of digits', { digits: digits.length })
  }
  const bytes = new Uint8Array(digits.length / 2)
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = Number.parseInt(digits.slice(2 * index, 2 * index + 2), 16)
  }
  return bytes
}

/** "DE AD BE EF": uppercase, two digits a byte, joined by `separator` (default one space). */
export function formatHexBytes(bytes: Uint8Array, separator = ' '): string {
  return Array.from(bytes, (byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(separator)
}

/** "0x32", "0x0004": `0x` and `digits` uppercase hex digits. */
export function formatHexNumber(value: number, digits = 2): string {
  return `0x${value.toString(16).toUpperCase().padStart(digits, '0')}`
}
