/**
 * How a session's state reads: the value of a `{{reference}}`, filled texts and the screen of the
 * current step. Pure; the machine (session-machine.ts) and `station flows test` (walk-values.ts) both
 * use these, so what a walk predicts is what the session does.
 */
import type { LocalizedText, FlowDefinition, FlowValue } from './flow-types.js'
import { maskIdentity } from './identity.js'
import type { SessionState } from './session-state.js'
import type { Screen } from './screen.js'
import { FLOW_TEXTS } from './station-texts.js'
import { formatStationDate, formatStationTime } from './station-time.js'
import { interpolate, variableNeed } from './template.js'

/** The value of `{{reference}}` in the session language; undefined when not (yet) set. */
export function resolveReference(state: SessionState, nowMs: number, reference: string): string | undefined {
  switch (reference) {
    case 'station.id':
      return state.stationId
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

/** `template` with its references filled from `state`. */
export function fillTemplate(state: SessionState, nowMs: number, template: string): string {
  return interpolate(template, (reference) => resolveReference(state, nowMs, reference))
}

export function fillText(state: SessionState, nowMs: number, text: LocalizedText): string {
  return fillTemplate(state, nowMs, text[state.language])
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
  switch (step?.kind) {
    case undefined:
      return { title, body: '' }
    case 'choose':
      return { title, body: text(step.text), options: step.options.map((option) => text(option.label)), ...page }
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
      return { title, body: text(step.text ?? FLOW_TEXTS.waiting) }
    case 'branch':
      return { title, body: '' }
    case 'scan_id':
    case 'show':
    case 'end':
      return { title, body: text(step.text), ...page }
  }
}

/** A record's field as text: texts, finite numbers and true/false; anything else (objects, null) is unset. */
function scalarText(fields: Record<string, unknown>, field: string): string | undefined {
  // Own fields only: a reply's {{bill.constructor}} must not reach Object.prototype.
  const value = Object.hasOwn(fields, field) ? fields[field] : undefined
  if (typeof value === 'string') return value
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value)
  return undefined
}
