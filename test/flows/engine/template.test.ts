import t from 'tap'
import { interpolate, templateReferences, variableNeed } from '../../../flows/engine/template.js'

t.test('finds references as written, with or without spaces inside the braces', async (t) => {
  t.strictSame(templateReferences('A {{topic}} B {{ phone.value }} {{reference}} {not} {{}}'), ['topic', 'phone.value', 'reference', ''])
})

t.test('fills references and leaves unknown ones empty', async (t) => {
  const values: Record<string, string> = { topic: 'Theft', date: '20/01/2026' }
  t.equal(interpolate('{{topic}} on {{ date }}{{missing}}.', (name) => values[name]), 'Theft on 20/01/2026.')
})

t.test('classifies variables: built-ins, things a step sets, and names that are not variables', async (t) => {
  t.strictSame(variableNeed('station.id'), { kind: 'builtin' })
  t.strictSame(variableNeed('time'), { kind: 'builtin' })
  t.strictSame(variableNeed('reference'), { kind: 'set', name: 'reference' })
  t.strictSame(variableNeed('identity.masked'), { kind: 'set', name: 'identity' })
  t.strictSame(variableNeed('topic'), { kind: 'set', name: 'topic' })
  t.strictSame(variableNeed('topic.value'), { kind: 'set', name: 'topic', field: 'value' })
  t.strictSame(variableNeed('bill.amount'), { kind: 'set', name: 'bill', field: 'amount' }, 'a field: the validator decides whether bill is a reply')
  t.strictSame(variableNeed('payment.qr'), { kind: 'set', name: 'payment', field: 'qr' })
  t.strictSame(variableNeed('payment.amount'), { kind: 'set', name: 'payment', field: 'amount' })
  for (const bad of ['identity.name', 'identity', 'a.b.c', 'Topic', '', 'station.name', 'date.value', 'bill.1st', 'payment', 'payment.bin', 'flow.id']) {
    t.equal(variableNeed(bad).kind, 'invalid', bad)
  }
})
