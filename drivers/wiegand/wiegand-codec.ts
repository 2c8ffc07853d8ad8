/**
 * Wiegand 26-bit (H10301) and 34-bit card frames (docs/protocols.md 5.2): bits, MSB first as they arrive on the
 * wire, to facility code and card number, with both parity bits checked. Pure functions.
 */
import { StationError } from '../../runtime/core/errors.js'

/** One bit as received: a pulse on DATA0 is 0, a pulse on DATA1 is 1. */
export type WiegandBit = 0 | 1

/** A decoded frame. */
export interface WiegandCard {
  /** Frame length: 26 or 34. */
  readonly bits: 26 | 34
  /** 26-bit: 8 bits (0-255); 34-bit: 16 bits (0-65535). */
  readonly facility: number
  /** 16 bits (0-65535) in both formats. */
  readonly card: number
  /** The data bits without the two parity bits, as uppercase hex: 6 digits (26-bit) or 8 (34-bit). */
  readonly raw_hex: string
}

/** Data-field widths per frame length; the parity bits are the first and the last bit. */
const FORMATS = {
  26: { facilityBits: 8, cardBits: 16 },
  34: { facilityBits: 16, cardBits: 16 },
} as const

/**
 * Decodes a 26- or 34-bit frame given as a "0"/"1" string or an array of bits. The leading bit makes the
 * first half (parity bit included) even, the trailing bit makes the second half odd. Throws
 * `E_CODEC_INVALID` for another length, a character other than 0/1, or a failed parity
 * ("even parity failed" / "odd parity failed").
 */
export function decodeWiegand(bits: string | readonly WiegandBit[]): WiegandCard {
  const frame = typeof bits === 'string' ? bits : bits.join('')
  if (!/^[01]*$/.test(frame)) throw invalid('frame must contain only 0 and 1 bits', { length: frame.length })
  const length = frame.length
  if (length !== 26 && length !== 34) {
    throw invalid(`unsupported Wiegand length ${length}, expected 26 or 34`, { length })
  }
  const half = length / 2
  if (countOnes(frame.slice(0, half)) % 2 !== 0) throw invalid('even parity failed', { length })
  if (countOnes(frame.slice(half)) % 2 !== 1) throw invalid('odd parity failed', { length })

  const { facilityBits } = FORMATS[length]
  const data = frame.slice(1, -1)
  return {
    bits: length,
    facility: Number.parseInt(data.slice(0, facilityBits), 2),
    card: Number.parseInt(data.slice(facilityBits), 2),
    raw_hex: Number.parseInt(data, 2).toString(16).toUpperCase().padStart((length - 2) / 4, '0'),
  }
}

/** Builds a 26-bit frame string, for simulators: facility 0-255, card 0-65535. */
export function encodeWiegand26(facility: number, card: number): string {
  return encode(26, facility, card)
}

/** Builds a 34-bit frame string, for simulators: facility 0-65535, card 0-65535. */
export function encodeWiegand34(facility: number, card: number): string {
  return encode(34, facility, card)
}

function encode(length: 26 | 34, facility: number, card: number): string {
  const { facilityBits, cardBits } = FORMATS[length]
  checkRange('facility', facility, facilityBits)
  checkRange('card', card, cardBits)
  const data = facility.toString(2).padStart(facilityBits, '0') + card.toString(2).padStart(cardBits, '0')
  const half = data.length / 2
  const leading = countOnes(data.slice(0, half)) % 2 === 0 ? '0' : '1'
  const trailing = countOnes(data.slice(half)) % 2 === 0 ? '1' : '0'
  return leading + data + trailing
}

function checkRange(name: string, value: number, width: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** width) {
    throw invalid(`${name} must be an integer from 0 to ${2 ** width - 1}`, { [name]: value })
  }
}

function countOnes(bits: string): number {
  let ones = 0
  for (const bit of bits) if (bit === '1') ones++
  return ones
}

function invalid(message: string, context: Readonly<Record<string, number>>): StationError {
  return new StationError('E_CODEC_INVALID', message, context)
}
