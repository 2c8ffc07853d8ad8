import t from 'tap'
import { parseFlow } from '../../../flows/engine/flow-validate.js'
import { walkFlow } from '../../../flows/engine/flow-walker.js'
import type { FlowDefinition } from '../../../flows/engine/flow-types.js'

/** Parses a flow written in a test; fails the test when it does not validate. */
function flowOf(yaml: string): FlowDefinition {
  const { flow, diagnostics } = parseFlow(yaml, 'test.yaml')
  if (!flow) throw new Error(`test flow does not validate: ${JSON.stringify(diagnostics)}`)
  return flow
}

const TEXT = '{ vi: "Chữ", en: "Text" }'

/** Every kind of step, with retries, an optional wait_for on_error, a numeric branch on typed input and one on a reply. */
const FULL = `id: full
version: 3
title: { vi: "Đủ", en: "Full" }
start: who
steps:
  who: { kind: scan_id, accept: [cccd_qr], text: ${TEXT}, timeout_s: 30, next: menu, on_timeout: bye }
  menu:
    kind: choose
    save_as: menu
    text: ${TEXT}
    timeout_s: 30
    options:
      - { value: pay, label: ${TEXT}, next: amount }
      - { value: report, label: ${TEXT}, next: amount }
      - { value: quit, label: ${TEXT}, next: bye }
  amount:
    kind: input
    save_as: amount
    mode: digits
    min_length: 1
    max_length: 7
    pattern: "^[1-9][0-9]*$"
    text: ${TEXT}
    timeout_s: 30
    next: size
  size:
    kind: branch
    cases:
      - when: { ">=": ["{{amount}}", 500000] }
        next: big
    otherwise: lookup
  big: { kind: show, text: ${TEXT}, timeout_s: 30, next: lookup, on_timeout: bye }
  lookup:
    kind: request
    method: bill.lookup
    body: { amount: "{{amount.value}}" }
    save_as: bill
    reply: { kind: [water, power, gas], bin: { type: string, pattern: "^[0-9]{6}$", example: "970436" }, account: string, id: string? }
    timeout_s: 5
    retries: 1
    next: check
    on_error: offline
    on_timeout: slow
  check:
    kind: branch
    cases:
      - when: { in: ["{{bill.kind}}", [water, power]] }
        next: pay
      - when: { "==": ["{{menu.value}}", report] }
        next: send
    otherwise: offline
  pay:
    kind: pay_qr
    bin: "{{bill.bin}}"
    account: "{{bill.account}}"
    amount: "{{amount.value}}"
    template: [ { kind: qr, data: "{{payment.qr}}" } ]
    next: paying
    on_error: offline
  paying:
    kind: wait_for
    event: payment.confirmed
    match: { bill: "{{bill.id}}" }
    save_as: paid
    fields: { bill: string, amount: integer? }
    timeout_s: 60
    next: send
    on_timeout: bye
    on_error: offline
  send: { kind: submit, fields: [menu, amount], identity: [id_number], legal_basis: contract, next: slip, on_error: offline }
  slip:
    kind: print
    template: [ { kind: text, text: "{{reference}}" } ]
    next: thanks
    on_error: thanks
  thanks: { kind: end, outcome: completed, text: ${TEXT} }
  bye: { kind: end, outcome: cancelled, text: ${TEXT} }
  offline: { kind: end, outcome: failed, text: ${TEXT} }
  slow: { kind: end, outcome: failed, text: ${TEXT} }
`

t.test('walks every step and every drawn transition of a flow that uses every kind of step', async (t) => {
  const result = await walkFlow(flowOf(FULL))
  t.strictSame(result.failures, [])
  t.strictSame(result.steps, { total: 15, covered: 15, missing: [] })
  t.strictSame(result.transitions.missing, [])
  t.equal(result.transitions.covered, result.transitions.total)
  t.equal(result.transitions.total, 25)
  t.equal(result.truncated, false)
  t.ok(result.paths > 10, `explores many paths (${result.paths})`)
  t.ok(result.paths < 1000, 'but not the product of every choice')
})

t.test('a branch case that no reply can reach is missing, named with its cause', async (t) => {
  const flow = flowOf(FULL.replace(
    '      - when: { "==": ["{{menu.value}}", report] }',
    '      - when: { and: [ { in: ["{{bill.kind}}", [water]] }, { "==": ["{{menu.value}}", report] } ] }',
  ))
  const result = await walkFlow(flow)
  t.strictSame(result.failures, [])
  t.strictSame(result.transitions.missing, ['check -> send (case 2)'], 'case 1 already takes every water bill')
  t.equal(result.transitions.covered, result.transitions.total - 1)
  t.strictSame(result.steps.missing, [], 'send is still reached from paying')
})

