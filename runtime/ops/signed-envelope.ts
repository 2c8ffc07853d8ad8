/**
 * The one signed wrapper for everything a station acts on from outside (docs/security.md):
 * operations' commands, desired config and flow bundles, and central's notifications and replies.
 *
 *   { "v": 1, "purpose": "command", "keyId": "<16 hex>", "body": "<base64 UTF-8 JSON>", "sig": "<base64>" }
 *
 * The signature is Ed25519 over `citizen-station/v1 <purpose>\n` followed by the body's bytes. The
 * exact bytes are signed (not a re-serialisation of parsed JSON), so no canonical JSON is needed, and
 * the purpose prefix keeps a signed command from being replayed as a config or a notification.
 * Pure apart from node:crypto.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'

export const ENVELOPE_VERSION = 1

export const SIGNED_PURPOSES = ['command', 'config', 'flow-bundle', 'notify', 'rpc-response'] as const
export type SignedPurpose = (typeof SIGNED_PURPOSES)[number]

export interface SignedEnvelope {
  v: typeof ENVELOPE_VERSION
  purpose: SignedPurpose
  /** keyIdOf(the signer's public key): which trusted key to check against. */
  keyId: string
  /** base64 of the UTF-8 JSON body. */
  body: string
  /** base64 Ed25519 signature. */
  sig: string
}

/** Why an inbound message was refused; the same words go on response topics, events and logs. */
export type EnvelopeRefusal =
  | 'too-large'
  | 'malformed'
  | 'unsigned'
  | 'wrong-purpose'
  | 'unknown-key'
  | 'bad-signature'

export type OpenedEnvelope =
  | { ok: true; body: unknown; keyId: string }
  | { ok: false; reason: EnvelopeRefusal; message: string }

/** Public keys a station trusts for one role, by key id. */
export type TrustedKeys = ReadonlyMap<string, KeyObject>

const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

/** First 16 hex digits of SHA-256 over the key's SPKI DER: short enough to read, long enough not to collide by chance. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key
  const der = publicKey.export({ format: 'der', type: 'spki' })
  return createHash('sha256').update(der).digest('hex').slice(0, 16)
}

/** The bytes the signature covers. */
function signedBytes(purpose: SignedPurpose, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`citizen-station/v1 ${purpose}\n`, 'utf8'), body])
}

/** Wraps `body` (any JSON value) signed with an Ed25519 private key. Throws TypeError for a key that is not Ed25519. */
export function signEnvelope(purpose: SignedPurpose, body: unknown, privateKey: KeyObject): SignedEnvelope {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('signing needs an Ed25519 private key')
  }
  const bytes = Buffer.from(JSON.stringify(body), 'utf8')
  return {
    v: ENVELOPE_VERSION,
    purpose,
    keyId: keyIdOf(privateKey),
    body: bytes.toString('base64'),
    sig: sign(null, signedBytes(purpose, bytes), privateKey).toString('base64'),
  }
}

/** signEnvelope as the UTF-8 JSON bytes that go on the wire. */
export function encodeSignedEnvelope(purpose: SignedPurpose, body: unknown, privateKey: KeyObject): Buffer {
  return Buffer.from(JSON.stringify(signEnvelope(purpose, body, privateKey)), 'utf8')
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * Checks `payload` (the raw MQTT payload) and returns the signed body, or why it was refused. Never
 * throws: garbage, wrong types and forged signatures are all refusals with a reason.
 */
export function openEnvelope(
  payload: Uint8Array,
  purpose: SignedPurpose,
  trusted: TrustedKeys,
  maxBytes: number,
): OpenedEnvelope {
  const refuse = (reason: EnvelopeRefusal, message: string): OpenedEnvelope => ({ ok: false, reason, message })
  if (payload.byteLength > maxBytes) return refuse('too-large', `payload of ${payload.byteLength} bytes is over ${maxBytes}`)
  let value: unknown
  try {
    value = JSON.parse(utf8Decoder.decode(payload))
  } catch {
    return refuse('malformed', 'payload is not UTF-8 JSON')
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return refuse('malformed', 'payload is not a JSON object')
  }
  const envelope = value as Record<string, unknown>
  if (!('sig' in envelope) || !('body' in envelope)) return refuse('unsigned', 'payload is not a signed envelope')
  const { v, keyId, body, sig } = envelope
  if (v !== ENVELOPE_VERSION) return refuse('malformed', `envelope version must be ${ENVELOPE_VERSION}`)
  if (envelope.purpose !== purpose) return refuse('wrong-purpose', `envelope is for ${String(envelope.purpose)}, not ${purpose}`)
  if (typeof keyId !== 'string' || typeof body !== 'string' || typeof sig !== 'string' || !BASE64.test(body) || !BASE64.test(sig)) {
    return refuse('malformed', 'envelope keyId, body and sig must be strings (body and sig base64)')
  }
  const key = trusted.get(keyId)
  if (key === undefined) return refuse('unknown-key', `key ${keyId.slice(0, 32)} is not trusted`)
  const bodyBytes = Buffer.from(body, 'base64')
  const signature = Buffer.from(sig, 'base64')
  let valid = false
  try {
    valid = verify(null, signedBytes(purpose, bodyBytes), key, signature)
  } catch {
    valid = false
  }
  if (!valid) return refuse('bad-signature', `signature does not verify with key ${keyId}`)
  try {
    return { ok: true, body: JSON.parse(utf8Decoder.decode(bodyBytes)), keyId }
  } catch {
    // Signed garbage: a key holder's mistake, still not something to act on.
    return refuse('malformed', 'signed body is not UTF-8 JSON')
  }
}
