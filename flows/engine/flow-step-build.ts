/**
 * A step as written in a flow file (snake_case, checked against flow-file-schema.ts) as the typed
 * step the session runs (flow-types.ts): names in camelCase, defaults filled in (min_length 0,
 * retries 0, no identity fields, legal basis consent, an empty body or match), texts in NFC, reply shapes as maps with
 * their defaults, conditions parsed. Pure; it trusts its input to fit the schema.
 */
import { parseCondition, type Condition } from './conditions.js'
import { consentSentence } from './consent.js'
import type { ReceiptLineFile, ReplyFieldFile, StepFile } from './flow-file-schema.js'
import type { LocalizedText, OptionsFrom, ReceiptLineTemplate, Step } from './flow-types.js'
import { DEFAULT_MAX_ITEMS, DEFAULT_MAX_LENGTH, type FieldShape, type FieldType, type ReplyShape, type ScalarField } from './reply-shape.js'

/** A `{ vi, en }` text as the display and the printer use it (NFC: one code point per letter where there is one). */
export function localizedOf(text: { vi: string; en: string }): LocalizedText {
  return { vi: text.vi.normalize('NFC'), en: text.en.normalize('NFC') }
}

export function replyShapeOf(shape: Record<string, ReplyFieldFile>): ReplyShape {
  return new Map(Object.entries(shape).map(([name, field]) => [name, replyFieldOf(field)]))
}

export function replyFieldOf(field: ReplyFieldFile): FieldShape {
  if (typeof field === 'string') {
    const type = field.replace('?', '') as FieldType
    const optional = field.endsWith('?')
    return type === 'string' ? { type, optional, maxLength: DEFAULT_MAX_LENGTH } : { type, optional }
  }
  if (Array.isArray(field)) return { type: 'string', optional: false, maxLength: DEFAULT_MAX_LENGTH, enum: [...field] }
  const [when] = Object.entries(field.required_when ?? {})
  const requiredWhen = when ? { field: when[0], value: when[1] } : undefined
  // A field required only under a condition is optional otherwise.
  const common = { optional: field.optional === true || requiredWhen !== undefined, ...(requiredWhen ? { requiredWhen } : {}) }
  switch (field.type) {
    case 'list': {
      // The schema allows no list inside an item: every item field is a plain one.
      const items = new Map(Object.entries(field.items).map(([name, item]) => [name, replyFieldOf(item) as ScalarField]))
      return { type: field.type, ...common, maxItems: field.max_items ?? DEFAULT_MAX_ITEMS, items }
    }
    case 'boolean':
      return { type: field.type, ...common }
    case 'integer':
      return {
        type: field.type, ...common, ...(field.min === undefined ? {} : { min: field.min }), ...(field.max === undefined ? {} : { max: field.max }),
        ...(field.unit === undefined ? {} : { unit: field.unit }),
      }
    case 'number':
      return { type: field.type, ...common, ...(field.min === undefined ? {} : { min: field.min }), ...(field.max === undefined ? {} : { max: field.max }) }
    case 'string':
      return {
        type: field.type, ...common, maxLength: field.max_length ?? DEFAULT_MAX_LENGTH,
        ...(field.pattern === undefined ? {} : { pattern: field.pattern }),
        ...(field.enum === undefined ? {} : { enum: [...field.enum] }),
        ...(field.example === undefined ? {} : { example: field.example }),
      }
  }
}

function receiptLineOf(line: ReceiptLineFile): ReceiptLineTemplate {
  switch (line.kind) {
    case 'text':
      return {
        kind: line.kind,
        text: typeof line.text === 'string' ? line.text : localizedOf(line.text),
        ...(line.align === undefined ? {} : { align: line.align }),
        ...(line.bold === undefined ? {} : { bold: line.bold }),
        ...(line.size === undefined ? {} : { size: line.size }),
      }
    case 'qr':
      return { kind: line.kind, data: line.data, ...(line.module_dots === undefined ? {} : { moduleDots: line.module_dots }) }
    case 'barcode':
      return { kind: line.kind, data: line.data }
    case 'rule':
      return { kind: line.kind }
    case 'feed':
      return { kind: line.kind, lines: line.lines }
  }
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: V }))
const text = (value: { vi: string; en: string } | undefined): LocalizedText | undefined => (value === undefined ? undefined : localizedOf(value))

function optionsFromOf(from: { list: string; value: string; label: { vi: string; en: string }; next: string }): OptionsFrom {
  const [record = '', field = ''] = from.list.split('.')
  return { record, field, value: from.value, label: localizedOf(from.label), next: from.next }
}

