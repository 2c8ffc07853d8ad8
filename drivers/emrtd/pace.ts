/**
 * PACE with generic mapping, ECDH on brainpoolP256r1, AES-128 (ICAO 9303 Part 11 §4.4, §9.2; docs/emrtd.md,
 * "PACE"), reader side. The pure steps are exported for the Appendix G vectors and the simulated chip;
 * `performPace` runs MSE:Set AT and the four GENERAL AUTHENTICATE commands over an injected transceive.
 */
import { aesCbcDecrypt, aesCmac } from './block-ciphers.js'
import { encodeTlv, findTlv } from './ber-tlv.js'
import { concatBytes, equalBytes } from './bytes.js'
import { encodeCommand, parseResponse, SW_OK, type CommandApdu, type Transceive } from './apdu.js'
import { pacePasswordBytes, pacePasswordReference, type PacePassword } from './access-keys.js'
import { BrainpoolP256r1, decodePoint, encodePoint, scalarFromBytes, xCoordinate, type CurvePoint } from './brainpool-p256r1.js'
import type { PaceInfo } from './card-access.js'
import { chipRefusal } from './chip-errors.js'
import { encodeOid } from './object-identifier.js'
import { deriveKey, KDF_ENC, KDF_MAC, KDF_PI } from './kdf.js'
import type { SmSession } from './secure-messaging.js'

/** Dynamic authentication data tags inside 7C (Part 11 §4.4.4.2). */
export const GA_TAG = { nonce: 0x80, mapTerminal: 0x81, mapChip: 0x82, keyTerminal: 0x83, keyChip: 0x84, tokenTerminal: 0x85, tokenChip: 0x86 } as const

/** K_π = KDF(f(π), 3) for AES-128. */
export function paceKeyPi(password: PacePassword): Uint8Array {
  return deriveKey(pacePasswordBytes(password), KDF_PI, 'aes128')
}

/** MSE:Set AT: `80` protocol OID, `83` password reference, `84` parameter id when the chip lists several PACEInfos. */
export function mseSetAtCommand(info: PaceInfo, passwordReference: number, withParameterId: boolean): CommandApdu {
  const parts = [encodeTlv(0x80, encodeOid(info.oid)), encodeTlv(0x83, Uint8Array.of(passwordReference))]
  if (withParameterId && info.parameterId !== undefined) parts.push(encodeTlv(0x84, Uint8Array.of(info.parameterId)))
  return { cla: 0x00, ins: 0x22, p1: 0xc1, p2: 0xa4, data: concatBytes(...parts) }
}

/** GENERAL AUTHENTICATE with 7C { tag: value }; every step but the last is chained (CLA 10). */
export function generalAuthenticateCommand(tag: number | undefined, value: Uint8Array, last: boolean): CommandApdu {
  const inner = tag === undefined ? new Uint8Array(0) : encodeTlv(tag, value)
  return { cla: last ? 0x00 : 0x10, ins: 0x86, p1: 0x00, p2: 0x00, data: encodeTlv(0x7c, inner), le: 256 }
}

/** The value of `tag` inside a 7C dynamic authentication data object. */
export function dynamicAuthenticationValue(data: Uint8Array, tag: number): Uint8Array {
  try {
    const outer = findTlv(data, 0x7c)
    const inner = outer === undefined ? undefined : findTlv(outer.value, tag)
    if (inner !== undefined) return inner.value
  } catch (error) {
    throw chipRefusal('access_denied', 'PACE: the chip answer does not parse', { tag }, error)
  }
  throw chipRefusal('access_denied', 'PACE: the chip answer lacks its data object', { tag })
}

/** s = AES-CBC⁻¹(K_π, IV 0, z). */
export function decryptNonce(kPi: Uint8Array, encryptedNonce: Uint8Array): Uint8Array {
  return aesCbcDecrypt(kPi, new Uint8Array(16), encryptedNonce)
}

/** Generic mapping: G' = s·G + H, with H the mapping ECDH shared point. */
export function mapGenerator(nonce: Uint8Array, sharedPoint: CurvePoint): CurvePoint {
  const s = scalarFromNonce(nonce)
  return BrainpoolP256r1.BASE.multiply(s).add(sharedPoint)
}

function scalarFromNonce(nonce: Uint8Array): bigint {
  let value = 0n
  for (const byte of nonce) value = (value << 8n) | BigInt(byte)
  return value
}