t.test('a step nothing leads to is missing, and so are its transitions', async (t) => {
  const flow = flowOf(`id: orphan
version: 1
title: { vi: "Lạc", en: "Lost" }
start: ask
steps:
  ask: { kind: show, text: ${TEXT}, timeout_s: 10, next: done }
  lost: { kind: show, text: ${TEXT}, timeout_s: 10, next: done }
  done: { kind: end, outcome: completed, text: ${TEXT} }
`)
  const result = await walkFlow(flow)
  t.strictSame(result.failures, [])
  t.strictSame(result.steps, { total: 3, covered: 2, missing: ['lost'] })
  t.strictSame(result.transitions, { total: 2, covered: 1, missing: ['lost -> done (next)'] })
})

t.test('options to the same step are each walked, and the same target twice is two transitions', async (t) => {
  const flow = flowOf(`id: menu
version: 1
title: { vi: "Chọn", en: "Pick" }
start: pick
steps:
  pick:
    kind: choose
    text: ${TEXT}
    timeout_s: 10
    options:
      - { value: a, label: ${TEXT}, next: done }
      - { value: b, label: ${TEXT}, next: done }
      - { value: c, label: ${TEXT}, next: done }
    on_timeout: done
  done: { kind: end, outcome: completed, text: ${TEXT} }
`)
  const result = await walkFlow(flow)
  t.strictSame(result.transitions, { total: 4, covered: 4, missing: [] })
  t.equal(result.paths, 5, 'three options, a timeout and back')
})

t.test('an input whose check nothing typed on a keypad passes leaves its next transition missing', async (t) => {
  const flow = flowOf(`id: letters
version: 1
title: { vi: "Chữ", en: "Letters" }
start: code
steps:
  code: { kind: input, save_as: code, mode: text, max_length: 4, pattern: "^[A-Z]+$", text: ${TEXT}, timeout_s: 10, next: done, on_timeout: done }
  done: { kind: end, outcome: completed, text: ${TEXT} }
`)
  const result = await walkFlow(flow)
  t.strictSame(result.failures, [])
  t.strictSame(result.transitions.missing, ['code -> done (next)'])
})

t.test('a path longer than the action bound is a failure that names the path', async (t) => {
  const result = await walkFlow(flowOf(FULL), { maxActionsPerPath: 2 })
  t.ok(result.failures.length > 0)
  t.match(result.failures[0], /^the session did not end within 2 actions \(at step '[a-z_]+'\); path: who: identity \(cccd_qr\) > /)
})

t.test('the path bound stops the walk and says so', async (t) => {
  const result = await walkFlow(flowOf(FULL), { maxPaths: 3 })
  t.equal(result.paths, 3)
  t.equal(result.truncated, true)
  t.ok(result.transitions.covered < result.transitions.total)
})

t.test('a flow with a loop is walked to its ends without counting the loop as a session that never ends', async (t) => {
  const flow = flowOf(`id: loop
version: 1
title: { vi: "Lặp", en: "Loop" }
start: code
steps:
  code: { kind: input, save_as: code, mode: digits, min_length: 1, max_length: 4, text: ${TEXT}, timeout_s: 10, next: check, on_timeout: again }
  check:
    kind: branch
    cases:
      - when: { "==": ["{{code.value}}", "1234"] }
        next: done
    otherwise: again
  again:
    kind: choose
    text: ${TEXT}
    timeout_s: 10
    on_timeout: code
    options:
      - { value: retry, label: ${TEXT}, next: code }
      - { value: stop, label: ${TEXT}, next: quit }
  done: { kind: end, outcome: completed, text: ${TEXT} }
  quit: { kind: end, outcome: cancelled, text: ${TEXT} }
`)
  const result = await walkFlow(flow)
  t.strictSame(result.failures, [])
  t.strictSame(result.transitions.missing, [])
  t.strictSame(result.steps.missing, [])
  t.equal(result.truncated, false)
})

t.test('replies come from the declared shape: typed values, conditional fields, and a malformed reply the session must refuse', async (t) => {
  const flow = flowOf(`id: shaped
version: 1
title: { vi: "Hình", en: "Shape" }
start: ask
steps:
  ask:
    kind: request
    method: a.b
    save_as: r
    reply:
      found: boolean
      status: { type: string, enum: [open, closed], required_when: { found: true } }
      count: { type: integer, min: 1, max: 3, required_when: { found: true } }
    timeout_s: 5
    next: check
    on_error: failed
  check:
    kind: branch
    cases:
      - when: { "==": ["{{r.found}}", false] }
        next: none
      - when: { and: [ { "==": ["{{r.status}}", open] }, { ">": ["{{r.count}}", 2] } ] }
        next: many
      - when: { "==": ["{{r.status}}", open] }
        next: few
    otherwise: closed
  none: { kind: end, outcome: completed, text: ${TEXT} }
  many: { kind: end, outcome: completed, text: ${TEXT} }
  few: { kind: end, outcome: completed, text: ${TEXT} }
  closed: { kind: end, outcome: completed, text: ${TEXT} }
  failed: { kind: end, outcome: failed, text: ${TEXT} }
`)
  const result = await walkFlow(flow)
  t.strictSame(result.failures, [], 'every fitting reply was accepted and the malformed one refused')
  t.strictSame(result.transitions.missing, [])
  t.strictSame(result.steps.missing, [])
})
