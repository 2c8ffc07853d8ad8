/**
 * The block ciphers eMRTD access control and secure messaging use, over node:crypto (docs/emrtd.md,
 * "Cryptography"): two-key 3DES-CBC (BAC), single DES for the retail MAC, AES-CBC/ECB and AES-CMAC
 * (PACE). No padding here: callers pad with ISO/IEC 9797-1 method 2 themselves (iso9797.ts), because
 * ICAO 9303 pads exactly once and a second padding is the classic MAC bug.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { concatBytes, xorBytes } from './bytes.js'

const ZERO_IV_8 = new Uint8Array(8)

function run(decipher: boolean, algorithm: string, key: Uint8Array, iv: Uint8Array | null, data: Uint8Array): Uint8Array {
  const cipher = decipher ? createDecipheriv(algorithm, key, iv) : createCipheriv(algorithm, key, iv)
  cipher.setAutoPadding(false)
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]))
}

/** Two-key 3DES (EDE, K1 = Ka, K2 = Kb, K3 = Ka) in CBC mode; `key` is Ka ‖ Kb. */
export function des3CbcEncrypt(key: Uint8Array, data: Uint8Array, iv: Uint8Array = ZERO_IV_8): Uint8Array {
  return run(false, 'des-ede-cbc', key, iv, data)
}

export function des3CbcDecrypt(key: Uint8Array, data: Uint8Array, iv: Uint8Array = ZERO_IV_8): Uint8Array {
  return run(true, 'des-ede-cbc', key, iv, data)
}

/**
 * Single DES on one block. OpenSSL 3 keeps plain `des-ecb` in its legacy provider, which is usually not
 * loaded; 3DES with K ‖ K ‖ K is the same function.
 */
export function desEncryptBlock(key8: Uint8Array, block: Uint8Array): Uint8Array {
  return run(false, 'des-ede3-ecb', concatBytes(key8, key8, key8), null, block)
}

export function desDecryptBlock(key8: Uint8Array, block: Uint8Array): Uint8Array {
  return run(true, 'des-ede3-ecb', concatBytes(key8, key8, key8), null, block)
}

function aesName(key: Uint8Array, mode: 'cbc' | 'ecb'): string {
  return `aes-${key.length * 8}-${mode}`
}

export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  return run(false, aesName(key, 'cbc'), key, iv, data)
}

export function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  return run(true, aesName(key, 'cbc'), key, iv, data)
}

export function aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  return run(false, aesName(key, 'ecb'), key, null, block)
}

/** Doubling in GF(2^128), the CMAC subkey step (NIST SP 800-38B 6.1). */
function doubleBlock(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16)
  for (let index = 0; index < 16; index++) {
    out[index] = ((block[index] ?? 0) << 1) | ((block[index + 1] ?? 0) >> 7)
  }
  if (((block[0] ?? 0) & 0x80) !== 0) out[15] = (out[15] ?? 0) ^ 0x87
  return out
}

/** AES-CMAC (NIST SP 800-38B; RFC 4493 for AES-128), full 16 bytes: node:crypto has no CMAC. */
export function aesCmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  const k1 = doubleBlock(aesEncryptBlock(key, new Uint8Array(16)))
  const k2 = doubleBlock(k1)
  const blocks = Math.max(1, Math.ceil(message.length / 16))
  const complete = message.length > 0 && message.length % 16 === 0
  const last = new Uint8Array(16)
  last.set(message.subarray((blocks - 1) * 16))
  if (!complete) last[message.length - (blocks - 1) * 16] = 0x80
  let state: Uint8Array = new Uint8Array(16)
  for (let index = 0; index < blocks - 1; index++) {
    state = aesEncryptBlock(key, xorBytes(state, message.subarray(index * 16, index * 16 + 16)))
  }
  return aesEncryptBlock(key, xorBytes(state, xorBytes(last, complete ? k1 : k2)))
}
