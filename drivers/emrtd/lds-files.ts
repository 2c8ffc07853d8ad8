/**
 * LDS1 files the reader uses (ICAO 9303 Part 10 §4.6-4.7; docs/emrtd.md, "Files"): file identifiers, the
 * tag each file starts with, EF.COM's list of data groups and DG1's MRZ. DG13 has its own parser.
 */
import { readTlv, findTlv } from './ber-tlv.js'
import { chipRefusal } from './chip-errors.js'

/** The eMRTD LDS1 application identifier. */
export const LDS1_AID = Uint8Array.of(0xa0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01)

export type LdsFile = 'cardAccess' | 'com' | 'sod' | `dg${number}`

/** File identifiers: EF.CardAccess in the MF, the rest in the LDS1 application. */
export function fileId(file: LdsFile): number {
  if (file === 'cardAccess') return 0x011c
  if (file === 'com') return 0x011e
  if (file === 'sod') return 0x011d
  const number = Number(file.slice(2))
  if (!Number.isInteger(number) || number < 1 || number > 16) throw new RangeError(`no data group ${file}`)
  return 0x0100 + number
}

/** The first tag of each data group file (Part 10 §4.7): DG1 = 61 … DG16 = 70. */
const DG_TAGS: ReadonlyMap<number, number> = new Map([
  [0x61, 1], [0x75, 2], [0x63, 3], [0x76, 4], [0x65, 5], [0x66, 6], [0x67, 7], [0x68, 8],
  [0x69, 9], [0x6a, 10], [0x6b, 11], [0x6c, 12], [0x6d, 13], [0x6e, 14], [0x6f, 15], [0x70, 16],
])

export function dataGroupOfTag(tag: number): number | undefined {
  return DG_TAGS.get(tag)
}

export function tagOfDataGroup(number: number): number {
  for (const [tag, dg] of DG_TAGS) if (dg === number) return tag
  throw new RangeError(`no data group ${number}`)
}

export interface EfCom {
  /** "0107" */
  readonly ldsVersion: string | undefined
  /** Data group numbers the chip lists, in its order. */
  readonly dataGroups: readonly number[]
}

const ascii = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes)

export function parseEfCom(bytes: Uint8Array): EfCom {
  try {
    const com = readTlv(bytes)
    if (com.tag !== 0x60) throw new Error('EF.COM does not start with 60')
    const list = findTlv(com.value, 0x5c)
    if (list === undefined) throw new Error('EF.COM has no tag list')
    const version = findTlv(com.value, 0x5f01)
    return {
      ldsVersion: version === undefined ? undefined : ascii(version.value),
      dataGroups: Array.from(list.value, (tag) => dataGroupOfTag(tag)).filter((dg): dg is number => dg !== undefined),
    }
  } catch (error) {
    throw chipRefusal('file_invalid', 'EF.COM does not parse', {}, error)
  }
}

export interface Dg1 {
  /** The MRZ as stored, without line breaks (90 characters for TD1). */
  readonly mrz: string
  /** TD1 (90 characters): three lines of 30; otherwise the MRZ as one line. */
  readonly lines: readonly string[]
}

export function parseDg1(bytes: Uint8Array): Dg1 {
  try {
    const dg1 = readTlv(bytes)
    if (dg1.tag !== 0x61) throw new Error('DG1 does not start with 61')
    const mrzObject = findTlv(dg1.value, 0x5f1f)
    if (mrzObject === undefined) throw new Error('DG1 has no MRZ')
    const mrz = ascii(mrzObject.value)
    const lines = mrz.length === 90 ? [mrz.slice(0, 30), mrz.slice(30, 60), mrz.slice(60)] : [mrz]
    return { mrz, lines }
  } catch (error) {
    throw chipRefusal('file_invalid', 'DG1 does not parse', {}, error)
  }
}
