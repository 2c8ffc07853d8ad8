/**
 * A complete simulated CCCD for the simulated chip (docs/emrtd.md, "Simulated chip"): TD1 MRZ in DG1 laid
 * out as on a real CCCD (document number = the ID number's last 9 digits, the 12 digits in optional data),
 * DG13 with the Vietnamese details, EF.COM, EF.CardAccess offering PACE, and EF.SOD signed by `issuer`.
 */
import { mrzCheckDigit } from '../identity/mrz.js'
import { cccdCan, cccdMrzKey } from './access-keys.js'
import { buildCardAccess, buildDg1, buildDg13, buildEfCom } from './sim-card-files.js'
import type { SimChipCard } from './sim-chip.js'
import { buildSod, type TestIssuer } from './sim-issuer.js'

export interface SimCccdHolder {
  /** 12 digits. */
  readonly personalNumber: string
  /** YYMMDD. */
  readonly birth: string
  readonly sex: 'M' | 'F'
  /** YYMMDD. */
  readonly expiry: string
  /** MRZ form: "NGUYEN", "VAN AN". */
  readonly surname: string
  readonly given: string
  /** DG13 fields beyond 1 (personal number), by number: 2 full name, 3 birth dd/mm/yyyy … */
  readonly details?: ReadonlyMap<number, string | readonly string[]>
}

const fill = (text: string) => text.toUpperCase().replace(/[^A-Z0-9]+/g, '<')

/** The three TD1 lines of a CCCD for `holder`. */
export function cccdMrzLines(holder: SimCccdHolder): [string, string, string] {
  const documentNumber = holder.personalNumber.slice(3)
  const line1 = `IDVNM${documentNumber}${mrzCheckDigit(documentNumber)}${holder.personalNumber}<<${mrzCheckDigit(holder.personalNumber)}`
  const line2Start = `${holder.birth}${mrzCheckDigit(holder.birth)}${holder.sex}${holder.expiry}${mrzCheckDigit(holder.expiry)}VNM${'<'.repeat(11)}`
  const composite = mrzCheckDigit(line1.slice(5, 30) + line2Start.slice(0, 7) + line2Start.slice(8, 15) + line2Start.slice(18, 29))
  const line3 = `${fill(holder.surname)}<<${fill(holder.given)}`.padEnd(30, '<').slice(0, 30)
  return [line1, `${line2Start}${composite}`, line3]
}

export function buildSimCccd(holder: SimCccdHolder, issuer: TestIssuer): SimChipCard {
  const dg1 = buildDg1(cccdMrzLines(holder))
  const dg13 = buildDg13(new Map([[1, holder.personalNumber], ...(holder.details ?? new Map())]))
  const dataGroups = new Map([
    [1, dg1],
    [13, dg13],
  ])
  return {
    can: cccdCan(holder.personalNumber),
    mrz: cccdMrzKey(holder.personalNumber, holder.birth, holder.expiry),
    cardAccess: buildCardAccess(),
    com: buildEfCom([1, 13]),
    sod: buildSod(issuer.documentSigner, issuer.csca.subject, dataGroups),
    dataGroups,
  }
}
