/**
 * The flow file format, defined once: the keys of a flow file (YAML, snake_case), their types and
 * limits. From this one definition come the static types of a file as written (`FlowFile`,
 * `StepFile`, ...), the runtime check in flow-read.ts (TypeBox errors mapped to diagnostics), and
 * flows/flow.schema.json for editors (scripts/build-flow-schema.mjs, checked current by a test).
 * What a step does is in flow-types.ts; what a schema cannot say (targets, reachability, variables,
 * text fit, capabilities, and a few rules across keys) is in flow-file-rules.ts and flow-validate.ts.
 *
 * Each schema may carry a `ReaderHint` (a symbol key, never written to the JSON): how
 * schema-problems.ts words a problem there, so the messages keep their form `path: problem (got value)`.
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox'
import { CONDITION_OPERATORS } from './conditions.js'
import type { DiagnosticCode } from './diagnostic.js'
import { IDENTITY_SOURCES } from './identity.js'
import { IDENTITY_FIELDS } from './identity-fields.js'
import { DEFAULT_MAX_ITEMS, DEFAULT_MAX_LENGTH, FIELD_TYPES, MAX_MAX_ITEMS, MAX_MAX_LENGTH } from './reply-shape.js'
import { ANSWER_NAME, FIELD_NAME, RESERVED_NAMES } from './template.js'
import { define, discriminated, schemaDocumentText, variant } from '../../runtime/core/json-schema.js'

// ---- limits, each stated once ----

export const FLOW_ID = /^[a-z0-9-]+$/
export const STEP_ID = /^[a-z][a-z0-9_-]*$/
/** Request methods and event names: dotted lower-case words (`bill.lookup`, `payment.confirmed`). */
export const DOTTED_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/
/** Upper bound for timeouts: an hour is already far beyond any real wait at a kiosk. */
export const MAX_TIMEOUT_S = 3600
/** Retries of a request: more than five only keeps a resident waiting for a central that is not there. */
export const MAX_RETRIES = 5
/** Longest input field: the display echoes input on one 20-column row, and nothing typed on a keypad is longer. */
export const MAX_INPUT_LENGTH = 64
/** The keypad's digits 1-9 pick an option; 0 turns the page. */
export const MAX_OPTIONS = 9
/** Written options of one choose step: those whose `when` holds are numbered nine at a time, as a list's. */
export const MAX_WRITTEN_OPTIONS = 36
/** Menu positions: two digits are plenty for the handful of procedures one kiosk offers. */
export const MENU_ORDER = { min: 1, max: 99 } as const
/** QR module size: GS ( k <Function 167> accepts n = 1..16 dots (Epson ESC/POS command reference). */
export const QR_MODULE_DOTS = { min: 1, max: 16 } as const
/** Feed: ESC d n feeds n = 0..255 lines; 0 would be a no-op line, so the floor is 1. */
export const FEED_LINES = { min: 1, max: 255 } as const

export const STEP_KINDS = ['scan_id', 'choose', 'input', 'show', 'consent', 'submit', 'print', 'request', 'pay_qr', 'wait_for', 'branch', 'end'] as const
export const WAITING_KINDS = ['scan_id', 'choose', 'input', 'show', 'consent'] as const
export const INPUT_MODES = ['digits', 'text'] as const
export const END_OUTCOMES = ['completed', 'cancelled', 'failed'] as const
export const RECEIPT_LINE_KINDS = ['text', 'qr', 'barcode', 'rule', 'feed'] as const
export const ALIGNS = ['left', 'center', 'right'] as const
export const TEXT_SIZES = ['normal', 'double'] as const
/**
 * Why a submission may carry identity data (docs/privacy.md): the resident agreed on a consent step
 * before it, or, without consent, a contract the resident is party to or the agency's own procedure
 * (Decree 13/2023/ND-CP, article 17).
 */
export const LEGAL_BASES = ['consent', 'contract', 'public_task'] as const

// ---- how the reader words problems ----

