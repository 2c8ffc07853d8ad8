/**
 * The candidates `station flows test` tries (flows/engine/walk-values.ts) are judged by the session
 * machine itself: a typed value is valid when the machine takes it, and candidates are kept one per
 * outcome the machine reaches.
 */
import t from 'tap'
import { parseFlow } from '../../../flows/engine/flow-validate.js'
import type { FlowDefinition, InputStep } from '../../../flows/engine/flow-types.js'
import { transition } from '../../../flows/engine/session-machine.js'
import { initialState, type SessionEvent, type SessionState } from '../../../flows/engine/session-state.js'
import { analyse } from '../../../flows/engine/walk-analysis.js'
import { inputValues, keyEvents, malformed, replies, typing, type Probe } from '../../../flows/engine/walk-values.js'

const TEXT = '{ vi: "Chữ", en: "Text" }'
const NOW_MS = Date.UTC(2026, 0, 1)

function flowOf(yaml: string): FlowDefinition {
  const { flow, diagnostics } = parseFlow(yaml, 'test.yaml')
  if (!flow) throw new Error(`test flow does not validate: ${JSON.stringify(diagnostics)}`)
  return flow
}

function after(flow: FlowDefinition, state: SessionState, events: readonly SessionEvent[]): { state: SessionState; events: string[] } {
  const seen: string[] = []
  for (const event of events) {
    const result = transition(flow, state, event, NOW_MS)
    state = result.state
    for (const effect of result.effects) if (effect.kind === 'event') seen.push(`${effect.type}:${String(effect.fields['code'] ?? '')}`)
  }
  return { state, events: seen }
}

function started(flow: FlowDefinition): Probe {
  const { state } = after(flow, initialState({ language: 'vi' }), [{ kind: 'start' }])
  return { flow, analysis: analyse(flow), state, nowMs: NOW_MS }
}

t.test('typed values: one the machine takes per branch outcome, and one it refuses', async (t) => {
  const flow = flowOf(`id: amount
version: 1
title: { vi: "Số", en: "Amount" }
start: amount
steps:
  amount: { kind: input, save_as: amount, mode: digits, min_length: 2, max_length: 6, pattern: "^[1-9]", text: ${TEXT}, timeout_s: 10, next: check, on_timeout: small }
  check:
    kind: branch
    cases:
      - when: { ">=": ["{{amount.value}}", 500000] }
        next: big
    otherwise: small
  big: { kind: end, outcome: completed, text: ${TEXT} }
  small: { kind: end, outcome: completed, text: ${TEXT} }
`)
  const probe = started(flow)
  const step = flow.steps.get('amount') as InputStep
  const { valid, invalid } = inputValues(step, probe)
  const ends = valid.map((value) => after(flow, probe.state, keyEvents(typing(value))).state.result?.stepId)
  t.strictSame([...ends].sort(), ['big', 'small'], `one value per outcome (${valid.join(', ')})`)
  t.ok(valid.every((value) => /^[1-9]/.test(value)), 'no value the pattern refuses (such as 012345) counts as valid')
  t.ok(invalid !== undefined, 'a value the step refuses is found')
  const refused = after(flow, probe.state, keyEvents(typing(invalid ?? '')))
  t.equal(refused.state.stepId, 'amount', `the machine keeps the resident at the step after '${invalid}'`)
  t.notOk(Object.hasOwn(refused.state.saved, 'amount'), 'and saves nothing')
})

t.test('replies: one per outcome, fitting the declared shape; the malformed one is refused by the machine', async (t) => {
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
    timeout_s: 5
    next: check
    on_error: failed
  check:
    kind: branch
    cases:
      - when: { "==": ["{{r.found}}", false] }
        next: none
      - when: { "==": ["{{r.status}}", open] }
        next: open
    otherwise: closed
  none: { kind: end, outcome: completed, text: ${TEXT} }
  open: { kind: end, outcome: completed, text: ${TEXT} }
  closed: { kind: end, outcome: completed, text: ${TEXT} }
  failed: { kind: end, outcome: failed, text: ${TEXT} }
`)
  const probe = started(flow)
  const call = probe.state.call
  t.equal(call?.effect, 'request', 'the machine waits on the request')
  if (call?.effect !== 'request') return
  const step = flow.steps.get('ask')
  if (step?.kind !== 'request') throw new Error('ask is a request')
  const fitting = replies(probe, step.saveAs, step.reply, {})
  const answered = (reply: unknown) => after(flow, probe.state, [{ kind: 'replied', call: call.id, reply }])
  t.strictSame(fitting.map((reply) => answered(reply).state.result?.stepId).sort(), ['closed', 'none', 'open'], JSON.stringify(fitting))
  for (const reply of fitting) t.notOk(answered(reply).events.includes('effect.failed:E_REPLY_INVALID'), `${JSON.stringify(reply)} is accepted`)
  const bad = answered(malformed(step.reply, fitting[0] ?? {}))
  t.ok(bad.events.includes('effect.failed:E_REPLY_INVALID'), 'the malformed reply is refused')
  t.equal(bad.state.result?.stepId, 'failed', 'and takes the failure path')
})
