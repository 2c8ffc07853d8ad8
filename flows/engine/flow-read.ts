/**
 * Reads a flow file: YAML in, the draft flow-validate.ts checks across steps and the diagnostics of
 * its shape out. The shape is the schema's (flow-file-schema.ts: TypeBox errors worded by
 * schema-problems.ts) plus the rules of one step a schema cannot state (flow-file-rules.ts); this
 * file gives each problem its line (the yaml library's node ranges) and notes, per step, the
 * transitions, texts, screens, names and effects the second pass checks. A step with no problem
 * is typed (flow-step-build.ts). Pure: text in, draft and diagnostics out.
 */
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml'
import { conditionTexts, parseCondition } from './conditions.js'
import type { Diagnostic } from './diagnostic.js'
import { FlowFileSchema, RECEIPT_LINE_KINDS, STEP_ID, STEP_KINDS, type StepFile } from './flow-file-schema.js'
import { checkStepRules, isConditionPath } from './flow-file-rules.js'
import { localizedOf, stepOf } from './flow-step-build.js'
import type { LegalBasis, LocalizedText, Step, StepKind } from './flow-types.js'
import type { IdentitySource } from './identity.js'
import type { IdentityField } from './identity-fields.js'
import { describe, schemaProblems, type SchemaProblem } from './schema-problems.js'
import { FIELD_NAME, ITEM_NAME, templateReferences } from './template.js'

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
  /** The fields each reply name's declared shape has (`reply`, `fields`), for FLOW_UNDECLARED_FIELD; `lists`: its list fields and their items' fields. */
  shapes: Array<{ name: string; fields: string[]; lists: Record<string, string[]> }>
  /** A choose step's `options_from`: the list it reads and the item fields its value and label name. */
  lists: Array<{ name: string; field: string; itemFields: Array<{ field: string; line: number }>; line: number }>
  /** Names the step's own texts may use although it sets them itself: `payment` in a pay_qr slip. */
  provides: string[]
  /** Names this step needs set before it runs, besides those in its texts: submit fields and identity. */
  needs: Array<{ name: string; line: number }>
  /** Effects, request methods and identity sources it needs. */
  uses: DraftUse[]
  /** A submit's declared identity fields and legal basis, for FLOW_CONSENT_MISMATCH (consent-check.ts). */
  identity?: { fields: IdentityField[]; basis: LegalBasis; line: number }
  /** A text that may ask for consent in its own words: a consent step's own `text`, or a show step's. */
  consentText?: { text: LocalizedText; line: number }
  /** The typed step; null when it had any error. */
  step: Step | null
}

/** A flow file as read. `steps` keeps the file's order. */
export interface DraftFlow {
  id: string | null
  version: number | null
  title: LocalizedText | null
  shortTitle: LocalizedText | undefined
  /** `menu_order` (within MENU_ORDER); undefined when absent or invalid. */
  menuOrder: number | undefined
  /** What the display's title row shows (`short_title`, else `title`), for the fit check. */
  displayTitle: { field: 'title' | 'short_title'; text: LocalizedText; line: number } | null
  /** `start` as a transition (field 'start'); null when missing or not a string. */
  start: DraftTransition | null
  /** Texts of the flow itself (title), usable with built-ins only. */
  texts: DraftText[]
  steps: Map<string, DraftStep>
}


/** Parses `text` and reads it as a flow. `draft` is null when the file is not YAML or not a mapping. */
export function readFlow(text: string, file: string): { draft: DraftFlow | null; diagnostics: Diagnostic[] } {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const diagnostics: Diagnostic[] = []
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      diagnostics.push({ code: 'FLOW_SCHEMA', severity: 'error', message: `YAML: ${error.message.split('\n')[0] ?? ''}`, file, line: lines.linePos(error.pos[0]).line })
    }
    return { draft: null, diagnostics }
  }
  const places = new Places(doc, lines)
  const root = places.resolve(doc.contents)
  if (!isMap(root)) {
    const got = isScalar(root) ? describe(root.value) : isSeq(root) ? 'a list' : 'nothing'
    diagnostics.push({ code: 'FLOW_SCHEMA', severity: 'error', message: `flow: expected a mapping (got ${got})`, file, line: places.lineOf(root) ?? 1 })
    return { draft: null, diagnostics }
  }
  const value: unknown = doc.toJS()
  const problems = schemaProblems(FlowFileSchema, value, isConditionPath)
  checkStepRules(value, problems)
  for (const problem of problems) {
    const step = problem.path[0] === 'steps' && problem.path[1] !== undefined && STEP_ID.test(problem.path[1]) ? { step: problem.path[1] } : {}
    diagnostics.push({ code: problem.code, severity: 'error', message: problem.message, file, line: places.lineFor(problem), ...step })
  }
  return { draft: new DraftReader(value as Record<string, unknown>, problems, places).flow(), diagnostics }
}

