import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import { CENTRAL_MAX_BYTES, centralVerifier } from '../../../runtime/ops/central-verifier.js'
import { encodeSignedEnvelope, keyIdOf } from '../../../runtime/ops/signed-envelope.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

const STATION = 'lobby-7'
const { privateKey, publicKey } = generateKeyPairSync('ed25519')
const stranger = generateKeyPairSync('ed25519').privateKey
const clock = new SimClock(Date.UTC(2026, 0, 20, 7, 0))
const verifier = centralVerifier({ stationId: STATION, trustedKeys: new Map([[keyIdOf(publicKey), publicKey]]), maxSkewS: 300, clock })
const iso = (offsetMs = 0) => new Date(clock.now() + offsetMs).toISOString()
const CORRELATION = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'

t.test('a signed notification for this station within the skew window is accepted with its fields', async (t) => {
  const body = { type: 'payment.confirmed', ts: iso(-299_000), station: STATION, bill: 'EL-1', amount: 452000 }
  t.strictSame(verifier.notify(encodeSignedEnvelope('notify', body, privateKey)), { ok: true, value: body })
  t.match(verifier.notify(encodeSignedEnvelope('notify', { ...body, ts: iso(299_000) }, privateKey)), { ok: true })
})

t.test('notifications are refused with a reason for each way they can be wrong', async (t) => {
  const body = { type: 'submission.accepted', ts: iso(), station: STATION, id: 'sub-1' }
  const cases: Array<[string, Buffer]> = [
    ['unsigned', Buffer.from(JSON.stringify(body))],
    ['malformed', Buffer.from('{ nope')],
    ['unknown-key', encodeSignedEnvelope('notify', body, stranger)],
    ['wrong-purpose', encodeSignedEnvelope('rpc-response', body, privateKey)],
    ['wrong-station', encodeSignedEnvelope('notify', { ...body, station: 'lobby-8' }, privateKey)],
    ['malformed', encodeSignedEnvelope('notify', { ...body, station: undefined }, privateKey)],
    ['stale', encodeSignedEnvelope('notify', { ...body, ts: iso(-301_000) }, privateKey)],
    ['future', encodeSignedEnvelope('notify', { ...body, ts: iso(301_000) }, privateKey)],
    ['malformed', encodeSignedEnvelope('notify', { ...body, ts: 'yesterday' }, privateKey)],
    ['malformed', encodeSignedEnvelope('notify', { ...body, type: '' }, privateKey)],
    ['malformed', encodeSignedEnvelope('notify', ['payment.confirmed'], privateKey)],
    ['too-large', Buffer.alloc(CENTRAL_MAX_BYTES + 1, 0x20)],
  ]
  for (const [reason, payload] of cases) {
    const check = verifier.notify(payload)
    t.equal(check.ok ? 'accepted' : check.reason, reason, reason)
    if (!check.ok) t.ok(check.message.length > 0)
  }
  const tampered = JSON.parse(encodeSignedEnvelope('notify', body, privateKey).toString())
  tampered.body = Buffer.from(JSON.stringify({ ...body, id: 'sub-2' })).toString('base64')
  t.match(verifier.notify(Buffer.from(JSON.stringify(tampered))), { ok: false, reason: 'bad-signature' })
})

t.test('a signed reply is accepted only for the request it names', async (t) => {
  const body = { station: STATION, re: CORRELATION, ts: iso(), reply: { found: true, amount: 452000 } }
  t.strictSame(verifier.rpcResponse(encodeSignedEnvelope('rpc-response', body, privateKey), CORRELATION), {
    ok: true,
    value: { found: true, amount: 452000 },
  })
  t.match(verifier.rpcResponse(encodeSignedEnvelope('rpc-response', body, privateKey), CORRELATION.toUpperCase()), { ok: true })
  const refusals: Array<[string, Buffer]> = [
    ['wrong-request', encodeSignedEnvelope('rpc-response', { ...body, re: 'ffff' }, privateKey)],
    ['malformed', encodeSignedEnvelope('rpc-response', { ...body, re: undefined }, privateKey)],
    ['malformed', encodeSignedEnvelope('rpc-response', { ...body, reply: undefined }, privateKey)],
    ['wrong-station', encodeSignedEnvelope('rpc-response', { ...body, station: 'lobby-8' }, privateKey)],
    ['stale', encodeSignedEnvelope('rpc-response', { ...body, ts: iso(-600_000) }, privateKey)],
    ['wrong-purpose', encodeSignedEnvelope('notify', body, privateKey)],
    ['unsigned', Buffer.from(JSON.stringify(body.reply))],
    ['unknown-key', encodeSignedEnvelope('rpc-response', body, stranger)],
  ]
  for (const [reason, payload] of refusals) {
    const check = verifier.rpcResponse(payload, CORRELATION)
    t.equal(check.ok ? 'accepted' : check.reason, reason, reason)
  }
})
