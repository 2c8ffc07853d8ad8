/**
 * Options offered only while their `when` holds (docs/flows.md, "Options that depend on an earlier
 * answer"): what `flows check` refuses, the numbering of what is offered, the saved value, and the
 * walker's coverage of every written option.
 */
import t from 'tap'
import { walkFlow } from '../../../flows/engine/flow-walker.js'
import { parseFlow } from '../../../flows/engine/flow-validate.js'
import { FlowSession, type FlowResult } from '../../../flows/engine/flow-session.js'
import type { FlowDefinition } from '../../../flows/engine/flow-types.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { RecordingEffects } from '../../support/recording-effects.js'

const FLOW = `id: pick-detail
version: 1
title: { vi: "Chọn", en: "Pick" }
start: kind
steps:
  kind:
    kind: choose
    save_as: kind
    text: { vi: "Loại", en: "Kind" }
    timeout_s: 60
    options:
      - { value: fruit, label: { vi: "Quả", en: "Fruit" }, next: detail }
      - { value: tool, label: { vi: "Dụng cụ", en: "Tool" }, next: detail }
  detail:
    kind: choose
    save_as: detail
    text: { vi: "Cái nào", en: "Which" }
    timeout_s: 60
    options:
      - { value: apple, label: { vi: "Táo", en: "Apple" }, next: done, when: { "==": ["{{kind.value}}", fruit] } }
      - { value: hammer, label: { vi: "Búa", en: "Hammer" }, next: done, when: { "==": ["{{kind.value}}", tool] } }
      - { value: pear, label: { vi: "Lê", en: "Pear" }, next: done, when: { "==": ["{{kind.value}}", fruit] } }
      - { value: saw, label: { vi: "Cưa", en: "Saw" }, next: done, when: { "==": ["{{kind.value}}", tool] } }
      - { value: else, label: { vi: "Khác", en: "Else" }, next: done }
  done:
    kind: end
    outcome: completed
    text: { vi: "{{detail}}", en: "{{detail}} ({{detail.value}})" }
`

function load(yaml: string = FLOW): FlowDefinition {
  const { flow, diagnostics } = parseFlow(yaml, 'pick-detail.yaml')
  if (!flow) throw new Error(JSON.stringify(diagnostics))
  return flow
}

const problems = (yaml: string): string[] => parseFlow(yaml, 'pick-detail.yaml').diagnostics.map((d) => `${d.code}: ${d.message}`)

function session(language: 'vi' | 'en') {
  const effects = new RecordingEffects('1234abcd')
  const s = new FlowSession({ flow: load(), language, effects, clock: new SimClock(Date.UTC(2026, 0, 20, 7, 5)) })
  const results: FlowResult[] = []
  s.onEnd((result) => results.push(result))
  return { s, effects, results }
}

t.test('flows check refuses a malformed when, a when that reads an answer not given yet, and a step whose every option has one', async (t) => {
  t.strictSame(problems(FLOW), [])
  t.match(problems(FLOW.replace('when: { "==": ["{{kind.value}}", fruit] } }', 'when: { "~": [1, 2] } }')), [/^FLOW_BAD_CONDITION: .*detail\.options\[0\]\.when/])
  t.match(problems(FLOW.replace('["{{kind.value}}", tool] } }\n      - { value: pear', '["{{later.value}}", tool] } }\n      - { value: pear')), [/^FLOW_UNDEFINED_VARIABLE: .*\{\{later\.value\}\} is used before any step saves 'later'/])
  const allGuarded = FLOW.replace('      - { value: else, label: { vi: "Khác", en: "Else" }, next: done }\n', '')
  t.match(problems(allGuarded), [/^FLOW_BAD_CONDITION: .*every option has a 'when'; leave at least one without/])
})

t.test('only the options whose when holds are numbered, from 1; the pick saves that option', async (t) => {
  const { s, effects, results } = session('en')
  s.start()
  s.key('2')
  t.strictSame(effects.screen.options, ['Hammer', 'Saw', 'Else'], 'a tool: the fruit are not offered')
  s.key('4')
  t.match(effects.screen.body, /1 to 3/, 'a number past the offered ones is refused with the range')
  s.key('2')
  t.equal(results[0]?.outcome, 'completed')
  t.match(effects.screen.body, /^Saw \(saw\)/)
})

t.test('back to the first question and another answer offers the other options, in Vietnamese too', async (t) => {
  const { s, effects, results } = session('vi')
  s.start()
  s.key('2')
  s.key('back')
  t.strictSame(effects.screen.options, ['Quả', 'Dụng cụ'])
  s.key('1')
  t.strictSame(effects.screen.options, ['Táo', 'Lê', 'Khác'])
  s.key('2')
  t.equal(results[0]?.outcome, 'completed')
  t.match(effects.screen.body, /^Lê/)
})

t.test('more than nine offered options are numbered nine at a time, key 0 turning to the next ones', async (t) => {
  const many = Array.from({ length: 11 }, (_, i) => `      - { value: o${i}, label: { vi: "M${i}", en: "M${i}" }, next: done }`).join('\n')
  const yaml = FLOW.replace('      - { value: else, label: { vi: "Khác", en: "Else" }, next: done }', many)
  const effects = new RecordingEffects('1234abcd')
  const s = new FlowSession({ flow: load(yaml), language: 'en', effects, clock: new SimClock(0) })
  s.start()
  s.key('1')
  const first = effects.screen.options ?? []
  t.equal(first.length, 9)
  t.strictSame(first.slice(0, 3), ['Apple', 'Pear', 'M0'])
  for (let turns = 0; turns < 10 && effects.screen.options?.[0] === 'Apple'; turns++) s.key('0')
  t.strictSame(effects.screen.options, ['M7', 'M8', 'M9', 'M10'], 'the next nine: the four left')
})

t.test('flows test walks every written option, whichever earlier answer offers it', async (t) => {
  const result = await walkFlow(load())
  t.strictSame(result.failures, [])
  t.strictSame(result.steps.missing, [])
  t.strictSame(result.transitions.missing, [])
  t.ok(result.transitions.total >= 2 + 5, 'every written option of both steps is a transition the walk took')
})