/** How schema-problems.ts words a problem at a schema (see the top of this file). */
export interface ReaderHint {
  /** What the value should be, as in "expected {expected} (got 42)" and "'x' is not {expected}". */
  expected?: string
  /** The code and the reason when the key is missing (default FLOW_SCHEMA, no reason). */
  missing?: { code: DiagnosticCode; why: string }
  /** Too few or too many items or keys; gets the count. */
  count?: (count: number) => string
  /** An item listed twice; gets the item. */
  repeated?: (item: unknown) => string
  /** A key of a mapping that does not fit its pattern; gets the key. */
  badKey?: (key: string) => string
  /** A text in both languages: problems are FLOW_MISSING_TRANSLATION. */
  translation?: true
  /** One language of such a text: empty is missing, spaces only is blank. */
  language?: true
  /** A discriminated union whose variants' keys are words of one vocabulary: a key of another variant "does not apply". */
  foreignKeys?: (variantName: string) => string
}

export const HINT = Symbol('flow-file-schema.hint')

function hint<T extends TSchema>(schema: T, readerHint: ReaderHint): T {
  ;(schema as T & { [HINT]?: ReaderHint })[HINT] = readerHint
  return schema
}

export function hintOf(schema: TSchema | undefined): ReaderHint {
  return (schema as { [HINT]?: ReaderHint } | undefined)?.[HINT] ?? {}
}

/** A use of a shared schema with its own description and, optionally, its own wording. */
function use<T extends TSchema>(schema: T, description: string, readerHint?: ReaderHint): T {
  const copy = variant(schema, { description })
  return readerHint ? hint(copy, { ...hintOf(schema), ...readerHint }) : copy
}

/** One of a list of words; the schema's type is their union. */
function literals<const T extends string>(values: readonly T[], options: Record<string, unknown> = {}): TUnion<Array<TLiteral<T>>> {
  return hint(Type.Union(values.map((value) => Type.Literal(value)), options), { expected: `one of ${values.join(', ')}` })
}

// ---- shared pieces ----

const StepId = define('step_id', hint(Type.String({ pattern: STEP_ID.source, description: "A step id: lower case letters, digits, '_' and '-', starting with a letter." }), { expected: 'a step id' }))

const AnswerName = define('answer_name', hint(Type.String({
  pattern: ANSWER_NAME.source,
  // Checked by flow-file-rules.ts with its own message ("reserved for a built-in"); stated here for editors.
  not: { enum: [...RESERVED_NAMES] },
  description: `A name to save under: lower case letters, digits and '_', starting with a letter; not a built-in name (${RESERVED_NAMES.join(', ')}).`,
}), { expected: ANSWER_NAME.source.slice(1, -1) }))

const DottedName = define('dotted_name', Type.String({ pattern: DOTTED_NAME.source }))

const Seconds = define('seconds', hint(Type.Number({ exclusiveMinimum: 0, maximum: MAX_TIMEOUT_S }), {
  expected: `a number of seconds > 0 and <= ${MAX_TIMEOUT_S}`,
  missing: { code: 'FLOW_NO_TIMEOUT', why: ': a step that waits must say how long it waits' },
}))

const Template = define('template', Type.String({
  description: 'Text that may use {{variables}}: {{answer}}, {{answer.value}}, {{reply.field}}, {{reference}}, {{identity.masked}}, {{payment.qr}}, {{payment.amount}}, {{station.id}}, {{station.site}}, {{station.agency}}, {{date}}, {{time}}.',
}))

const Language = (description: string) => hint(Type.String({ pattern: '\\S', description }), { language: true })

const Text = define('text', hint(Type.Object({
  vi: Language('Vietnamese.'),
  en: Language('English.'),
}, { additionalProperties: false, description: 'A text in both station languages; both are required and may use {{variables}}.' }), { translation: true }))

/** A request body's or an event match's value, or a required_when value. */
const scalar = () => hint(Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { expected: 'a text, a number or true/false' })

const fieldNameHint: ReaderHint = { badKey: (key) => `field name '${key}' must match ${FIELD_NAME.source.slice(1, -1)}` }

const Values = define('values', hint(Type.Record(Type.String({ pattern: FIELD_NAME.source }), scalar(), {
  additionalProperties: false,
  description: 'Field name to value; text values are templates.',
}), { ...fieldNameHint, expected: 'a mapping of field name to value' }))

// ---- reply shapes (reply-shape.ts) ----

const CompactField = literals([...FIELD_TYPES, ...FIELD_TYPES.map((type) => `${type}?` as const)])

