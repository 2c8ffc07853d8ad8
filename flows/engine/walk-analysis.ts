/**
 * What `station flows test` reads from a flow once, before it walks it (docs/flows.md, "How
 * `station flows test` walks"): the branch steps, the names whose values change what follows, the
 * values worth trying for each `{{reference}}` the conditions compare, and how far each step is from
 * an end. Nothing here is about a session: what a value does is asked of the machine itself
 * (walk-values.ts).
 */
import type { Condition, Operand } from './conditions.js'
import { edges } from './flow-graph-render.js'
import type { BranchStep, ChooseStep, FlowDefinition } from './flow-types.js'
import { templateReferences, variableNeed } from './template.js'

export interface Analysis {
  branches: BranchStep[]
  /** Choose steps with options that carry `when`: which of them hold changes what can follow. */
  guardedChooses: ChooseStep[]
  /** Answer and reply names that a branch condition, an option's `when` or a pay_qr value reads: they change what follows. */
  relevant: Set<string>
  /** `{{name.field}}` fields referenced anywhere, by name ('' for `{{name}}`). */
  fields: Map<string, Set<string>>
  /** Values worth trying, by reference as written (`bill.status`). */
  candidates: Map<string, string[]>
  /** Value a reply field gets unless a condition asks otherwise. */
  defaults: Map<string, string>
  /** Transitions to the nearest end step. */
  distance: Map<string, number>
}

/** Reply fields a pay_qr step reads as its bank BIN, account and amount need values VietQR accepts (docs/protocols.md 8). */
const PAY_QR_DEFAULTS = { bin: '970436', account: '0123456789', amount: '150000' } as const
const DECIMAL = /^\s*-?\d+(\.\d+)?\s*$/

export function analyse(flow: FlowDefinition): Analysis {
  const branches = [...flow.steps.values()].filter((step): step is BranchStep => step.kind === 'branch')
  const fields = new Map<string, Set<string>>()
  for (const text of collectStrings([...flow.steps.values()])) {
    for (const reference of templateReferences(text)) {
      const need = variableNeed(reference)
      if (need.kind !== 'set') continue
      const known = fields.get(need.name) ?? new Set<string>()
      known.add(need.field ?? '')
      fields.set(need.name, known)
    }
  }
  const candidates = new Map<string, string[]>()
  const add = (reference: string, value: string): void => {
    const list = candidates.get(reference) ?? []
    if (!list.includes(value)) list.push(value)
    candidates.set(reference, list)
  }
  const relevant = new Set<string>()
  const noteNames = (text: string): void => {
    for (const reference of templateReferences(text)) {
      const need = variableNeed(reference)
      if (need.kind === 'set') relevant.add(need.name)
    }
  }
  // Branch cases and the `when` of choose options: both decide what follows from a value.
  const guardedChooses = [...flow.steps.values()].filter((step): step is ChooseStep => step.kind === 'choose' && step.options.some((option) => option.when !== undefined))
  const conditions = [
    ...branches.flatMap((branch) => branch.cases.map((branchCase) => branchCase.when)),
    ...guardedChooses.flatMap((step) => step.options.flatMap((option) => (option.when === undefined ? [] : [option.when]))),
  ]
  for (const condition of conditions) {
    conditionCandidates(condition, add)
    collectStrings(condition).forEach(noteNames)
  }
  const defaults = new Map<string, string>()
  for (const step of flow.steps.values()) {
    if (step.kind !== 'pay_qr') continue
    for (const key of ['bin', 'account', 'amount'] as const) {
      noteNames(step[key])
      const only = /^\{\{\s*([^{}]*?)\s*\}\}$/.exec(step[key].trim())?.[1]
      if (only !== undefined) defaults.set(only, PAY_QR_DEFAULTS[key])
    }
  }
  return { branches, guardedChooses, relevant, fields, candidates, defaults, distance: distanceToEnd(flow) }
}

/** Values that make each comparison in `condition` both hold and fail, for the references it reads. */
function conditionCandidates(condition: Condition, add: (reference: string, value: string) => void): void {
  const refs = (operand: Operand): string[] => (typeof operand === 'string' ? templateReferences(operand) : [])
  const literal = (operand: Operand): string | undefined => {
    if (operand === null) return ''
    if (typeof operand !== 'string') return String(operand)
    return refs(operand).length === 0 ? operand : undefined
  }
  const other = (value: string): string => (value === '' ? 'x' : `not-${value}`)
  switch (condition.op) {
    case 'literal':
      return
    case 'and':
    case 'or':
      return condition.all.forEach((part) => conditionCandidates(part, add))
    case 'not':
      return conditionCandidates(condition.condition, add)
    case 'in': {
      const needle = literal(condition.needle)
      if (typeof condition.haystack === 'string') {
        const haystack = literal(condition.haystack)
        for (const reference of refs(condition.needle)) [haystack ?? 'x', 'none'].forEach((value) => add(reference, value))
        if (needle !== undefined) for (const reference of refs(condition.haystack)) [needle, ''].forEach((value) => add(reference, value))
        return
      }
      for (const reference of refs(condition.needle)) {
        for (const item of condition.haystack) add(reference, literal(item) ?? 'x')
        add(reference, 'none')
      }
      return
    }
    default:
      for (const [side, opposite] of [[condition.left, condition.right], [condition.right, condition.left]] as const) {
        const value = literal(opposite)
        for (const reference of refs(side)) {
          if (value === undefined) ['1', '2'].forEach((item) => add(reference, item))
          else if (condition.op === '==' || condition.op === '!=') [value, other(value)].forEach((item) => add(reference, item))
          else if (DECIMAL.test(value)) [-1, 0, 1].forEach((delta) => add(reference, String(Number(value) + delta)))
        }
      }
  }
}

/** Every string inside `value` (objects, arrays, maps), in order. */
function collectStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (value instanceof Map) return collectStrings([...value.values()])
  if (Array.isArray(value)) return value.flatMap(collectStrings)
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(collectStrings)
  return []
}

/** Transitions from each step to the nearest end step (absent: no end is reachable). */
function distanceToEnd(flow: FlowDefinition): Map<string, number> {
  const incoming = new Map<string, string[]>()
  for (const edge of edges(flow)) incoming.set(edge.to, [...(incoming.get(edge.to) ?? []), edge.from])
  const distance = new Map<string, number>()
  const queue: string[] = []
  for (const step of flow.steps.values()) {
    if (step.kind === 'end') {
      distance.set(step.id, 0)
      queue.push(step.id)
    }
  }
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const from of incoming.get(id) ?? []) {
      if (distance.has(from)) continue
      distance.set(from, (distance.get(id) ?? 0) + 1)
      queue.push(from)
    }
  }
  return distance
}
