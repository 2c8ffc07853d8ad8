/**
 * First pass of flow validation: reads a flow file's YAML tree into typed steps, reporting shape
 * problems with the line they are on (FLOW_SCHEMA, FLOW_MISSING_TRANSLATION, FLOW_NO_TIMEOUT,
 * FLOW_NO_FAILURE_PATH, FLOW_BAD_CONDITION, FLOW_NO_REPLY_SHAPE). It also notes, per step, the transitions, texts, screens,
 * names and effects the second pass (flow-validate.ts) checks across steps. Pure: text in, draft and
 * diagnostics out.
 */
import { isAlias, isCollection, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLMap } from 'yaml'
import { conditionTexts, parseCondition } from './conditions.js'
import type { Diagnostic, DiagnosticCode } from './diagnostic.js'
import type {
  BranchCase,
  ChooseOption,
  EndOutcome,
  FlowValue,
  LocalizedText,
  ReceiptLineTemplate,
  Step,
  StepKind,
} from './flow-types.js'
import { INPUT_MODES, STEP_KINDS } from './flow-types.js'
import { IDENTITY_SOURCES, type IdentitySource } from './identity.js'
import {
  DEFAULT_MAX_LENGTH,
  FIELD_TYPES,
  fieldProblem,
  MAX_MAX_LENGTH,
  type FieldShape,
  type FieldType,
  type ReplyShape,
} from './reply-shape.js'
import { ANSWER_NAME, FIELD_NAME, RESERVED_NAMES, templateReferences } from './template.js'

/** A `next` / `on_*` reference to another step, where it is written. */
export interface DraftTransition {
  /** The key as written: `next`, `on_timeout`, `on_error`, `options[2].next`, `start`. */
  field: string
  target: string
  line: number
  /** True when taking it means the step did its job (its answer, identity or reference is set). */
  success: boolean
}

/** A string that may hold `{{variables}}`, where it is written. */
export interface DraftText {
  text: string
  line: number
}

/** A text shown on the display, and how much room its screen gives it. */
export interface DraftScreenText {
  /** The key as written: `text`, `invalid_text`. */
  field: string
  text: LocalizedText
  line: number
  /** True where key 0 turns pages (show, scan_id, choose). */
  pageable: boolean
  /** True when the screen keeps its last row for typed input. */
  inputRow: boolean
}

/** Something a step needs from the station, where it is written (checked against capabilities). */
export type DraftUse =
  | { kind: 'effect'; effect: 'request' | 'waitFor' | 'print'; line: number }
  | { kind: 'method'; method: string; line: number }
  | { kind: 'identity'; sources: readonly IdentitySource[]; line: number }

/** A step as read, with what the cross-step checks need. */
export interface DraftStep {
  id: string
  line: number
  kind: StepKind | null
  transitions: DraftTransition[]
  texts: DraftText[]
  /** Screen texts, for the fit check. */
  screens: DraftScreenText[]
  /** Names this step sets when it succeeds: its `save_as`, `identity` (scan_id), `reference` (submit) or `payment` (pay_qr). */
  sets: string[]
  /** The subset of `sets` that are replies (request, wait_for): records with fields. */
  records: string[]
  /** The fields each reply name's declared shape has (`reply`, `fields`), for FLOW_UNDECLARED_FIELD. */
  shapes: Array<{ name: string; fields: string[] }>
  /** Names the step's own texts may use although it sets them itself: `payment` in a pay_qr slip. */
  provides: string[]
  /** Names this step needs set before it runs, besides those in its texts: submit fields and identity. */
  needs: Array<{ name: string; line: number }>
  /** Effects, request methods and identity sources it needs. */
  uses: DraftUse[]
  /** The typed step; null when it had any error. */
  step: Step | null
}

/** A flow file as read. `steps` keeps the file's order. */
export interface DraftFlow {
  id: string | null
  version: number | null
  title: LocalizedText | null
  shortTitle: LocalizedText | undefined
  /** `menu_order` (1..99); undefined when absent or invalid. */
  menuOrder: number | undefined
  /** What the display's title row shows (`short_title`, else `title`), for the fit check. */
  displayTitle: { field: 'title' | 'short_title'; text: LocalizedText; line: number } | null
  /** `start` as a transition (field 'start'); null when missing or not a string. */
  start: DraftTransition | null
  /** Texts of the flow itself (title), usable with built-ins only. */
  texts: DraftText[]
  steps: Map<string, DraftStep>
}

const FLOW_ID = /^[a-z0-9-]+$/
const STEP_ID = /^[a-z][a-z0-9_-]*$/
/** Request methods and event names: dotted lower-case words (`bill.lookup`, `payment.confirmed`). */
const DOTTED_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/
/** Upper bound for timeouts: an hour is already far beyond any real wait at a kiosk. */
const MAX_TIMEOUT_S = 3600
/** Retries of a request: more than five only keeps a resident waiting for a central that is not there. */
const MAX_RETRIES = 5
/** Literal VietQR values, checked early when they hold no variable (docs/protocols.md 8; vietqr.ts does the rest). */
const LITERAL_BIN = /^\d{6}$/
const LITERAL_ACCOUNT = /^[0-9A-Za-z]{1,19}$/
const LITERAL_AMOUNT = /^[1-9]\d{0,12}$/
/** Longest input field: the display echoes input on one 20-column row, and nothing typed on a keypad is longer. */
const MAX_INPUT_LENGTH = 64
/** QR module size: GS ( k <Function 167> accepts n = 1..16 dots (Epson ESC/POS command reference). */
const QR_MODULE_DOTS = { min: 1, max: 16 } as const
/** Feed: ESC d n feeds n = 0..255 lines; 0 would be a no-op line, so the floor is 1. */
const FEED_LINES = { min: 1, max: 255 } as const
const MAX_OPTIONS = 9
/** Menu positions: two digits are plenty for the handful of procedures one kiosk offers. */
const MENU_ORDER = { min: 1, max: 99 } as const

const FLOW_KEYS = ['id', 'version', 'title', 'short_title', 'menu_order', 'start', 'steps'] as const

const KEYS_BY_KIND: Readonly<Record<StepKind, readonly string[]>> = {
  scan_id: ['kind', 'accept', 'text', 'timeout_s', 'next', 'on_timeout'],
  choose: ['kind', 'text', 'save_as', 'options', 'timeout_s', 'on_timeout'],
  input: ['kind', 'text', 'save_as', 'mode', 'min_length', 'max_length', 'pattern', 'invalid_text', 'empty_label', 'timeout_s', 'next', 'on_timeout'],
  show: ['kind', 'text', 'timeout_s', 'next', 'on_timeout'],
  submit: ['kind', 'fields', 'identity', 'text', 'next', 'on_error'],
  print: ['kind', 'template', 'text', 'next', 'on_error'],
  request: ['kind', 'method', 'body', 'save_as', 'reply', 'text', 'timeout_s', 'retries', 'next', 'on_error', 'on_timeout'],
  pay_qr: ['kind', 'bin', 'account', 'amount', 'purpose', 'template', 'text', 'next', 'on_error'],
  wait_for: ['kind', 'event', 'match', 'save_as', 'fields', 'text', 'timeout_s', 'next', 'on_timeout', 'on_error'],
  branch: ['kind', 'cases', 'otherwise'],
  end: ['kind', 'outcome', 'text'],
}