const EnumValues = (description: string) => hint(Type.Array(Type.String(), { minItems: 1, uniqueItems: true, description }), {
  count: () => 'an enumeration needs at least one value',
  repeated: () => 'a value is listed twice',
})

const fieldCommon = {
  optional: Type.Optional(Type.Boolean({ description: 'May be absent or null (default false).' })),
  required_when: Type.Optional(hint(Type.Record(Type.String(), scalar(), {
    minProperties: 1,
    maxProperties: 1,
    description: 'Required only when this other field has this value, e.g. { found: true }.',
  }), { expected: '{ other_field: value }, one field and a text, number or true/false' })),
}

const StringField = define('field_string', Type.Object({
  type: Type.Literal('string'),
  ...fieldCommon,
  max_length: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MAX_LENGTH, description: `Longest text in characters (default ${DEFAULT_MAX_LENGTH}).` })),
  pattern: Type.Optional(Type.String({ description: 'Regular expression the whole text must match (anchor it); needs an example.' })),
  enum: Type.Optional(EnumValues('The only texts accepted.')),
  example: Type.Optional(Type.String({ description: 'A text that fits, from which station flows test builds replies.' })),
}, { additionalProperties: false, dependentRequired: { pattern: ['example'] } }))

const IntegerField = define('field_integer', Type.Object({
  type: Type.Literal('integer'),
  ...fieldCommon,
  min: Type.Optional(Type.Integer({ description: 'Smallest number accepted.' })),
  max: Type.Optional(Type.Integer({ description: 'Largest number accepted.' })),
  unit: Type.Optional(Type.Literal('vnd', { description: 'An amount in đồng: screens and receipts show it as 1.287.500 đ (the value itself is unchanged).' })),
}, { additionalProperties: false }))

const NumberField = define('field_number', Type.Object({
  type: Type.Literal('number'),
  ...fieldCommon,
  min: Type.Optional(Type.Number({ description: 'Smallest number accepted.' })),
  max: Type.Optional(Type.Number({ description: 'Largest number accepted.' })),
}, { additionalProperties: false }))

const BooleanField = define('field_boolean', Type.Object({
  type: Type.Literal('boolean'),
  ...fieldCommon,
}, { additionalProperties: false }))

const ScalarFullField = hint(discriminated('type', Type.Union([StringField, IntegerField, NumberField, BooleanField])), {
  foreignKeys: (type) => `does not apply to a ${type} field`,
})

const ItemField = define('item_field', hint(Type.Union([CompactField, EnumValues('An enumeration: the only texts accepted.'), ScalarFullField], {
  description: 'A field of each list item: string, integer, number or boolean (a trailing ? for optional), a list of texts, or { type, ... }; not a list.',
}), { expected: `one of ${FIELD_TYPES.join(', ')} (a trailing ? for optional), a list of texts, or { type, ... }` }))

const ItemShape = define('item_shape', hint(Type.Record(Type.String({ pattern: FIELD_NAME.source }), ItemField, {
  additionalProperties: false,
  minProperties: 1,
  description: 'What each item of the list must be: field name to its type. Fields not listed are dropped.',
}), { ...fieldNameHint, expected: 'a mapping of field name to type, e.g. { id: string, time: string }', count: () => 'a list item needs at least one field' }))

const ListField = define('field_list', Type.Object({
  type: Type.Literal('list'),
  ...fieldCommon,
  max_items: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MAX_ITEMS, description: `Most items accepted (default ${DEFAULT_MAX_ITEMS}).` })),
  items: ItemShape,
}, { additionalProperties: false, description: 'A JSON array of objects; a choose step offers its items (options_from).' }))

const FullField = hint(discriminated('type', Type.Union([StringField, IntegerField, NumberField, BooleanField, ListField])), {
  foreignKeys: (type) => `does not apply to a ${type} field`,
})

const ReplyField = define('reply_field', hint(Type.Union([CompactField, EnumValues('An enumeration: the only texts accepted.'), FullField], {
  description: 'A field of a reply: string, integer, number or boolean (a trailing ? for optional), a list of texts (an enumeration), { type, ... }, or { type: list, items: { ... } }.',
}), { expected: `one of ${FIELD_TYPES.join(', ')} (a trailing ? for optional), a list of texts, or { type, ... }` }))

