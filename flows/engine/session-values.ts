/**
 * How a session's state reads: the value of a `{{reference}}`, filled texts and the screen of the
 * current step. Pure; the machine (session-machine.ts) and `station flows test` (walk-values.ts) both
 * use these, so what a walk predicts is what the session does.
 */
import type { ChooseOption, ChooseStep, LocalizedText, FlowDefinition, FlowValue } from './flow-types.js'
import { MAX_OPTIONS } from './flow-file-schema.js'
import { evaluateCondition } from './conditions.js'
import { maskIdentity } from './identity.js'
import type { SessionState } from './session-state.js'
import type { Screen } from './screen.js'
import { renderScreen } from './render-screen.js'
import { CONSENT_PROMPT } from './consent.js'
import { FLOW_TEXTS } from './station-texts.js'
import { formatCentralText, formatMoney, formatStationDate, formatStationTime } from './resident-format.js'
import { interpolate, variableNeed } from './template.js'

/** The value of `{{reference}}` in the session language; undefined when not (yet) set. */
export function resolveReference(state: SessionState, nowMs: number, reference: string): string | undefined {
  switch (reference) {
    case 'station.id':
      return state.stationId
    case 'station.site':
      return state.site ?? undefined
    case 'station.agency':
      return state.agency ?? undefined
    case 'date':
      return formatStationDate(nowMs)
    case 'time':
      return formatStationTime(nowMs)
    case 'reference':
      return state.reference ?? undefined
    case 'identity.masked':
      return state.identity ? maskIdentity(state.identity) : undefined
  }
  const need = variableNeed(reference)
  if (need.kind !== 'set') return undefined
  // Own names only: an answer named `constructor` must not reach Object.prototype.
  const saved = Object.hasOwn(state.saved, need.name) ? state.saved[need.name] : undefined
  if (!saved) return undefined
  if (saved.kind === 'record') return need.field === undefined ? undefined : scalarText(saved.fields, need.field)
  if (need.field === 'value') return saved.value
  if (need.field !== undefined) return undefined
  if (saved.label) return saved.label[state.language]
  if (saved.value === '' && saved.emptyLabel) return saved.emptyLabel[state.language]
  return saved.value
}

/**
 * Every option of a choose step: as written, or one per item of the reply list its `options_from`
 * names (each label filled in both languages from the item, `{{item.field}}`). An item whose value
 * field is not a text or a number is left out: it could not be saved.
 */
export function chooseOptions(step: ChooseStep, state: SessionState, nowMs: number): ChooseOption[] {
  const from = step.optionsFrom
  if (from === undefined) {
    // A `when` compares raw values, as a branch case does (fillTemplate, not what the screen shows).
    return step.options.filter((option) => option.when === undefined || evaluateCondition(option.when, (template) => fillTemplate(state, nowMs, template)))
  }
  const saved = Object.hasOwn(state.saved, from.record) ? state.saved[from.record] : undefined
  const list = saved?.kind === 'record' && Object.hasOwn(saved.fields, from.field) ? saved.fields[from.field] : undefined
  if (!Array.isArray(list)) return []
  return list.flatMap((item: unknown): ChooseOption[] => {
    if (typeof item !== 'object' || item === null) return []
    const fields = item as Record<string, unknown>
    const value = scalarText(fields, from.value)
    if (value === undefined) return []
    const itemState: SessionState = { ...state, saved: { ...state.saved, item: { kind: 'record', fields, seq: state.seq } } }
    const fill = (language: 'vi' | 'en'): string => interpolate(from.label[language], (reference) => resolveItemReference({ ...itemState, language }, nowMs, reference))
    return [{ value, label: { vi: fill('vi'), en: fill('en') }, next: from.next }]
  })
}

/** The options numbered now: the current group of nine of those offered (a list's items, or the written ones whose `when` holds). */
export function numberedOptions(step: ChooseStep, state: SessionState, nowMs: number): ChooseOption[] {
  const options = chooseOptions(step, state, nowMs)
  return options.slice(state.group * MAX_OPTIONS, (state.group + 1) * MAX_OPTIONS)
}

/** `{{item.field}}` (the list item under `saved.item`, reserved so no answer can take it) or any other reference. */
function resolveItemReference(state: SessionState, nowMs: number, reference: string): string | undefined {
  const [base, field, ...rest] = reference.split('.')
  const item = state.saved['item']
  // A label is read, not sent: central's dates in it read as Vietnam dates (resident-format.ts).
  if (base === 'item' && field !== undefined && rest.length === 0 && item?.kind === 'record') {
    const text = scalarText(item.fields, field)
    return text === undefined ? undefined : formatCentralText(text)
  }
  return displayReference(state, nowMs, reference)
}

