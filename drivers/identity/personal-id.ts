/**
 * The 12-digit personal identification number of a Vietnamese citizen `PPP G YY RRRRRR`
 * (docs/protocols.md 7.2): what its digits say about the holder, and its masked form. Pure functions;
 * errors are `E_CARD_INVALID` and never carry the number.
 */
import { StationError } from '../../runtime/core/errors.js'
import { provinceName } from './province-codes.js'

/** Sex as encoded by digit 4 of the personal number and by the QR's `Nam`/`Nữ` field. */
export type Sex = 'male' | 'female'

/** What the 12 digits `PPP G YY RRRRRR` say about their holder (docs/protocols.md 7.2). */
export interface PersonalIdInfo {
  /** Digits 1-3: province of birth registration, as a 3-digit string ("079"). */
  readonly province: string
  /** From digit 4: even = male, odd = female. */
  readonly sex: Sex
  /** From digit 4: first year of the birth century (1900, 2000 … 2300). */
  readonly century: number
  /** Century + digits 5-6. */
  readonly birthYear: number
  /** Digits 7-12: random sequence; carries no checksum. */
  readonly serial: string
  /** Present only when something was accepted under an option, e.g. an unknown province code. */
  readonly warnings?: readonly string[]
}

/** Policy switches for decoding a personal number. */
export interface PersonalIdOptions {
  /**
   * Accept a province code missing from the table and report it in `warnings` instead of failing.
   * Births registered abroad carry country codes, and new codes may be issued later. Default false.
   */
  readonly allowUnknownProvince?: boolean
}

const PERSONAL_ID = /^\d{12}$/

/** True when `text` is a 12-digit personal number with a known province code. */
export function isPersonalId(text: string): boolean {
  return PERSONAL_ID.test(text) && provinceName(text.slice(0, 3)) !== undefined
}

/**
 * Masks a personal number for logs and receipts: first 3 and last 2 digits kept, "079*******01".
 * Anything shorter than 8 characters is masked entirely, so that the visible part never becomes most of it.
 */
export function maskPersonalId(id: string): string {
  if (id.length < 8) return '*'.repeat(id.length)
  return id.slice(0, 3) + '*'.repeat(id.length - 5) + id.slice(-2)
}

/**
 * Decodes the 12-digit personal identification number. Throws `E_CARD_INVALID` when it is not 12 digits
 * or (unless allowed by `options`) when its province code is unknown.
 */
export function decodePersonalId(id: string, options: PersonalIdOptions = {}): PersonalIdInfo {
  if (!PERSONAL_ID.test(id)) {
    throw new StationError('E_CARD_INVALID', 'personal ID must be exactly 12 digits', { length: id.length })
  }
  const province = id.slice(0, 3)
  const warnings: string[] = []
  if (provinceName(province) === undefined) {
    if (options.allowUnknownProvince !== true) {
      throw new StationError('E_CARD_INVALID', `unknown province code ${province}`, { province })
    }
    warnings.push(`unknown province code ${province}`)
  }
  // Digit 4: 0/1 = 1900s, 2/3 = 2000s … 8/9 = 2300s; even = male (Thông tư 07/2016/TT-BCA).
  const centuryAndSex = Number(id[3])
  const century = 1900 + 100 * Math.floor(centuryAndSex / 2)
  const info = {
    province,
    sex: centuryAndSex % 2 === 0 ? 'male' : 'female',
    century,
    birthYear: century + Number(id.slice(4, 6)),
    serial: id.slice(6),
  } as const
  return warnings.length > 0 ? { ...info, warnings } : info
}