const ReplyShape = define('reply_shape', hint(Type.Record(Type.String({ pattern: FIELD_NAME.source }), ReplyField, {
  additionalProperties: false,
  description: 'What central must send: field name to its type. Fields not listed are dropped; a reply that does not fit fails the request (E_REPLY_INVALID).',
}), { ...fieldNameHint, expected: 'a mapping of field name to type, e.g. { found: boolean, amount: integer }' }))

// ---- conditions (conditions.ts reads them and words their problems) ----

const Operand = define('operand', Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()], { description: 'A value; text is a template.' }))
const OperandPair = define('operand_pair', Type.Tuple([Operand, Operand]))

const Condition = define('condition', Type.Recursive((This) => Type.Union([
  Type.Boolean(),
  Type.Object(Object.fromEntries(CONDITION_OPERATORS.map((operator) => {
    if (operator === 'and' || operator === 'or') return [operator, Type.Optional(Type.Array(This, { minItems: 1 }))]
    if (operator === 'not') return [operator, Type.Optional(Type.Union([This, Type.Tuple([This])]))]
    if (operator === 'in') return [operator, Type.Optional(Type.Tuple([Operand, Type.Union([Type.String(), Type.Array(Operand)])]))]
    return [operator, Type.Optional(OperandPair)]
  })), { minProperties: 1, maxProperties: 1, additionalProperties: false }),
], { description: 'A condition as data: ==, != compare as text; <, <=, >, >= compare numbers; and, or, not, in. Or true/false.' }), { $id: 'condition' }))

// ---- receipt lines (drivers/printer/receipt.ts) ----

const data = Type.String({ description: 'A template; never localized.' })

const LineText = define('line_text', Type.Object({
  kind: Type.Literal('text'),
  text: hint(Type.Union([Text, Template], { description: '{ vi, en }, or one language-neutral template.' }), { expected: 'a string' }),
  align: Type.Optional(literals(ALIGNS)),
  bold: Type.Optional(Type.Boolean()),
  size: Type.Optional(literals(TEXT_SIZES)),
}, { additionalProperties: false }))

const LineQr = define('line_qr', Type.Object({
  kind: Type.Literal('qr'),
  data,
  module_dots: Type.Optional(Type.Integer({ minimum: QR_MODULE_DOTS.min, maximum: QR_MODULE_DOTS.max, description: 'QR module size in dots (GS ( k function 167).' })),
}, { additionalProperties: false }))

const LineBarcode = define('line_barcode', Type.Object({ kind: Type.Literal('barcode'), data }, { additionalProperties: false }))
const LineRule = define('line_rule', Type.Object({ kind: Type.Literal('rule') }, { additionalProperties: false }))
const LineFeed = define('line_feed', Type.Object({
  kind: Type.Literal('feed'),
  lines: Type.Integer({ minimum: FEED_LINES.min, maximum: FEED_LINES.max }),
}, { additionalProperties: false }))

const ReceiptLine = define('receipt_line', hint(discriminated('kind', Type.Union([LineText, LineQr, LineBarcode, LineRule, LineFeed])), {
  expected: `a mapping with a 'kind': ${RECEIPT_LINE_KINDS.slice(0, -1).join(', ')} or ${RECEIPT_LINE_KINDS[RECEIPT_LINE_KINDS.length - 1] ?? ''}`,
}))

const Receipt = (description: string) => hint(Type.Array(ReceiptLine, { minItems: 1, description }), { count: () => 'a receipt needs at least one line' })

// ---- steps ----

const onTimeout = use(StepId, 'Step to go to when the time is up; absent: the session ends with outcome timed_out.')
const waitTimeout = use(Seconds, `How long the step waits, in seconds (> 0, at most ${MAX_TIMEOUT_S}). Any key restarts the countdown.`)
const failurePath: ReaderHint = { missing: { code: 'FLOW_NO_FAILURE_PATH', why: ': an effect that can fail must say where failure goes' } }
/** A pay_qr's values: templates, or literal numbers taken as their digits. */
const Digits = (description: string) => hint(Type.Union([Type.String(), Type.Integer()], { description }), { expected: 'a string' })

const step = <const K extends (typeof STEP_KINDS)[number], P extends Record<string, TSchema>>(kind: K, description: string, properties: P) =>
  define(`step_${kind}`, Type.Object({ kind: Type.Literal(kind), ...properties }, { additionalProperties: false, description }))

