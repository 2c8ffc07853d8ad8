/**
 * Ed25519 key files: the operations and central public keys a station trusts (config
 * `ops.trustedKeys`, `central.trustedKeys`: SPKI PEM files), and private keys for the tools that sign
 * (PKCS#8 PEM, `station keys generate`).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { StationError, messageOf } from '../core/errors.js'
import { writeFileAtomic } from '../core/atomic-write.js'
import { keyIdOf, type TrustedKeys } from './signed-envelope.js'

function parseKey(pem: string, kind: 'public' | 'private', path: string): KeyObject {
  let key: KeyObject
  try {
    key = kind === 'public' ? createPublicKey(pem) : createPrivateKey(pem)
  } catch (error) {
    throw new StationError('E_CONFIG_INVALID', `${path}: not a ${kind} key in PEM form (${messageOf(error)})`, { path })
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new StationError('E_CONFIG_INVALID', `${path}: must be an Ed25519 key (got ${key.asymmetricKeyType ?? 'unknown'})`, { path })
  }
  return key
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new StationError('E_CONFIG_INVALID', `${path}: cannot read the key file (${messageOf(error)})`, { path }, { cause: error })
  }
}

/**
 * Loads every public key file; a private key file is accepted too (its public half is used) so a
 * test or a one-box demo can point both sides at one file. Rejects with E_CONFIG_INVALID naming the
 * file for anything unreadable or not Ed25519.
 */
export async function loadTrustedKeys(paths: readonly string[]): Promise<TrustedKeys> {
  const keys = new Map<string, KeyObject>()
  for (const path of paths) {
    const pem = await readKeyFile(path)
    const key = pem.includes('PRIVATE KEY') ? createPublicKey(parseKey(pem, 'private', path)) : parseKey(pem, 'public', path)
    keys.set(keyIdOf(key), key)
  }
  return keys
}

/** Loads an Ed25519 private key (PKCS#8 PEM) for signing; E_CONFIG_INVALID naming the file otherwise. */
export async function loadSigningKey(path: string): Promise<KeyObject> {
  return parseKey(await readKeyFile(path), 'private', path)
}

export interface GeneratedKeyPair {
  privatePath: string
  publicPath: string
  keyId: string
}

/**
 * Writes a fresh key pair as `<dir>/<name>.key` (PKCS#8 PEM, 0600) and `<dir>/<name>.pub` (SPKI PEM,
 * 0644). Refuses (EEXIST) to overwrite an existing private key: losing an operations key that
 * stations trust is not undone by a typo.
 */
export async function generateKeyPairFiles(dir: string, name: string): Promise<GeneratedKeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const privatePath = `${dir}/${name}.key`
  const publicPath = `${dir}/${name}.pub`
  await writeFileAtomic(privatePath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, exclusive: true })
  await writeFileAtomic(publicPath, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 })
  return { privatePath, publicPath, keyId: keyIdOf(publicKey) }
}
