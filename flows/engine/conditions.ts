/**
 * Conditions of `branch` steps: a small language written as data, in the manner of JSON Logic, read
 * once when the flow is validated and then interpreted. Nothing is ever evaluated as code: an operator
 * not listed here is refused when the flow is read, and values are only compared, never called. Pure.
 *
 * ```yaml
 * when: { "==": ["{{bill.status}}", unpaid] }                    # ==, != compare as text
 * when: { ">=": ["{{bill.amount}}", 1000000] }                   # <, <=, >, >= compare numbers
 * when: { and: [ { "!=": ["{{bill.id}}", ""] }, { not: { in: ["{{bill.kind}}", [water, power]] } } ] }
 * when: { in: ["{{topic.value}}", "theft drugs"] }               # in a list, or a part of a text
 * when: true                                                     # always (e.g. while drafting)
 * ```
 *
 * Values (operands) are literals: text, numbers, true/false, null. Texts are templates: `{{…}}` is
 * filled in first (an unset variable becomes ''). Rules, chosen so that a surprise is never an error
 * at a kiosk:
 * - `==` / `!=` compare the values as text: `150000` equals `"150000"`, `true` equals `"true"`, null is ''.
 * - `<`, `<=`, `>`, `>=` read both values as decimal numbers ("-12.5"; surrounding spaces ignored); when
 *   either is not a number (an empty or missing field included) the comparison is false.
 * - `in: [value, [a, b, …]]` holds when the value equals (as text) one of the list's values;
 *   `in: [value, "text"]` when the value is a non-empty part of the text.
 * - `and` / `or` take a non-empty list of conditions; `not` one condition (or a list of exactly one).
 */

/** A value in a condition. */
export type Operand = string | number | boolean | null

export type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>='

/** A parsed condition. */
export type Condition =
  | { readonly op: 'literal'; readonly value: boolean }
  | { readonly op: Comparison; readonly left: Operand; readonly right: Operand }
  | { readonly op: 'and' | 'or'; readonly all: readonly Condition[] }
  | { readonly op: 'not'; readonly condition: Condition }
  | { readonly op: 'in'; readonly needle: Operand; readonly haystack: readonly Operand[] | string }

export const CONDITION_OPERATORS = ['==', '!=', '<', '<=', '>', '>=', 'and', 'or', 'not', 'in'] as const

/** One reason a condition was refused, at `path` inside it (keys and list indexes, as written). */
export interface ConditionProblem {
  path: Array<string | number>
  message: string
}

/** Deeper nesting is refused: no real branch needs it, and it bounds the interpreter's recursion. */
const MAX_DEPTH = 8

const COMPARISONS: readonly string[] = ['==', '!=', '<', '<=', '>', '>='] satisfies readonly Comparison[]
const DECIMAL = /^\s*-?\d+(\.\d+)?\s*$/

/**
 * Reads a condition as parsed from YAML or JSON. `condition` is present when there is no problem.
 * Problems name the offending place, so the validator can point at its line.
 */
export function parseCondition(raw: unknown): { condition?: Condition; problems: ConditionProblem[] } {
  const problems: ConditionProblem[] = []
  const condition = read(raw, [], 0, problems)
  return condition && problems.length === 0 ? { condition, problems } : { problems }
}

/** Every text operand of `condition`, in order: the templates the validator checks for variables. */
export function conditionTexts(condition: Condition): string[] {
  const texts = (operands: readonly Operand[]): string[] => operands.filter((operand): operand is string => typeof operand === 'string')
  switch (condition.op) {
    case 'literal':
      return []
    case 'and':
    case 'or':
      return condition.all.flatMap(conditionTexts)
    case 'not':
      return conditionTexts(condition.condition)
    case 'in':
      return texts([condition.needle, ...(typeof condition.haystack === 'string' ? [condition.haystack] : condition.haystack)])
    default:
      return texts([condition.left, condition.right])
  }
}

