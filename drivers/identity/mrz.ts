/**
 * ICAO 9303 TD1 machine-readable zone (ID-card size, 3 lines × 30 characters), as on the back of the
 * Vietnamese CCCD (docs/protocols.md 6). Pure functions; every failure is `E_CARD_INVALID` with positions,
 * never field values, in its context.
 */
import { StationError } from '../../runtime/core/errors.js'

/** The TD1 fields, with fillers removed from the ends of each field (docs/protocols.md 6.2). */
export interface Td1Record {
  /** Line 1 pos 1-2 without fillers: "I", "ID", "AC" … */
  readonly docCode: string
  /** Issuing state, ICAO 3-letter code ("VNM"). */
  readonly issuer: string
  /** Document number, including any continuation held in optional data 1 (pos 15 = `<`). */
  readonly docNumber: string
  /** Line 1 optional data (after any document-number continuation), trailing fillers removed. */
  readonly optional1: string
  /** Date of birth as printed, YYMMDD. */
  readonly birth: string
  /** `M`, `F`, `<` (unspecified) or `X`. */
  readonly sex: string
  /** Date of expiry as printed, YYMMDD (20YY). */
  readonly expiry: string
  readonly nationality: string
  /** Line 2 optional data, trailing fillers removed. */
  readonly optional2: string
  /** Primary identifier, name parts joined by spaces. */
  readonly surname: string
  /** Secondary identifiers, joined by spaces. */
  readonly given: string
  /** VNM cards only: the 12-digit personal number that opens optional data 1 (docs/protocols.md 6.2). */
  readonly personalNumber?: string
}

const LINE_LENGTH = 30
const MRZ_CHARACTER = /^[A-Z0-9<]$/
/** Check-digit weights, repeating from the left (ICAO 9303 Part 3, 4.9). */
const WEIGHTS = [7, 3, 1] as const

/**
 * The ICAO 9303 check digit of a field: 0-9 → 0-9, A-Z → 10-35, `<` → 0, weights 7, 3, 1 repeating,
 * sum mod 10. "L898902C3" → 6. Throws `E_CARD_INVALID` on a character outside A-Z, 0-9 and `<`.
 */
export function mrzCheckDigit(field: string): number {
  let sum = 0
  for (let index = 0; index < field.length; index++) {
    const char = field[index] ?? ''
    if (!MRZ_CHARACTER.test(char)) {
      throw new StationError('E_CARD_INVALID', 'invalid MRZ character', { position: index + 1 })
    }
    const value = char === '<' ? 0 : Number.parseInt(char, 36)
    sum += value * (WEIGHTS[index % 3] ?? 1)
  }
  return sum % 10
}

/**
 * Splits OCR or scanner text into the three MRZ lines; accepts CR, LF or CRLF between lines and ignores
 * blank lines and surrounding whitespace. Throws `E_CARD_INVALID` unless exactly three lines remain.
 */
export function splitMrzText(text: string): [string, string, string] {
  const lines = text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
  const [first, second, third] = lines
  if (lines.length !== 3 || first === undefined || second === undefined || third === undefined) {
    throw new StationError('E_CARD_INVALID', `TD1 needs 3 lines, got ${lines.length}`, { lineCount: lines.length })
  }
  return [first, second, third]
}

/**
 * Parses and validates a TD1 MRZ: three lines of exactly 30 characters from A-Z, 0-9 and `<` (after
 * trimming CR/LF and spaces; lower case is rejected, not fixed), all four check digits (document number,
 * birth, expiry, composite) and real calendar dates. `today` resolves the birth century (a birth date
 * cannot be in the future); without it the birth year is taken as 20YY for the calendar check only.
 * Expiry is not enforced here: whether an expired card is acceptable is the procedure's decision.
 */
