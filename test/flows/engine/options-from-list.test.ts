/**
 * A choose step whose options come from a list in central's reply (`options_from`, a `list` field in
 * the reply shape; docs/flows.md "Options from a reply"): the shape check, what `flows check`
 * refuses, the session's paging by nines and its on_empty, and the walker's coverage.
 */
import t from 'tap'
import { walkFlow } from '../../../flows/engine/flow-walker.js'
import { parseFlow } from '../../../flows/engine/flow-validate.js'
import { checkReply, type FieldShape, type ReplyShape } from '../../../flows/engine/reply-shape.js'
import { FlowSession } from '../../../flows/engine/flow-session.js'
import type { FlowDefinition } from '../../../flows/engine/flow-types.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { RecordingEffects } from '../../support/recording-effects.js'

const FLOW = `id: pick-slot
version: 1
title: { vi: "Chọn giờ", en: "Pick a time" }
start: ask
steps:
  ask:
    kind: request
    method: exam.slots
    save_as: slots
    reply:
      facility: { type: string, max_length: 20 }
      slots:
        type: list
        max_items: 30
        items:
          id: { type: string, pattern: "^s[0-9]+$", example: s1 }
          time: string
          doctor: string?
    timeout_s: 10
    next: slot
    on_error: failed
  slot:
    kind: choose
    save_as: slot
    text: { vi: "{{slots.facility}}", en: "{{slots.facility}}" }
    timeout_s: 60
    options_from:
      list: slots.slots
      value: id
      label: { vi: "Lúc {{item.time}}", en: "At {{item.time}}" }
      next: done
    on_empty: none
  done:
    kind: end
    outcome: completed
    text: { vi: "Đã chọn {{slot}}", en: "Picked {{slot}} ({{slot.value}})" }
  none:
    kind: end
    outcome: failed
    text: { vi: "Hết giờ trống", en: "Nothing free" }
  failed:
    kind: end
    outcome: failed
    text: { vi: "Lỗi", en: "Failed" }
`

function load(yaml: string = FLOW): FlowDefinition {
  const { flow, diagnostics } = parseFlow(yaml, 'pick-slot.yaml')
  if (!flow) throw new Error(JSON.stringify(diagnostics))
  return flow
}

function codes(yaml: string): string[] {
  return parseFlow(yaml, 'pick-slot.yaml').diagnostics.map((d) => `${d.code}: ${d.message}`)
}

const ITEMS: ReadonlyMap<string, Extract<FieldShape, { type: 'string' }>> = new Map([
  ['id', { type: 'string', optional: false, maxLength: 10, pattern: '^s[0-9]+$', example: 's1' }],
  ['doctor', { type: 'string', optional: true, maxLength: 20 }],
])
const SHAPE: ReplyShape = new Map<string, FieldShape>([['slots', { type: 'list', optional: false, maxItems: 3, items: ITEMS }]])

t.test('a list field keeps each item cut to its declared fields, and names the item and field that do not fit', async (t) => {
  t.strictSame(checkReply(SHAPE, { slots: [{ id: 's1', extra: 1 }, { id: 's2', doctor: 'BS', note: 'x' }] }), {
    ok: true,
    fields: { slots: [{ id: 's1' }, { id: 's2', doctor: 'BS' }] },
  })
  t.strictSame(checkReply(SHAPE, { slots: [] }), { ok: true, fields: { slots: [] } })
  t.strictSame(checkReply(SHAPE, { slots: 's1' }), { ok: false, field: 'slots', problem: 'type' })
  t.strictSame(checkReply(SHAPE, { slots: [{ id: 's1' }, { id: 's2' }, { id: 's3' }, { id: 's4' }] }), { ok: false, field: 'slots', problem: 'length' }, 'more than max_items')
  t.strictSame(checkReply(SHAPE, { slots: [{ id: 's1' }, { id: 'x' }] }), { ok: false, field: 'slots[1].id', problem: 'pattern' })
  t.strictSame(checkReply(SHAPE, { slots: [{ id: 's1' }, 'x'] }), { ok: false, field: 'slots[1]', problem: 'not_object' })
  t.strictSame(checkReply(SHAPE, { slots: [{ id: 's1', doctor: 'a\nb' }] }), { ok: false, field: 'slots[0].doctor', problem: 'characters' })
})

