import { randomBytes } from 'node:crypto'
import t from 'tap'
import { openJson, sealJson } from '../../../runtime/crypto/field-cipher.js'

const key = randomBytes(32)
const identity = { citizenId: '079203000001', name: 'Nguyễn Văn An', dob: '2003-08-15' }

t.test('round-trips a JSON value, with and without associated data', async (t) => {
  t.strictSame(openJson(key, sealJson(key, identity)), identity)
  t.strictSame(openJson(key, sealJson(key, identity, 'sub-1'), 'sub-1'), identity)
  t.strictSame(openJson(key, sealJson(key, [1, 'two', null])), [1, 'two', null])
})

t.test('produces v1.<iv>.<tag>.<ciphertext> in base64url with a 12-byte IV and 16-byte tag', async (t) => {
  const sealed = sealJson(key, identity)
  t.match(sealed, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
  const [, iv, tag] = sealed.split('.')
  t.equal(Buffer.from(iv ?? '', 'base64url').length, 12)
  t.equal(Buffer.from(tag ?? '', 'base64url').length, 16)
})

t.test('uses a fresh IV each time and never shows the plaintext', async (t) => {
  const a = sealJson(key, identity)
  const b = sealJson(key, identity)
  t.not(a, b)
  t.notOk(a.includes('079203000001'))
  t.notOk(Buffer.from(a.split('.')[3] ?? '', 'base64url').includes(Buffer.from('079203000001')))
})

t.test('refuses a wrong key with E_OUTBOX_IO and no plaintext in the error', async (t) => {
  const sealed = sealJson(key, identity)
  try {
    openJson(randomBytes(32), sealed)
    t.fail('should throw')
  } catch (error) {
    t.match(error, { code: 'E_OUTBOX_IO' })
    t.notOk(JSON.stringify({ message: (error as Error).message, context: (error as { context: unknown }).context }).includes('0792'))
  }
})

t.test('refuses data moved to another record (different associated data) or with none', async (t) => {
  const sealed = sealJson(key, identity, 'sub-1')
  t.throws(() => openJson(key, sealed, 'sub-2'), { code: 'E_OUTBOX_IO' })
  t.throws(() => openJson(key, sealed), { code: 'E_OUTBOX_IO' })
})

t.test('refuses a tampered ciphertext, IV or tag', async (t) => {
  const parts = sealJson(key, identity).split('.')
  for (const index of [1, 2, 3]) {
    const bytes = Buffer.from(parts[index] ?? '', 'base64url')
    bytes[0] = (bytes[0] ?? 0) ^ 0x01
    const tampered = parts.map((part, i) => (i === index ? bytes.toString('base64url') : part)).join('.')
    t.throws(() => openJson(key, tampered), { code: 'E_OUTBOX_IO' }, `part ${index}`)
  }
})

t.test('refuses malformed sealed strings with E_OUTBOX_IO', async (t) => {
  for (const sealed of ['', 'v1.a.b', 'v2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AA', 'v1.AAAA.AAAAAAAAAAAAAAAAAAAAAA.AA']) {
    t.throws(() => openJson(key, sealed), { code: 'E_OUTBOX_IO' }, JSON.stringify(sealed))
  }
})

t.test('refuses keys that are not 32 bytes and values JSON cannot hold', async (t) => {
  t.throws(() => sealJson(randomBytes(16), identity), TypeError)
  t.throws(() => openJson(randomBytes(31), 'v1.a.b.c'), TypeError)
  t.throws(() => sealJson(key, undefined), TypeError)
})
