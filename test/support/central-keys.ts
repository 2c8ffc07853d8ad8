/**
 * Central's signing key for tests (generated per test file, never committed) and helpers to read
 * what the reference central signs, or to sign as central (docs/security.md, docs/delivery.md).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { systemClock, type Clock } from '../../runtime/core/clock.js'
import { centralVerifier, type InboundVerifier } from '../../runtime/ops/central-verifier.js'
import { encodeSignedEnvelope, keyIdOf, openEnvelope, type SignedPurpose, type TrustedKeys } from '../../runtime/ops/signed-envelope.js'

export interface TestCentralKey {
  privateKey: KeyObject
  publicKey: KeyObject
  /** Just this key, as a station trusting this central holds it. */
  trusted: TrustedKeys
}

export function testCentralKey(): TestCentralKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { privateKey, publicKey, trusted: new Map([[keyIdOf(publicKey), publicKey]]) }
}

/** The verifier a station with id `stationId` trusting `key` uses (maxSkewS 300, as the default config). */
export function testVerifier(stationId: string, key: TestCentralKey, clock: Clock = systemClock): InboundVerifier {
  return centralVerifier({ stationId, trustedKeys: key.trusted, maxSkewS: 300, clock })
}

/**
 * The signed body of an envelope (raw bytes, or as subscribeCollect parsed it); throws when it does
 * not verify with `key` for `purpose`.
 */
export function signedBody(payload: Buffer | object, purpose: SignedPurpose, key: TestCentralKey): any {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload), 'utf8')
  const opened = openEnvelope(bytes, purpose, key.trusted, 1024 * 1024)
  if (!opened.ok) throw new Error(`not signed by the test central: ${opened.reason} (${opened.message})`)
  return opened.body
}

/** A notify payload `{ ...fields, type, ts: now, station }` signed with `privateKey`. */
export function signedNotify(privateKey: KeyObject, station: string, type: string, fields: Record<string, unknown>, ts = new Date().toISOString()): Buffer {
  return encodeSignedEnvelope('notify', { ...fields, type, ts, station }, privateKey)
}
