import t from 'tap'
import { CONDITION_OPERATORS, conditionTexts, evaluateCondition, parseCondition, type Condition } from '../../../flows/engine/conditions.js'
import { interpolate } from '../../../flows/engine/template.js'

/** Variables the table's templates read. */
const VALUES: Record<string, string> = {
  'bill.status': 'unpaid',
  'bill.amount': '185000',
  'bill.zero': '0',
  'bill.kind': 'water',
  'bill.paid': 'true',
  'bill.note': 'late fee applied',
}
const fill = (template: string): string => interpolate(template, (reference) => VALUES[reference])

function holds(raw: unknown): boolean {
  const { condition, problems } = parseCondition(raw)
  if (!condition) throw new Error(`refused: ${JSON.stringify(problems)}`)
  return evaluateCondition(condition, fill)
}

t.test('evaluates every operator by the documented rules', async (t) => {
  const table: Array<[unknown, boolean]> = [
    [true, true],
    [false, false],
    [{ '==': ['{{bill.status}}', 'unpaid'] }, true],
    [{ '==': ['{{bill.status}}', 'paid'] }, false],
    [{ '!=': ['{{bill.status}}', 'paid'] }, true],
    [{ '==': ['{{bill.amount}}', 185000] }, true],
    [{ '==': ['{{bill.paid}}', true] }, true],
    [{ '==': ['{{bill.missing}}', ''] }, true],
    [{ '==': ['{{bill.missing}}', null] }, true],
    [{ '>': ['{{bill.amount}}', 100000] }, true],
    [{ '>=': ['{{bill.amount}}', '185000'] }, true],
    [{ '<': ['{{bill.amount}}', 185000] }, false],
    [{ '<=': ['{{bill.amount}}', 185000.0] }, true],
    [{ '<': [-1.5, '{{bill.zero}}'] }, true],
    [{ '>': ['{{bill.status}}', 0] }, false],
    [{ '<=': ['{{bill.status}}', 0] }, false],
    [{ '>': ['{{bill.missing}}', -1] }, false],
    [{ '<': [' 12 ', 13] }, true],
    [{ in: ['{{bill.kind}}', ['water', 'power']] }, true],
    [{ in: ['{{bill.kind}}', ['gas', 'power']] }, false],
    [{ in: ['{{bill.zero}}', [0, 1]] }, true],
    [{ in: ['fee', '{{bill.note}}'] }, true],
    [{ in: ['{{bill.missing}}', '{{bill.note}}'] }, false],
    [{ and: [{ '==': ['{{bill.status}}', 'unpaid'] }, { '>': ['{{bill.amount}}', 0] }] }, true],
    [{ and: [{ '==': ['{{bill.status}}', 'unpaid'] }, { '>': ['{{bill.zero}}', 0] }] }, false],
    [{ or: [{ '==': ['{{bill.status}}', 'paid'] }, { '>': ['{{bill.amount}}', 0] }] }, true],
    [{ or: [false, { '==': ['{{bill.status}}', 'paid'] }] }, false],
    [{ not: { '==': ['{{bill.status}}', 'paid'] } }, true],
    [{ not: [true] }, false],
    [{ not: { not: { in: ['{{bill.kind}}', ['water']] } } }, true],
  ]
  for (const [raw, expected] of table) t.equal(holds(raw), expected, JSON.stringify(raw))
})

t.test('refuses unknown operators and malformed conditions, saying where', async (t) => {
  const table: Array<[unknown, Array<string | number>, RegExp]> = [
    [{ like: ['a', 'b'] }, [], /unknown operator 'like'/],
    [{ '===': ['a', 'b'] }, [], /unknown operator '==='/],
    [{ var: 'bill.status' }, [], /unknown operator 'var'/],
    [{ eval: 'process.exit(1)' }, [], /unknown operator 'eval'/],
    [{ and: [true, { constructor: [1] }] }, ['and', 1], /unknown operator 'constructor'/],
    [{}, [], /exactly one operator \(got none\)/],
    [{ '==': [1, 1], '!=': [1, 2] }, [], /exactly one operator/],
    [{ '==': [1] }, ['=='], /takes two values \(got 1\)/],
    [{ '<': 5 }, ['<'], /takes a list/],
    [{ '==': [{ '==': [1, 1] }, true] }, ['==', 0], /cannot be nested as values/],
    [{ '==': [[1], 1] }, ['==', 0], /cannot be nested/],
    [{ and: [] }, ['and'], /at least one condition/],
    [{ or: [true, 'yes'] }, ['or', 1], /expected a condition/],
    [{ not: [true, false] }, ['not'], /takes one condition \(got 2\)/],
    [{ in: ['a', 5] }, ['in', 1], /a list of values or in a text/],
    [{ in: ['a', ['b', {}]] }, ['in', 1, 1], /cannot be nested/],
    ['always', [], /expected a condition/],
    [null, [], /expected a condition/],
    [[{ '==': [1, 1] }], [], /got a list/],
  ]
  for (const [raw, path, message] of table) {
    const result = parseCondition(raw)
    t.equal(result.condition, undefined, JSON.stringify(raw))
    t.strictSame(result.problems[0]?.path, path, `${JSON.stringify(raw)} path`)
    t.match(result.problems[0]?.message, message, `${JSON.stringify(raw)} message`)
  }
})

t.test('refuses conditions nested too deep', async (t) => {
  let raw: unknown = true
  for (let depth = 0; depth < 9; depth++) raw = { not: raw }
  t.match(parseCondition(raw).problems[0]?.message, /at most 8 deep/)
  let shallow: unknown = true
  for (let depth = 0; depth < 8; depth++) shallow = { not: shallow }
  t.strictSame(parseCondition(shallow).problems, [])
})

t.test('reports every problem of a condition, not only the first', async (t) => {
  const { problems } = parseCondition({ and: [{ like: [1, 2] }, { '==': [1] }, { or: [] }] })
  t.strictSame(problems.map((problem) => problem.path), [['and', 0], ['and', 1, '=='], ['and', 2, 'or']])
})

t.test('templates are data: a value that looks like code is compared as text and never run', async (t) => {
  let touched = false
  const globals = globalThis as { touched?: () => void }
  globals.touched = () => {
    touched = true
  }
  t.teardown(() => {
    delete globals.touched
  })
  t.equal(holds({ '==': ['globalThis.touched()', 'globalThis.touched()'] }), true)
  t.equal(holds({ '>': ['1e3', 10] }), false, 'exponent notation is not a decimal number here')
  t.equal(touched, false)
})

t.test('lists the text operands for the variable check, in order', async (t) => {
  const { condition } = parseCondition({
    and: [{ '==': ['{{a.x}}', 1] }, { not: { in: ['{{b.y}}', ['k', '{{c.z}}', 2]] } }, { in: [3, '{{d.w}}'] }, true],
  })
  t.strictSame(conditionTexts(condition as Condition), ['{{a.x}}', '{{b.y}}', 'k', '{{c.z}}', '{{d.w}}'])
})

t.test('the operator list is the one documented', async (t) => {
  t.strictSame([...CONDITION_OPERATORS], ['==', '!=', '<', '<=', '>', '>=', 'and', 'or', 'not', 'in'])
})
