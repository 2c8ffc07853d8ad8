/**
 * The QR code on the Vietnamese citizen identity card (CCCD, docs/protocols.md 7.1): its fields read,
 * then checked as every identity source is (drivers/identity/citizen-identity.ts). Pure. Errors are
 * `E_CARD_INVALID`; their context never carries the number, the name or any other personal field,
 * because errors get logged.
 */
import { StationError } from '../../runtime/core/errors.js'
import { checkCitizen } from './citizen-identity.js'
import type { PersonalIdInfo, PersonalIdOptions, Sex } from './personal-id.js'

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
const SEX_BY_FIELD: ReadonlyMap<string, Sex> = new Map([
  ['nam', 'male'],
  ['nữ', 'female'],
])

/**
 * Parses the CCCD QR text and checks it as every identity source is checked (docs/protocols.md 7.3):
 * field count and number formats here, then the number's province, dates in order (DOB <= issue date
 * <= `today`), birth year and sex against the number, and text a card can carry
 * (drivers/identity/citizen-identity.ts; the QR states no expiry). Surrounding whitespace and CR/LF
 * from the scanner are trimmed. `today` is read in local time, so the station should run in Viet Nam's time zone. Throws
 * `E_CARD_INVALID` naming the failed check.
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
  const dob = parseQrDate(rawDob, 4)
  const issued = parseQrDate(rawIssued, 7)
  const sex = SEX_BY_FIELD.get(rawSex.normalize('NFC').toLowerCase())
  if (sex === undefined) throw invalid('sex field must be Nam or Nữ', { field: 5 })

  const citizen = checkCitizen({ personalId: id, name: rawName, birthDate: dob, sex, address: rawAddress, issued }, today, options)
  return {
    id,
    oldId: oldId === '' ? null : oldId,
    name: citizen.name,
    dob,
    sex,
    address: citizen.address ?? '',
    issued,
    idDecoded: citizen.idDecoded,
  }
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

function invalid(message: string, context: Readonly<Record<string, number>>): StationError {
  return new StationError('E_CARD_INVALID', message, context)
}
