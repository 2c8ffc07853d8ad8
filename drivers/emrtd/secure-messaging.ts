/**
 * Secure messaging, reader side (ICAO 9303 Part 11 §9.8; docs/emrtd.md, "Secure messaging"): protects a
 * command APDU with DO87 (encrypted data), DO97 (Le) and DO8E (MAC), and checks and opens the chip's
 * DO87/DO99/DO8E answer. 3DES with the retail MAC after BAC; AES with IV = E(KS_enc, SSC) and CMAC cut
 * to 8 bytes after PACE. Pure: the send sequence counter goes in and the next one comes out.
 */
import { aesCbcDecrypt, aesCbcEncrypt, aesCmac, aesEncryptBlock, des3CbcDecrypt, des3CbcEncrypt } from './block-ciphers.js'
import { encodeTlv, readTlvs, type Tlv } from './ber-tlv.js'
import { bytesToBigint, concatBytes, equalBytes, uintBytes } from './bytes.js'
import { encodeCommand, parseResponse, type CommandApdu } from './apdu.js'
import { chipRefusal } from './chip-errors.js'
import { padIso9797, retailMac, unpadIso9797 } from './iso9797.js'

export type SmCipher = '3des' | 'aes'

/** Session keys and the send sequence counter (8 bytes for 3DES, 16 for AES). */
export interface SmSession {
  readonly cipher: SmCipher
  readonly ksEnc: Uint8Array
  readonly ksMac: Uint8Array
  readonly ssc: Uint8Array
}

export function blockSizeOf(cipher: SmCipher): number {
  return cipher === '3des' ? 8 : 16
}

export function incrementSsc(ssc: Uint8Array): Uint8Array {
  const modulus = 1n << BigInt(ssc.length * 8)
  return uintBytes((bytesToBigint(ssc) + 1n) % modulus, ssc.length)
}

function iv(session: SmSession, ssc: Uint8Array): Uint8Array {
  return session.cipher === '3des' ? new Uint8Array(8) : aesEncryptBlock(session.ksEnc, ssc)
}

/** Pads `data` and encrypts it under the session key with the counter value `ssc`. */
export function smEncrypt(session: SmSession, ssc: Uint8Array, data: Uint8Array): Uint8Array {
  const padded = padIso9797(data, blockSizeOf(session.cipher))
  return session.cipher === '3des' ? des3CbcEncrypt(session.ksEnc, padded) : aesCbcEncrypt(session.ksEnc, iv(session, ssc), padded)
}

export function smDecrypt(session: SmSession, ssc: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const blockSize = blockSizeOf(session.cipher)
  if (ciphertext.length === 0 || ciphertext.length % blockSize !== 0) {
    throw chipRefusal('sm_broken', 'encrypted data is not whole blocks', { length: ciphertext.length })
  }
  const plain =
    session.cipher === '3des' ? des3CbcDecrypt(session.ksEnc, ciphertext) : aesCbcDecrypt(session.ksEnc, iv(session, ssc), ciphertext)
  try {
    return unpadIso9797(plain)
  } catch (error) {
    throw chipRefusal('sm_broken', 'decrypted data has no padding', {}, error)
  }
}

/** The 8-byte checksum over SSC ‖ `data`, padded once: retail MAC (3DES) or CMAC cut to 8 (AES). */
export function smMac(session: SmSession, ssc: Uint8Array, data: Uint8Array): Uint8Array {
  const input = concatBytes(ssc, data)
  if (session.cipher === '3des') return retailMac(session.ksMac, input)
  return aesCmac(session.ksMac, padIso9797(input, 16)).subarray(0, 8)
}

/** The masked header CLA|0C INS P1 P2, padded to a block: the first part of every command MAC. */
export function paddedSmHeader(session: SmSession, command: CommandApdu): Uint8Array {
  return padIso9797(Uint8Array.of(command.cla | 0x0c, command.ins, command.p1, command.p2), blockSizeOf(session.cipher))
}

