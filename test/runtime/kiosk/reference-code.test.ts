import { randomUUID } from 'node:crypto'
import t from 'tap'
import { referenceDigits, referenceFromId } from '../../../runtime/kiosk/reference-code.js'

/** Twelve digits in three groups of four: all a keypad can type. */
const REFERENCE = /^\d{4}-\d{4}-\d{4}$/

t.test('a reference code is three groups of four digits, so a resident can type it back', async (t) => {
  for (let i = 0; i < 200; i++) t.match(referenceFromId(randomUUID()), REFERENCE)
})

t.test('the same id always gives the same reference code', async (t) => {
  const id = '3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f'
  t.equal(referenceFromId(id), referenceFromId(id))
  t.equal(referenceFromId(id), referenceFromId(id.toUpperCase()), 'hex case does not matter')
})

t.test('the code is the first 40 bits of the id modulo 10^12', async (t) => {
  t.equal(referenceFromId('00000000-0000-4000-8000-000000000000'), '0000-0000-0000')
  // 0xffffffffff = 1099511627775; modulo 10^12 = 099511627775.
  t.equal(referenceFromId('ffffffff-ff00-4000-8000-000000000000'), '0995-1162-7775')
  t.equal(referenceFromId('00000000-2100-4000-8000-000000000000'), '0000-0000-0033')
})

t.test('different ids give different reference codes', async (t) => {
  const codes = new Set<string>()
  const ids = Array.from({ length: 500 }, () => randomUUID())
  for (const id of ids) codes.add(referenceFromId(id))
  t.equal(codes.size, ids.length)
  t.not(referenceFromId('10000000-0000-4000-8000-000000000000'), referenceFromId('20000000-0000-4000-8000-000000000000'))
})

t.test('a reference as typed or printed compares on its digits', async (t) => {
  t.equal(referenceDigits('0995-1162-7775'), '099511627775')
  t.equal(referenceDigits(' 0995 1162 7775 '), '099511627775')
  t.equal(referenceDigits('--'), '')
})
