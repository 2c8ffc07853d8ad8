import { randomUUID } from 'node:crypto'
import t from 'tap'
import { referenceFromId } from '../../../runtime/kiosk/reference-code.js'

/** Crockford base32: digits and capitals without I, L, O, U; two groups of four. */
const REFERENCE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/

t.test('a reference code is two groups of four Crockford base32 characters', async (t) => {
  for (let i = 0; i < 200; i++) {
    const code = referenceFromId(randomUUID())
    t.match(code, REFERENCE)
    t.notMatch(code, /[ILOU]/, 'no letters that read like digits')
  }
})

t.test('the same id always gives the same reference code', async (t) => {
  const id = '3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f'
  t.equal(referenceFromId(id), referenceFromId(id))
  t.equal(referenceFromId(id), referenceFromId(id.toUpperCase()), 'hex case does not matter')
})

t.test('the code encodes the first 40 bits of the id', async (t) => {
  // 0x0000000000 -> all zeros; 0xffffffffff -> all 31s ('Z'); 0x0000000021 -> ...0011 (33 = 1*32 + 1).
  t.equal(referenceFromId('00000000-0000-4000-8000-000000000000'), '0000-0000')
  t.equal(referenceFromId('ffffffff-ff00-4000-8000-000000000000'), 'ZZZZ-ZZZZ')
  t.equal(referenceFromId('00000000-2100-4000-8000-000000000000'), '0000-0011')
})

t.test('different ids give different reference codes', async (t) => {
  const codes = new Set<string>()
  const ids = Array.from({ length: 500 }, () => randomUUID())
  for (const id of ids) codes.add(referenceFromId(id))
  // 40 random bits: a collision among 500 ids has odds of about 1 in 10^7.
  t.equal(codes.size, ids.length)
  t.not(referenceFromId('10000000-0000-4000-8000-000000000000'), referenceFromId('20000000-0000-4000-8000-000000000000'))
})