/** DO97: Le in one byte (256 → 00). */
export function leObject(le: number): Uint8Array {
  return encodeTlv(0x97, Uint8Array.of(le & 0xff))
}

/** DO87 = 87 L 01 ‖ ciphertext (odd INS would use DO85 without the 01; no eMRTD read here needs it). */
export function dataObject(session: SmSession, ssc: Uint8Array, data: Uint8Array): Uint8Array {
  return encodeTlv(0x87, Uint8Array.of(0x01), smEncrypt(session, ssc, data))
}

export interface WrappedCommand {
  readonly apdu: Uint8Array
  /** The counter after this command; unwrapResponse takes it. */
  readonly ssc: Uint8Array
}

export function wrapCommand(session: SmSession, command: CommandApdu): WrappedCommand {
  const ssc = incrementSsc(session.ssc)
  const do87 = command.data !== undefined && command.data.length > 0 ? dataObject(session, ssc, command.data) : new Uint8Array(0)
  const do97 = command.le !== undefined ? leObject(command.le) : new Uint8Array(0)
  const mac = smMac(session, ssc, concatBytes(paddedSmHeader(session, command), do87, do97))
  const body = concatBytes(do87, do97, encodeTlv(0x8e, mac))
  const apdu = encodeCommand({ cla: command.cla | 0x0c, ins: command.ins, p1: command.p1, p2: command.p2, data: body, le: 256 })
  return { apdu, ssc }
}

export interface UnwrappedResponse {
  readonly data: Uint8Array
  readonly sw: number
  /**
   * False when the chip answered with a bare status word (no DO99/DO8E): an unauthenticated error, to
   * be used only to stop (docs/emrtd.md, "Secure messaging").
   */
  readonly authenticated: boolean
  readonly ssc: Uint8Array
}

function rawOf(bytes: Uint8Array, tlv: Tlv | undefined): Uint8Array {
  return tlv === undefined ? new Uint8Array(0) : bytes.subarray(tlv.start, tlv.end)
}

/** Checks the MAC of a protected response and opens it; `ssc` is the counter wrapCommand returned. */
export function unwrapResponse(session: SmSession, ssc: Uint8Array, response: Uint8Array): UnwrappedResponse {
  const next = incrementSsc(ssc)
  const { data, sw } = parseResponse(response)
  if (data.length === 0) {
    if (sw === 0x9000) throw chipRefusal('sm_broken', 'the chip answered 9000 outside secure messaging')
    return { data, sw, authenticated: false, ssc: next }
  }
  let objects: Tlv[]
  try {
    objects = readTlvs(data)
  } catch (error) {
    throw chipRefusal('sm_broken', 'protected response does not parse', {}, error)
  }
  const do87 = objects.find((tlv) => tlv.tag === 0x87 || tlv.tag === 0x85)
  const do99 = objects.find((tlv) => tlv.tag === 0x99)
  const do8e = objects.find((tlv) => tlv.tag === 0x8e)
  if (do99 === undefined || do8e === undefined || do99.value.length !== 2) {
    throw chipRefusal('sm_broken', 'protected response lacks its status or MAC object')
  }
  const expected = smMac(session, next, concatBytes(rawOf(data, do87), rawOf(data, do99)))
  if (!equalBytes(expected, do8e.value)) throw chipRefusal('sm_broken', 'protected response MAC does not verify')
  const innerSw = ((do99.value[0] ?? 0) << 8) | (do99.value[1] ?? 0)
  if (do87 === undefined) return { data: new Uint8Array(0), sw: innerSw, authenticated: true, ssc: next }
  const ciphertext = do87.tag === 0x87 ? do87.value.subarray(1) : do87.value
  if (do87.tag === 0x87 && do87.value[0] !== 0x01) throw chipRefusal('sm_broken', 'DO87 has an unknown padding indicator')
  return { data: smDecrypt(session, next, ciphertext), sw: innerSw, authenticated: true, ssc: next }
}
