/**
 * Basic Access Control, reader side (ICAO 9303 Part 11 §4.3, §9.7; docs/emrtd.md, "BAC"): keys from the
 * MRZ, GET CHALLENGE, EXTERNAL AUTHENTICATE with E_IFD ‖ M_IFD, the chip's E_IC ‖ M_IC checked, session
 * keys from K.IFD ⊕ K.IC and the SSC from the two nonces. The pure steps are exported for the vectors and
 * the simulated chip; `performBac` runs them over an injected transceive.
 */
import { des3CbcDecrypt, des3CbcEncrypt } from './block-ciphers.js'
import { concatBytes, equalBytes, xorBytes } from './bytes.js'
import { encodeCommand, parseResponse, SW_OK, type CommandApdu, type Transceive } from './apdu.js'
import { bacKeySeed, type MrzAccessKey } from './access-keys.js'
import { chipRefusal } from './chip-errors.js'
import { retailMac } from './iso9797.js'
import { deriveKey, KDF_ENC, KDF_MAC } from './kdf.js'
import type { SmSession } from './secure-messaging.js'

export interface BacKeys {
  readonly kEnc: Uint8Array
  readonly kMac: Uint8Array
}

export const GET_CHALLENGE: CommandApdu = { cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, le: 8 }

/** K_enc and K_mac from the MRZ key (3DES, parity set). */
export function bacKeysFromSeed(seed: Uint8Array): BacKeys {
  return { kEnc: deriveKey(seed, KDF_ENC, '3des'), kMac: deriveKey(seed, KDF_MAC, '3des') }
}

export function bacKeys(key: MrzAccessKey): BacKeys {
  return bacKeysFromSeed(bacKeySeed(key))
}

/** E ‖ M: `plain` (32 bytes) encrypted with K_enc, then its retail MAC under K_mac. Both sides use it. */
export function bacCryptogram(keys: BacKeys, plain: Uint8Array): Uint8Array {
  const encrypted = des3CbcEncrypt(keys.kEnc, plain)
  return concatBytes(encrypted, retailMac(keys.kMac, encrypted))
}

/** Checks the MAC of a 40-byte cryptogram and decrypts it; undefined when the MAC is wrong. */
export function openBacCryptogram(keys: BacKeys, cryptogram: Uint8Array): Uint8Array | undefined {
  if (cryptogram.length !== 40) return undefined
  const encrypted = cryptogram.subarray(0, 32)
  if (!equalBytes(retailMac(keys.kMac, encrypted), cryptogram.subarray(32))) return undefined
  return des3CbcDecrypt(keys.kEnc, encrypted)
}

export function externalAuthenticateCommand(keys: BacKeys, rndIc: Uint8Array, rndIfd: Uint8Array, kIfd: Uint8Array): CommandApdu {
  return { cla: 0x00, ins: 0x82, p1: 0x00, p2: 0x00, data: bacCryptogram(keys, concatBytes(rndIfd, rndIc, kIfd)), le: 40 }
}

/** Session keys and SSC = RND.IC[4..7] ‖ RND.IFD[4..7] from both key halves. */
export function bacSession(kIfd: Uint8Array, kIc: Uint8Array, rndIc: Uint8Array, rndIfd: Uint8Array): SmSession {
  const seed = xorBytes(kIfd, kIc)
  return {
    cipher: '3des',
    ksEnc: deriveKey(seed, KDF_ENC, '3des'),
    ksMac: deriveKey(seed, KDF_MAC, '3des'),
    ssc: concatBytes(rndIc.subarray(4, 8), rndIfd.subarray(4, 8)),
  }
}

/**
 * Checks the chip's EXTERNAL AUTHENTICATE answer (MAC first, then both nonces echoed) and returns the
 * session; throws `access_denied` when anything disagrees: never derive keys from an unverified answer.
 */
export function finishBac(keys: BacKeys, responseData: Uint8Array, rndIc: Uint8Array, rndIfd: Uint8Array, kIfd: Uint8Array): SmSession {
  const plain = openBacCryptogram(keys, responseData)
  if (plain === undefined) throw chipRefusal('access_denied', 'BAC: the chip answer does not verify')
  if (!equalBytes(plain.subarray(0, 8), rndIc) || !equalBytes(plain.subarray(8, 16), rndIfd)) {
    throw chipRefusal('access_denied', 'BAC: the chip did not echo the nonces')
  }
  return bacSession(kIfd, plain.subarray(16, 32), rndIc, rndIfd)
}

/** Runs BAC over `transceive`; `randomBytes` supplies RND.IFD and K.IFD (a CSPRNG in production). */
export async function performBac(transceive: Transceive, key: MrzAccessKey, randomBytes: (length: number) => Uint8Array): Promise<SmSession> {
  const keys = bacKeys(key)
  const challenge = parseResponse(await transceive(encodeCommand(GET_CHALLENGE)))
  if (challenge.sw !== SW_OK || challenge.data.length !== 8) {
    throw chipRefusal('access_unsupported', 'BAC: GET CHALLENGE refused', { sw: challenge.sw })
  }
  const rndIfd = randomBytes(8)
  const kIfd = randomBytes(16)
  const answer = parseResponse(await transceive(encodeCommand(externalAuthenticateCommand(keys, challenge.data, rndIfd, kIfd))))
  if (answer.sw !== SW_OK) throw chipRefusal('access_denied', 'BAC: the chip refused the MRZ key', { sw: answer.sw })
  return finishBac(keys, answer.data, challenge.data, rndIfd, kIfd)
}
