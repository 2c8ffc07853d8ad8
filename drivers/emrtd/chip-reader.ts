/**
 * Reads a CCCD chip over an injected transceive (docs/emrtd.md, "Reading"): EF.CardAccess (plain, no MF
 * select: CCCDs answer 6D00 to it), PACE with the CAN (or the MRZ) when the chip offers a PACE this
 * reader speaks, BAC with the MRZ otherwise or when PACE is refused and an MRZ is at hand; then, under
 * secure messaging, the LDS1 application, EF.COM, the asked data groups that EF.COM lists, and EF.SOD.
 * Raw file bytes are returned as read, because EF.SOD hashes exactly those.
 */
import type { Transceive } from './apdu.js'
import type { MrzAccessKey, PacePassword } from './access-keys.js'
import { performBac } from './bac.js'
import { parseCardAccess, paceInfos, supportedPaceInfo } from './card-access.js'
import { ChipChannel } from './chip-channel.js'
import { chipRefusal, refusalReason } from './chip-errors.js'
import { parseDg13, type Dg13 } from './dg13-vietnam.js'
import { DEFAULT_MAX_READ_BYTES, maxReadBytes, readFile } from './file-reader.js'
import { fileId, LDS1_AID, parseDg1, parseEfCom, type Dg1, type EfCom } from './lds-files.js'
import { performPace } from './pace.js'

export type ChipAccess = 'pace-can' | 'pace-mrz' | 'bac'

export interface ChipReadRequest {
  /** 6 digits; on a CCCD the last 6 of the personal number. */
  readonly can?: string | undefined
  /** BAC key (and PACE-MRZ when no CAN is given). */
  readonly mrz?: MrzAccessKey | undefined
  /** Data groups wanted (default DG1 and DG13); only those EF.COM lists are read. */
  readonly dataGroups?: readonly number[]
  /** A CSPRNG in production (node:crypto randomBytes). */
  readonly randomBytes: (length: number) => Uint8Array
  /** Cap on each READ BINARY's Le; default: the largest that fits a normal PN532 frame (docs/emrtd.md, "Reading"). */
  readonly maxReadBytes?: number
  /** Try BAC when PACE is refused and an MRZ key is given; default true. */
  readonly bacFallback?: boolean
}

export interface ChipRead {
  readonly access: ChipAccess
  readonly com: EfCom
  /** Raw bytes of every file read: `com`, `sod`, and data groups by number. */
  readonly raw: { readonly com: Uint8Array; readonly sod: Uint8Array; readonly dataGroups: ReadonlyMap<number, Uint8Array> }
  readonly dg1?: Dg1
  readonly dg13?: Dg13
}

const SELECT_LDS1 = { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: LDS1_AID } as const

async function readCardAccess(channel: ChipChannel): Promise<Uint8Array | undefined> {
  try {
    return await readFile((command) => channel.send(command), fileId('cardAccess'), DEFAULT_MAX_READ_BYTES)
  } catch (error) {
    const reason = refusalReason(error)
    if (reason === 'card_lost' || reason === undefined) throw error
    return undefined
  }
}

async function openSession(channel: ChipChannel, request: ChipReadRequest): Promise<ChipAccess> {
  const cardAccessBytes = await readCardAccess(channel)
  const infos = cardAccessBytes === undefined ? [] : parseCardAccess(cardAccessBytes)
  const pace = supportedPaceInfo(infos)
  const password: PacePassword | undefined =
    request.can !== undefined ? { kind: 'can', can: request.can } : request.mrz !== undefined ? { kind: 'mrz', mrz: request.mrz } : undefined
  if (password === undefined) throw chipRefusal('access_denied', 'no CAN or MRZ key to open the chip with')
  let paceRefusal: unknown
  if (pace !== undefined) {
    try {
      const session = await performPace(channel.raw, pace, password, request.randomBytes, { withParameterId: paceInfos(infos).length > 1 })
      channel.startSecureMessaging(session)
      const selected = await channel.send(SELECT_LDS1)
      if (selected.sw !== 0x9000) throw chipRefusal('file_missing', 'no LDS1 application', { sw: selected.sw })
      return password.kind === 'can' ? 'pace-can' : 'pace-mrz'
    } catch (error) {
      const reason = refusalReason(error)
      if (reason !== 'access_denied' && reason !== 'access_unsupported') throw error
      paceRefusal = error
    }
  }
  if (request.mrz === undefined || (paceRefusal !== undefined && request.bacFallback === false)) {
    throw paceRefusal ?? chipRefusal('access_unsupported', 'the chip offers no PACE this reader speaks, and no MRZ key is given for BAC')
  }
  const selected = await channel.send(SELECT_LDS1)
  if (selected.sw !== 0x9000) throw paceRefusal ?? chipRefusal('file_missing', 'no LDS1 application', { sw: selected.sw })
  try {
    channel.startSecureMessaging(await performBac(channel.raw, request.mrz, request.randomBytes))
  } catch (error) {
    throw paceRefusal !== undefined && refusalReason(error) === 'access_unsupported' ? paceRefusal : error
  }
  return 'bac'
}

export async function readChip(transceive: Transceive, request: ChipReadRequest): Promise<ChipRead> {
  const channel = new ChipChannel(transceive)
  const access = await openSession(channel, request)
  const chunk = request.maxReadBytes ?? maxReadBytes(access === 'bac' ? '3des' : 'aes')
  const send = (command: Parameters<ChipChannel['send']>[0]) => channel.send(command)
  const comBytes = await readFile(send, fileId('com'), chunk)
  const com = parseEfCom(comBytes)
  const dataGroups = new Map<number, Uint8Array>()
  for (const number of request.dataGroups ?? [1, 13]) {
    if (com.dataGroups.includes(number)) dataGroups.set(number, await readFile(send, fileId(`dg${number}`), chunk))
  }
  const sod = await readFile(send, fileId('sod'), chunk)
  const dg1Bytes = dataGroups.get(1)
  const dg13Bytes = dataGroups.get(13)
  return {
    access,
    com,
    raw: { com: comBytes, sod, dataGroups },
    ...(dg1Bytes === undefined ? {} : { dg1: parseDg1(dg1Bytes) }),
    ...(dg13Bytes === undefined ? {} : { dg13: parseDg13(dg13Bytes) }),
  }
}
