/**
 * Builds the TD1 MRZ of a CCCD holder with correct check digits (docs/protocols.md 6.2), so a test can
 * give the same person (or the same fault) to the MRZ path as to the QR path.
 */
import { mrzCheckDigit } from '../../drivers/identity/mrz.js'

export interface Td1Holder {
  personalId: string
  /** YYMMDD */
  birth: string
  sex: 'M' | 'F'
  /** YYMMDD */
  expiry: string
  surname: string
  given: string
  issuer?: string
}

const pad = (text: string, length: number) => text.padEnd(length, '<').slice(0, length)

export function cccdMrz(holder: Td1Holder): string {
  const docNumber = holder.personalId.slice(-9)
  const issuer = holder.issuer ?? 'VNM'
  const optional1 = pad(holder.personalId, 14) + String(mrzCheckDigit(holder.personalId))
  const line1 = pad(`ID${issuer}${docNumber}${mrzCheckDigit(docNumber)}${optional1}`, 30)
  const line2Head = `${holder.birth}${mrzCheckDigit(holder.birth)}${holder.sex}${holder.expiry}${mrzCheckDigit(holder.expiry)}${issuer}`
  const line2NoComposite = pad(line2Head, 29)
  const composite = line1.slice(5, 30) + line2NoComposite.slice(0, 7) + line2NoComposite.slice(8, 15) + line2NoComposite.slice(18, 29)
  const line2 = line2NoComposite + String(mrzCheckDigit(composite))
  const name = `${holder.surname.replace(/ /g, '<')}<<${holder.given.replace(/ /g, '<')}`
  return [line1, line2, pad(name, 30)].join('\n')
}
