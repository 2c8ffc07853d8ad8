/**
 * The values `station flows test` types and the replies and events it answers with
 * (docs/flows.md, "How `station flows test` walks"): built from the step's constraints and declared
 * shape (reply-shape.ts) and the values the flow's conditions compare, one per distinct outcome.
 * What a value leads to is asked of the machine: the candidate is handed to `transition` and the
 * state it leaves is read with the session's own value resolution, so the walker has no model of
 * how a session saves or resolves anything.
 */
import type { KeyName } from '../../config/schema.js'
import type { FlowDefinition, FlowValue, InputStep } from './flow-types.js'
import { checkReply, fieldProblem, valueFromText, type FieldShape, type ReplyShape } from './reply-shape.js'
import { branchCase, transition } from './session-machine.js'
import type { SessionEvent, SessionState } from './session-state.js'
import { chooseOptions, fillTemplate } from './session-values.js'
import type { Analysis } from './walk-analysis.js'
import { answerEvent } from './walk-world.js'

/** A session at a decision, to ask what an event would lead to. */
export interface Probe {
  flow: FlowDefinition
  analysis: Analysis
  state: SessionState
  nowMs: number
}

/** Replies, typed values: above this many combinations only one field at a time is varied. */
const MAX_COMBINATIONS = 4096
const DEFAULT_FIELD_VALUE = '1'
/** Texts tried for a string field a condition reads, besides the condition's own values: one usually fits a pattern. */
const GENERIC_TEXTS = ['x', 'other', '1'] as const
/** Stands for "field absent" among a field's values while combining. */
const ABSENT = Symbol('absent')

/**
 * What follows `events` from the probed state, as the machine works it out: where the session is
 * then, and the case every branch of the flow would take on the state it has then. Two candidates
 * with the same outcome cannot lead to different steps later. Which options of a choose step with
 * `when` are offered is part of it: two answers that offer different options lead to different picks.
 */
export function outcomeOf(probe: Probe, events: readonly SessionEvent[]): string {
  const state = afterEvents(probe, events)
  const fill = (template: string): string => fillTemplate(state, probe.nowMs, template)
  const offered = probe.analysis.guardedChooses.map((step) => chooseOptions(step, state, probe.nowMs).map((option) => option.value))
  return JSON.stringify([state.status, state.stepId, probe.analysis.branches.map((branch) => branchCase(branch, fill)), offered])
}

/** The machine's state after `events` from the probed state (the probed state itself is not changed: `transition` is pure). */
function afterEvents(probe: Probe, events: readonly SessionEvent[]): SessionState {
  let state = probe.state
  for (const event of events) state = transition(probe.flow, state, event, probe.nowMs).state
  return state
}

/** The key events that type `value` (digits only: the keypad has nothing else), then `ok`. */
export function typing(value: string): KeyName[] {
  return [...Array.from(value, (digit) => digit as KeyName), 'ok']
}

export function keyEvents(keys: readonly KeyName[]): SessionEvent[] {
  return keys.map((key) => ({ kind: 'key', key }))
}

/**
 * Typed values to try: one the step takes per distinct outcome, and one it refuses. Whether the step
 * takes a value is the machine's to say (it saves it); the walker only picks what to type.
 */
export function inputValues(step: InputStep, probe: Probe): { valid: string[]; invalid?: string } {
  const candidates = probe.analysis.candidates
  const wanted = [...(candidates.get(step.saveAs) ?? []), ...(candidates.get(`${step.saveAs}.value`) ?? [])]
  const generated: string[] = []
  for (let length = 0; length <= step.maxLength; length++) {
    const cycle = (digits: string): string => digits.repeat(Math.ceil(length / digits.length) + 1).slice(0, length)
    generated.push(cycle('0123456789'), cycle('1234567890'), cycle('0'), cycle('1'), cycle('9'), `0${cycle('9')}`.slice(0, length))
  }
  const typeable = unique([...wanted, ...generated]).filter((value) => /^\d*$/.test(value) && Array.from(value).length <= step.maxLength)
  const accepted = (value: string): boolean => {
    const after = afterEvents(probe, keyEvents(typing(value)))
    const saved = Object.hasOwn(after.saved, step.saveAs) ? after.saved[step.saveAs] : undefined
    return saved !== undefined && saved.seq >= probe.state.seq
  }
  const valid = distinctOutcomes(probe, typeable.filter(accepted), (value) => keyEvents(typing(value)))
  const invalid = typeable.find((value) => !accepted(value))
  return invalid === undefined ? { valid } : { valid, invalid }
}

/**
 * Replies (or event fields) that fit `shape`, one per distinct outcome, for the call the probed
 * state waits on: built from the values the conditions name for `name`'s fields (typed as the
 * shape declares, and only those it allows), with `matched` (what a wait_for's event must carry) laid over.
 */
export function replies(probe: Probe, name: string | undefined, shape: ReplyShape | undefined, matched: Record<string, unknown>): Array<Record<string, unknown>> {
  const call = probe.state.call
  if (call === null) return []
  const choices = name === undefined ? [] : shape === undefined ? untypedChoices(probe.analysis, name) : typedChoices(probe.analysis, name, shape)
  const fitting = combine(choices)
    .map((combination) => ({ ...Object.fromEntries(Object.entries(combination).filter(([, value]) => value !== ABSENT)), ...matched }))
    .filter((reply) => shape === undefined || checkReply(shape, reply).ok)
  return distinctOutcomes(probe, fitting, (reply) => [answerEvent(call, reply)])
}

