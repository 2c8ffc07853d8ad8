/**
 * The ICAO 9303 Part 11 §9.7.1 key derivation function (docs/emrtd.md, "Keys"):
 * key = H(seed ‖ counter) truncated, with counter 1 = encryption, 2 = MAC, 3 = PACE password key.
 * 3DES keys take SHA-1's first 16 bytes with DES parity set; AES-128 takes SHA-1's first 16 bytes;
 * AES-192/256 take SHA-256's first 24/32 bytes.
 */
import { createHash } from 'node:crypto'
import { concatBytes } from './bytes.js'

export type KeyAlgorithm = '3des' | 'aes128' | 'aes192' | 'aes256'

export const KDF_ENC = 1
export const KDF_MAC = 2
export const KDF_PI = 3

/** Sets each byte's low bit so the byte has odd parity, as DES keys expect (the vectors compare full bytes). */
export function adjustDesParity(key: Uint8Array): Uint8Array {
  return key.map((byte) => {
    const high = byte & 0xfe
    let ones = 0
    for (let bit = 1; bit < 0x100; bit <<= 1) if ((high & bit) !== 0) ones++
    return high | (ones % 2 === 0 ? 1 : 0)
  })
}

function counterBytes(counter: number): Uint8Array {
  return Uint8Array.of(0, 0, 0, counter)
}

export function deriveKey(seed: Uint8Array, counter: number, algorithm: KeyAlgorithm): Uint8Array {
  const input = concatBytes(seed, counterBytes(counter))
  switch (algorithm) {
    case '3des':
      return adjustDesParity(new Uint8Array(createHash('sha1').update(input).digest()).subarray(0, 16))
    case 'aes128':
      return new Uint8Array(createHash('sha1').update(input).digest()).subarray(0, 16)
    case 'aes192':
      return new Uint8Array(createHash('sha256').update(input).digest()).subarray(0, 24)
    case 'aes256':
      return new Uint8Array(createHash('sha256').update(input).digest()).subarray(0, 32)
  }
}

export function sha1(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(data).digest())
}
