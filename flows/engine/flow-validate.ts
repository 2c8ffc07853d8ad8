/**
 * Flow validation: reads a flow file (flow-read.ts), then checks what spans steps: targets exist,
 * every step and an end are reachable, every `{{variable}}` is set before it is used (and a reply's
 * field is one its declared shape has, FLOW_UNDECLARED_FIELD), texts fit the
 * display (text-fit.ts) and, when the station says what it can do, the flow needs nothing more
 * (flow-capabilities.ts). A flow with any error is refused whole. `loadFlowsDir` (flow-folder.ts) does this for a folder.
 */
import type { Diagnostic } from './diagnostic.js'
import { checkCapabilities, type FlowCapabilities } from './flow-capabilities.js'
import { consentSentence } from './consent.js'
import { checkConsent, consentScope } from './consent-check.js'
import { readFlow, type DraftFlow, type DraftStep } from './flow-read.js'
import { reachableIds } from './flow-graph.js'
import type { ConsentStep, FlowDefinition, Step } from './flow-types.js'
import type { IdentityField } from './identity-fields.js'
import { templateReferences, variableNeed, type VariableNeed } from './template.js'
import { checkTextFit, DEFAULT_DISPLAY, type DisplaySize } from './text-fit.js'

export type { Diagnostic, DiagnosticCode } from './diagnostic.js'
export type { FlowCapabilities, FlowEffectName } from './flow-capabilities.js'
export type { DisplaySize } from './text-fit.js'

/** What the flow is checked against besides its own consistency. */
export interface ParseFlowOptions {
  /** What the station provides; absent: nothing is refused for want of a capability. */
  capabilities?: FlowCapabilities
  /** The display texts must fit; default 20x4. */
  display?: DisplaySize
}

/**
 * Validates one flow file. `fileName` only labels the diagnostics. `flow` is present when there
 * is no error (warnings allowed). Diagnostics are ordered by line.
 */
export function parseFlow(yamlText: string, fileName: string, options: ParseFlowOptions = {}): { flow?: FlowDefinition; diagnostics: Diagnostic[] } {
  const { draft, diagnostics: found } = readFlow(yamlText, fileName)
  if (draft) {
    found.push(...checkGraph(draft, fileName))
    found.push(...checkConsent(draft, fileName))
    found.push(...checkTextFit(draft, options.display ?? DEFAULT_DISPLAY, fileName))
    if (options.capabilities) found.push(...checkCapabilities(draft, options.capabilities, fileName))
  }
  const diagnostics = withoutRepeats(found).sort((a, b) => a.line - b.line)
  const flow = draft && !diagnostics.some((diagnostic) => diagnostic.severity === 'error') ? definitionOf(draft) : undefined
  return flow ? { flow, diagnostics } : { diagnostics }
}

