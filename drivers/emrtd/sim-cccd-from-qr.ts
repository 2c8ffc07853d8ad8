/**
 * A simulated CCCD chip for the holder a CCCD QR names (docs/emrtd.md, "Simulated chip"), with the faults
 * a test or a technician wants to see refused: a data group changed after signing, a SOD from a CSCA
 * nobody trusts, a chip whose CAN is not the number's, and a card pulled away after some APDUs. The QR
 * fields are read as printed, without the identity checks: a chip carrying an inconsistent identity must
 * reach the station's checks, which refuse it as they refuse the QR (docs/identity.md).
 */
import { foldToAscii } from '../text/vietnamese.js'
import { buildSimCccd, type SimCccdHolder } from './sim-cccd.js'
import type { SimChipCard } from './sim-chip.js'
import { makeTestIssuer, type TestIssuer } from './sim-issuer.js'

export interface SimChipFaults {
  /** A byte of this data group is changed after the SOD was signed: `dg_hash_mismatch`. */
  readonly tamper?: 'dg1' | 'dg13'
  /** The SOD is signed by a CSCA made for this card alone: `csca_unknown`. */
  readonly unknownCsca?: boolean
  /** The chip's CAN is not the number's last 6 digits: `access_denied`. */
  readonly wrongCan?: boolean
}

/** The CCCD renews at 25, 40 and 60 (docs/identity.md, "Expiry"); a card issued later does not expire. */
const RENEWAL_AGES = [25, 40, 60]
const NO_EXPIRY = '991231'

/** `ddmmyyyy` → its parts; a field that is no date gives a TypeError naming it. */
function qrDate(text: string, field: string): { day: string; month: string; year: string } {
  const match = /^(\d{2})(\d{2})(\d{4})$/.exec(text.trim())
  if (match === null) throw new TypeError(`the QR's ${field} is not ddmmyyyy`)
  return { day: match[1] ?? '', month: match[2] ?? '', year: match[3] ?? '' }
}

/** The holder of a CCCD QR (docs/protocols.md 7.1), as a simulated chip carries it. */
export function simHolderFromQr(qr: string): SimCccdHolder {
  const [number = '', , name = '', birthText = '', sexText = '', address = '', issueText = ''] = qr.trim().split('|').map((field) => field.trim())
  if (!/^\d{12}$/.test(number)) throw new TypeError("the QR's first field must be the 12-digit ID number")
  const sex = sexText.normalize('NFC').toLowerCase() === 'nữ' ? 'F' : 'M'
  const birth = qrDate(birthText, 'birth date')
  const issued = qrDate(issueText, 'issue date')
  const issueAge = Number(issued.year) - Number(birth.year)
  const renewalAge = RENEWAL_AGES.find((age) => age > issueAge)
  const expiryYear = renewalAge === undefined ? undefined : String(Number(birth.year) + renewalAge)
  const expiry = expiryYear === undefined ? NO_EXPIRY : `${expiryYear.slice(2)}${birth.month}${birth.day}`
  const [surname = '', ...given] = foldToAscii(name).toUpperCase().split(/\s+/)
  return {
    personalNumber: number,
    birth: `${birth.year.slice(2)}${birth.month}${birth.day}`,
    sex,
    expiry,
    surname,
    given: given.join(' '),
    details: new Map<number, string>([
      [2, name.normalize('NFC')],
      [3, `${birth.day}/${birth.month}/${birth.year}`],
      [4, sex === 'F' ? 'Nữ' : 'Nam'],
      [5, 'Việt Nam'],
      [9, address.normalize('NFC')],
      [11, `${issued.day}/${issued.month}/${issued.year}`],
      [12, expiryYear === undefined ? 'Không thời hạn' : `${birth.day}/${birth.month}/${expiryYear}`],
    ]),
  }
}

/** The last byte of `bytes` changed to another printable character of the same class (digit or letter). */
function alterLastByte(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes)
  const last = copy.length - 1
  const byte = copy[last] ?? 0
  copy[last] = byte >= 0x30 && byte <= 0x39 ? 0x30 + ((byte - 0x30 + 1) % 10) : byte === 0x58 ? 0x59 : 0x58
  return copy
}

/** The files of a simulated chip for `qr`, signed by `issuer` (or a stranger, with `unknownCsca`). */
export function simChipCardFromQr(qr: string, issuer: TestIssuer, now: Date, faults: SimChipFaults = {}): SimChipCard {
  const signer = faults.unknownCsca === true ? makeTestIssuer({ now, organisation: 'Unknown issuing state' }) : issuer
  const card = buildSimCccd(simHolderFromQr(qr), signer)
  const dataGroups = new Map(card.dataGroups)
  const tampered = faults.tamper === undefined ? undefined : faults.tamper === 'dg1' ? 1 : 13
  const original = tampered === undefined ? undefined : dataGroups.get(tampered)
  if (tampered !== undefined && original !== undefined) dataGroups.set(tampered, alterLastByte(original))
  const can = faults.wrongCan === true ? String((Number(card.can) + 1) % 1_000_000).padStart(6, '0') : card.can
  return { ...card, can, dataGroups }
}
