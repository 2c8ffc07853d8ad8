/**
 * ISO/IEC 9797-1 padding method 2 and MAC algorithm 3 (the "retail MAC") as ICAO 9303 Part 11 §9.8
 * uses them (docs/emrtd.md, "Cryptography").
 */
import { StationError } from '../../runtime/core/errors.js'
import { desDecryptBlock, desEncryptBlock } from './block-ciphers.js'
import { xorBytes } from './bytes.js'

/** Appends 0x80 then 0x00 up to a multiple of `blockSize`; a block-aligned input gains a whole block. */
export function padIso9797(data: Uint8Array, blockSize = 8): Uint8Array {
  const padded = new Uint8Array((Math.floor(data.length / blockSize) + 1) * blockSize)
  padded.set(data)
  padded[data.length] = 0x80
  return padded
}

/** Removes method-2 padding; throws E_CODEC_INVALID when the trailer is not 80 00…. */
export function unpadIso9797(data: Uint8Array): Uint8Array {
  let index = data.length - 1
  while (index >= 0 && data[index] === 0x00) index--
  if (index < 0 || data[index] !== 0x80) {
    throw new StationError('E_CODEC_INVALID', 'ISO 9797-1 padding is missing', { length: data.length })
  }
  return data.subarray(0, index)
}

/**
 * MAC algorithm 3 with DES, key Ka ‖ Kb: pads `data` once (method 2), single-DES CBC-MAC with Ka,
 * then the last block is decrypted with Kb and encrypted with Ka. Returns 8 bytes.
 */
export function retailMac(key16: Uint8Array, data: Uint8Array): Uint8Array {
  const ka = key16.subarray(0, 8)
  const kb = key16.subarray(8, 16)
  const padded = padIso9797(data, 8)
  let state: Uint8Array = new Uint8Array(8)
  for (let offset = 0; offset < padded.length; offset += 8) {
    state = desEncryptBlock(ka, xorBytes(state, padded.subarray(offset, offset + 8)))
  }
  return desEncryptBlock(ka, desDecryptBlock(kb, state))
}