/** `reply` with its first required field (else its first) of the wrong type; a list when the shape has no field. */
export function malformed(shape: ReplyShape, reply: Record<string, unknown>): unknown {
  const entries = [...shape]
  const [field, spec] = entries.find(([, candidate]) => !candidate.optional) ?? entries[0] ?? []
  if (field === undefined || spec === undefined) return ['not', 'an', 'object']
  // The text "true" for a boolean is the classic: it must not count as found.
  const wrong = spec.type === 'string' ? 12345 : spec.type === 'boolean' ? 'true' : '1'
  return { ...reply, [field]: wrong }
}

/** `match` as the session filled it, each value typed as the shape declares its field (a text otherwise). */
export function typedMatch(match: Readonly<Record<string, FlowValue>>, shape: ReplyShape | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(match).map(([key, value]) => {
      const text = String(value)
      const spec = shape?.get(key)
      const typed = spec === undefined ? text : valueFromText(spec, text)
      return [key, typed ?? text]
    }),
  )
}

type Choice = { field: string; values: unknown[] }

/** Each declared field with its values to try: only what a condition reads is varied, the others keep their default. */
function typedChoices(analysis: Analysis, name: string, shape: ReplyShape): Choice[] {
  return [...shape].map(([field, spec]) => ({ field, values: fieldValues(analysis, `${name}.${field}`, spec, analysis.candidates.has(`${name}.${field}`)) }))
}

/** A name saved without a declared shape: the fields the flow references, as text values the conditions name. */
function untypedChoices(analysis: Analysis, name: string): Choice[] {
  const fields = [...(analysis.fields.get(name) ?? [])].filter((field) => field !== '' && field !== 'value').sort()
  return fields.map((field) => {
    const reference = `${name}.${field}`
    return { field, values: unique([analysis.defaults.get(reference) ?? DEFAULT_FIELD_VALUE, ...(analysis.candidates.get(reference) ?? [])]) }
  })
}

/** Every combination of the choices' values; above MAX_COMBINATIONS, the first values with one field varied at a time. */
function combine(choices: readonly Choice[]): Array<Record<string, unknown>> {
  const base = Object.fromEntries(choices.map(({ field, values }) => [field, values[0]]))
  let combinations: Array<Record<string, unknown>> = [base]
  const product = choices.reduce((total, choice) => total * choice.values.length, 1)
  if (product <= MAX_COMBINATIONS) {
    for (const { field, values } of choices) {
      combinations = combinations.flatMap((partial) => values.map((value) => ({ ...partial, [field]: value })))
    }
  } else {
    for (const { field, values } of choices) for (const value of values.slice(1)) combinations.push({ ...base, [field]: value })
  }
  return combinations
}

/**
 * Values worth trying for one declared field, the default first: what a pay_qr needs, the shape's
 * example, or a plain fitting value; then, for a field a condition reads, what its conditions compare
 * it with, a few generic texts, and absence when the shape allows it. Only values that fit.
 */
function fieldValues(analysis: Analysis, reference: string, spec: FieldShape, read: boolean): unknown[] {
  if (spec.type === 'list') {
    // One item built from the items' shape, and the empty list (a choose's on_empty).
    const item = Object.fromEntries([...spec.items].map(([field, itemSpec]) => [field, fieldValues(analysis, `${reference}.${field}`, itemSpec, false)[0]]).filter(([, value]) => value !== ABSENT))
    return [[item], []].filter((value) => fieldProblem(spec, value) === undefined)
  }
  const fits = (value: unknown): boolean => value !== undefined && fieldProblem(spec, value) === undefined
  const typed = (text: string | undefined): unknown => (text === undefined ? undefined : valueFromText(spec, text))
  const plain = ((): unknown => {
    switch (spec.type) {
      case 'boolean':
        return true
      case 'integer':
      case 'number':
        return Math.min(Math.max(1, spec.min ?? 1), spec.max ?? Number.MAX_SAFE_INTEGER)
      case 'string':
        return spec.enum?.[0] ?? [DEFAULT_FIELD_VALUE, ...GENERIC_TEXTS].find((text) => fits(text))
    }
  })()
  const example = spec.type === 'string' ? spec.example : undefined
  const defaults = [typed(analysis.defaults.get(reference)), example, plain].filter(fits)
  const values: unknown[] = defaults.slice(0, 1)
  if (read) {
    const texts = [...(analysis.candidates.get(reference) ?? []), ...(spec.type === 'string' ? GENERIC_TEXTS : []), ...(spec.type === 'boolean' ? ['true', 'false'] : [])]
    for (const value of [...texts.map(typed), ...(spec.type === 'string' ? (spec.enum ?? []) : [])]) if (fits(value) && !values.includes(value)) values.push(value)
    if (spec.optional) values.push(ABSENT)
  }
  return values.length === 0 ? [ABSENT] : values
}

/** The candidates, in order, keeping only the first of those whose events lead to the same outcome. */
function distinctOutcomes<T>(probe: Probe, candidates: readonly T[], events: (candidate: T) => SessionEvent[]): T[] {
  const seen = new Set<string>()
  return candidates.filter((candidate) => {
    const outcome = outcomeOf(probe, events(candidate))
    if (seen.has(outcome)) return false
    seen.add(outcome)
    return true
  })
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)]
}