/** Session keys from the shared secret's x-coordinate; AES keys need no parity. */
export function paceSession(sharedX: Uint8Array): SmSession {
  return { cipher: 'aes', ksEnc: deriveKey(sharedX, KDF_ENC, 'aes128'), ksMac: deriveKey(sharedX, KDF_MAC, 'aes128'), ssc: new Uint8Array(16) }
}

/** The public key data object the tokens are computed over: 7F49 { 06 OID, 86 point }. */
export function publicKeyObject(oid: string, point: CurvePoint): Uint8Array {
  return encodeTlv(0x7f49, encodeTlv(0x06, encodeOid(oid)), encodeTlv(0x86, encodePoint(point)))
}

/** Authentication token = CMAC(KS_mac, other side's public key object), first 8 bytes. */
export function authenticationToken(ksMac: Uint8Array, oid: string, otherEphemeral: CurvePoint): Uint8Array {
  return aesCmac(ksMac, publicKeyObject(oid, otherEphemeral)).subarray(0, 8)
}

export interface PaceOptions {
  /** Send `84` parameter id in MSE:Set AT; default false. readChip sets it when the chip lists several PACEInfos. */
  readonly withParameterId?: boolean
}

function decodeChipPoint(bytes: Uint8Array, step: string): CurvePoint {
  try {
    return decodePoint(bytes)
  } catch (error) {
    throw chipRefusal('access_denied', `PACE: the chip's ${step} key is not a curve point`, {}, error)
  }
}

/**
 * Runs PACE over `transceive`; `randomBytes` draws the terminal's private keys (a CSPRNG in production).
 * A wrong CAN shows as the chip refusing the terminal token (`6300`) or the chip's token failing: both `access_denied`.
 */
export async function performPace(
  transceive: Transceive,
  info: PaceInfo,
  password: PacePassword,
  randomBytes: (length: number) => Uint8Array,
  options: PaceOptions = {},
): Promise<SmSession> {
  const send = async (command: CommandApdu, step: string): Promise<Uint8Array> => {
    const response = parseResponse(await transceive(encodeCommand(command)))
    if (response.sw !== SW_OK) throw chipRefusal(step === 'MSE:Set AT' ? 'access_unsupported' : 'access_denied', `PACE: ${step} refused`, { sw: response.sw, step })
    return response.data
  }
  await send(mseSetAtCommand(info, pacePasswordReference(password), options.withParameterId ?? false), 'MSE:Set AT')
  const nonce = decryptNonce(paceKeyPi(password), dynamicAuthenticationValue(await send(generalAuthenticateCommand(undefined, new Uint8Array(0), false), 'nonce'), GA_TAG.nonce))

  const mappingKey = scalarFromBytes(randomBytes(40))
  const mappingPublic = BrainpoolP256r1.BASE.multiply(mappingKey)
  const mapAnswer = await send(generalAuthenticateCommand(GA_TAG.mapTerminal, encodePoint(mappingPublic), false), 'mapping')
  const chipMapping = decodeChipPoint(dynamicAuthenticationValue(mapAnswer, GA_TAG.mapChip), 'mapping')
  const generator = mapGenerator(nonce, chipMapping.multiply(mappingKey))

  const ephemeralKey = scalarFromBytes(randomBytes(40))
  const ephemeralPublic = generator.multiply(ephemeralKey)
  const keyAnswer = await send(generalAuthenticateCommand(GA_TAG.keyTerminal, encodePoint(ephemeralPublic), false), 'key agreement')
  const chipEphemeral = decodeChipPoint(dynamicAuthenticationValue(keyAnswer, GA_TAG.keyChip), 'ephemeral')
  if (chipEphemeral.equals(ephemeralPublic)) throw chipRefusal('access_denied', 'PACE: the chip echoed the terminal key')
  const session = paceSession(xCoordinate(chipEphemeral.multiply(ephemeralKey)))

  const terminalToken = authenticationToken(session.ksMac, info.oid, chipEphemeral)
  const tokenAnswer = await send(generalAuthenticateCommand(GA_TAG.tokenTerminal, terminalToken, true), 'token')
  const chipToken = dynamicAuthenticationValue(tokenAnswer, GA_TAG.tokenChip)
  if (!equalBytes(chipToken, authenticationToken(session.ksMac, info.oid, ephemeralPublic))) {
    throw chipRefusal('access_denied', "PACE: the chip's token does not verify")
  }
  return session
}
