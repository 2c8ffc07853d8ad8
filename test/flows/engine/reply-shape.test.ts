import t from 'tap'
import { checkReply, valueFromText, type FieldShape, type ReplyShape } from '../../../flows/engine/reply-shape.js'

const text = (extra: Partial<Extract<FieldShape, { type: 'string' }>> = {}): FieldShape => ({ type: 'string', optional: false, maxLength: 200, ...extra })

const BILL: ReplyShape = new Map<string, FieldShape>([
  ['found', { type: 'boolean', optional: false }],
  ['status', text({ enum: ['paid', 'unpaid'], optional: true, requiredWhen: { field: 'found', value: true } })],
  ['amount', { type: 'integer', optional: true, min: 0, max: 1000, requiredWhen: { field: 'found', value: true } }],
  ['rate', { type: 'number', optional: true, min: -1, max: 1 }],
])

t.test('a reply that fits keeps its declared fields only, in the shape, absent and null optional fields left out', async (t) => {
  t.strictSame(checkReply(BILL, { found: true, status: 'paid', amount: 5, rate: null, extra: 'x' }), { ok: true, fields: { found: true, status: 'paid', amount: 5 } })
  t.strictSame(checkReply(BILL, { found: false }), { ok: true, fields: { found: false } }, 'required_when does not hold: optional')
  t.strictSame(checkReply(BILL, { found: true, status: 'unpaid', amount: 0, rate: -0.5 }), { ok: true, fields: { found: true, status: 'unpaid', amount: 0, rate: -0.5 } })
})

t.test('a reply that does not fit names its first bad field and the problem', async (t) => {
  const cases: Array<[unknown, string, string]> = [
    [null, '', 'not_object'],
    [['found'], '', 'not_object'],
    ['{"found":true}', '', 'not_object'],
    [{}, 'found', 'missing'],
    [{ found: 'true' }, 'found', 'type'],
    [{ found: 1 }, 'found', 'type'],
    [{ found: true, amount: 5 }, 'status', 'missing'],
    [{ found: true, status: { code: 'paid' }, amount: 5 }, 'status', 'type'],
    [{ found: true, status: 'Paid', amount: 5 }, 'status', 'enum'],
    [{ found: true, status: 'paid' }, 'amount', 'missing'],
    [{ found: true, status: 'paid', amount: 1001 }, 'amount', 'range'],
    [{ found: true, status: 'paid', amount: 1.5 }, 'amount', 'type'],
    [{ found: true, status: 'paid', amount: Number.NaN }, 'amount', 'type'],
    [{ found: true, status: 'paid', amount: 2 ** 60 }, 'amount', 'type'],
    [{ found: false, rate: 2 }, 'rate', 'range'],
    [{ found: false, rate: '0.5' }, 'rate', 'type'],
  ]
  for (const [reply, field, problem] of cases) t.strictSame(checkReply(BILL, reply), { ok: false, field, problem }, JSON.stringify(reply))
})

t.test('texts are checked like a resident\'s input: length in characters, no control or bidi characters, then pattern', async (t) => {
  const shape: ReplyShape = new Map([['name', text({ maxLength: 5, pattern: '^[^0-9]*$' })]])
  t.strictSame(checkReply(shape, { name: 'Hương' }), { ok: true, fields: { name: 'Hương' } }, 'five characters, whatever their bytes')
  for (const [name, problem] of [['Hương!', 'length'], ['a\tb', 'characters'], ['a\u0085', 'characters'], ['\u202Eab', 'characters'], ['a\u2028', 'characters'], ['ab1', 'pattern']] as const) {
    t.strictSame(checkReply(shape, { name }), { ok: false, field: 'name', problem }, encodeURIComponent(name))
  }
})

t.test('reads only own fields: nothing inherited, and a field named __proto__ stays a plain field', async (t) => {
  const shape: ReplyShape = new Map([['constructor', text({ optional: true })], ['__proto__', text({ optional: true })]])
  t.strictSame(checkReply(shape, {}), { ok: true, fields: {} })
  const checked = checkReply(shape, JSON.parse('{"__proto__": "x"}'))
  t.ok(checked.ok)
  if (checked.ok) {
    t.ok(Object.hasOwn(checked.fields, '__proto__'))
    t.equal(Object.getPrototypeOf(checked.fields), Object.prototype)
  }
})

t.test('valueFromText gives the typed value a condition compares with', async (t) => {
  t.equal(valueFromText({ type: 'boolean', optional: false }, 'true'), true)
  t.equal(valueFromText({ type: 'boolean', optional: false }, 'not-true'), undefined)
  t.equal(valueFromText({ type: 'integer', optional: false }, '-1'), -1)
  t.equal(valueFromText({ type: 'number', optional: false }, 'x'), undefined)
  t.equal(valueFromText(text(), '0'), '0')
})
