import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import { encodeSignedEnvelope, keyIdOf, openEnvelope, signEnvelope } from '../../../runtime/ops/signed-envelope.js'

const ops = generateKeyPairSync('ed25519')
const other = generateKeyPairSync('ed25519')
const trusted = new Map([[keyIdOf(ops.publicKey), ops.publicKey]])
const MAX = 64 * 1024
const open = (payload: Uint8Array | string, purpose: 'command' | 'config' = 'command') =>
  openEnvelope(typeof payload === 'string' ? Buffer.from(payload) : payload, purpose, trusted, MAX)

t.test('a body signed by a trusted key opens to the same value', async (t) => {
  const body = { station: 'st-1', name: 'ping', args: {}, nonce: 'n1', issuedAt: '2026-12-02T00:00:00.000Z' }
  const opened = open(encodeSignedEnvelope('command', body, ops.privateKey))
  t.same(opened, { ok: true, body, keyId: keyIdOf(ops.publicKey) })
  t.equal(keyIdOf(ops.privateKey), keyIdOf(ops.publicKey), 'a private key and its public half have one id')
})

t.test('refusals carry a reason for every way a payload can be wrong', async (t) => {
  const good = signEnvelope('command', { a: 1 }, ops.privateKey)
  const cases: Array<[string, Uint8Array | string, string]> = [
    ['garbage', Buffer.from([0xff, 0xfe, 0x00]), 'malformed'],
    ['not an object', '[1,2]', 'malformed'],
    ['plain JSON without a signature', '{"station":"st-1","name":"ping"}', 'unsigned'],
    ['another purpose', JSON.stringify(good), 'wrong-purpose'],
    ['unknown key', encodeSignedEnvelope('command', { a: 1 }, other.privateKey), 'unknown-key'],
    ['body changed after signing', JSON.stringify({ ...good, body: Buffer.from('{"a":2}').toString('base64') }), 'bad-signature'],
    ['signature of wrong type', JSON.stringify({ ...good, sig: 42 }), 'malformed'],
    ['version 2', JSON.stringify({ ...good, v: 2 }), 'malformed'],
    ['too large', Buffer.alloc(MAX + 1, 0x20), 'too-large'],
  ]
  for (const [what, payload, reason] of cases) {
    const opened = open(payload, what === 'another purpose' ? 'config' : 'command')
    t.equal(opened.ok, false, what)
    if (!opened.ok) t.equal(opened.reason, reason, what)
  }
})

t.test('a signature over one purpose does not verify under another even with the purpose field rewritten', async (t) => {
  const asCommand = signEnvelope('command', { version: 9 }, ops.privateKey)
  const relabelled = JSON.stringify({ ...asCommand, purpose: 'config' })
  const opened = open(relabelled, 'config')
  t.equal(opened.ok ? 'ok' : opened.reason, 'bad-signature')
})

t.test('signing refuses a key that is not Ed25519', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
  t.throws(() => signEnvelope('command', {}, rsa.privateKey), TypeError)
  t.throws(() => signEnvelope('command', {}, ops.publicKey), TypeError)
})
