/**
 * The keys that open a resident's CCCD chip, from an identity already read in the same visit
 * (docs/emrtd.md, "Access keys"): the CAN is the ID number's last 6 digits (from the QR or the MRZ);
 * the BAC key is the number's last 9 digits with the birth and expiry dates, when the MRZ gave an
 * expiry. Without either the resident types the CAN. Pure.
 */
import type { MrzAccessKey } from '../../drivers/emrtd/access-keys.js'
import type { Identity } from '../../flows/engine/identity.js'

export interface ChipAccessKeys {
  readonly can?: string
  readonly mrz?: MrzAccessKey
}

/** `YYYY-MM-DD` → `YYMMDD`. */
function yymmdd(date: string): string {
  return `${date.slice(2, 4)}${date.slice(5, 7)}${date.slice(8, 10)}`
}

/** The keys `identity` gives, or null when it gives none (no identity, or a card number only). */
export function chipAccessFrom(identity: Identity | null): ChipAccessKeys | null {
  const number = identity?.personalId
  if (identity === null || number === null || number === undefined || !/^\d{12}$/.test(number)) return null
  const { birthDate, expiryDate } = identity
  return {
    can: number.slice(6),
    ...(birthDate !== undefined && expiryDate !== undefined ? { mrz: { documentNumber: number.slice(3), birth: yymmdd(birthDate), expiry: yymmdd(expiryDate) } } : {}),
  }
}