const ScanIdStep = step('scan_id', 'Waits for an identity document whose source is accepted.', {
  accept: hint(Type.Array(literals(IDENTITY_SOURCES), { minItems: 1, uniqueItems: true, description: 'Identity sources accepted here.' }), {
    count: () => `accept at least one of ${IDENTITY_SOURCES.join(', ')}`,
    repeated: (source) => `'${String(source)}' is listed twice`,
  }),
  text: use(Text, 'Shown while waiting.'),
  timeout_s: waitTimeout,
  next: StepId,
  on_timeout: Type.Optional(onTimeout),
})

const Option = define('option', Type.Object({
  value: Type.String({ description: 'What is saved ({{name.value}}).' }),
  label: use(Text, 'What the resident reads ({{name}}).'),
  next: StepId,
  when: Type.Optional(use(Condition, 'Offered only while this holds (as a branch case); absent: always.')),
}, { additionalProperties: false }))

/** A reply's list, as `name.field`: the `save_as` of a request and a list field of its reply. */
export const LIST_REFERENCE = /^[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/

const OptionsFrom = define('options_from', Type.Object({
  list: hint(Type.String({ pattern: LIST_REFERENCE.source, description: "The list, as the request's save_as and the reply's list field: slots.slots." }), { expected: 'a reply list as name.field, e.g. slots.slots' }),
  value: hint(Type.String({ pattern: FIELD_NAME.source, description: "The item field saved as the choice's value ({{name.value}})." }), { expected: 'a field name of the list items' }),
  label: use(Text, 'What the resident reads for each item; {{item.field}} is a field of that item.'),
  next: use(StepId, 'Where any pick goes.'),
}, { additionalProperties: false }))

const ChooseStep = step('choose', 'Shows numbered options (written, or one per item of a reply list); a digit picks one.', {
  text: use(Text, 'Shown above the options.'),
  save_as: Type.Optional(use(AnswerName, 'Name under which the choice is kept.')),
  options: Type.Optional(hint(Type.Array(Option, { minItems: 1, maxItems: MAX_WRITTEN_OPTIONS }), { count: (count) => `between 1 and ${MAX_WRITTEN_OPTIONS} options (those offered are numbered nine at a time); got ${count}` })),
  options_from: Type.Optional(use(OptionsFrom, "One option per item of a reply's list, nine at a time (key 0 turns to the next ones); instead of options.")),
  on_empty: Type.Optional(use(StepId, 'Where it goes when the list has no item (required with options_from).')),
  timeout_s: waitTimeout,
  on_timeout: Type.Optional(onTimeout),
})

const InputStep = step('input', 'Collects typed keys; ok checks the length and pattern.', {
  text: use(Text, 'The prompt; the last row echoes what is typed.'),
  save_as: AnswerName,
  mode: literals(INPUT_MODES, { description: "digits or text; the keypad has digit keys only, so both take digits and differ only in the built-in 'not valid' wording." }),
  min_length: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INPUT_LENGTH, description: 'Shortest accepted text (default 0).' })),
  max_length: Type.Integer({ minimum: 1, maximum: MAX_INPUT_LENGTH, description: 'Longest text; further keys are ignored.' }),
  pattern: Type.Optional(Type.String({ description: 'Regular expression (Unicode) the whole text must match; anchor it with ^ and $.' })),
  invalid_text: Type.Optional(use(Text, 'Shown for 2 s after a failed check.')),
  empty_label: Type.Optional(use(Text, 'What {{name}} shows when the field was left empty.')),
  timeout_s: waitTimeout,
  next: StepId,
  on_timeout: Type.Optional(onTimeout),
})

const ShowStep = step('show', 'Shows a text; ok goes on.', {
  text: use(Text, 'What the resident reads.'),
  timeout_s: waitTimeout,
  next: StepId,
  on_timeout: Type.Optional(onTimeout),
})

const ConsentStep = step('consent', "Asks the resident to agree that the identity fields the submissions after it declare go to `recipient`; the text is made from that declaration. ok agrees (after the last page), back refuses.", {
  recipient: use(Text, 'Who receives the data, as it reads after "Gửi cho" / "Send to": { vi: "ngân hàng", en: "the bank" }; may use {{variables}}.'),
  text: Type.Optional(use(Text, 'A hand-written consent sentence instead of the generated one; station flows check refuses it unless it names exactly the identity fields sent (FLOW_CONSENT_MISMATCH).')),
  timeout_s: waitTimeout,
  next: StepId,
  on_timeout: Type.Optional(onTimeout),
})