export function parseTd1(lines: readonly string[], today?: Date): Td1Record {
  if (lines.length !== 3) {
    throw invalid(`TD1 needs 3 lines, got ${lines.length}`, { lineCount: lines.length })
  }
  const [line1, line2, line3] = lines.map((line, index) => checkedLine(line, index + 1)) as [string, string, string]

  const { docNumber, optional1 } = documentNumber(line1)
  const birth = line2.slice(0, 6)
  const sex = line2.slice(7, 8)
  const expiry = line2.slice(8, 14)
  expectCheckDigit(birth, line2[6], 'birth date', { line: 2, position: 7 })
  expectCheckDigit(expiry, line2[14], 'expiry date', { line: 2, position: 15 })
  // Composite input: line 1 pos 6-30, line 2 pos 1-7, 9-15 and 19-29 (ICAO 9303 Part 5, 4.2.2).
  const composite = line1.slice(5, 30) + line2.slice(0, 7) + line2.slice(8, 15) + line2.slice(18, 29)
  expectCheckDigit(composite, line2[29], 'composite', { line: 2, position: 30 })

  checkDate(birth, birthCentury(birth, today), 'birth', 1)
  checkDate(expiry, 2000, 'expiry', 9)
  if (!['M', 'F', '<', 'X'].includes(sex)) throw invalid('invalid sex field', { line: 2, position: 8 })

  const issuer = stripFillers(line1.slice(2, 5))
  const { surname, given } = names(line3)
  const record: Td1Record = {
    docCode: stripFillers(line1.slice(0, 2)),
    issuer,
    docNumber,
    optional1,
    birth,
    sex,
    expiry,
    nationality: stripFillers(line2.slice(15, 18)),
    optional2: stripFillers(line2.slice(18, 29)),
    surname,
    given,
  }
  // Observed CCCD layout: optional data 1 opens with the full 12-digit personal number. The composite
  // digit already covers it, so no further check is needed to trust it.
  const personalNumber = /^\d{12}/.exec(optional1)?.[0]
  return issuer === 'VNM' && personalNumber !== undefined ? { ...record, personalNumber } : record
}

function checkedLine(raw: string, lineNumber: number): string {
  const line = raw.trim()
  if (line.length !== LINE_LENGTH) {
    throw invalid(`invalid line length on line ${lineNumber}: ${line.length} characters, expected ${LINE_LENGTH}`, {
      line: lineNumber,
      length: line.length,
    })
  }
  for (let index = 0; index < line.length; index++) {
    if (!MRZ_CHARACTER.test(line[index] ?? '')) {
      throw invalid(`invalid character on line ${lineNumber} at position ${index + 1}`, {
        line: lineNumber,
        position: index + 1,
      })
    }
  }
  return line
}

/**
 * Document number and optional data 1. A `<` at pos 15 means the number is longer than 9 characters: the
 * rest of it, then its check digit, then a filler, open the optional data (ICAO 9303 Part 5, 4.2.2 note j).
 */
function documentNumber(line1: string): { docNumber: string; optional1: string } {
  const head = line1.slice(5, 14)
  const optional = line1.slice(15, 30)
  if (line1[14] !== '<') {
    expectCheckDigit(head, line1[14], 'document number', { line: 1, position: 15 })
    return { docNumber: stripFillers(head), optional1: stripFillers(optional) }
  }
  const continuation = optional.split('<')[0] ?? ''
  if (continuation.length < 2) {
    throw invalid('document number check digit missing after its continuation', { line: 1, position: 16 })
  }
  const docNumber = head + continuation.slice(0, -1)
  expectCheckDigit(docNumber, continuation.slice(-1), 'document number', {
    line: 1,
    position: 15 + continuation.length,
  })
  return { docNumber, optional1: stripFillers(optional.slice(continuation.length + 1)) }
}

function expectCheckDigit(
  field: string,
  digit: string | undefined,
  what: string,
  context: Readonly<Record<string, number>>,
): void {
  if (digit === undefined || !/^\d$/.test(digit) || Number(digit) !== mrzCheckDigit(field)) {
    throw invalid(`${what} check digit mismatch`, context)
  }
}

/** 1900 or 2000: the latest century that does not put the birth date after `today`. */
function birthCentury(yymmdd: string, today: Date | undefined): number {
  if (today === undefined) return 2000
  const pad = (value: number): string => String(value).padStart(2, '0')
  const todayIso = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`
  const in2000s = `20${yymmdd.slice(0, 2)}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`
  return in2000s > todayIso ? 1900 : 2000
}

function checkDate(yymmdd: string, century: number, what: string, position: number): void {
  const year = century + Number(yymmdd.slice(0, 2))
  const month = Number(yymmdd.slice(2, 4))
  const day = Number(yymmdd.slice(4, 6))
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (!/^\d{6}$/.test(yymmdd) || month < 1 || month > 12 || day < 1 || day > daysInMonth) {
    throw invalid(`invalid ${what} date`, { line: 2, position })
  }
}

/** Line 3: primary identifier `<<` secondary identifiers, single `<` between name parts. */
function names(line3: string): { surname: string; given: string } {
  const name = stripFillers(line3)
  const split = name.indexOf('<<')
  const words = (part: string): string => part.split('<').filter((word) => word !== '').join(' ')
  if (split < 0) return { surname: words(name), given: '' }
  return { surname: words(name.slice(0, split)), given: words(name.slice(split + 2)) }
}

function stripFillers(field: string): string {
  return field.replace(/<+$/, '')
}

function invalid(message: string, context: Readonly<Record<string, number>>): StationError {
  return new StationError('E_CARD_INVALID', message, context)
}