const RECEIPT_KEYS: Readonly<Record<ReceiptLineTemplate['kind'], readonly string[]>> = {
  text: ['kind', 'text', 'align', 'bold', 'size'],
  qr: ['kind', 'data', 'module_dots'],
  barcode: ['kind', 'data'],
  rule: ['kind'],
  feed: ['kind', 'lines'],
}

const OPTION_KEYS = ['value', 'label', 'next'] as const
const CASE_KEYS = ['when', 'next'] as const
const TEXT_KEYS = ['vi', 'en'] as const
/** Keys of a reply field written in full (`{ type: string, max_length: 40 }`). */
const REPLY_FIELD_KEYS = ['type', 'optional', 'required_when', 'max_length', 'pattern', 'enum', 'example', 'min', 'max'] as const
/** Which of them each type takes, besides type, optional and required_when. */
const REPLY_FIELD_KEYS_BY_TYPE: Readonly<Record<FieldType, readonly string[]>> = {
  string: ['max_length', 'pattern', 'enum', 'example'],
  integer: ['min', 'max'],
  number: ['min', 'max'],
  boolean: [],
}
/** Compact field forms: a type name, optional with a trailing `?`. */
const COMPACT_FIELD = /^(string|integer|number|boolean)(\?)?$/

/**
 * Every key the reader accepts, by place. flows/flow.schema.json must describe exactly these; a test
 * walks both so they cannot drift apart.
 */
export const READER_KEYS = {
  flow: FLOW_KEYS,
  steps: KEYS_BY_KIND,
  receiptLines: RECEIPT_KEYS,
  option: OPTION_KEYS,
  branchCase: CASE_KEYS,
  text: TEXT_KEYS,
  replyField: REPLY_FIELD_KEYS,
} as const

/** A value under a key: the (alias-resolved) node and the line to report problems on. */
interface Entry {
  node: unknown
  line: number
}

/** Parses `text` and reads it as a flow. `draft` is null when the file is not YAML or not a mapping. */
export function readFlow(text: string, file: string): { draft: DraftFlow | null; diagnostics: Diagnostic[] } {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const reader = new FlowReader(file, lines, doc)
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      reader.report('FLOW_SCHEMA', `YAML: ${error.message.split('\n')[0] ?? ''}`, lines.linePos(error.pos[0]).line)
    }
    return { draft: null, diagnostics: reader.diagnostics }
  }
  return { draft: reader.flow(doc.contents), diagnostics: reader.diagnostics }
}

class FlowReader {
  readonly diagnostics: Diagnostic[] = []
  #file: string
  #lines: LineCounter
  #doc: Document

  constructor(file: string, lines: LineCounter, doc: Document) {
    this.#file = file
    this.#lines = lines
    this.#doc = doc
  }