const identityFieldList = `a list of identity fields (${IDENTITY_FIELDS.join(', ')})`

const SubmitStep = step('submit', 'Hands saved answers (and the identity fields it declares) to the outbox for central.', {
  fields: Type.Array(use(AnswerName, 'A saved answer or reply.', { expected: 'an answer name' }), { description: 'Saved answers or replies to send.' }),
  identity: Type.Optional(hint(Type.Array(literals(IDENTITY_FIELDS), {
    uniqueItems: true,
    description: `The identity fields that go with the submission, and nothing else of the identity: ${IDENTITY_FIELDS.join(', ')}. Absent: none.`,
  }), { expected: identityFieldList, repeated: (field) => `'${String(field)}' is listed twice` })),
  legal_basis: Type.Optional(literals(LEGAL_BASES, {
    description: 'Why identity may go: consent (default; a consent step must come before this step on every path), contract or public_task (docs/privacy.md).',
  })),
  text: Type.Optional(use(Text, 'Shown while storing.')),
  next: StepId,
  on_error: use(StepId, 'Where a failure goes.', failurePath),
})

const PrintStep = step('print', 'Prints a receipt.', {
  template: Receipt('The receipt, line by line.'),
  text: Type.Optional(use(Text, 'Shown while printing.')),
  next: StepId,
  on_error: use(StepId, 'Where a printer failure goes.', failurePath),
})

const RequestStep = step('request', 'Calls central (MQTT 5 request/response) and keeps the reply.', {
  method: use(DottedName, 'Dotted method name, e.g. bill.lookup.', { expected: 'a dotted name such as bill.lookup' }),
  body: Type.Optional(use(Values, 'Request fields; text values are templates.')),
  save_as: use(AnswerName, 'Name of the reply; its fields read as {{name.field}}.'),
  identity: Type.Optional(hint(Type.Array(literals(IDENTITY_FIELDS), {
    uniqueItems: true,
    description: `Identity fields that go in the body under their submission keys (id_number as personalId), so central answers only for that resident: ${IDENTITY_FIELDS.join(', ')}. Absent: none.`,
  }), { expected: identityFieldList, repeated: (field) => `'${String(field)}' is listed twice` })),
  reply: use(ReplyShape, 'The reply\'s shape; a reply that does not fit takes on_error.', {
    missing: { code: 'FLOW_NO_REPLY_SHAPE', why: ": a request must declare the shape of central's reply" },
  }),
  text: Type.Optional(use(Text, 'Shown while waiting for central.')),
  timeout_s: use(Seconds, 'How long one attempt may take, in seconds.'),
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_RETRIES, description: 'Further attempts after a timeout or an error (default 0).' })),
  next: StepId,
  on_error: use(StepId, 'Where a failure goes (and a timeout, without on_timeout).', failurePath),
  on_timeout: Type.Optional(use(StepId, 'Where it goes when the last attempt timed out.')),
})

const PayQrStep = step('pay_qr', 'Builds a VietQR payment payload and prints it.', {
  bin: Digits('Beneficiary bank BIN (6 digits) or a template.'),
  account: Digits('Beneficiary account or a template.'),
  amount: Digits('Amount in whole VND or a template; sets {{payment.amount}}.'),
  purpose: Type.Optional(Digits('Purpose of transaction (folded to ASCII, at most 25 characters sent).')),
  template: Receipt('The payment slip; put { kind: qr, data: "{{payment.qr}}" } on it.'),
  text: Type.Optional(use(Text, 'Shown while printing.')),
  next: StepId,
  on_error: use(StepId, 'Where an unusable bill or a printer failure goes.', failurePath),
})