/**
 * The value of `{{reference}}` as a resident reads it, on a screen or a receipt: a record's amount in
 * đồng as `1.287.500 đ`, central's ISO dates and moments as `02/12/2026 08:30` in Vietnam time
 * (resident-format.ts); everything else as `resolveReference` gives it. Request bodies, waits and
 * conditions use the raw value (`fillTemplate`).
 */
export function displayReference(state: SessionState, nowMs: number, reference: string): string | undefined {
  const need = variableNeed(reference)
  const saved = need.kind === 'set' && Object.hasOwn(state.saved, need.name) ? state.saved[need.name] : undefined
  if (need.kind === 'set' && need.field !== undefined && saved?.kind === 'record') {
    const value = Object.hasOwn(saved.fields, need.field) ? saved.fields[need.field] : undefined
    if (saved.money?.includes(need.field)) {
      const amount = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : undefined
      if (amount !== undefined && Number.isSafeInteger(amount)) return formatMoney(amount, state.language)
    }
    if (typeof value === 'string') return formatCentralText(value)
  }
  return resolveReference(state, nowMs, reference)
}

/** `template` with its references filled from `state`, raw (for request bodies, waits and conditions). */
export function fillTemplate(state: SessionState, nowMs: number, template: string): string {
  return interpolate(template, (reference) => resolveReference(state, nowMs, reference))
}

/** A text in the session's language, filled as the resident reads it (`displayReference`). */
export function fillText(state: SessionState, nowMs: number, text: LocalizedText): string {
  return interpolate(text[state.language], (reference) => displayReference(state, nowMs, reference))
}

/** Request bodies and wait matches: string values are templates. */
export function fillValues(state: SessionState, nowMs: number, values: Readonly<Record<string, FlowValue>>): Record<string, FlowValue> {
  const filled: Record<string, FlowValue> = {}
  for (const [key, value] of Object.entries(values)) filled[key] = typeof value === 'string' ? fillTemplate(state, nowMs, value) : value
  return filled
}

/** The current step's screen, on the current page. */
export function stepScreen(flow: FlowDefinition, state: SessionState, nowMs: number): Screen {
  const step = state.stepId === null ? undefined : flow.steps.get(state.stepId)
  const text = (localized: LocalizedText): string => fillText(state, nowMs, localized)
  const title = text(flow.shortTitle ?? flow.title)
  const page = state.page === 0 ? {} : { page: state.page }
  if (state.status === 'ended' && state.result && step?.kind !== 'end') {
    const ended = state.result.outcome === 'cancelled' ? FLOW_TEXTS.endedCancelled : state.result.outcome === 'timed_out' ? FLOW_TEXTS.endedTimedOut : FLOW_TEXTS.endedFailed
    return { title, body: text(ended) }
  }
  if (state.leaving) return { title, body: text(FLOW_TEXTS.leaveQuestion), options: [text(FLOW_TEXTS.leaveYes), text(FLOW_TEXTS.leaveNo)] }
  switch (step?.kind) {
    case undefined:
      return { title, body: '' }
    case 'choose':
      return { title, body: text(step.text), options: numberedOptions(step, state, nowMs).map((option) => text(option.label)), ...page }
    case 'input':
      return { title, body: text(step.text), input: state.typed }
    case 'submit':
      return { title, body: text(step.text ?? FLOW_TEXTS.submitting) }
    case 'print':
    case 'pay_qr':
      return { title, body: text(step.text ?? FLOW_TEXTS.printing) }
    case 'request':
      return { title, body: text(step.text ?? FLOW_TEXTS.requesting) }
    case 'wait_for':
      if (state.progress.asking && step.leave !== undefined) return { title, body: text(step.leave.text) }
      return { title, body: text(step.text ?? FLOW_TEXTS.waiting) }
    case 'branch':
      return { title, body: '' }
    case 'consent':
      return { title, body: text(step.text), hint: text(CONSENT_PROMPT), ...page }
    case 'scan_id':
    case 'show':
    case 'end':
      return { title, body: text(step.text), ...page }
  }
}

/** How many pages the current step's screen takes on the session's display (key 0 turns them; ok on a consent reads on). */
export function screenPageCount(flow: FlowDefinition, state: SessionState, nowMs: number): number {
  return renderScreen(stepScreen(flow, { ...state, page: 0 }, nowMs), { ...state.display, page: 0 }).pageCount
}

/** A record's field as text: texts, finite numbers and true/false; anything else (objects, null) is unset. */
function scalarText(fields: Record<string, unknown>, field: string): string | undefined {
  // Own fields only: a reply's {{bill.constructor}} must not reach Object.prototype.
  const value = Object.hasOwn(fields, field) ? fields[field] : undefined
  if (typeof value === 'string') return value
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value)
  return undefined
}