  report(code: DiagnosticCode, message: string, line: number, step?: string, severity: 'error' | 'warning' = 'error'): void {
    this.diagnostics.push({ code, severity, message, file: this.#file, line, ...(step === undefined ? {} : { step }) })
  }

  flow(root: unknown): DraftFlow | null {
    const top = this.#entries(root, 'flow', FLOW_KEYS, 1)
    if (!top) return null
    const draft: DraftFlow = { id: null, version: null, title: null, shortTitle: undefined, menuOrder: undefined, displayTitle: null, start: null, texts: [], steps: new Map() }
    for (const key of ['id', 'version', 'title', 'start', 'steps']) {
      if (!top.has(key)) this.report('FLOW_SCHEMA', `flow: missing '${key}'`, 1)
    }
    const id = top.get('id')
    if (id) draft.id = this.#string(id, 'id', undefined, FLOW_ID, '[a-z0-9-]+') ?? null
    const version = top.get('version')
    if (version) draft.version = this.#integer(version, 'version', undefined, 1, Number.MAX_SAFE_INTEGER) ?? null
    const title = top.get('title')
    if (title) draft.title = this.#localized(title, 'title', undefined, draft.texts) ?? null
    const shortTitle = top.get('short_title')
    if (shortTitle) draft.shortTitle = this.#localized(shortTitle, 'short_title', undefined, draft.texts)
    if (shortTitle && draft.shortTitle) draft.displayTitle = { field: 'short_title', text: draft.shortTitle, line: shortTitle.line }
    else if (!shortTitle && title && draft.title) draft.displayTitle = { field: 'title', text: draft.title, line: title.line }
    const menuOrder = top.get('menu_order')
    if (menuOrder) draft.menuOrder = this.#integer(menuOrder, 'menu_order', undefined, MENU_ORDER.min, MENU_ORDER.max)
    const start = top.get('start')
    if (start) {
      const target = this.#string(start, 'start', undefined, STEP_ID, 'a step id')
      if (target !== undefined) draft.start = { field: 'start', target, line: start.line, success: true }
    }
    const steps = top.get('steps')
    if (steps) this.#steps(steps, draft.steps)
    return draft
  }

  #steps(entry: Entry, into: Map<string, DraftStep>): void {
    const node = this.#resolve(entry.node)
    if (!isMap(node)) {
      this.report('FLOW_SCHEMA', 'steps: expected a mapping of step id to step', entry.line)
      return
    }
    if (node.items.length === 0) this.report('FLOW_SCHEMA', 'steps: a flow needs at least one step', entry.line)
    for (const pair of node.items) {
      const keyLine = this.#lineOf(pair.key, entry.line)
      const id = isScalar(pair.key) ? pair.key.value : undefined
      if (typeof id !== 'string' || !STEP_ID.test(id)) {
        this.report('FLOW_SCHEMA', `steps: step id ${describe(id)} must match [a-z][a-z0-9_-]*`, keyLine)
        continue
      }
      into.set(id, this.#step(id, { node: this.#resolve(pair.value), line: this.#lineOf(pair.value, keyLine) }, keyLine))
    }
  }

  #step(id: string, entry: Entry, line: number): DraftStep {
    const draft: DraftStep = { id, line, kind: null, transitions: [], texts: [], screens: [], sets: [], records: [], shapes: [], provides: [], needs: [], uses: [], step: null }
    const where = `steps.${id}`
    const errorsBefore = this.#errorCount()
    const node = entry.node
    if (!isMap(node)) {
      this.report('FLOW_SCHEMA', `${where}: expected a mapping with a 'kind'`, entry.line, id)
      return draft
    }
    const kindPair = node.items.find((pair) => isScalar(pair.key) && pair.key.value === 'kind')
    const kindEntry = kindPair ? { node: this.#resolve(kindPair.value), line: this.#lineOf(kindPair.value, line) } : undefined
    if (!kindEntry) {
      this.report('FLOW_SCHEMA', `${where}: missing 'kind' (one of ${STEP_KINDS.join(', ')})`, line, id)
      return draft
    }
    const kind = this.#oneOf(kindEntry, `${where}.kind`, id, STEP_KINDS)
    if (!kind) {
      this.#harvest(node, draft)
      return draft
    }
    draft.kind = kind
    const fields = this.#entries(node, where, KEYS_BY_KIND[kind], line, id)
    if (!fields) return draft
    const step = this.#stepOfKind(kind, id, fields, draft, line)
    if (step && this.#errorCount() === errorsBefore) draft.step = step
    return draft
  }

  #stepOfKind(kind: StepKind, id: string, fields: Map<string, Entry>, draft: DraftStep, line: number): Step | undefined {
    const where = `steps.${id}`
    const need = (key: string, code: DiagnosticCode = 'FLOW_SCHEMA', why = ''): Entry | undefined => {
      const entry = fields.get(key)
      if (!entry) this.report(code, `${where}: missing '${key}'${why}`, line, id)
      return entry
    }
    const text = (key: string, required: boolean): LocalizedText | undefined => {
      const entry = required ? need(key) : fields.get(key)
      return entry && this.#localized(entry, `${where}.${key}`, id, draft.texts)
    }
    /** A text shown on the display: read as `text` does, and noted for the fit check. */
    const screenText = (key: string, required: boolean, pageable: boolean, inputRow = false): LocalizedText | undefined => {
      const value = text(key, required)
      const entry = fields.get(key)
      if (value && entry) draft.screens.push({ field: key, text: value, line: entry.line, pageable, inputRow })
      return value
    }
    const target = (key: string, success: boolean, required: boolean, code: DiagnosticCode = 'FLOW_SCHEMA', why = ''): string | undefined => {
      const entry = required ? need(key, code, why) : fields.get(key)
      if (!entry) return undefined
      const name = this.#string(entry, `${where}.${key}`, id, STEP_ID, 'a step id')
      if (name !== undefined) draft.transitions.push({ field: key, target: name, line: entry.line, success })
      return name
    }
    const timeoutS = (): number | undefined => {
      const entry = need('timeout_s', 'FLOW_NO_TIMEOUT', ': a step that waits must say how long it waits')
      return entry && this.#number(entry, `${where}.timeout_s`, id, MAX_TIMEOUT_S)
    }
    const onTimeout = (): { onTimeout?: string } => {
      const name = target('on_timeout', false, false)
      return name === undefined ? {} : { onTimeout: name }
    }
    const saveAs = (required: boolean): string | undefined => {
      const entry = required ? need('save_as') : fields.get('save_as')
      if (!entry) return undefined
      const name = this.#string(entry, `${where}.save_as`, id, ANSWER_NAME, '[a-z][a-z0-9_]*')
      if (name !== undefined && RESERVED_NAMES.includes(name)) {
        this.report('FLOW_SCHEMA', `${where}.save_as: '${name}' is reserved for a built-in`, entry.line, id)
        return undefined
      }
      if (name !== undefined) draft.sets.push(name)
      return name
    }
    const onError = (): string | undefined =>
      target('on_error', false, true, 'FLOW_NO_FAILURE_PATH', ': an effect that can fail must say where failure goes')
    /** A required dotted name (method, event), and the line it is on. */
    const dotted = (key: string, example: string): { value: string | undefined; line: number } => {
      const entry = need(key)
      const value = entry && this.#string(entry, `${where}.${key}`, id, DOTTED_NAME, `a dotted name such as ${example}`)
      return { value, line: entry?.line ?? line }
    }
    const values = (key: string): Record<string, FlowValue> | undefined => {
      const entry = fields.get(key)
      return entry ? this.#values(entry, `${where}.${key}`, id, draft) : {}
    }
    const use = (effect: 'request' | 'waitFor' | 'print'): void => {
      draft.uses.push({ kind: 'effect', effect, line })
    }

    switch (kind) {
      case 'scan_id': {
        const acceptEntry = need('accept')
        const accept = this.#accept(acceptEntry, `${where}.accept`, id)
        if (accept && acceptEntry) draft.uses.push({ kind: 'identity', sources: accept, line: acceptEntry.line })
        const body = screenText('text', true, true)
        const timeout = timeoutS()
        const next = target('next', true, true)
        const rest = onTimeout()
        draft.sets.push('identity')
        if (!accept || !body || timeout === undefined || next === undefined) return undefined
        return { kind, id, accept, text: body, timeoutS: timeout, next, ...rest }
      }
      case 'choose': {
        const body = screenText('text', true, true)
        const name = saveAs(false)
        const options = this.#options(need('options'), `${where}.options`, id, draft)
        const timeout = timeoutS()
        const rest = onTimeout()
        if (!body || !options || timeout === undefined) return undefined
        return { kind, id, text: body, options, timeoutS: timeout, ...(name === undefined ? {} : { saveAs: name }), ...rest }
      }
      case 'input': {
        const body = screenText('text', true, false, true)
        const name = saveAs(true)
        const modeEntry = need('mode')
        const mode = modeEntry && this.#oneOf(modeEntry, `${where}.mode`, id, INPUT_MODES)
        const minEntry = fields.get('min_length')
        const minLength = minEntry ? this.#integer(minEntry, `${where}.min_length`, id, 0, MAX_INPUT_LENGTH) : 0
        const maxEntry = need('max_length')
        const maxLength = maxEntry && this.#integer(maxEntry, `${where}.max_length`, id, 1, MAX_INPUT_LENGTH)
        if (maxEntry && minLength !== undefined && maxLength !== undefined && minLength > maxLength) {
          this.report('FLOW_SCHEMA', `${where}: min_length ${minLength} is greater than max_length ${maxLength}`, maxEntry.line, id)
        }
        const patternEntry = fields.get('pattern')
        const pattern = patternEntry && this.#pattern(patternEntry, `${where}.pattern`, id)
        const invalidText = screenText('invalid_text', false, false)
        const emptyLabel = text('empty_label', false)
        const timeout = timeoutS()
        const next = target('next', true, true)
        const rest = onTimeout()
        if (!body || !name || !mode || minLength === undefined || maxLength === undefined || timeout === undefined || next === undefined) {
          return undefined
        }
        return {
          kind, id, text: body, saveAs: name, mode, minLength, maxLength, timeoutS: timeout, next, ...rest,
          ...(pattern === undefined ? {} : { pattern }),
          ...(invalidText === undefined ? {} : { invalidText }),
          ...(emptyLabel === undefined ? {} : { emptyLabel }),
        }
      }
      case 'show': {
        const body = screenText('text', true, true)
        const timeout = timeoutS()
        const next = target('next', true, true)
        const rest = onTimeout()
        if (!body || timeout === undefined || next === undefined) return undefined
        return { kind, id, text: body, timeoutS: timeout, next, ...rest }
      }
      case 'submit': {
        const fieldNames = this.#fieldNames(need('fields'), `${where}.fields`, id, draft)
        const identityEntry = fields.get('identity')
        const identity = identityEntry ? this.#boolean(identityEntry, `${where}.identity`, id) : false
        if (identity && identityEntry) draft.needs.push({ name: 'identity', line: identityEntry.line })
        const body = screenText('text', false, false)
        const next = target('next', true, true)
        const failure = onError()
        draft.sets.push('reference')
        if (!fieldNames || identity === undefined || next === undefined || failure === undefined) return undefined
        return { kind, id, fields: fieldNames, identity, next, onError: failure, ...(body === undefined ? {} : { text: body }) }
      }
      case 'print': {
        use('print')
        const template = this.#template(need('template'), `${where}.template`, id, draft)
        const body = screenText('text', false, false)
        const next = target('next', true, true)
        const failure = onError()
        if (!template || next === undefined || failure === undefined) return undefined
        return { kind, id, template, next, onError: failure, ...(body === undefined ? {} : { text: body }) }
      }
      case 'request': {
        use('request')
        const method = dotted('method', 'bill.lookup')
        if (method.value !== undefined) draft.uses.push({ kind: 'method', method: method.value, line: method.line })
        const body = values('body')
        const name = saveAs(true)
        if (name !== undefined) draft.records.push(name)
        const replyEntry = need('reply', 'FLOW_NO_REPLY_SHAPE', ": a request must declare the shape of central's reply")
        const reply = replyEntry && this.#replyShape(replyEntry, `${where}.reply`, id)
        if (reply && name !== undefined) draft.shapes.push({ name, fields: [...reply.keys()] })
        const timeout = timeoutS()
        const retriesEntry = fields.get('retries')
        const retries = retriesEntry ? this.#integer(retriesEntry, `${where}.retries`, id, 0, MAX_RETRIES) : 0
        const progress = screenText('text', false, false)
        const next = target('next', true, true)
        const failure = onError()
        const rest = onTimeout()
        if (method.value === undefined || !body || name === undefined || !reply || timeout === undefined || retries === undefined || next === undefined || failure === undefined) {
          return undefined
        }
        return {
          kind, id, method: method.value, body, saveAs: name, reply, timeoutS: timeout, retries, next, onError: failure, ...rest,
          ...(progress === undefined ? {} : { text: progress }),
        }
      }
      case 'pay_qr': {
        use('print')
        const bin = this.#templateValue(need('bin'), `${where}.bin`, id, draft, LITERAL_BIN, 'a 6-digit bank BIN')
        const account = this.#templateValue(need('account'), `${where}.account`, id, draft, LITERAL_ACCOUNT, '1 to 19 letters or digits')
        const amount = this.#templateValue(need('amount'), `${where}.amount`, id, draft, LITERAL_AMOUNT, 'a whole number of VND, at least 1')
        const purposeEntry = fields.get('purpose')
        const purpose = purposeEntry && this.#templateValue(purposeEntry, `${where}.purpose`, id, draft)
        draft.sets.push('payment')
        draft.provides.push('payment')
        const template = this.#template(need('template'), `${where}.template`, id, draft)
        const progress = screenText('text', false, false)
        const next = target('next', true, true)
        const failure = onError()
        if (bin === undefined || account === undefined || amount === undefined || (purposeEntry && purpose === undefined) || !template) return undefined
        if (next === undefined || failure === undefined) return undefined
        return {
          kind, id, bin, account, amount, template, next, onError: failure,
          ...(purpose === undefined ? {} : { purpose }),
          ...(progress === undefined ? {} : { text: progress }),
        }
      }
      case 'wait_for': {
        use('waitFor')
        const event = dotted('event', 'payment.confirmed')
        const match = values('match')
        const name = saveAs(false)
        if (name !== undefined) draft.records.push(name)
        const fieldsEntry = name === undefined
          ? fields.get('fields')
          : need('fields', 'FLOW_NO_REPLY_SHAPE', ": a wait_for that saves the event must declare its fields")
        const shape = fieldsEntry && this.#replyShape(fieldsEntry, `${where}.fields`, id)
        if (shape && name !== undefined) draft.shapes.push({ name, fields: [...shape.keys()] })
        const progress = screenText('text', false, false)
        const timeout = timeoutS()
        const next = target('next', true, true)
        const timedOut = target('on_timeout', false, true, 'FLOW_NO_FAILURE_PATH', ': a wait must say where a timeout goes')
        const failure = target('on_error', false, false)
        if (event.value === undefined || !match || (fieldsEntry && !shape) || timeout === undefined || next === undefined || timedOut === undefined) return undefined
        return {
          kind, id, event: event.value, match, timeoutS: timeout, next, onTimeout: timedOut,
          ...(name === undefined ? {} : { saveAs: name }),
          ...(shape === undefined ? {} : { fields: shape }),
          ...(failure === undefined ? {} : { onError: failure }),
          ...(progress === undefined ? {} : { text: progress }),
        }
      }
      case 'branch': {
        const cases = this.#cases(need('cases'), `${where}.cases`, id, draft)
        const otherwise = target('otherwise', true, true, 'FLOW_SCHEMA', ': where to go when no case holds')
        if (!cases || otherwise === undefined) return undefined
        return { kind, id, cases, otherwise }
      }
      case 'end': {
        const outcomeEntry = need('outcome')
        const outcome = outcomeEntry && this.#oneOf(outcomeEntry, `${where}.outcome`, id, ['completed', 'cancelled', 'failed'] as const satisfies readonly EndOutcome[])
        const body = screenText('text', true, false)
        if (!outcome || !body) return undefined
        return { kind, id, outcome, text: body }
      }
    }
  }

  /**
   * For a step of unknown kind: notes whatever targets and answer name it seems to have, so that one
   * typo in `kind` does not also make every later step unreachable. Reports nothing.
   */
  #harvest(node: YAMLMap, draft: DraftStep): void {
    const scalar = (value: unknown): string | undefined => {
      const resolved = this.#resolve(value)
      return isScalar(resolved) && typeof resolved.value === 'string' ? resolved.value : undefined
    }
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined
      const line = this.#lineOf(pair.value, draft.line)
      if (key === 'next' || key === 'on_timeout' || key === 'on_error' || key === 'otherwise') {
        const target = scalar(pair.value)
        if (target !== undefined) draft.transitions.push({ field: key, target, line, success: key === 'next' || key === 'otherwise' })
      } else if (key === 'save_as') {
        const name = scalar(pair.value)
        if (name !== undefined) draft.sets.push(name)
      } else if (key === 'options' || key === 'cases') {
        const items = this.#resolve(pair.value)
        if (!isSeq(items)) continue
        for (const [index, item] of items.items.entries()) {
          const resolved = this.#resolve(item)
          const target = isMap(resolved) ? scalar(resolved.get('next', true)) : undefined
          if (target !== undefined) draft.transitions.push({ field: `${key}[${index}].next`, target, line: this.#lineOf(item, line), success: true })
        }
      }
    }
  }

  #accept(entry: Entry | undefined, where: string, step: string): IdentitySource[] | undefined {
    if (!entry) return undefined
    const items = this.#sequence(entry, where, step)
    if (!items) return undefined
    if (items.length === 0) {
      this.report('FLOW_SCHEMA', `${where}: accept at least one of ${IDENTITY_SOURCES.join(', ')}`, entry.line, step)
      return undefined
    }
    const sources: IdentitySource[] = []
    for (const [index, item] of items.entries()) {
      const source = this.#oneOf(item, `${where}[${index}]`, step, IDENTITY_SOURCES)
      if (source && sources.includes(source)) this.report('FLOW_SCHEMA', `${where}: '${source}' is listed twice`, item.line, step)
      else if (source) sources.push(source)
    }
    return sources.length === items.length ? sources : undefined
  }

  #options(entry: Entry | undefined, where: string, step: string, draft: DraftStep): ChooseOption[] | undefined {
    if (!entry) return undefined
    const items = this.#sequence(entry, where, step)
    if (!items) return undefined
    // Too many options is reported, but they are still read so their targets count as reachable.
    let ok = items.length >= 1 && items.length <= MAX_OPTIONS
    if (!ok) this.report('FLOW_SCHEMA', `${where}: between 1 and ${MAX_OPTIONS} options (keys 1-9); got ${items.length}`, entry.line, step)
    const options: ChooseOption[] = []
    for (const [index, item] of items.entries()) {
      const at = `${where}[${index}]`
      const fields = this.#entries(item.node, at, OPTION_KEYS, item.line, step)
      if (!fields) {
        ok = false
        continue
      }
      for (const key of OPTION_KEYS) {
        if (!fields.has(key)) this.report('FLOW_SCHEMA', `${at}: missing '${key}'`, item.line, step)
      }
      const valueEntry = fields.get('value')
      const value = valueEntry && this.#string(valueEntry, `${at}.value`, step)
      if (valueEntry && value !== undefined && options.some((option) => option.value === value)) {
        this.report('FLOW_SCHEMA', `${at}.value: '${value}' is used by another option`, valueEntry.line, step)
      }
      const labelEntry = fields.get('label')
      const label = labelEntry && this.#localized(labelEntry, `${at}.label`, step, draft.texts)
      const nextEntry = fields.get('next')
      const next = nextEntry && this.#string(nextEntry, `${at}.next`, step, STEP_ID, 'a step id')
      if (nextEntry && next !== undefined) {
        draft.transitions.push({ field: `options[${index}].next`, target: next, line: nextEntry.line, success: true })
      }
      if (value === undefined || !label || next === undefined) ok = false
      else options.push({ value, label, next })
    }
    return ok ? options : undefined
  }