const WaitForStep = define('step_wait_for', Type.Object({
  kind: Type.Literal('wait_for'),
  event: use(DottedName, 'Dotted event name, e.g. payment.confirmed.', { expected: 'a dotted name such as payment.confirmed' }),
  match: Type.Optional(use(Values, 'Fields the event must carry; text values are templates.')),
  save_as: Type.Optional(use(AnswerName, "Name of the event's fields; they read as {{name.field}}.")),
  fields: Type.Optional(use(ReplyShape, "The event's shape (required with save_as); a notification that does not fit is not accepted.")),
  text: Type.Optional(use(Text, 'Shown while waiting.')),
  timeout_s: use(Seconds, 'How long to wait, in seconds.'),
  next: StepId,
  on_timeout: use(StepId, 'Where it goes when nothing came in time.', { missing: { code: 'FLOW_NO_FAILURE_PATH', why: ': a wait must say where a timeout goes' } }),
  on_error: Type.Optional(use(StepId, 'Where a failure of the wait goes; absent: on_timeout.')),
  leave: Type.Optional(Type.Object({
    text: use(Text, 'The question back asks while the wait goes on (ok: leave, back: keep waiting).'),
    next: use(StepId, 'Where ok on the question goes.'),
  }, { additionalProperties: false, description: 'Back asks before leaving the wait; absent: back abandons it.' })),
}, {
  additionalProperties: false,
  // Checked by flow-file-rules.ts (FLOW_NO_REPLY_SHAPE); stated here for editors.
  dependentRequired: { save_as: ['fields'] },
  description: 'Waits for an inbound event such as a payment confirmation.',
}))

const Case = define('case', Type.Object({ when: Condition, next: StepId }, { additionalProperties: false }))

const BranchStep = step('branch', 'Goes to the first case whose condition holds, else to otherwise.', {
  cases: hint(Type.Array(Case, { minItems: 1 }), { count: () => 'a branch needs at least one case' }),
  otherwise: use(StepId, 'Where it goes when no case holds.', { missing: { code: 'FLOW_SCHEMA', why: ': where to go when no case holds' } }),
})

const EndStep = step('end', 'Shows a text and ends the session.', {
  outcome: literals(END_OUTCOMES),
  text: use(Text, 'The last screen.'),
})

export const StepFileSchema = define('step', hint(discriminated('kind', Type.Union([
  ScanIdStep, ChooseStep, InputStep, ShowStep, ConsentStep, SubmitStep, PrintStep, RequestStep, PayQrStep, WaitForStep, BranchStep, EndStep,
], { description: 'One step; its kind says what it does.' })), { expected: "a mapping with a 'kind'" }))

// ---- the file ----

export const FlowFileSchema = Type.Object({
  id: hint(Type.String({ pattern: FLOW_ID.source, description: "Unique among the station's flows; goes with every submission." }), { expected: FLOW_ID.source.slice(1, -1) }),
  version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Goes with every submission; raise it when the flow changes.' }),
  title: use(Text, "The procedure's name (menu, receipts)."),
  short_title: Type.Optional(use(Text, "For the display's 20-column title row when the title is longer.")),
  menu_order: Type.Optional(Type.Integer({
    minimum: MENU_ORDER.min,
    maximum: MENU_ORDER.max,
    description: "Place in the station's menu: flows are listed by it (ascending), then by id; flows without it come last.",
  })),
  start: use(StepId, 'The first step.'),
  steps: hint(Type.Record(Type.String({ pattern: STEP_ID.source }), StepFileSchema, {
    additionalProperties: false,
    minProperties: 1,
    description: 'Step id to step, in order.',
  }), {
    expected: 'a mapping of step id to step',
    count: () => 'a flow needs at least one step',
    badKey: (key) => `step id '${key}' must match ${STEP_ID.source.slice(1, -1)}`,
  }),
}, { additionalProperties: false })

/** A flow file as written (snake_case keys), once it fits the schema. */
export type FlowFile = Static<typeof FlowFileSchema>
export type StepFile = Static<typeof StepFileSchema>
export type ReplyFieldFile = Static<typeof ReplyField>
export type ReceiptLineFile = Static<typeof ReceiptLine>
export type ConditionFile = Static<typeof Condition>

/** flows/flow.schema.json's exact text: the format as JSON Schema 2020-12, for editors. */
export function flowJsonSchemaText(): string {
  return schemaDocumentText(FlowFileSchema, {
    dialect: '2020-12',
    header: {
      $id: 'urn:citizen-station:flow-schema',
      title: 'Citizen station flow',
      description: 'One public-service procedure for a citizen station (flows/engine/flow-file-schema.ts defines the format; `station flows check` validates what a schema cannot: targets, reachability, variables, text fit).',
    },
  })
}
