/**
 * EF.CardAccess (ICAO 9303 Part 11 §9.2; docs/emrtd.md, "EF.CardAccess"): a SET of SecurityInfo
 * SEQUENCEs { protocol OID, version INTEGER, optional parameter }. Only PACEInfo (OID prefix
 * 0.4.0.127.0.7.2.2.4) matters to the reader; its position in the SET is not fixed, so it is matched by OID.
 * Tolerant: SecurityInfos this reader does not know are kept by OID and otherwise ignored.
 */
import { readTlv, readTlvs } from './ber-tlv.js'
import { bytesToBigint } from './bytes.js'
import { chipRefusal, refusalReason } from './chip-errors.js'
import { decodeOid } from './object-identifier.js'

export const PACE_OID_PREFIX = '0.4.0.127.0.7.2.2.4'
/** id-PACE-ECDH-GM-AES-CBC-CMAC-128: the one PACE variant this reader speaks (what a CCCD advertises). */
export const PACE_ECDH_GM_AES_128 = '0.4.0.127.0.7.2.2.4.2.2'
/** Standardized domain parameter 13 = brainpoolP256r1 (Part 11 §9.5.1). */
export const BRAINPOOL_P256R1_PARAMETER_ID = 13

export interface SecurityInfo {
  readonly oid: string
  readonly version: number | undefined
  /** The third element when it is an INTEGER (PACEInfo's parameterId); undefined otherwise. */
  readonly parameterId: number | undefined
}

export interface PaceInfo {
  readonly oid: string
  readonly version: number
  readonly parameterId: number | undefined
}

function integerOf(bytes: Uint8Array): number {
  return Number(bytesToBigint(bytes))
}

export function parseCardAccess(bytes: Uint8Array): SecurityInfo[] {
  try {
    const set = readTlv(bytes)
    if (set.tag !== 0x31) throw chipRefusal('file_invalid', 'EF.CardAccess is not a SET', { tag: set.tag })
    return readTlvs(set.value)
      .filter((info) => info.tag === 0x30)
      .map((info) => {
        const [oid, second, third] = readTlvs(info.value)
        if (oid === undefined || oid.tag !== 0x06) throw chipRefusal('file_invalid', 'SecurityInfo without an OID')
        return {
          oid: decodeOid(oid.value),
          version: second?.tag === 0x02 ? integerOf(second.value) : undefined,
          parameterId: third?.tag === 0x02 ? integerOf(third.value) : undefined,
        }
      })
  } catch (error) {
    if (refusalReason(error) !== undefined) throw error
    throw chipRefusal('file_invalid', 'EF.CardAccess does not parse', {}, error)
  }
}

export function paceInfos(infos: readonly SecurityInfo[]): PaceInfo[] {
  return infos
    .filter((info) => info.oid.startsWith(`${PACE_OID_PREFIX}.`) && info.version !== undefined)
    .map((info) => ({ oid: info.oid, version: info.version ?? 0, parameterId: info.parameterId }))
}

/** The PACEInfo this reader can run (ECDH-GM-AES-128 on brainpoolP256r1, version 2), if the chip offers it. */
export function supportedPaceInfo(infos: readonly SecurityInfo[]): PaceInfo | undefined {
  return paceInfos(infos).find(
    (info) => info.oid === PACE_ECDH_GM_AES_128 && info.version === 2 && info.parameterId === BRAINPOOL_P256R1_PARAMETER_ID,
  )
}