/** A condition that passed the reader's rules. */
function conditionOf(id: string, raw: unknown): Condition {
  const { condition } = parseCondition(raw)
  if (!condition) throw new Error(`steps.${id}: a condition that was refused cannot be built`)
  return condition
}

/** The typed step `id`, from a step that fits the schema and passed the reader's rules. */
export function stepOf(id: string, step: StepFile): Step {
  switch (step.kind) {
    case 'scan_id':
      return { kind: step.kind, id, accept: [...step.accept], text: localizedOf(step.text), timeoutS: step.timeout_s, next: step.next, ...optional('onTimeout', step.on_timeout) }
    case 'choose':
      return {
        kind: step.kind, id, text: localizedOf(step.text), timeoutS: step.timeout_s,
        options: (step.options ?? []).map((option) => ({ value: option.value, label: localizedOf(option.label), next: option.next, ...optional('when', option.when === undefined ? undefined : conditionOf(id, option.when)) })),
        ...optional('saveAs', step.save_as), ...optional('onTimeout', step.on_timeout), ...optional('onEmpty', step.on_empty),
        ...optional('optionsFrom', step.options_from === undefined ? undefined : optionsFromOf(step.options_from)),
      }
    case 'input':
      return {
        kind: step.kind, id, text: localizedOf(step.text), saveAs: step.save_as, mode: step.mode, minLength: step.min_length ?? 0, maxLength: step.max_length,
        timeoutS: step.timeout_s, next: step.next, ...optional('onTimeout', step.on_timeout),
        ...optional('pattern', step.pattern), ...optional('invalidText', text(step.invalid_text)), ...optional('emptyLabel', text(step.empty_label)),
      }
    case 'show':
      return { kind: step.kind, id, text: localizedOf(step.text), timeoutS: step.timeout_s, next: step.next, ...optional('onTimeout', step.on_timeout) }
    case 'consent': {
      // What it asks for comes from the submits after it: flow-validate.ts fills `fields`, `withAnswers` and a generated `text`.
      const recipient = localizedOf(step.recipient)
      const own = text(step.text)
      return {
        kind: step.kind, id, recipient, fields: [], withAnswers: false, text: own ?? consentSentence([], recipient, false), ...optional('ownText', own),
        timeoutS: step.timeout_s, next: step.next, ...optional('onTimeout', step.on_timeout),
      }
    }
    case 'submit':
      return {
        kind: step.kind, id, fields: [...step.fields], identity: [...(step.identity ?? [])], legalBasis: step.legal_basis ?? 'consent',
        next: step.next, onError: step.on_error, ...optional('text', text(step.text)),
      }
    case 'print':
      return { kind: step.kind, id, template: step.template.map(receiptLineOf), next: step.next, onError: step.on_error, ...optional('text', text(step.text)) }
    case 'request':
      return {
        kind: step.kind, id, method: step.method, body: { ...step.body }, saveAs: step.save_as, reply: replyShapeOf(step.reply),
        timeoutS: step.timeout_s, retries: step.retries ?? 0, next: step.next, onError: step.on_error,
        ...optional('onTimeout', step.on_timeout), ...optional('text', text(step.text)),
        ...optional('identity', step.identity === undefined ? undefined : [...step.identity]),
      }
    case 'pay_qr':
      return {
        kind: step.kind, id, bin: String(step.bin), account: String(step.account), amount: String(step.amount),
        template: step.template.map(receiptLineOf), next: step.next, onError: step.on_error,
        ...optional('purpose', step.purpose === undefined ? undefined : String(step.purpose)), ...optional('text', text(step.text)),
      }
    case 'wait_for':
      return {
        kind: step.kind, id, event: step.event, match: { ...step.match }, timeoutS: step.timeout_s, next: step.next, onTimeout: step.on_timeout,
        ...optional('saveAs', step.save_as), ...optional('fields', step.fields === undefined ? undefined : replyShapeOf(step.fields)),
        ...optional('onError', step.on_error), ...optional('text', text(step.text)),
        ...optional('leave', step.leave === undefined ? undefined : { text: localizedOf(step.leave.text), next: step.leave.next }),
      }
    case 'branch':
      return {
        kind: step.kind, id, otherwise: step.otherwise,
        cases: step.cases.map((branchCase) => ({ when: conditionOf(id, branchCase.when), next: branchCase.next })),
      }
    case 'end':
      return { kind: step.kind, id, outcome: step.outcome, text: localizedOf(step.text) }
  }
}
