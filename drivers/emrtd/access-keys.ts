/**
 * The secrets a reader opens a chip with (docs/emrtd.md, "Access keys"): BAC's MRZ_information and its
 * K_seed (ICAO 9303 Part 11 §9.7.2), and PACE's password π, MRZ or CAN (§9.7.3: f(π) = SHA-1 of
 * MRZ_information for the MRZ, the CAN's ASCII digits for the CAN).
 */
import { StationError } from '../../runtime/core/errors.js'
import { mrzCheckDigit } from '../identity/mrz.js'
import { sha1 } from './kdf.js'

/** The three MRZ fields BAC and PACE-MRZ need, as printed in the MRZ. */
export interface MrzAccessKey {
  /** Document number as in the MRZ; shorter than 9 characters is padded with `<`. On a CCCD: the ID number's last 9 digits. */
  readonly documentNumber: string
  /** YYMMDD. */
  readonly birth: string
  /** YYMMDD. */
  readonly expiry: string
}

/** PACE password reference in MSE:Set AT (ICAO 9303 Part 11 §4.4.4.1, tag 83): 1 = MRZ, 2 = CAN. */
export const PACE_PASSWORD_MRZ = 1
export const PACE_PASSWORD_CAN = 2

export type PacePassword = { readonly kind: 'can'; readonly can: string } | { readonly kind: 'mrz'; readonly mrz: MrzAccessKey }

const YYMMDD = /^\d{6}$/

/** document number ‖ cd ‖ birth ‖ cd ‖ expiry ‖ cd. Throws E_CARD_INVALID on a malformed field. */
export function mrzInformation(key: MrzAccessKey): string {
  if (!YYMMDD.test(key.birth) || !YYMMDD.test(key.expiry)) {
    throw new StationError('E_CARD_INVALID', 'MRZ dates must be YYMMDD', { reason: 'mrz_key_invalid' })
  }
  const number = key.documentNumber.toUpperCase().padEnd(9, '<')
  if (!/^[A-Z0-9<]+$/.test(number)) {
    throw new StationError('E_CARD_INVALID', 'document number has a character an MRZ cannot carry', { reason: 'mrz_key_invalid' })
  }
  return [number, key.birth, key.expiry].map((field) => `${field}${mrzCheckDigit(field)}`).join('')
}

/** BAC's K_seed: the first 16 bytes of SHA-1(MRZ_information). */
export function bacKeySeed(key: MrzAccessKey): Uint8Array {
  return sha1(new TextEncoder().encode(mrzInformation(key))).subarray(0, 16)
}

/** The CAN printed on (or, on a CCCD, derived from the ID number for) the card: 6 digits. */
export function assertCan(can: string): string {
  if (!/^\d{6}$/.test(can)) throw new StationError('E_CARD_INVALID', 'CAN must be 6 digits', { reason: 'can_invalid' })
  return can
}

/**
 * The CAN of a CCCD: the last 6 digits of its 12-digit personal number (docs/emrtd.md, "CCCD"). Not
 * printed separately on the card; what Vietnamese readers use.
 */
export function cccdCan(personalNumber: string): string {
  if (!/^\d{12}$/.test(personalNumber)) {
    throw new StationError('E_CARD_INVALID', 'a CCCD personal number has 12 digits', { reason: 'can_invalid' })
  }
  return personalNumber.slice(6)
}

/** The BAC key of a CCCD: the ID number's last 9 digits, birth and expiry (docs/emrtd.md, "CCCD"). */
export function cccdMrzKey(personalNumber: string, birth: string, expiry: string): MrzAccessKey {
  if (!/^\d{12}$/.test(personalNumber)) {
    throw new StationError('E_CARD_INVALID', 'a CCCD personal number has 12 digits', { reason: 'mrz_key_invalid' })
  }
  return { documentNumber: personalNumber.slice(3), birth, expiry }
}

/** f(π) of ICAO 9303 Part 11 §9.7.3. */
export function pacePasswordBytes(password: PacePassword): Uint8Array {
  if (password.kind === 'can') return new TextEncoder().encode(assertCan(password.can))
  return sha1(new TextEncoder().encode(mrzInformation(password.mrz)))
}

export function pacePasswordReference(password: PacePassword): number {
  return password.kind === 'can' ? PACE_PASSWORD_CAN : PACE_PASSWORD_MRZ
}
