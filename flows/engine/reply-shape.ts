/**
 * The declared shape of what central sends a flow: a `request` step's `reply`, a `wait_for` step's
 * `fields` (format in flow-types.ts). Central's answers are checked as strictly as a resident's
 * input: a reply that does not fit is a failed request with a reason, never a blank line on screen
 * or a string "true" taken for true. Pure: no I/O, no clock.
 */

/** Field types a shape can declare; `list` only in the full form (`{ type: list, items: {...} }`). */
export type FieldType = 'string' | 'integer' | 'number' | 'boolean'

export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean'] as const satisfies readonly FieldType[]

/** A value another field must have for this one to be required (`required_when: { found: true }`). */
export interface RequiredWhen {
  readonly field: string
  readonly value: string | number | boolean
}

interface FieldCommon {
  /** May be absent (or null, which counts as absent). */
  readonly optional: boolean
  /** Required after all when this other field of the same reply has this value. */
  readonly requiredWhen?: RequiredWhen
}

export interface StringField extends FieldCommon {
  readonly type: 'string'
  /** Longest accepted text, in characters (code points). */
  readonly maxLength: number
  /** Regular expression (Unicode mode) the whole text must match; anchor it. */
  readonly pattern?: string
  /** The only texts accepted. */
  readonly enum?: readonly string[]
  /** A value that fits (required with `pattern`): `station flows test` uses it to build replies. */
  readonly example?: string
}

export interface NumberField extends FieldCommon {
  /** `integer`: a safe whole number; `number`: any finite number. */
  readonly type: 'integer' | 'number'
  readonly min?: number
  readonly max?: number
  /** `vnd`: an amount in đồng, shown as `1.287.500 đ` (resident-format.ts); integers only. */
  readonly unit?: 'vnd'
}

export interface BooleanField extends FieldCommon {
  /** JSON true or false only: the text "true" is not a boolean. */
  readonly type: 'boolean'
}

/** A field of one list item: a plain field (an item holds no lists). */
export type ScalarField = StringField | NumberField | BooleanField

/**
 * A JSON array of objects, each checked against `items` (and cut down to its declared fields), at
 * most `maxItems` long. A `choose` step offers its items as options (`options_from`); templates and
 * conditions never read a list.
 */
export interface ListField extends FieldCommon {
  readonly type: 'list'
  readonly maxItems: number
  readonly items: ReadonlyMap<string, ScalarField>
}

export type FieldShape = ScalarField | ListField

/** Field name -> shape, in the order written. Fields not listed are dropped from the reply. */
export type ReplyShape = ReadonlyMap<string, FieldShape>

/** Longest text from central unless the shape says otherwise. */
export const DEFAULT_MAX_LENGTH = 200
/** Upper bound of `max_length`: nothing a kiosk shows or prints is longer. */
export const MAX_MAX_LENGTH = 2000
/** Longest list unless the shape says otherwise, and the most a shape may allow: a resident pages through it on a 20x4 display. */
export const DEFAULT_MAX_ITEMS = 50
export const MAX_MAX_ITEMS = 200

/**
 * Characters a text from central may not hold: C0/C1 controls (newline and tab included: they would
 * break the display's layout) and the bidirectional overrides that reorder what is shown.
 */
const FORBIDDEN_CHARACTERS = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u

/** Why a value was refused; goes into the `effect.failed` event with the field's name, never the value. */
export type ReplyProblem = 'not_object' | 'missing' | 'type' | 'range' | 'length' | 'characters' | 'pattern' | 'enum'

export type ReplyCheck =
  | { ok: true; fields: Record<string, unknown> }
  | { ok: false; field: string; problem: ReplyProblem }

/**
 * Checks `value` against `shape`. When it fits, `fields` holds the declared fields only (absent
 * optional fields and nulls left out). Otherwise the first field that does not fit, in the shape's
 * order, and why (`field` is '' when the value is not a JSON object).
 */
export function checkReply(shape: ReplyShape, value: unknown): ReplyCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, field: '', problem: 'not_object' }
  const record = value as Record<string, unknown>
  const present = (name: string): unknown => (Object.hasOwn(record, name) ? record[name] : undefined)
  const kept: Array<[string, unknown]> = []
  for (const [name, field] of shape) {
    const raw = present(name)
    if (raw === undefined || raw === null) {
      const when = field.requiredWhen
      const required = !field.optional || (when !== undefined && present(when.field) === when.value)
      if (required) return { ok: false, field: name, problem: 'missing' }
      continue
    }
    if (field.type === 'list') {
      const list = checkList(field, raw)
      if (!list.ok) return { ok: false, field: list.index === undefined ? name : `${name}[${list.index}]${list.field === '' ? '' : `.${list.field}`}`, problem: list.problem }
      kept.push([name, list.items])
      continue
    }
    const problem = fieldProblem(field, raw)
    if (problem) return { ok: false, field: name, problem }
    kept.push([name, raw])
  }
  // fromEntries defines own properties: a field named __proto__ stays a plain field.
  return { ok: true, fields: Object.fromEntries(kept) }
}

/** A list's items, each cut to its declared fields; or the first item that does not fit (no index: the list itself). */
function checkList(field: ListField, value: unknown): { ok: true; items: Array<Record<string, unknown>> } | { ok: false; index?: number; field: string; problem: ReplyProblem } {
  if (!Array.isArray(value)) return { ok: false, field: '', problem: 'type' }
  if (value.length > field.maxItems) return { ok: false, field: '', problem: 'length' }
  const items: Array<Record<string, unknown>> = []
  for (const [index, item] of value.entries()) {
    const checked = checkReply(field.items, item)
    if (!checked.ok) return { ok: false, index, field: checked.field, problem: checked.problem }
    items.push(checked.fields)
  }
  return { ok: true, items }
}

/** Why `value` (present, not null) does not fit `field`; undefined when it does. */
export function fieldProblem(field: FieldShape, value: unknown): ReplyProblem | undefined {
  switch (field.type) {
    case 'list': {
      const checked = checkList(field, value)
      return checked.ok ? undefined : checked.problem
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'type'
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'type'
      if (field.type === 'integer' && !Number.isSafeInteger(value)) return 'type'
      if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)) return 'range'
      return undefined
    }
    case 'string': {
      if (typeof value !== 'string') return 'type'
      if (Array.from(value).length > field.maxLength) return 'length'
      if (FORBIDDEN_CHARACTERS.test(value)) return 'characters'
      if (field.enum !== undefined && !field.enum.includes(value)) return 'enum'
      if (field.pattern !== undefined && !new RegExp(field.pattern, 'u').test(value)) return 'pattern'
      return undefined
    }
  }
}

/** The type-correct value a text stands for, as a condition would compare it; undefined when none. */
export function valueFromText(field: FieldShape, text: string): unknown {
  switch (field.type) {
    case 'list':
      return undefined
    case 'string':
      return text
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined
    case 'integer':
    case 'number': {
      if (!/^\s*-?\d+(\.\d+)?\s*$/.test(text)) return undefined
      return Number(text)
    }
  }
}