/** Lines of the nodes at paths of the file's value (keys and list indexes), through aliases. */
class Places {
  #doc: Document
  #lines: LineCounter

  constructor(doc: Document, lines: LineCounter) {
    this.#doc = doc
    this.#lines = lines
  }

  resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.#doc) : node
  }

  /** 1-based line where `node` starts; undefined for no node. */
  lineOf(node: unknown): number | undefined {
    const offset = isNode(node) ? node.range?.[0] : undefined
    return offset === undefined ? undefined : this.#lines.linePos(offset).line
  }

  /** The key and the value (as written: an alias stays one, so the line is where it is used) at `path`. */
  #find(path: readonly string[]): { key?: unknown; value?: unknown } {
    let found: { key?: unknown; value?: unknown } = { value: this.#doc.contents }
    for (const segment of path) {
      const node = this.resolve(found.value)
      if (isMap(node)) {
        const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === segment)
        if (!pair) return {}
        found = { key: pair.key, value: pair.value }
      } else if (isSeq(node)) {
        found = { value: node.items[Number(segment)] }
      } else {
        return {}
      }
    }
    return found
  }

  /** The line of the value at `path`; of its key when the value is empty; else of the mapping that holds it. */
  valueLine(path: readonly string[]): number {
    const { key, value } = this.#find(path)
    return this.lineOf(value) ?? this.lineOf(key) ?? (path.length === 0 ? 1 : this.valueLine(path.slice(0, -1)))
  }

  keyLine(path: readonly string[]): number {
    return this.lineOf(this.#find(path).key) ?? this.valueLine(path)
  }

  /** A step's problems are on its id's line; a mapping's on its first line; the file's on line 1. */
  ownerLine(path: readonly string[]): number {
    if (path.length === 0) return 1
    if (path.length === 2 && path[0] === 'steps') return this.keyLine(path)
    return this.valueLine(path)
  }

  lineFor(problem: SchemaProblem): number {
    if (problem.at === 'key') return this.keyLine(problem.path)
    if (problem.at === 'owner') return this.ownerLine(problem.path)
    return this.valueLine(problem.path)
  }
}

/** Builds the draft from the file's value: only what fits is noted, so one mistake is reported once. */
class DraftReader {
  #file: Record<string, unknown>
  #problems: SchemaProblem[]
  #places: Places

  constructor(file: Record<string, unknown>, problems: SchemaProblem[], places: Places) {
    this.#file = file
    this.#problems = problems
    this.#places = places
  }

