/**
 * ISO/IEC 7816-4 command and response APDUs, short form only (docs/emrtd.md, "APDUs"): every command an
 * eMRTD reader sends fits 255 data bytes and 256 expected bytes.
 */
import { StationError } from '../../runtime/core/errors.js'
import { concatBytes } from './bytes.js'

export interface CommandApdu {
  readonly cla: number
  readonly ins: number
  readonly p1: number
  readonly p2: number
  readonly data?: Uint8Array
  /** Expected response length, 1..256; absent = no Le. 256 is sent as 00. */
  readonly le?: number
}

export interface ResponseApdu {
  readonly data: Uint8Array
  /** SW1 SW2 as one number: 0x9000. */
  readonly sw: number
}

/** Sends an APDU to the chip and resolves with its answer (data ‖ SW1 SW2); a lost card rejects. */
export type Transceive = (apdu: Uint8Array) => Promise<Uint8Array>

export const SW_OK = 0x9000

export function encodeCommand(command: CommandApdu): Uint8Array {
  const header = Uint8Array.of(command.cla, command.ins, command.p1, command.p2)
  const data = command.data ?? new Uint8Array(0)
  if (data.length > 255) throw new RangeError(`APDU data of ${data.length} bytes needs extended length`)
  const lc = data.length > 0 ? Uint8Array.of(data.length) : new Uint8Array(0)
  const le = command.le === undefined ? new Uint8Array(0) : Uint8Array.of(command.le & 0xff)
  return concatBytes(header, lc, data, le)
}

/** Reads a short command APDU back (cases 1-4). Throws E_CODEC_INVALID when the lengths disagree. */
export function parseCommand(bytes: Uint8Array): CommandApdu {
  if (bytes.length < 4) throw new StationError('E_CODEC_INVALID', 'command APDU shorter than its header', { length: bytes.length })
  const [cla = 0, ins = 0, p1 = 0, p2 = 0] = bytes
  const header = { cla, ins, p1, p2 }
  if (bytes.length === 4) return header
  const first = bytes[4] ?? 0
  if (bytes.length === 5) return { ...header, le: first === 0 ? 256 : first }
  if (first !== 0 && bytes.length === 5 + first) return { ...header, data: bytes.slice(5) }
  if (first !== 0 && bytes.length === 6 + first) {
    const le = bytes[5 + first] ?? 0
    return { ...header, data: bytes.slice(5, 5 + first), le: le === 0 ? 256 : le }
  }
  throw new StationError('E_CODEC_INVALID', 'command APDU lengths disagree', { length: bytes.length, lc: first })
}

export function parseResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) throw new StationError('E_CODEC_INVALID', 'response APDU shorter than its status word', { length: bytes.length })
  const sw = ((bytes[bytes.length - 2] ?? 0) << 8) | (bytes[bytes.length - 1] ?? 0)
  return { data: bytes.slice(0, bytes.length - 2), sw }
}

export function encodeResponse(response: ResponseApdu): Uint8Array {
  return concatBytes(response.data, Uint8Array.of(response.sw >> 8, response.sw & 0xff))
}