/** Whether `condition` holds; `fill` interpolates a text operand's `{{…}}` references. */
export function evaluateCondition(condition: Condition, fill: (template: string) => string): boolean {
  const text = (operand: Operand): string => {
    if (operand === null) return ''
    return typeof operand === 'string' ? fill(operand) : String(operand)
  }
  const number = (operand: Operand): number => {
    if (typeof operand === 'number') return operand
    const value = text(operand)
    return DECIMAL.test(value) ? Number(value) : Number.NaN
  }
  switch (condition.op) {
    case 'literal':
      return condition.value
    case 'and':
      return condition.all.every((part) => evaluateCondition(part, fill))
    case 'or':
      return condition.all.some((part) => evaluateCondition(part, fill))
    case 'not':
      return !evaluateCondition(condition.condition, fill)
    case 'in': {
      const needle = text(condition.needle)
      if (typeof condition.haystack === 'string') return needle !== '' && fill(condition.haystack).includes(needle)
      return condition.haystack.some((item) => text(item) === needle)
    }
    case '==':
      return text(condition.left) === text(condition.right)
    case '!=':
      return text(condition.left) !== text(condition.right)
    default: {
      // NaN compares false with everything, which is the rule for "not a number".
      const left = number(condition.left)
      const right = number(condition.right)
      if (condition.op === '<') return left < right
      if (condition.op === '<=') return left <= right
      if (condition.op === '>') return left > right
      return left >= right
    }
  }
}

function read(raw: unknown, path: Array<string | number>, depth: number, problems: ConditionProblem[]): Condition | undefined {
  const problem = (message: string, at = path): undefined => {
    problems.push({ path: at, message })
    return undefined
  }
  if (typeof raw === 'boolean') return { op: 'literal', value: raw }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return problem(`expected a condition such as { "==": [a, b] } or true/false (got ${describe(raw)})`)
  }
  if (depth >= MAX_DEPTH) return problem(`conditions nest at most ${MAX_DEPTH} deep`)
  const keys = Object.keys(raw)
  const [op] = keys
  if (op === undefined || keys.length !== 1) {
    return problem(`a condition has exactly one operator (got ${keys.length === 0 ? 'none' : keys.map((key) => `'${key}'`).join(', ')})`)
  }
  if (!(CONDITION_OPERATORS as readonly string[]).includes(op)) {
    return problem(`unknown operator '${op}' (allowed: ${CONDITION_OPERATORS.join(' ')})`)
  }
  const args: unknown = (raw as Record<string, unknown>)[op]
  const at = [...path, op]
  if (op === 'not') {
    const single = Array.isArray(args) ? (args.length === 1 ? args[0] : undefined) : args
    if (Array.isArray(args) && args.length !== 1) return problem(`'not' takes one condition (got ${args.length})`, at)
    const condition = read(single, Array.isArray(args) ? [...at, 0] : at, depth + 1, problems)
    return condition && { op: 'not', condition }
  }
  if (!Array.isArray(args)) return problem(`'${op}' takes a list`, at)
  if (op === 'and' || op === 'or') {
    if (args.length === 0) return problem(`'${op}' needs at least one condition`, at)
    const all = args.map((item, index) => read(item, [...at, index], depth + 1, problems))
    return all.every((item): item is Condition => item !== undefined) ? { op, all } : undefined
  }
  if (args.length !== 2) return problem(`'${op}' takes two values (got ${args.length})`, at)
  const left = operand(args[0], [...at, 0], problems)
  if (op === 'in') {
    const list: unknown = args[1]
    if (typeof list === 'string') return left === undefined ? undefined : { op, needle: left, haystack: list }
    if (!Array.isArray(list)) return problem(`'in' looks in a list of values or in a text (got ${describe(list)})`, [...at, 1])
    const items = list.map((item, index) => operand(item, [...at, 1, index], problems))
    if (left === undefined || items.some((item) => item === undefined)) return undefined
    return { op, needle: left, haystack: items as Operand[] }
  }
  const right = operand(args[1], [...at, 1], problems)
  if (left === undefined || right === undefined || !COMPARISONS.includes(op)) return undefined
  return { op: op as Comparison, left, right }
}

function operand(raw: unknown, path: Array<string | number>, problems: ConditionProblem[]): Operand | undefined {
  if (raw === null || typeof raw === 'string' || typeof raw === 'boolean') return raw
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw
  problems.push({ path, message: `a value is a text, a number, true/false or null; operators cannot be nested as values (got ${describe(raw)})` })
  return undefined
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `'${value}'`
  return String(value)
}