t.test('flows check refuses a list the reply does not declare, an item field it lacks, and a choose without on_empty', async (t) => {
  t.strictSame(codes(FLOW), [])
  t.match(codes(FLOW.replace('list: slots.slots', 'list: slots.facility')), [/^FLOW_UNDECLARED_FIELD: .*declares no list 'facility'/])
  t.match(codes(FLOW.replace('Lúc {{item.time}}', 'Lúc {{item.room}}')), [/^FLOW_UNDECLARED_FIELD: .*declare no field 'room' \(they have: id, time, doctor\)/])
  t.match(codes(FLOW.replace('value: id', 'value: code')), [/^FLOW_UNDECLARED_FIELD: .*no field 'code'/])
  t.match(codes(FLOW.replace('    on_empty: none\n', '')), [/^FLOW_NO_FAILURE_PATH: .*on_empty/])
  t.match(codes(FLOW.replace('    on_empty: none\n', '    on_empty: none\n    options:\n      - { value: a, label: { vi: "A", en: "A" }, next: done }\n')), [/options or options_from, not both/])
  t.match(codes(FLOW.replace('        max_items: 30\n', '        max_items: 30\n        pattern: x\n')), [/^FLOW_SCHEMA/])
  t.match(codes(FLOW.replace('save_as: slot\n', 'save_as: item\n')), [/reserved/])
})

function session(language: 'vi' | 'en', reply: unknown) {
  const clock = new SimClock(Date.UTC(2026, 0, 20, 7, 5))
  const effects = new RecordingEffects('1234abcd')
  effects.requestWith = async () => reply
  const results: unknown[] = []
  const s = new FlowSession({ flow: load(), language, effects, clock })
  s.onEnd((result) => results.push(result))
  return { s, effects, results }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

t.test('the options are the items, nine numbered at a time; key 0 turns the pages and then the nines', async (t) => {
  const slots = Array.from({ length: 11 }, (_, i) => ({ id: `s${i + 1}`, time: `0${i % 10}:00` }))
  const { s, effects, results } = session('en', { facility: 'Khu A', slots })
  s.start()
  await settle()
  t.equal(effects.screen.body, 'Khu A')
  t.strictSame(effects.screen.options, slots.slice(0, 9).map((slot) => `At ${slot.time}`))
  let turns = 0
  while (effects.screen.options?.length === 9 && turns < 20) {
    s.key('0')
    turns++
  }
  t.ok(turns > 1, 'the nine take more than one page of the display')
  t.strictSame(effects.screen.options, ['At 09:00', 'At 00:00'], 'then the tenth and eleventh, numbered 1 and 2')
  s.key('2')
  await settle()
  t.strictSame(results, [{ outcome: 'completed', stepId: 'done' }])
  t.equal(effects.screen.body, 'Picked At 00:00 (s11)', 'the label is what {{slot}} shows, the value field what is saved')
})

t.test('(vi) an empty list takes on_empty; a key not numbered picks nothing', async (t) => {
  const empty = session('vi', { facility: 'Khu A', slots: [] })
  empty.s.start()
  await settle()
  t.strictSame(empty.results, [{ outcome: 'failed', stepId: 'none' }])
  t.equal(empty.effects.screen.body, 'Hết giờ trống')

  const two = session('vi', { facility: 'Khu A', slots: [{ id: 's1', time: '08:00' }, { id: 's2', time: '09:00' }] })
  two.s.start()
  await settle()
  t.strictSame(two.effects.screen.options, ['Lúc 08:00', 'Lúc 09:00'])
  two.s.key('3')
  t.equal(two.s.currentStepId, 'slot', 'no third option')
  two.s.key('1')
  t.equal(two.effects.screen.body, 'Đã chọn Lúc 08:00')
})

t.test('flows test walks a list choose: the list option and on_empty', async (t) => {
  const result = await walkFlow(load())
  t.strictSame(result.failures, [])
  t.strictSame(result.steps.missing, [])
  t.strictSame(result.transitions.missing, [])
  t.ok(result.transitions.total >= 4, 'list option, on_empty and the request edges')
})
