/**
 * One citizen identity, whatever card source it was read from (QR, MRZ, later the chip), and one set of
 * checks on it (docs/identity.md): the 12-digit number and its province, calendar dates in order, the
 * birth year and sex the number encodes, the card's expiry, and text a card can carry. A card refused by
 * one source is refused by every source, with the same reason. Pure; refusals are `E_CARD_INVALID`
 * naming the rule, never a value.
 */
import { StationError } from '../../runtime/core/errors.js'
import { cardText } from './card-text.js'
import { decodePersonalId, type PersonalIdInfo, type PersonalIdOptions, type Sex } from './personal-id.js'
import type { Td1Record } from './mrz.js'

/** What a source read, before the checks; dates are `YYYY-MM-DD`. */
export interface CitizenFields {
  readonly personalId: string
  readonly name: string
  readonly birthDate: string
  readonly sex: Sex
  readonly address?: string
  /** The issue date, where the source carries it (the QR does, the MRZ does not). */
  readonly issued?: string
  /**
   * The expiry the card states (the MRZ and the chip do). The QR states none, and it is not computed
   * from the birth date: the renewal ages changed in 2024 and older cards stay valid until the date
   * printed on them (docs/identity.md, "Expiry").
   */
  readonly expiry?: string
}

/**
 * A checked citizen identity: the fields as the checks left them (name and address NFC, trimmed,
 * single spaces), the expiry the card states or null, and what the number's digits say. Personal
 * data: in memory for the session only, never logged.
 */
export interface CitizenRecord extends Omit<CitizenFields, 'expiry'> {
  readonly expiry: string | null
  readonly idDecoded: PersonalIdInfo
}

/** Checks `fields` as of `today` (local time: the station runs in Viet Nam's time zone). */
export function checkCitizen(fields: CitizenFields, today: Date, options: PersonalIdOptions = {}): CitizenRecord {
  const idDecoded = decodePersonalId(fields.personalId, options)
  const todayIso = localIsoDate(today)
  const { birthDate, issued } = fields
  if (!isCalendarDate(birthDate)) throw invalid('invalid date of birth')
  if (birthDate > todayIso) throw invalid('date of birth is in the future')
  if (issued !== undefined) {
    if (!isCalendarDate(issued)) throw invalid('invalid issue date')
    if (birthDate > issued) throw invalid('date of birth is after the issue date')
    if (issued > todayIso) throw invalid('issue date is in the future')
  }
  if (Number(birthDate.slice(0, 4)) !== idDecoded.birthYear) throw invalid('birth year mismatch with ID digits 4-6')
  if (fields.sex !== idDecoded.sex) throw invalid('sex mismatch with ID digit 4')

  const expiry = fields.expiry ?? null
  if (expiry !== null) {
    if (!isCalendarDate(expiry)) throw invalid('invalid expiry date')
    if (expiry < todayIso) throw invalid('card has expired')
  }
  const name = cardText(fields.name, 'name')
  const address = fields.address === undefined ? undefined : cardText(fields.address, 'address')
  return {
    personalId: fields.personalId,
    name,
    birthDate,
    sex: fields.sex,
    ...(address === undefined ? {} : { address }),
    ...(issued === undefined ? {} : { issued }),
    expiry,
    idDecoded,
  }
}

/**
 * The citizen identity a TD1 MRZ gives: a Vietnamese card (issuer VNM) whose optional data opens with
 * the 12-digit number (docs/protocols.md 6.2). Its two-digit birth year takes the century the number
 * encodes, so a birth year that disagrees with the number is refused as on the QR.
 */
export function citizenFromTd1(record: Td1Record, today: Date, options: PersonalIdOptions = {}): CitizenRecord {
  if (record.issuer !== 'VNM' || record.personalNumber === undefined) {
    throw invalid('not a Vietnamese citizen identity card')
  }
  const idDecoded = decodePersonalId(record.personalNumber, options)
  const yy = Number(record.birth.slice(0, 2))
  // The century the number encodes; a two-digit year that is not the number's is refused below.
  const birthYear = idDecoded.century + yy
  const sex: Sex | undefined = record.sex === 'M' ? 'male' : record.sex === 'F' ? 'female' : undefined
  if (sex === undefined) throw invalid('sex field must be M or F')
  return checkCitizen(
    {
      personalId: record.personalNumber,
      name: `${record.surname} ${record.given}`,
      birthDate: `${String(birthYear).padStart(4, '0')}-${record.birth.slice(2, 4)}-${record.birth.slice(4, 6)}`,
      sex,
      expiry: `20${record.expiry.slice(0, 2)}-${record.expiry.slice(2, 4)}-${record.expiry.slice(4, 6)}`,
    },
    today,
    options,
  )
}

function isCalendarDate(date: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (match === null) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** `today` as `YYYY-MM-DD` in local time. */
export function localIsoDate(today: Date): string {
  if (Number.isNaN(today.getTime())) throw new RangeError('today must be a valid Date')
  const pad = (value: number): string => String(value).padStart(2, '0')
  return `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`
}

function invalid(message: string): StationError {
  return new StationError('E_CARD_INVALID', message, {})
}