  #cases(entry: Entry | undefined, where: string, step: string, draft: DraftStep): BranchCase[] | undefined {
    if (!entry) return undefined
    const items = this.#sequence(entry, where, step)
    if (!items) return undefined
    if (items.length === 0) {
      this.report('FLOW_SCHEMA', `${where}: a branch needs at least one case`, entry.line, step)
      return undefined
    }
    let ok = true
    const cases: BranchCase[] = []
    for (const [index, item] of items.entries()) {
      const at = `${where}[${index}]`
      const fields = this.#entries(item.node, at, CASE_KEYS, item.line, step)
      if (!fields) {
        ok = false
        continue
      }
      for (const key of CASE_KEYS) {
        if (!fields.has(key)) this.report('FLOW_SCHEMA', `${at}: missing '${key}'`, item.line, step)
      }
      const nextEntry = fields.get('next')
      const next = nextEntry && this.#string(nextEntry, `${at}.next`, step, STEP_ID, 'a step id')
      if (nextEntry && next !== undefined) {
        draft.transitions.push({ field: `cases[${index}].next`, target: next, line: nextEntry.line, success: true })
      }
      const whenEntry = fields.get('when')
      const when = whenEntry && this.#condition(whenEntry, `${at}.when`, step, draft)
      if (when === undefined || next === undefined) ok = false
      else cases.push({ when, next })
    }
    return ok ? cases : undefined
  }

  /** A branch condition (conditions.ts); each problem is reported on the line of the part it concerns. */
  #condition(entry: Entry, where: string, step: string, draft: DraftStep): BranchCase['when'] | undefined {
    const node = entry.node
    const raw: unknown = isNode(node) ? node.toJS(this.#doc) : node
    const { condition, problems } = parseCondition(raw)
    for (const problem of problems) {
      const at = isCollection(node) && problem.path.length > 0 ? node.getIn(problem.path, true) : undefined
      const path = problem.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('')
      this.report('FLOW_BAD_CONDITION', `${where}${path}: ${problem.message}`, this.#lineOf(at, entry.line), step)
    }
    if (condition) for (const text of conditionTexts(condition)) draft.texts.push({ text, line: entry.line })
    return condition
  }

  /** A reply's or an event's declared shape (reply-shape.ts): field name -> compact or full field. */
  #replyShape(entry: Entry, where: string, step: string): ReplyShape | undefined {
    const node = entry.node
    if (!isMap(node)) {
      this.report('FLOW_SCHEMA', `${where}: expected a mapping of field name to type, e.g. { found: boolean, amount: integer } (got ${describeNode(node)})`, entry.line, step)
      return undefined
    }
    const shape = new Map<string, FieldShape>()
    const conditions: Array<{ name: string; field: string; value: unknown; line: number }> = []
    let ok = true
    for (const pair of node.items) {
      const keyLine = this.#lineOf(pair.key, entry.line)
      const key = isScalar(pair.key) ? pair.key.value : undefined
      if (typeof key !== 'string' || !FIELD_NAME.test(key)) {
        this.report('FLOW_SCHEMA', `${where}: field name ${describe(key)} must match [A-Za-z_][A-Za-z0-9_]*`, keyLine, step)
        ok = false
        continue
      }
      const field = this.#replyField({ node: this.#resolve(pair.value), line: this.#lineOf(pair.value, keyLine) }, `${where}.${key}`, step, (condition) => conditions.push({ name: key, ...condition }))
      if (field) shape.set(key, field)
      else ok = false
    }
    for (const condition of conditions) {
      const other = shape.get(condition.field)
      const at = `${where}.${condition.name}.required_when`
      if (condition.field === condition.name || !other) {
        if (ok) this.report('FLOW_SCHEMA', `${at}: '${condition.field}' is not another field of this shape`, condition.line, step)
        ok = false
      } else if (fieldProblem(other, condition.value) !== undefined) {
        this.report('FLOW_SCHEMA', `${at}: ${describe(condition.value)} is not a value '${condition.field}' can have`, condition.line, step)
        ok = false
      }
    }
    return ok ? shape : undefined
  }

  /** One field of a reply shape; `onCondition` gets its required_when, checked once the whole shape is read. */
  #replyField(entry: Entry, where: string, step: string, onCondition: (condition: { field: string; value: unknown; line: number }) => void): FieldShape | undefined {
    const node = entry.node
    if (isScalar(node)) {
      const compact = typeof node.value === 'string' ? COMPACT_FIELD.exec(node.value) : null
      if (!compact) {
        this.report('FLOW_SCHEMA', `${where}: expected one of ${FIELD_TYPES.join(', ')} (a trailing ? for optional), a list of texts, or { type, ... } (got ${describeNode(node)})`, entry.line, step)
        return undefined
      }
      const type = compact[1] as FieldType
      const optional = compact[2] === '?'
      return type === 'string' ? { type, optional, maxLength: DEFAULT_MAX_LENGTH } : { type, optional }
    }
    if (isSeq(node)) {
      const values = this.#enum(entry, where, step)
      return values && { type: 'string', optional: false, maxLength: DEFAULT_MAX_LENGTH, enum: values }
    }
    const fields = this.#entries(node, where, REPLY_FIELD_KEYS, entry.line, step)
    if (!fields) return undefined
    const typeEntry = fields.get('type')
    if (!typeEntry) {
      this.report('FLOW_SCHEMA', `${where}: missing 'type' (one of ${FIELD_TYPES.join(', ')})`, entry.line, step)
      return undefined
    }
    const type = this.#oneOf(typeEntry, `${where}.type`, step, FIELD_TYPES)
    if (!type) return undefined
    let ok = true
    for (const [key, value] of fields) {
      if (['type', 'optional', 'required_when'].includes(key) || REPLY_FIELD_KEYS_BY_TYPE[type].includes(key)) continue
      this.report('FLOW_SCHEMA', `${where}.${key}: does not apply to a ${type} field`, value.line, step)
      ok = false
    }
    const optionalEntry = fields.get('optional')
    const optional = optionalEntry ? this.#boolean(optionalEntry, `${where}.optional`, step) : false
    if (optional === undefined) ok = false
    const whenEntry = fields.get('required_when')
    let requiredWhen: FieldShape['requiredWhen']
    if (whenEntry) {
      const whenNode = whenEntry.node
      const pair = isMap(whenNode) && whenNode.items.length === 1 ? whenNode.items[0] : undefined
      const other = pair && isScalar(pair.key) ? pair.key.value : undefined
      const valueNode = pair ? this.#resolve(pair.value) : undefined
      const value = isScalar(valueNode) ? valueNode.value : undefined
      if (typeof other !== 'string' || !(typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) {
        this.report('FLOW_SCHEMA', `${where}.required_when: expected { other_field: value }, one field and a text, number or true/false`, whenEntry.line, step)
        ok = false
      } else {
        requiredWhen = { field: other, value }
        onCondition({ field: other, value, line: whenEntry.line })
      }
    }
    // A field required only under a condition is optional otherwise.
    const common = { optional: optional === true || requiredWhen !== undefined, ...(requiredWhen ? { requiredWhen } : {}) }
    if (type === 'boolean') return ok ? { type, ...common } : undefined
    if (type === 'integer' || type === 'number') {
      const bound = (key: 'min' | 'max'): number | undefined | null => {
        const bEntry = fields.get(key)
        if (!bEntry) return undefined
        const value = isScalar(bEntry.node) ? bEntry.node.value : undefined
        if (typeof value !== 'number' || !Number.isFinite(value) || (type === 'integer' && !Number.isSafeInteger(value))) {
          this.report('FLOW_SCHEMA', `${where}.${key}: expected ${type === 'integer' ? 'a whole number' : 'a number'} (got ${describeNode(bEntry.node)})`, bEntry.line, step)
          return null
        }
        return value
      }
      const min = bound('min')
      const max = bound('max')
      if (min === null || max === null) return undefined
      if (min !== undefined && max !== undefined && min > max) {
        this.report('FLOW_SCHEMA', `${where}: min ${min} is greater than max ${max}`, entry.line, step)
        return undefined
      }
      return ok ? { type, ...common, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) } : undefined
    }
    const lengthEntry = fields.get('max_length')
    const maxLength = lengthEntry ? this.#integer(lengthEntry, `${where}.max_length`, step, 1, MAX_MAX_LENGTH) : DEFAULT_MAX_LENGTH
    const patternEntry = fields.get('pattern')
    const pattern = patternEntry && this.#pattern(patternEntry, `${where}.pattern`, step)
    const enumEntry = fields.get('enum')
    const values = enumEntry && this.#enum(enumEntry, `${where}.enum`, step)
    const exampleEntry = fields.get('example')
    const example = exampleEntry && this.#string(exampleEntry, `${where}.example`, step)
    if (patternEntry && !exampleEntry) {
      this.report('FLOW_SCHEMA', `${where}: a pattern needs an example that fits it (for station flows test)`, patternEntry.line, step)
      ok = false
    }
    if (!ok || maxLength === undefined || (patternEntry && pattern === undefined) || (enumEntry && !values) || (exampleEntry && example === undefined)) return undefined
    const field: FieldShape = {
      type, ...common, maxLength,
      ...(pattern === undefined ? {} : { pattern }),
      ...(values ? { enum: values } : {}),
      ...(example === undefined ? {} : { example }),
    }
    const samples: Array<[string, Entry | undefined]> = [...(values ?? []).map((value): [string, Entry | undefined] => [value, enumEntry]), ...(example === undefined ? [] : [[example, exampleEntry] as [string, Entry | undefined]])]
    for (const [sample, at] of samples) {
      const problem = fieldProblem(field, sample)
      if (problem) {
        this.report('FLOW_SCHEMA', `${where}: '${sample}' does not fit the field itself (${problem})`, at?.line ?? entry.line, step)
        return undefined
      }
    }
    return field
  }

  /** A non-empty list of distinct texts. */
  #enum(entry: Entry, where: string, step: string): string[] | undefined {
    const items = this.#sequence(entry, where, step)
    if (!items) return undefined
    const values = items.map((item, index) => this.#string(item, `${where}[${index}]`, step))
    if (values.length === 0 || values.some((value) => value === undefined)) {
      if (values.length === 0) this.report('FLOW_SCHEMA', `${where}: an enumeration needs at least one value`, entry.line, step)
      return undefined
    }
    const texts = values as string[]
    if (new Set(texts).size !== texts.length) {
      this.report('FLOW_SCHEMA', `${where}: a value is listed twice`, entry.line, step)
      return undefined
    }
    return texts
  }

  /** A mapping of field name to text, number or true/false (request body, event match); texts are templates. */
  #values(entry: Entry, where: string, step: string, draft: DraftStep): Record<string, FlowValue> | undefined {
    const node = entry.node
    if (!isMap(node)) {
      this.report('FLOW_SCHEMA', `${where}: expected a mapping of field name to value (got ${describeNode(node)})`, entry.line, step)
      return undefined
    }
    const values: Record<string, FlowValue> = {}
    let ok = true
    for (const pair of node.items) {
      const keyLine = this.#lineOf(pair.key, entry.line)
      const key = isScalar(pair.key) ? pair.key.value : undefined
      if (typeof key !== 'string' || !FIELD_NAME.test(key)) {
        this.report('FLOW_SCHEMA', `${where}: field name ${describe(key)} must match [A-Za-z_][A-Za-z0-9_]*`, keyLine, step)
        ok = false
        continue
      }
      const valueNode = this.#resolve(pair.value)
      const value = isScalar(valueNode) ? valueNode.value : undefined
      const line = this.#lineOf(pair.value, keyLine)
      if (typeof value === 'string') {
        draft.texts.push({ text: value, line })
        values[key] = value
      } else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
        values[key] = value
      } else {
        this.report('FLOW_SCHEMA', `${where}.${key}: expected a text, a number or true/false (got ${describeNode(valueNode)})`, line, step)
        ok = false
      }
    }
    return ok ? values : undefined
  }

  /**
   * A string that is a template (a whole number is taken as its digits). A value without any
   * `{{variable}}` is known now, so it is checked against `literal` at once.
   */
  #templateValue(entry: Entry | undefined, where: string, step: string, draft: DraftStep, literal?: RegExp, literalName?: string): string | undefined {
    if (!entry) return undefined
    const raw = isScalar(entry.node) ? entry.node.value : undefined
    const value = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : this.#string(entry, where, step)
    if (value === undefined) return undefined
    if (literal && templateReferences(value).length === 0 && !literal.test(value)) {
      this.report('FLOW_SCHEMA', `${where}: '${value}' is not ${literalName ?? literal.source}`, entry.line, step)
      return undefined
    }
    draft.texts.push({ text: value, line: entry.line })
    return value
  }

  #fieldNames(entry: Entry | undefined, where: string, step: string, draft: DraftStep): string[] | undefined {
    if (!entry) return undefined
    const items = this.#sequence(entry, where, step)
    if (!items) return undefined
    const names: string[] = []
    for (const [index, item] of items.entries()) {
      const name = this.#string(item, `${where}[${index}]`, step, ANSWER_NAME, 'an answer name')
      if (name === undefined) continue
      names.push(name)
      draft.needs.push({ name, line: item.line })
    }
    return names.length === items.length ? names : undefined
  }

  #template(entry: Entry | undefined, where: string, step: string, draft: DraftStep): ReceiptLineTemplate[] | undefined {
    if (!entry) return undefined
    const items = this.#sequence(entry, where, step)
    if (!items) return undefined
    if (items.length === 0) {
      this.report('FLOW_SCHEMA', `${where}: a receipt needs at least one line`, entry.line, step)
      return undefined
    }
    const lines: ReceiptLineTemplate[] = []
    for (const [index, item] of items.entries()) {
      const line = this.#receiptLine(item, `${where}[${index}]`, step, draft)
      if (line) lines.push(line)
    }
    return lines.length === items.length ? lines : undefined
  }

  #receiptLine(item: Entry, where: string, step: string, draft: DraftStep): ReceiptLineTemplate | undefined {
    const node = item.node
    const kindPair = isMap(node) ? node.items.find((pair) => isScalar(pair.key) && pair.key.value === 'kind') : undefined
    if (!isMap(node) || !kindPair) {
      this.report('FLOW_SCHEMA', `${where}: expected a mapping with a 'kind' (text, qr, barcode, rule, feed)`, item.line, step)
      return undefined
    }
    const kind = this.#oneOf({ node: this.#resolve(kindPair.value), line: this.#lineOf(kindPair.value, item.line) }, `${where}.kind`, step, ['text', 'qr', 'barcode', 'rule', 'feed'] as const)
    if (!kind) return undefined
    const fields = this.#entries(node, where, RECEIPT_KEYS[kind], item.line, step)
    if (!fields) return undefined
    const required = (key: string): Entry | undefined => {
      const entry = fields.get(key)
      if (!entry) this.report('FLOW_SCHEMA', `${where}: missing '${key}'`, item.line, step)
      return entry
    }
    const data = (): string | undefined => {
      const entry = required('data')
      const value = entry && this.#string(entry, `${where}.data`, step)
      if (entry && value !== undefined) draft.texts.push({ text: value, line: entry.line })
      return value
    }
    switch (kind) {
      case 'text': {
        const textEntry = required('text')
        let text: LocalizedText | string | undefined
        if (textEntry && isScalar(textEntry.node)) {
          text = this.#string(textEntry, `${where}.text`, step)
          if (text !== undefined) draft.texts.push({ text, line: textEntry.line })
        } else if (textEntry) {
          text = this.#localized(textEntry, `${where}.text`, step, draft.texts)
        }
        const alignEntry = fields.get('align')
        const align = alignEntry && this.#oneOf(alignEntry, `${where}.align`, step, ['left', 'center', 'right'] as const)
        const boldEntry = fields.get('bold')
        const bold = boldEntry && this.#boolean(boldEntry, `${where}.bold`, step)
        const sizeEntry = fields.get('size')
        const size = sizeEntry && this.#oneOf(sizeEntry, `${where}.size`, step, ['normal', 'double'] as const)
        if (text === undefined || (alignEntry && !align) || (boldEntry && bold === undefined) || (sizeEntry && !size)) return undefined
        return {
          kind, text,
          ...(align ? { align } : {}),
          ...(bold === undefined ? {} : { bold }),
          ...(size ? { size } : {}),
        }
      }
      case 'qr': {
        const value = data()
        const dotsEntry = fields.get('module_dots')
        const moduleDots = dotsEntry && this.#integer(dotsEntry, `${where}.module_dots`, step, QR_MODULE_DOTS.min, QR_MODULE_DOTS.max)
        if (value === undefined || (dotsEntry && moduleDots === undefined)) return undefined
        return { kind, data: value, ...(moduleDots === undefined ? {} : { moduleDots }) }
      }
      case 'barcode': {
        const value = data()
        return value === undefined ? undefined : { kind, data: value }
      }
      case 'rule':
        return { kind }
      case 'feed': {
        const linesEntry = required('lines')
        const lines = linesEntry && this.#integer(linesEntry, `${where}.lines`, step, FEED_LINES.min, FEED_LINES.max)
        return lines === undefined ? undefined : { kind, lines }
      }
    }
  }

  #pattern(entry: Entry, where: string, step: string): string | undefined {
    const source = this.#string(entry, where, step)
    if (source === undefined) return undefined
    try {
      new RegExp(source, 'u')
      return source
    } catch (error) {
      this.report('FLOW_SCHEMA', `${where}: not a valid regular expression (${error instanceof Error ? error.message : String(error)})`, entry.line, step)
      return undefined
    }
  }

  /** A `{vi, en}` text; records both strings in `texts` for the variable check. */
  #localized(entry: Entry, where: string, step: string | undefined, texts: DraftText[]): LocalizedText | undefined {
    const node = entry.node
    if (!isMap(node)) {
      const got = isScalar(node) ? `a plain ${describe(node.value)}` : 'a non-mapping'
      this.report('FLOW_MISSING_TRANSLATION', `${where}: expected { vi, en } with both languages; got ${got}`, entry.line, step)
      return undefined
    }
    const fields = this.#entries(node, where, TEXT_KEYS, entry.line, step)
    if (!fields) return undefined
    const result: { vi?: string; en?: string } = {}
    for (const language of ['vi', 'en'] as const) {
      const value = fields.get(language)
      if (!value || (isScalar(value.node) && (value.node.value === null || value.node.value === ''))) {
        this.report('FLOW_MISSING_TRANSLATION', `${where}: missing '${language}'`, value?.line ?? entry.line, step)
        continue
      }
      const text = this.#string(value, `${where}.${language}`, step)
      if (text === undefined) continue
      if (text.trim() === '') {
        this.report('FLOW_MISSING_TRANSLATION', `${where}.${language}: blank`, value.line, step)
        continue
      }
      result[language] = text.normalize('NFC')
      texts.push({ text, line: value.line })
    }
    return result.vi !== undefined && result.en !== undefined ? { vi: result.vi, en: result.en } : undefined
  }

  #sequence(entry: Entry, where: string, step: string): Entry[] | undefined {
    const node = entry.node
    if (!isSeq(node)) {
      this.report('FLOW_SCHEMA', `${where}: expected a list`, entry.line, step)
      return undefined
    }
    return node.items.map((item) => ({ node: this.#resolve(item), line: this.#lineOf(item, entry.line) }))
  }

  #string(entry: Entry, where: string, step: string | undefined, pattern?: RegExp, patternName?: string): string | undefined {
    const value = isScalar(entry.node) ? entry.node.value : undefined
    if (typeof value !== 'string') {
      this.report('FLOW_SCHEMA', `${where}: expected ${patternName ?? 'a string'} (got ${describeNode(entry.node)})`, entry.line, step)
      return undefined
    }
    if (pattern && !pattern.test(value)) {
      this.report('FLOW_SCHEMA', `${where}: '${value}' is not ${patternName ?? pattern.source}`, entry.line, step)
      return undefined
    }
    return value
  }

  #integer(entry: Entry, where: string, step: string | undefined, min: number, max: number): number | undefined {
    const value = isScalar(entry.node) ? entry.node.value : undefined
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.report('FLOW_SCHEMA', `${where}: expected an integer ${min}..${max} (got ${describeNode(entry.node)})`, entry.line, step)
      return undefined
    }
    return value
  }

  /** A positive number up to `max` (timeouts may be fractional seconds). */
  #number(entry: Entry, where: string, step: string, max: number): number | undefined {
    const value = isScalar(entry.node) ? entry.node.value : undefined
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
      this.report('FLOW_SCHEMA', `${where}: expected a number of seconds > 0 and <= ${max} (got ${describeNode(entry.node)})`, entry.line, step)
      return undefined
    }
    return value
  }

  #boolean(entry: Entry, where: string, step: string): boolean | undefined {
    const value = isScalar(entry.node) ? entry.node.value : undefined
    if (typeof value !== 'boolean') {
      this.report('FLOW_SCHEMA', `${where}: expected true or false (got ${describeNode(entry.node)})`, entry.line, step)
      return undefined
    }
    return value
  }

  #oneOf<const T extends string>(entry: Entry, where: string, step: string | undefined, allowed: readonly T[]): T | undefined {
    const value = isScalar(entry.node) ? entry.node.value : undefined
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.report('FLOW_SCHEMA', `${where}: expected one of ${allowed.join(', ')} (got ${describeNode(entry.node)})`, entry.line, step)
      return undefined
    }
    return value as T
  }

  /** The keys of a mapping; unknown and non-string keys are reported. Undefined when `node` is no mapping. */
  #entries(node: unknown, where: string, allowed: readonly string[], line: number, step?: string): Map<string, Entry> | undefined {
    const map = this.#resolve(node)
    if (!isMap(map)) {
      this.report('FLOW_SCHEMA', `${where}: expected a mapping (got ${describeNode(map)})`, this.#lineOf(map, line), step)
      return undefined
    }
    const entries = new Map<string, Entry>()
    for (const pair of map.items) {
      const keyLine = this.#lineOf(pair.key, line)
      const key = isScalar(pair.key) ? pair.key.value : undefined
      if (typeof key !== 'string' || !allowed.includes(key)) {
        this.report('FLOW_SCHEMA', `${where}: unknown key ${describe(key)} (allowed: ${allowed.join(', ')})`, keyLine, step)
        continue
      }
      entries.set(key, { node: this.#resolve(pair.value), line: this.#lineOf(pair.value, keyLine) })
    }
    return entries
  }

  #resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.#doc) : node
  }

  /** 1-based line where `node` starts; `fallback` for missing nodes (an empty value). */
  #lineOf(node: unknown, fallback: number): number {
    const offset = isNode(node) ? node.range?.[0] : undefined
    return offset === undefined ? fallback : this.#lines.linePos(offset).line
  }

  #errorCount(): number {
    return this.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value)
}

function describeNode(node: unknown): string {
  if (isScalar(node)) return describe(node.value)
  if (isMap(node)) return 'a mapping'
  if (isSeq(node)) return 'a list'
  return 'nothing'
}
