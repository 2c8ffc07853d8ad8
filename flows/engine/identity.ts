/**
 * Who the resident is, as read from an identity document. Personal data: it lives in the session
 * only, goes to central only inside a submission that asks for it, and is never logged, put in an
 * event, or made available to flow texts (only `maskIdentity` is).
 */

/**
 * Where an identity came from: the CCCD's chip (read and passively authenticated: the issuing state
 * signed it, docs/emrtd.md), its QR code, its MRZ, an NFC card UID, or a Wiegand card number.
 */
export type IdentitySource = 'chip' | 'cccd_qr' | 'mrz' | 'nfc' | 'wiegand'

export const IDENTITY_SOURCES = ['chip', 'cccd_qr', 'mrz', 'nfc', 'wiegand'] as const satisfies readonly IdentitySource[]

/**
 * How far an identity is proven (docs/identity.md, "Verified"): `chip` when it comes from a CCCD chip
 * whose data the issuing state signed; `none` for printed text anyone can copy (QR, MRZ) and card numbers.
 */
export type IdentityVerification = 'chip' | 'none'

export function identityVerification(identity: Pick<Identity, 'source'>): IdentityVerification {
  return identity.source === 'chip' ? 'chip' : 'none'
}

/** A resident's identity. Identifiers are strings: leading zeros matter (docs/protocols.md, general rule 3). */
export interface Identity {
  source: IdentitySource
  /** The 12-digit personal identification number; null when the document does not carry it (NFC UID). */
  personalId: string | null
  /** Full name as printed (with diacritics from the QR; folded from the MRZ). */
  name?: string
  /** YYYY-MM-DD, from every source (the MRZ's two-digit year takes the century the number encodes). */
  birthDate?: string
  sex?: 'male' | 'female'
  address?: string
  /** Hex UID of an NFC card, or the data bits of a Wiegand card as hex. */
  cardUid?: string
  /**
   * YYYY-MM-DD, the expiry the card states (MRZ, chip). Not sent to central: with the number and the
   * birth date it is the BAC key that opens the chip when no CAN works (docs/emrtd.md, "Access keys").
   */
  expiryDate?: string
}

/**
 * A form of the identifier that is safe to show and print: the first three and last two characters
 * of an identifier of eight or more (079*******01; the first three are only the province of birth,
 * docs/protocols.md 7.2), only the last two of a shorter one. The personal number is used when present,
 * else the card UID; '' when there is neither.
 */
export function maskIdentity(identity: Identity): string {
  const id = identity.personalId ?? identity.cardUid ?? ''
  const chars = Array.from(id)
  if (chars.length >= 8) return chars.slice(0, 3).join('') + '*'.repeat(chars.length - 5) + chars.slice(-2).join('')
  if (chars.length > 2) return '*'.repeat(chars.length - 2) + chars.slice(-2).join('')
  return '*'.repeat(chars.length)
}
