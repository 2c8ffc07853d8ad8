/**
 * Vietnamese citizen identity card (CCCD): the 12-digit personal identification number and the QR code on
 * the card (docs/protocols.md 7). Pure functions. Errors are `E_CARD_INVALID`; their context never carries the
 * number, the name or any other personal field, because errors get logged.
 */
import { StationError } from '../../runtime/core/errors.js'
import { looksLikeMojibake } from '../text/vietnamese.js'
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

/** The CCCD QR payload, validated (docs/protocols.md 7.1). Personal data: keep it in memory, never log it. */
export interface CccdRecord {
  /** The 12-digit personal identification number, as a string. */
  readonly id: string
  /** The old 9-digit CMND number, or null when the card has none. */
  readonly oldId: string | null
  /** Full name, NFC. */
  readonly name: string
  /** Date of birth, YYYY-MM-DD. */
  readonly dob: string
  readonly sex: Sex
  /** Permanent address, NFC. */
  readonly address: string
  /** Card issue date, YYYY-MM-DD. */
  readonly issued: string
  /** The personal number decoded; consistent with `dob` and `sex`. */
  readonly idDecoded: PersonalIdInfo
}

const PERSONAL_ID = /^\d{12}$/
const OLD_ID = /^\d{9}$/
/** The QR has 7 fields (docs/protocols.md 7.1); newer cards may append more, which are ignored. */
const MIN_QR_FIELDS = 7
/** In `u` mode a valid surrogate pair is one code point, so only unpaired halves match. */
const LONE_SURROGATE = /[\ud800-\udfff]/u
const SEX_BY_FIELD: ReadonlyMap<string, Sex> = new Map([
  ['nam', 'male'],
  ['nữ', 'female'],
])

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

/**
 * Parses and validates the CCCD QR text with the checks of docs/protocols.md 7.3, in order: field count,
 * number formats, province and digit 4, calendar dates with DOB ≤ issue date ≤ `today`, birth year and
 * sex against the number, then text sanity (no U+FFFD, no Windows-1252 mojibake). Surrounding
 * whitespace and CR/LF from the scanner are trimmed. `today` is read in local time, so the station
 * should run in Viet Nam's time zone. Throws `E_CARD_INVALID` naming the failed check.
 */
export function parseCccdQr(payload: string, today: Date, options: PersonalIdOptions = {}): CccdRecord {
  const fields = payload.trim().split('|').map((field) => field.trim())
  const [id = '', oldId = '', rawName = '', rawDob = '', rawSex = '', rawAddress = '', rawIssued = ''] = fields
  if (fields.length < MIN_QR_FIELDS) {
    throw invalid(`expected at least ${MIN_QR_FIELDS} fields separated by |, got ${fields.length}`, {
      fieldCount: fields.length,
    })
  }
  if (!PERSONAL_ID.test(id)) throw invalid('personal ID must be exactly 12 digits', { field: 1 })
  if (oldId !== '' && !OLD_ID.test(oldId)) throw invalid('old ID number must be empty or 9 digits', { field: 2 })
  const idDecoded = decodePersonalId(id, options)

  const dob = parseQrDate(rawDob, 4)
  const issued = parseQrDate(rawIssued, 7)
  if (dob > issued) throw invalid('date of birth is after the issue date', { field: 4 })
  if (issued > isoDate(today)) throw invalid('issue date is in the future', { field: 7 })

  if (Number(dob.slice(0, 4)) !== idDecoded.birthYear) {
    throw invalid('birth year mismatch with ID digits 4-6', { field: 4 })
  }
  const sex = SEX_BY_FIELD.get(rawSex.normalize('NFC').toLowerCase())
  if (sex === undefined) throw invalid('sex field must be Nam or Nữ', { field: 5 })
  if (sex !== idDecoded.sex) throw invalid('sex mismatch with ID digit 4', { field: 5 })

  const name = checkedText(rawName, 3)
  if (name === '') throw invalid('name is empty', { field: 3 })
  const address = checkedText(rawAddress, 6)
  return { id, oldId: oldId === '' ? null : oldId, name, dob, sex, address, issued, idDecoded }
}

/** `ddmmyyyy` → `YYYY-MM-DD`, rejecting dates that are not on the calendar (31022003). */
function parseQrDate(raw: string, field: number): string {
  const match = /^(\d{2})(\d{2})(\d{4})$/.exec(raw)
  const day = Number(match?.[1])
  const month = Number(match?.[2])
  const year = Number(match?.[3])
  if (match === null || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    // The raw text is quoted because it names no real day, so it is not the holder's birth date.
    throw invalid(`invalid date ${raw}`, { field })
  }
  return `${match[3]}-${match[2]}-${match[1]}`
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

function isoDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('today must be a valid Date')
  const pad = (value: number): string => String(value).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
}

/** NFC text without decoding damage: U+FFFD or lone surrogates (bad UTF-8), or mojibake. */
function checkedText(raw: string, field: number): string {
  if (raw.includes('\ufffd') || LONE_SURROGATE.test(raw)) {
    throw invalid('text is not valid UTF-8 (replacement character from the scanner)', { field })
  }
  if (looksLikeMojibake(raw)) {
    throw invalid('text looks like UTF-8 decoded with the wrong charset (scanner charset setting)', { field })
  }
  return raw.normalize('NFC')
}

function invalid(message: string, context: Readonly<Record<string, number>>): StationError {
  return new StationError('E_CARD_INVALID', message, context)
}
