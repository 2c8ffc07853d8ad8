/**
 * SELECT and READ BINARY of one elementary file in pieces (docs/emrtd.md, "Reading"): the first 4 bytes
 * give the file's TLV length, the rest comes in chunks small enough that a protected answer fits one
 * normal PN532 frame. Handles 6282 (short read: keep the data), 6Cxx (exact length), 6700 (lower Le).
 */
import { readTlvHeader } from './ber-tlv.js'
import { concatBytes } from './bytes.js'
import type { CommandApdu } from './apdu.js'
import type { ChannelResponse } from './chip-channel.js'
import { chipRefusal } from './chip-errors.js'
import type { SmCipher } from './secure-messaging.js'

/** What a PN532 normal information frame carries: LEN ≤ 255 counts TFI, command code, status and the R-APDU. */
export const PN532_NORMAL_FRAME_RAPDU_BYTES = 255 - 3
/** JMRTD's default and what ICAO readers use; some chips refuse more. */
export const DEFAULT_MAX_READ_BYTES = 0xdf
/** READ BINARY's P1-P2 offset is 15 bits (P1 bit 8 selects the SFI form). */
const MAX_OFFSET = 0x7fff
const STEP_DOWN = [160, 128, 96, 64, 32] as const

/** Bytes of a protected READ BINARY answer for `le` data bytes: DO87 + DO99 (4) + DO8E (10) + SW (2). */
export function protectedResponseBytes(le: number, cipher: SmCipher): number {
  const block = cipher === '3des' ? 8 : 16
  const ciphertext = (Math.floor(le / block) + 1) * block
  const valueLength = ciphertext + 1
  const do87 = 1 + (valueLength < 0x80 ? 1 : valueLength <= 0xff ? 2 : 3) + valueLength
  return do87 + 4 + 10 + 2
}

/** The largest Le whose protected answer fits `rapduLimit`, capped at DEFAULT_MAX_READ_BYTES. */
export function maxReadBytes(cipher: SmCipher, rapduLimit = PN532_NORMAL_FRAME_RAPDU_BYTES): number {
  let le = DEFAULT_MAX_READ_BYTES
  while (le > 1 && protectedResponseBytes(le, cipher) > rapduLimit) le--
  return le
}

export type Send = (command: CommandApdu) => Promise<ChannelResponse>

export function selectFileCommand(fid: number): CommandApdu {
  return { cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x0c, data: Uint8Array.of(fid >> 8, fid & 0xff) }
}

export function readBinaryCommand(offset: number, le: number): CommandApdu {
  return { cla: 0x00, ins: 0xb0, p1: (offset >> 8) & 0x7f, p2: offset & 0xff, le }
}

function refuseStatus(response: ChannelResponse, fid: number, step: string): never {
  if (response.sw === 0x6a82) throw chipRefusal('file_missing', 'file not on the chip', { fid, sw: response.sw })
  if (response.sw === 0x6982) throw chipRefusal('access_denied', 'file needs access the reader does not have', { fid, sw: response.sw })
  throw chipRefusal('chip_error', `${step} refused`, { fid, sw: response.sw, authenticated: response.authenticated })
}

/** Selects `fid` and reads it whole; `maxChunk` bounds each READ BINARY's Le. */
export async function readFile(send: Send, fid: number, maxChunk: number): Promise<Uint8Array> {
  const selected = await send(selectFileCommand(fid))
  if (selected.sw !== 0x9000) refuseStatus(selected, fid, 'SELECT')
  let chunk = maxChunk
  /** 6Cxx names the exact Le for the command it answers: used for that one retry. */
  let exactLe: number | undefined
  const parts: Uint8Array[] = []
  let have = 0
  let total = 4
  let headerKnown = false
  while (have < total) {
    if (have > MAX_OFFSET) throw chipRefusal('file_invalid', 'file longer than READ BINARY can address', { fid })
    const le = exactLe ?? Math.min(chunk, total - have)
    exactLe = undefined
    const response = await send(readBinaryCommand(have, le))
    if (response.sw >> 8 === 0x6c && (response.sw & 0xff) > 0 && (response.sw & 0xff) !== le) {
      exactLe = response.sw & 0xff
      continue
    }
    if (response.sw === 0x6700 && chunk > (STEP_DOWN[STEP_DOWN.length - 1] ?? 32)) {
      chunk = STEP_DOWN.find((size) => size < chunk) ?? 32
      continue
    }
    if (response.sw !== 0x9000 && response.sw !== 0x6282) refuseStatus(response, fid, 'READ BINARY')
    if (response.data.length === 0) throw chipRefusal('file_invalid', 'file ended before its length', { fid, have, total })
    parts.push(response.data)
    have += response.data.length
    if (!headerKnown && have >= 2) {
      const header = safeHeader(concatBytes(...parts), fid)
      if (header !== undefined) {
        total = header.headerLength + header.length
        headerKnown = true
      }
    }
    if (response.sw === 0x6282 && have < total) chunk = Math.max(1, Math.min(chunk, total - have))
  }
  return concatBytes(...parts).subarray(0, total)
}

function safeHeader(bytes: Uint8Array, fid: number): { headerLength: number; length: number } | undefined {
  try {
    return readTlvHeader(bytes)
  } catch (error) {
    if (bytes.length >= 4) throw chipRefusal('file_invalid', 'file does not start with a TLV', { fid }, error)
    return undefined
  }
}
