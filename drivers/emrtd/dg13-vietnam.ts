/**
 * DG13 of the Vietnamese CCCD: the personal details the MRZ lacks (docs/emrtd.md, "DG13"). Layout as
 * observed by open-source readers, not from a published specification: 6D { 30 { 02 version, 06 OID,
 * 31 { 30 { 02 field number, value } … } } }, where a value is a string (UTF8String or PrintableString)
 * or, for parents and spouse, a SEQUENCE of strings. Parsed tolerantly: fields are keyed by number,
 * never by position; a missing field is absent; unknown tags are skipped; text is NFC-normalised; dates
 * keep their raw text next to a best-effort ISO date. The raw file (hashed by EF.SOD) is never changed.
 */
import { readTlv, readTlvs, type Tlv } from './ber-tlv.js'
import { bytesToBigint } from './bytes.js'
import { chipRefusal } from './chip-errors.js'

export interface Dg13Date {
  /** As on the chip. */
  readonly raw: string
  /** YYYY-MM-DD when the text is a recognisable date; undefined otherwise ("Không thời hạn"). */
  readonly iso: string | undefined
}

export interface Dg13 {
  /** Every field by number, each value's strings in order (NFC). */
  readonly fields: ReadonlyMap<number, readonly string[]>
  readonly personalNumber?: string
  readonly fullName?: string
  readonly birth?: Dg13Date
  readonly sex?: string
  readonly nationality?: string
  readonly ethnicity?: string
  readonly religion?: string
  readonly placeOfOrigin?: string
  readonly placeOfResidence?: string
  readonly identifyingFeatures?: string
  readonly issued?: Dg13Date
  readonly expiry?: Dg13Date
  readonly fatherName?: string
  readonly motherName?: string
  readonly spouseName?: string
  /** Field 15: another document number (the old CMND?); meaning unverified. */
  readonly otherDocument?: string
}

const STRING_TAGS = new Set([0x0c, 0x13, 0x16, 0x14, 0x1a])

function text(tlv: Tlv): string | undefined {
  if (!STRING_TAGS.has(tlv.tag)) return undefined
  const decoded = tlv.tag === 0x0c ? new TextDecoder('utf-8', { fatal: false }).decode(tlv.value) : new TextDecoder('latin1').decode(tlv.value)
  return decoded.normalize('NFC').trim()
}

function stringsOf(tlv: Tlv): string[] {
  const direct = text(tlv)
  if (direct !== undefined) return [direct]
  if (tlv.tag === 0x30 || tlv.tag === 0x31) return readTlvs(tlv.value).flatMap(stringsOf)
  return []
}

/** dd/mm/yyyy, dd-mm-yyyy, ddmmyyyy or yyyy-mm-dd; anything else has no ISO form. */
export function parseDg13Date(raw: string): Dg13Date {
  const trimmed = raw.trim()
  let match = /^(\d{2})[/.-]?(\d{2})[/.-]?(\d{4})$/.exec(trimmed)
  let iso: string | undefined
  if (match !== null) iso = `${match[3]}-${match[2]}-${match[1]}`
  match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed)
  if (match !== null) iso = trimmed
  if (iso !== undefined) {
    const date = new Date(`${iso}T00:00:00Z`)
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso) iso = undefined
  }
  return { raw: trimmed, iso }
}

/**
 * Field SEQUENCEs {INTEGER n, strings or SEQUENCEs of strings} wherever they sit under the top object, so a
 * missing SET or an extra wrapper does not lose fields; the header SEQUENCE {version, OID, SET} is not one.
 */
function fieldSequences(tlvs: readonly Tlv[]): Tlv[] {
  const out: Tlv[] = []
  for (const tlv of tlvs) {
    if (tlv.tag !== 0x30 && tlv.tag !== 0x31) continue
    const children = readTlvs(tlv.value)
    const first = children[0]
    const values = children.slice(1)
    if (tlv.tag === 0x30 && first?.tag === 0x02 && values.length > 0 && values.every((child) => STRING_TAGS.has(child.tag) || child.tag === 0x30)) {
      out.push(tlv)
    } else {
      out.push(...fieldSequences(children))
    }
  }
  return out
}

export function parseDg13(bytes: Uint8Array): Dg13 {
  let fields: Map<number, string[]>
  try {
    const dg13 = readTlv(bytes)
    if (dg13.tag !== 0x6d) throw new Error('DG13 does not start with 6D')
    fields = new Map()
    for (const sequence of fieldSequences(readTlvs(dg13.value))) {
      const [number, ...values] = readTlvs(sequence.value)
      if (number === undefined) continue
      const key = Number(bytesToBigint(number.value))
      if (!fields.has(key)) fields.set(key, values.flatMap(stringsOf))
    }
  } catch (error) {
    throw chipRefusal('file_invalid', 'DG13 does not parse', {}, error)
  }
  const one = (n: number, index = 0) => fields.get(n)?.[index] || undefined
  const date = (n: number) => {
    const value = one(n)
    return value === undefined ? undefined : parseDg13Date(value)
  }
  const named: Record<string, unknown> = {
    personalNumber: one(1),
    fullName: one(2),
    birth: date(3),
    sex: one(4),
    nationality: one(5),
    ethnicity: one(6),
    religion: one(7),
    placeOfOrigin: one(8),
    placeOfResidence: one(9),
    identifyingFeatures: one(10),
    issued: date(11),
    expiry: date(12),
    fatherName: one(13, 0),
    motherName: one(13, 1),
    spouseName: one(14),
    otherDocument: one(15),
  }
  return { fields, ...Object.fromEntries(Object.entries(named).filter(([, value]) => value !== undefined)) } as Dg13
}