  /** No problem at `path` or under it. */
  #fits(path: readonly string[]): boolean {
    const prefix = path.join('/')
    return !this.#problems.some((problem) => {
      const at = problem.path.join('/')
      return at === prefix || at.startsWith(`${prefix}/`)
    })
  }

  flow(): DraftFlow {
    const file = this.#file
    const draft: DraftFlow = { id: null, version: null, title: null, shortTitle: undefined, menuOrder: undefined, displayTitle: null, start: null, texts: [], steps: new Map() }
    const fit = (key: string): unknown => (file[key] !== undefined && this.#fits([key]) ? file[key] : undefined)
    draft.id = (fit('id') as string | undefined) ?? null
    draft.version = (fit('version') as number | undefined) ?? null
    this.#texts(file['title'], ['title'], draft.texts)
    this.#texts(file['short_title'], ['short_title'], draft.texts)
    const title = fit('title') as LocalizedText | undefined
    const shortTitle = fit('short_title') as LocalizedText | undefined
    if (title) draft.title = localizedOf(title)
    if (shortTitle) draft.shortTitle = localizedOf(shortTitle)
    if (draft.shortTitle) draft.displayTitle = { field: 'short_title', text: draft.shortTitle, line: this.#places.valueLine(['short_title']) }
    else if (file['short_title'] === undefined && draft.title) draft.displayTitle = { field: 'title', text: draft.title, line: this.#places.valueLine(['title']) }
    draft.menuOrder = fit('menu_order') as number | undefined
    const start = fit('start')
    if (typeof start === 'string') draft.start = { field: 'start', target: start, line: this.#places.valueLine(['start']), success: true }
    const steps = file['steps']
    if (isMapping(steps)) {
      for (const [id, step] of Object.entries(steps)) {
        if (STEP_ID.test(id)) draft.steps.set(id, this.#step(id, step))
      }
    }
    return draft
  }

  /** A `{ vi, en }` text's languages that fit, for the variable check. */
  #texts(text: unknown, path: string[], into: DraftText[]): void {
    if (!isMapping(text)) return
    for (const language of ['vi', 'en']) {
      const value = text[language]
      if (typeof value === 'string' && this.#fits([...path, language])) into.push({ text: value, line: this.#places.valueLine([...path, language]) })
    }
  }

  /** The operands of a branch case's or a choose option's `when`: texts whose references must be set before the step. */
  #conditionTexts(when: unknown, path: string[], into: DraftText[]): void {
    const { condition } = parseCondition(when)
    if (when === undefined || !condition) return
    for (const operand of conditionTexts(condition)) into.push({ text: operand, line: this.#places.valueLine(path) })
  }

  #step(id: string, raw: unknown): DraftStep {
    const base = ['steps', id]
    const line = this.#places.keyLine(base)
    const draft: DraftStep = { id, line, kind: null, transitions: [], texts: [], screens: [], sets: [], records: [], shapes: [], lists: [], provides: [], needs: [], uses: [], step: null }
    if (!isMapping(raw) || raw['kind'] === undefined) return draft
    if (!(STEP_KINDS as readonly unknown[]).includes(raw['kind'])) {
      this.#harvest(raw, base, draft)
      return draft
    }
    const kind = raw['kind'] as StepKind
    draft.kind = kind
    const places = this.#places
    const path = (...keys: string[]): string[] => [...base, ...keys]
    const fit = (...keys: string[]): unknown => {
      const value = keys.reduce<unknown>((at, key) => (isMapping(at) ? at[key] : Array.isArray(at) ? at[Number(key)] : undefined), raw)
      return value !== undefined && this.#fits(path(...keys)) ? value : undefined
    }
    const target = (key: string, success: boolean): void => {
      const name = fit(key)
      if (typeof name === 'string') draft.transitions.push({ field: key, target: name, line: places.valueLine(path(key)), success })
    }
    const text = (key: string): void => this.#texts(raw[key], path(key), draft.texts)
    const screen = (key: string, pageable: boolean, inputRow = false): void => {
      text(key)
      const value = fit(key) as LocalizedText | undefined
      if (value) draft.screens.push({ field: key, text: localizedOf(value), line: places.valueLine(path(key)), pageable, inputRow })
    }
    const template = (...keys: string[]): void => {
      const value = fit(...keys)
      if (typeof value === 'string') draft.texts.push({ text: value, line: places.valueLine(path(...keys)) })
    }
    const saveAs = (record: boolean): string | undefined => {
      const name = fit('save_as')
      if (typeof name !== 'string') return undefined
      draft.sets.push(name)
      if (record) draft.records.push(name)
      return name
    }
    const values = (key: string): void => {
      const written = raw[key]
      if (!isMapping(written)) return
      for (const field of Object.keys(written)) if (FIELD_NAME.test(field)) template(key, field)
    }
    const shape = (key: string, name: string | undefined): void => {
      const declared = fit(key)
      if (name === undefined || !isMapping(declared)) return
      const lists: Record<string, string[]> = {}
      for (const [field, spec] of Object.entries(declared)) {
        if (isMapping(spec) && spec['type'] === 'list' && isMapping(spec['items'])) lists[field] = Object.keys(spec['items'])
      }
      draft.shapes.push({ name, fields: Object.keys(declared), lists })
    }
    const receipt = (): void => {
      const lines = raw['template']
      if (!Array.isArray(lines)) return
      lines.forEach((receiptLine: unknown, index) => {
        const at = String(index)
        if (!isMapping(receiptLine) || !(RECEIPT_LINE_KINDS as readonly unknown[]).includes(receiptLine['kind'])) return
        if (receiptLine['kind'] === 'text' && isMapping(receiptLine['text'])) this.#texts(receiptLine['text'], path('template', at, 'text'), draft.texts)
        else template('template', at, receiptLine['kind'] === 'text' ? 'text' : 'data')
      })
    }
    const effect = (name: 'request' | 'waitFor' | 'print'): void => {
      draft.uses.push({ kind: 'effect', effect: name, line })
    }

    switch (kind) {
      case 'scan_id': {
        const accept = fit('accept') as IdentitySource[] | undefined
        if (accept) draft.uses.push({ kind: 'identity', sources: accept, line: places.valueLine(path('accept')) })
        screen('text', true)
        target('next', true)
        target('on_timeout', false)
        draft.sets.push('identity')
        break
      }
      case 'choose': {
        screen('text', true)
        saveAs(false)
        const options = raw['options']
        if (Array.isArray(options)) {
          options.forEach((option: unknown, index) => {
            if (!isMapping(option)) return
            const at = String(index)
            this.#texts(option['label'], path('options', at, 'label'), draft.texts)
            const next = fit('options', at, 'next')
            if (typeof next === 'string') draft.transitions.push({ field: `options[${index}].next`, target: next, line: places.valueLine(path('options', at, 'next')), success: true })
            this.#conditionTexts(option['when'], path('options', at, 'when'), draft.texts)
          })
        }
        const from = fit('options_from')
        if (isMapping(from)) {
          const itemFields: Array<{ field: string; line: number }> = []
          if (typeof from['value'] === 'string') itemFields.push({ field: from['value'], line: places.valueLine(path('options_from', 'value')) })
          const label = from['label']
          if (isMapping(label)) {
            for (const language of ['vi', 'en']) {
              const written = label[language]
              if (typeof written !== 'string') continue
              const line = places.valueLine(path('options_from', 'label', language))
              // `{{item.x}}` is the item's field, checked against the list's items; the rest as any text.
              for (const reference of templateReferences(written)) {
                const [base, field] = reference.split('.')
                if (base === ITEM_NAME && field !== undefined) itemFields.push({ field, line })
              }
              draft.texts.push({ text: written.replace(/\{\{\s*item\.[^{}]*?\s*\}\}/g, ''), line })
            }
          }
          const [name = '', field = ''] = String(from['list']).split('.')
          draft.lists.push({ name, field, itemFields, line: places.valueLine(path('options_from', 'list')) })
          const next = from['next']
          if (typeof next === 'string') draft.transitions.push({ field: 'options_from.next', target: next, line: places.valueLine(path('options_from', 'next')), success: true })
        }
        target('on_empty', false)
        target('on_timeout', false)
        break
      }
      case 'input':
        screen('text', false, true)
        saveAs(false)
        screen('invalid_text', false)
        text('empty_label')
        target('next', true)
        target('on_timeout', false)
        break
      case 'show': {
        screen('text', true)
        const shown = fit('text') as LocalizedText | undefined
        if (shown) draft.consentText = { text: localizedOf(shown), line: places.valueLine(path('text')) }
        target('next', true)
        target('on_timeout', false)
        break
      }
      case 'consent': {
        text('recipient')
        text('text')
        const own = fit('text') as LocalizedText | undefined
        if (own) draft.consentText = { text: localizedOf(own), line: places.valueLine(path('text')) }
        target('next', true)
        target('on_timeout', false)
        break
      }
      case 'submit': {
        const fields = raw['fields']
        if (Array.isArray(fields)) {
          fields.forEach((_, index) => {
            const name = fit('fields', String(index))
            if (typeof name === 'string') draft.needs.push({ name, line: places.valueLine(path('fields', String(index))) })
          })
        }
        const identity = fit('identity') as IdentityField[] | undefined
        if (identity && identity.length > 0) {
          const line = places.valueLine(path('identity'))
          draft.needs.push({ name: 'identity', line })
          draft.identity = { fields: [...identity], basis: (fit('legal_basis') as LegalBasis | undefined) ?? 'consent', line }
        }
        screen('text', false)
        target('next', true)
        target('on_error', false)
        draft.sets.push('reference')
        break
      }
      case 'print':
        effect('print')
        receipt()
        screen('text', false)
        target('next', true)
        target('on_error', false)
        break
      case 'request': {
        effect('request')
        const method = fit('method')
        if (typeof method === 'string') draft.uses.push({ kind: 'method', method, line: places.valueLine(path('method')) })
        values('body')
        if (Array.isArray(fit('identity'))) draft.needs.push({ name: 'identity', line: places.valueLine(path('identity')) })
        shape('reply', saveAs(true))
        screen('text', false)
        target('next', true)
        target('on_error', false)
        target('on_timeout', false)
        break
      }
      case 'pay_qr':
        effect('print')
        for (const key of ['bin', 'account', 'amount', 'purpose']) {
          const value = fit(key)
          if (value !== undefined) draft.texts.push({ text: String(value), line: places.valueLine(path(key)) })
        }
        draft.sets.push('payment')
        draft.provides.push('payment')
        receipt()
        screen('text', false)
        target('next', true)
        target('on_error', false)
        break
      case 'wait_for':
        effect('waitFor')
        values('match')
        shape('fields', saveAs(true))
        screen('text', false)
        target('next', true)
        target('on_timeout', false)
        target('on_error', false)
        if (isMapping(fit('leave'))) {
          const leave = raw['leave'] as Record<string, unknown>
          this.#texts(leave['text'], path('leave', 'text'), draft.texts)
          const question = fit('leave', 'text') as LocalizedText | undefined
          if (question) draft.screens.push({ field: 'leave.text', text: localizedOf(question), line: places.valueLine(path('leave', 'text')), pageable: false, inputRow: false })
          const next = fit('leave', 'next')
          if (typeof next === 'string') draft.transitions.push({ field: 'leave.next', target: next, line: places.valueLine(path('leave', 'next')), success: false })
        }
        break
      case 'branch': {
        const cases = raw['cases']
        if (Array.isArray(cases)) {
          cases.forEach((branchCase: unknown, index) => {
            if (!isMapping(branchCase)) return
            const at = String(index)
            const next = fit('cases', at, 'next')
            if (typeof next === 'string') draft.transitions.push({ field: `cases[${index}].next`, target: next, line: places.valueLine(path('cases', at, 'next')), success: true })
            this.#conditionTexts(branchCase['when'], path('cases', at, 'when'), draft.texts)
          })
        }
        target('otherwise', true)
        break
      }
      case 'end':
        screen('text', false)
        break
    }
    if (this.#fits(base)) draft.step = stepOf(id, raw as StepFile)
    return draft
  }

  /**
   * For a step of unknown kind: notes whatever targets and answer name it seems to have, so that one
   * typo in `kind` does not also make every later step unreachable. Reports nothing.
   */
  #harvest(raw: Record<string, unknown>, base: string[], draft: DraftStep): void {
    const places = this.#places
    for (const [key, value] of Object.entries(raw)) {
      const line = places.valueLine([...base, key])
      if ((key === 'next' || key === 'on_timeout' || key === 'on_error' || key === 'otherwise') && typeof value === 'string') {
        draft.transitions.push({ field: key, target: value, line, success: key === 'next' || key === 'otherwise' })
      } else if (key === 'save_as' && typeof value === 'string') {
        draft.sets.push(value)
      } else if ((key === 'options' || key === 'cases') && Array.isArray(value)) {
        value.forEach((item: unknown, index) => {
          const next = isMapping(item) ? item['next'] : undefined
          if (typeof next === 'string') draft.transitions.push({ field: `${key}[${index}].next`, target: next, line: places.valueLine([...base, key, String(index)]), success: true })
        })
      }
    }
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
