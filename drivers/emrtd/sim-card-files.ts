/**
 * The LDS1 files of a simulated CCCD (docs/emrtd.md, "Simulated chip"): EF.COM, DG1 with a TD1 MRZ and
 * DG13 in the Vietnamese layout, from plain values, so the simulated chip carries what a real one would.
 */
import { encodeTlv } from './ber-tlv.js'
import { integer, oid, sequence, set, utf8String } from './der-builder.js'
import { tagOfDataGroup } from './lds-files.js'

/** EF.COM: LDS 1.7, Unicode 4.0.0, and the tags of `dataGroups`. */
export function buildEfCom(dataGroups: readonly number[]): Uint8Array {
  const ascii = (text: string) => new TextEncoder().encode(text)
  return encodeTlv(0x60, encodeTlv(0x5f01, ascii('0107')), encodeTlv(0x5f36, ascii('040000')), encodeTlv(0x5c, Uint8Array.from(dataGroups.map(tagOfDataGroup))))
}

/** DG1: the MRZ (three TD1 lines joined) in 5F1F. */
export function buildDg1(mrzLines: readonly string[]): Uint8Array {
  return encodeTlv(0x61, encodeTlv(0x5f1f, new TextEncoder().encode(mrzLines.join(''))))
}

/** DG13 in the observed CCCD layout; a field's value is one string or, for parents/spouse, a list. */
export function buildDg13(fields: ReadonlyMap<number, string | readonly string[]>): Uint8Array {
  const entries = [...fields].map(([number, value]) =>
    sequence(integer(number), typeof value === 'string' ? utf8String(value) : sequence(...value.map(utf8String))),
  )
  return encodeTlv(0x6d, sequence(integer(1), oid('1.0.10646.1.0.8'), set(...entries)))
}

/** EF.CardAccess advertising PACE ECDH-GM-AES-128 on brainpoolP256r1 (as CCCDs are reported to). */
export function buildCardAccess(): Uint8Array {
  return set(sequence(oid('0.4.0.127.0.7.2.2.4.2.2'), integer(2), integer(13)))
}