/** The cross-step checks. */
function checkGraph(draft: DraftFlow, file: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const report = (diagnostic: Omit<Diagnostic, 'file' | 'severity'> & { severity?: Diagnostic['severity'] }): void => {
    diagnostics.push({ severity: 'error', file, ...diagnostic })
  }
  const steps = draft.steps

  for (const step of steps.values()) {
    for (const transition of step.transitions) {
      if (!steps.has(transition.target)) {
        report({ code: 'FLOW_UNKNOWN_TARGET', message: `steps.${step.id}.${transition.field}: no step named '${transition.target}'`, line: transition.line, step: step.id })
      }
    }
  }
  if (!draft.start) return diagnostics
  if (!steps.has(draft.start.target)) {
    report({ code: 'FLOW_UNKNOWN_TARGET', message: `start: no step named '${draft.start.target}'`, line: draft.start.line })
    return diagnostics
  }

  const targetsOf = (id: string): string[] => steps.get(id)?.transitions.map((transition) => transition.target) ?? []
  const reachable = reachableIds([draft.start.target], targetsOf)
  for (const step of steps.values()) {
    if (!reachable.has(step.id)) {
      report({ code: 'FLOW_UNREACHABLE', severity: 'warning', message: `steps.${step.id}: no path from '${draft.start.target}' leads here`, line: step.line, step: step.id })
    }
  }
  if (![...reachable].some((id) => steps.get(id)?.kind === 'end')) {
    report({ code: 'FLOW_NO_END', message: `no end step can be reached from '${draft.start.target}'`, line: draft.start.line })
  }

  for (const text of draft.texts) {
    for (const reference of templateReferences(text.text)) {
      const need = variableNeed(reference)
      if (need.kind === 'builtin') continue
      const why = need.kind === 'invalid' ? need.reason : 'flow titles may use built-ins only'
      report({ code: 'FLOW_UNDEFINED_VARIABLE', message: `{{${reference}}}: ${why}`, line: text.line })
    }
  }
  const setBefore = namesSetBefore(steps, targetsOf)
  const shapeOf = nameShapes(steps)
  const declared = declaredFields(steps)
  for (const step of steps.values()) {
    // An unreachable step has no "before"; it is already reported as unreachable.
    if (!reachable.has(step.id)) continue
    const available = new Set([...(setBefore.get(step.id) ?? []), ...step.provides])
    for (const text of step.texts) {
      for (const reference of templateReferences(text.text)) {
        const need = shapeOf(variableNeed(reference))
        if (need.kind === 'invalid') {
          report({ code: 'FLOW_UNDEFINED_VARIABLE', message: `steps.${step.id}: {{${reference}}}: ${need.reason}`, line: text.line, step: step.id })
        } else if (need.kind === 'set' && !available.has(need.name)) {
          report({ code: 'FLOW_UNDEFINED_VARIABLE', message: `steps.${step.id}: {{${reference}}} ${notSetYet(need.name)}`, line: text.line, step: step.id })
        } else if (need.kind === 'set' && need.field !== undefined && declared.undeclared(need.name, need.field)) {
          report({
            code: 'FLOW_UNDECLARED_FIELD',
            message: `steps.${step.id}: {{${reference}}}: the reply saved as '${need.name}' declares no field '${need.field}' (it has: ${declared.fieldsOf(need.name).join(', ') || 'none'})`,
            line: text.line,
            step: step.id,
          })
        }
      }
    }
    for (const list of step.lists) {
      if (!available.has(list.name)) {
        report({ code: 'FLOW_UNDEFINED_VARIABLE', message: `steps.${step.id}.options_from.list: '${list.name}' ${notSetYet(list.name)}`, line: list.line, step: step.id })
        continue
      }
      const items = declared.itemsOf(list.name, list.field)
      if (items === undefined) {
        report({ code: 'FLOW_UNDECLARED_FIELD', message: `steps.${step.id}.options_from.list: the reply saved as '${list.name}' declares no list '${list.field}' ({ type: list, items: {...} })`, line: list.line, step: step.id })
        continue
      }
      for (const { field, line } of list.itemFields) {
        if (items.includes(field)) continue
        report({ code: 'FLOW_UNDECLARED_FIELD', message: `steps.${step.id}.options_from: the items of '${list.name}.${list.field}' declare no field '${field}' (they have: ${items.join(', ')})`, line, step: step.id })
      }
    }
    for (const need of step.needs) {
      if (!available.has(need.name)) {
        report({ code: 'FLOW_UNDEFINED_VARIABLE', message: `steps.${step.id}: '${need.name}' ${notSetYet(need.name)}`, line: need.line, step: step.id })
      }
    }
  }
  return diagnostics
}

