import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { StationError } from '../core/errors.js'

/**
 * Seals JSON values with AES-256-GCM for storage at rest. The sealed form is one compact string,
 * `v1.<iv>.<tag>.<ciphertext>` (each base64url), so it can sit inside a JSON record.
 */

const VERSION = 'v1'
/** 96-bit IV: the length GCM is defined for without extra GHASH (NIST SP 800-38D section 8.2). */
const IV_BYTES = 12
/** Full 128-bit tag (NIST SP 800-38D section 5.2.1.2); shorter tags weaken forgery resistance. */
const TAG_BYTES = 16
const KEY_BYTES = 32
const ALGORITHM = 'aes-256-gcm'

/**
 * Encrypts `JSON.stringify(value)` under `key` (32 bytes) with a fresh random IV.
 * `associatedData` (e.g. the submission id) is authenticated but not stored: opening needs the
 * same value, so a ciphertext cannot be moved onto another record.
 * Throws TypeError for a key of the wrong length or a value JSON cannot represent.
 */
export function sealJson(key: Uint8Array, value: unknown, associatedData?: string): string {
  checkKey(key)
  const json = JSON.stringify(value)
  if (typeof json !== 'string') throw new TypeError(`sealJson: value is not representable as JSON (got ${typeof value})`)
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES })
  if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, 'utf8'))
  const ciphertext = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()])
  const tag = cipher.getAuthTag()
  return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.')
}

/**
 * Opens a string made by `sealJson` and returns the parsed value. Throws StationError E_OUTBOX_IO
 * when the string is malformed, was tampered with, or was sealed with another key or associated data.
 * Error messages never include plaintext.
 */
export function openJson(key: Uint8Array, sealed: string, associatedData?: string): unknown {
  checkKey(key)
  const parts = sealed.split('.')
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new StationError('E_OUTBOX_IO', `sealed data is not in the ${VERSION} format`, { parts: parts.length })
  }
  const iv = Buffer.from(parts[1] as string, 'base64url')
  const tag = Buffer.from(parts[2] as string, 'base64url')
  const ciphertext = Buffer.from(parts[3] as string, 'base64url')
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new StationError('E_OUTBOX_IO', 'sealed data has a wrong IV or tag length', {
      ivBytes: iv.length,
      tagBytes: tag.length,
    })
  }
  let json: string
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES })
    if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'))
    decipher.setAuthTag(tag)
    json = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8')
  } catch (error) {
    throw new StationError(
      'E_OUTBOX_IO',
      'sealed data failed authentication (wrong key, wrong record, or tampered)',
      {},
      { cause: error },
    )
  }
  try {
    return JSON.parse(json) as unknown
  } catch (error) {
    // Authenticated but not JSON: sealed by something other than sealJson.
    throw new StationError('E_OUTBOX_IO', 'sealed data is authentic but not JSON', {}, { cause: error })
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new TypeError(`key must be ${KEY_BYTES} bytes (got ${key.length})`)
}