/** A `{ vi, en }` on one line that uses the same variable twice is one problem, not two. */
function withoutRepeats(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>()
  return diagnostics.filter((d) => {
    const key = JSON.stringify([d.code, d.line, d.step ?? null, d.message])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function notSetYet(name: string): string {
  if (name === 'identity') return 'is used before any scan_id step identifies the resident'
  if (name === 'reference') return 'is used before any submit step has set it'
  if (name === 'payment') return 'is used outside a pay_qr step and the steps after it'
  return `is used before any step saves '${name}' (save_as)`
}

/**
 * Refines a variable by what its name holds in this flow: an answer (`{{x}}`, `{{x.value}}`) or a
 * reply (`{{x.field}}` only). A name saved as both is accepted either way; the session resolves
 * whichever was saved last.
 */
function nameShapes(steps: ReadonlyMap<string, DraftStep>): (need: VariableNeed) => VariableNeed {
  const replies = new Set<string>()
  const answers = new Set<string>()
  for (const step of steps.values()) {
    for (const name of step.sets) (step.records.includes(name) ? replies : answers).add(name)
  }
  return (need) => {
    if (need.kind !== 'set' || ['reference', 'identity', 'payment'].includes(need.name)) return need
    const reply = replies.has(need.name)
    const answer = answers.has(need.name)
    if (need.field === undefined && reply && !answer) {
      return { kind: 'invalid', reason: `'${need.name}' is a reply: name one of its fields, {{${need.name}.field}}` }
    }
    if (need.field !== undefined && need.field !== 'value' && answer && !reply) {
      return { kind: 'invalid', reason: `'${need.name}' is an answer: use {{${need.name}}} or {{${need.name}.value}}; only replies have fields` }
    }
    return need
  }
}

/**
 * The fields the declared shapes (`reply`, `fields`) give each reply name. A field is undeclared when
 * the name is only ever a reply and none of its shapes has the field; an answer's `{{x.value}}` is
 * not a reply field.
 */
function declaredFields(steps: ReadonlyMap<string, DraftStep>): {
  undeclared: (name: string, field: string) => boolean
  fieldsOf: (name: string) => string[]
  itemsOf: (name: string, field: string) => string[] | undefined
} {
  const fields = new Map<string, Set<string>>()
  const lists = new Map<string, string[]>()
  const answers = new Set<string>()
  for (const step of steps.values()) {
    for (const shape of step.shapes) fields.set(shape.name, new Set([...(fields.get(shape.name) ?? []), ...shape.fields]))
    for (const shape of step.shapes) for (const [field, items] of Object.entries(shape.lists)) lists.set(`${shape.name}.${field}`, [...(lists.get(`${shape.name}.${field}`) ?? []), ...items])
    for (const name of step.sets) if (!step.records.includes(name)) answers.add(name)
  }
  return {
    undeclared: (name, field) => {
      const known = fields.get(name)
      if (!known || known.has(field)) return false
      return !(answers.has(name) && field === 'value')
    },
    fieldsOf: (name) => [...(fields.get(name) ?? [])],
    itemsOf: (name, field) => lists.get(`${name}.${field}`),
  }
}

/**
 * For each step, the names that some path from a setting step can have set on arrival: a name set
 * by step S is available in every step reachable from S's success transitions (a timeout or an
 * error leaves it unset).
 */
function namesSetBefore(steps: ReadonlyMap<string, DraftStep>, targetsOf: (id: string) => string[]): Map<string, Set<string>> {
  const available = new Map<string, Set<string>>()
  for (const setter of steps.values()) {
    if (setter.sets.length === 0) continue
    const after = setter.transitions.filter((transition) => transition.success).map((transition) => transition.target)
    for (const id of reachableIds(after, targetsOf)) {
      const names = available.get(id) ?? new Set<string>()
      for (const name of setter.sets) names.add(name)
      available.set(id, names)
    }
  }
  return available
}

/** A consent step with what it asks for: the fields of the submits after it, and its sentence made from them unless written. */
function withScope(step: ConsentStep, scope: { fields: IdentityField[]; withAnswers: boolean }): ConsentStep {
  const { ownText } = step
  return { ...step, fields: scope.fields, withAnswers: scope.withAnswers, text: ownText ?? consentSentence(scope.fields, step.recipient, scope.withAnswers) }
}

function definitionOf(draft: DraftFlow): FlowDefinition | undefined {
  const steps = new Map<string, Step>()
  for (const [id, step] of draft.steps) {
    if (!step.step) return undefined
    steps.set(id, step.step.kind === 'consent' ? withScope(step.step, consentScope(draft.steps, id)) : step.step)
  }
  if (draft.id === null || draft.version === null || draft.title === null || draft.start === null) return undefined
  return {
    id: draft.id,
    version: draft.version,
    title: draft.title,
    ...(draft.shortTitle ? { shortTitle: draft.shortTitle } : {}),
    ...(draft.menuOrder === undefined ? {} : { menuOrder: draft.menuOrder }),
    start: draft.start.target,
    steps,
  }
}
