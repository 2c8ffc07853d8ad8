/**
 * Runs one flow for one resident: shows each step, takes keys and identity documents, runs the
 * effects (submit, print) through the injected FlowEffects, and ends with an outcome. Every wait is a
 * timer on the injected Clock, cleared on every step change and at the end.
 */
import type { KeyName, Language } from '../../config/schema.js'
import type { Receipt } from '../../drivers/printer/receipt.js'
import type { Clock, TimerHandle } from '../../runtime/clock.js'
import { isStationError } from '../../runtime/errors.js'
import { buildReceipt } from './build-receipt.js'
import { reachableSteps } from './flow-graph.js'
import type {
  ChooseStep,
  FlowDefinition,
  InputStep,
  LocalizedText,
  Outcome,
  PrintStep,
  Step,
  SubmitStep,
  WaitingStep,
} from './flow-types.js'
import { isWaitingStep } from './flow-types.js'
import { maskIdentity, type Identity } from './identity.js'
import { renderScreen } from './render-screen.js'
import type { Screen } from './screen.js'
import { formatStationDate, formatStationTime } from './station-time.js'
import { interpolate, variableNeed } from './template.js'

/** What a session does to the world. The owner wires these to the display, printer, outbox and event stream. */
export interface FlowEffects {
  /** Replaces what the resident sees. */
  show(screen: Screen): void
  /** Resolves when printed; rejects (StationError E_PRINTER_*) when it could not print. */
  print(receipt: Receipt): Promise<void>
  /**
   * Stores a submission durably; resolves only once it is safe to tell the resident "received".
   * `data` holds personal data when the step asks for identity.
   */
  submit(request: { flow: string; flowVersion: number; data: Record<string, unknown> }): Promise<{ id: string; reference: string }>
  /** Something happened, for central and the technician. Never personal data: no answers, no identity. */
  event(type: string, fields: Record<string, string | number | boolean>): void
}

export interface FlowSessionOptions {
  /** A validated flow (flow-validate.ts). */
  flow: FlowDefinition
  language: Language
  effects: FlowEffects
  clock: Clock
  /** An identity presented before the flow was chosen; satisfies the first scan_id step that accepts its source. */
  identity?: Identity | null
  /** For `{{station.id}}`; default '-'. */
  stationId?: string
  /** Display size, to know whether key 0 has pages to turn; default 20x4. */
  display?: { cols: number; rows: number }
}

/** How a session ended. */
export interface FlowResult {
  outcome: Outcome
  /** The step the session was at when it ended (the end step, or the step that timed out or was cancelled). */
  stepId: string
  /** Present when a submit succeeded. */
  reference?: string
}

/** A saved answer. */
interface Answer {
  /** The step that saved it (dropped again when the resident goes back to that step). */
  step: string
  /** Option value or typed text. */
  value: string
  /** A choice's label; null for typed text. */
  label: LocalizedText | null
  /** What typed text shows as when empty. */
  emptyLabel: LocalizedText | null
}

/** How long a failed input check stays on screen unless a key comes first. */
const INVALID_NOTICE_MS = 2000

const DEFAULT_TEXTS = {
  invalid: { vi: 'Không hợp lệ. Vui lòng nhập lại.', en: 'Not valid. Please try again.' },
  submitting: { vi: 'Đang gửi, vui lòng chờ.', en: 'Sending, please wait.' },
  printing: { vi: 'Đang in biên nhận.', en: 'Printing your receipt.' },
} as const satisfies Record<string, LocalizedText>

export class FlowSession {
  #flow: FlowDefinition
  #language: Language
  #effects: FlowEffects
  #clock: Clock
  #stationId: string
  #display: { cols: number; rows: number }

  #identity: Identity | null
  #answers = new Map<string, Answer>()
  #reference: string | null = null
  /** Waiting steps the resident went through, for `back`; emptied by every effect step. */
  #history: string[] = []
  /** A submit succeeded: there is nothing left to cancel. */
  #committed = false

  #started = false
  #ended = false
  #current: Step | null = null
  /** Bumped on every step change, so a late effect result for an old step is ignored. */
  #generation = 0
  /** Steps entered without waiting since the last outside event; guards against scan_id loops. */
  #hops = 0
  #stepTimer: TimerHandle | null = null
  #noticeTimer: TimerHandle | null = null
  #page = 0
  #typed = ''
  #listeners: Array<(result: FlowResult) => void> = []

  constructor(options: FlowSessionOptions) {
    this.#flow = options.flow
    this.#language = options.language
    this.#effects = options.effects
    this.#clock = options.clock
    this.#identity = options.identity ?? null
    this.#stationId = options.stationId ?? '-'
    this.#display = options.display ?? { cols: 20, rows: 4 }
  }

  get flowId(): string {
    return this.#flow.id
  }

  get ended(): boolean {
    return this.#ended
  }

  /** The step the resident is at; null before start and after the end. */
  get currentStepId(): string | null {
    return this.#ended ? null : (this.#current?.id ?? null)
  }

  /** Listens for the end (once per session). Returns a function that stops listening. */
  onEnd(listener: (result: FlowResult) => void): () => void {
    this.#listeners.push(listener)
    return () => {
      this.#listeners = this.#listeners.filter((other) => other !== listener)
    }
  }

  /** Shows the first step. Calling it again does nothing. */
  start(): void {
    if (this.#started || this.#ended) return
    this.#started = true
    this.#event('flow.started', { step: this.#flow.start })
    this.#hops = 0
    this.#enter(this.#flow.start)
  }

  /** A resident's key. Ignored while an effect runs, before start and after the end. */
  key(key: KeyName): void {
    const step = this.#current
    if (this.#ended || !step || !isWaitingStep(step)) return
    this.#hops = 0
    this.#armStepTimer(step)
    if (this.#noticeTimer) {
      // A key ends the "not valid" notice early and then counts as usual.
      this.#clearNotice()
      this.#show()
    }
    if (key === 'back') {
      if (step.kind === 'input' && this.#typed !== '') {
        this.#typed = Array.from(this.#typed).slice(0, -1).join('')
        this.#show()
        return
      }
      this.#back()
      return
    }
    switch (step.kind) {
      case 'choose':
        return this.#chooseKey(step, key)
      case 'input':
        return this.#inputKey(step, key)
      case 'show':
        if (key === 'ok') return this.#enter(step.next)
        if (key === '0') this.#turnPage()
        return
      case 'scan_id':
        if (key === '0') this.#turnPage()
        return
    }
  }

  /**
   * An identity document was read. Accepted (true) while a scan_id step that accepts its source waits,
   * which then moves on; or, while no identity is held yet, when such a step is still ahead (or the
   * session has not started), kept for it. Refused (false) otherwise, e.g. after the end.
   */
  presentIdentity(identity: Identity): boolean {
    if (this.#ended) return false
    const step = this.#current
    if (step?.kind === 'scan_id') {
      if (!step.accept.includes(identity.source)) return false
      this.#identity = identity
      this.#hops = 0
      this.#enter(step.next)
      return true
    }
    if (this.#identity !== null) return false
    const ahead = reachableSteps(this.#flow, step?.id ?? this.#flow.start)
    const wanted = [...ahead].some((id) => {
      const candidate = this.#flow.steps.get(id)
      return candidate?.kind === 'scan_id' && candidate.accept.includes(identity.source)
    })
    if (wanted) this.#identity = identity
    return wanted
  }

  /** Ends the session from outside (idle timeout, maintenance, a new card at the welcome screen). Idempotent. */
  cancel(outcome: Outcome = 'cancelled'): void {
    if (this.#ended) return
    this.#finish(outcome, this.#current?.id ?? this.#flow.start)
  }

  /** Drops the identity and every answer. The owner calls it when the session ends or times out. */
  wipe(): void {
    this.#identity = null
    this.#answers.clear()
    this.#typed = ''
  }

  #enter(id: string): void {
    const step = this.#flow.steps.get(id)
    if (!step || ++this.#hops > this.#flow.steps.size) {
      // Unreachable for a validated flow: a missing step, or scan_id steps passing to each other forever.
      this.#finish('failed', id)
      return
    }
    this.#clearTimers()
    this.#generation++
    this.#current = step
    this.#page = 0
    this.#typed = ''
    this.#event('flow.step', { step: id })
    switch (step.kind) {
      case 'scan_id':
        if (this.#identity && step.accept.includes(this.#identity.source)) {
          this.#enter(step.next)
          return
        }
        return this.#wait(step)
      case 'choose':
      case 'input':
      case 'show':
        return this.#wait(step)
      case 'submit':
        return this.#submit(step)
      case 'print':
        return this.#print(step)
      case 'end':
        this.#show()
        this.#finish(step.outcome, step.id)
        return
    }
  }

  #wait(step: WaitingStep): void {
    if (this.#history[this.#history.length - 1] !== step.id) this.#history.push(step.id)
    this.#show()
    this.#armStepTimer(step)
  }

  #back(): void {
    if (this.#history.length <= 1) {
      // After a submit the resident's request is in; there is nothing to cancel.
      if (!this.#committed) this.#finish('cancelled', this.#current?.id ?? this.#flow.start)
      return
    }
    const leaving = this.#history.pop()
    const target = this.#history.pop()
    if (target === undefined) return
    for (const [name, answer] of this.#answers) {
      if (answer.step === target || answer.step === leaving) this.#answers.delete(name)
    }
    if (this.#flow.steps.get(target)?.kind === 'scan_id') this.#identity = null
    this.#hops = 0
    this.#enter(target)
  }

  #chooseKey(step: ChooseStep, key: KeyName): void {
    if (key === '0') return this.#turnPage()
    if (key === 'ok') return
    const option = step.options[Number(key) - 1]
    if (!option) return
    if (step.saveAs !== undefined) {
      this.#answers.set(step.saveAs, { step: step.id, value: option.value, label: option.label, emptyLabel: null })
    }
    this.#enter(option.next)
  }

  #inputKey(step: InputStep, key: KeyName): void {
    if (key !== 'ok') {
      if (Array.from(this.#typed).length < step.maxLength) {
        this.#typed += key
        this.#show()
      }
      return
    }
    const length = Array.from(this.#typed).length
    const valid =
      length >= step.minLength &&
      length <= step.maxLength &&
      (step.pattern === undefined || new RegExp(step.pattern, 'u').test(this.#typed))
    if (valid) {
      this.#answers.set(step.saveAs, { step: step.id, value: this.#typed, label: null, emptyLabel: step.emptyLabel ?? null })
      this.#enter(step.next)
      return
    }
    this.#typed = ''
    this.#effects.show({ title: this.#title(), body: this.#text(step.invalidText ?? DEFAULT_TEXTS.invalid) })
    this.#noticeTimer = this.#clock.setTimeout(() => {
      this.#noticeTimer = null
      this.#show()
    }, INVALID_NOTICE_MS)
  }

  #submit(step: SubmitStep): void {
    this.#history = []
    this.#show()
    const answers: Record<string, string | null> = {}
    for (const field of step.fields) answers[field] = this.#answers.get(field)?.value ?? null
    const data: Record<string, unknown> = { language: this.#language, answers }
    if (step.identity && this.#identity) data['identity'] = identityData(this.#identity)
    this.#runEffect(step, 'submit', () => this.#effects.submit({ flow: this.#flow.id, flowVersion: this.#flow.version, data }), (result) => {
      this.#reference = result.reference
      this.#committed = true
    })
  }

  #print(step: PrintStep): void {
    this.#history = []
    this.#show()
    const receipt = buildReceipt(step.template, this.#language, (reference) => this.#resolve(reference))
    this.#runEffect(step, 'print', () => this.#effects.print(receipt), () => {})
  }

  /** Runs an effect; its result moves to `next` (after `onSuccess`), its failure to `on_error`. Late results are ignored. */
  #runEffect<T>(step: SubmitStep | PrintStep, effect: 'submit' | 'print', run: () => Promise<T>, onSuccess: (result: T) => void): void {
    const generation = this.#generation
    const current = (): boolean => !this.#ended && this.#generation === generation
    let pending: Promise<T>
    try {
      pending = run()
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (result) => {
        if (!current()) return
        onSuccess(result)
        this.#hops = 0
        this.#enter(step.next)
      },
      (error: unknown) => {
        if (!current()) return
        this.#event('effect.failed', { step: step.id, effect, code: isStationError(error) ? error.code : 'unknown' })
        this.#hops = 0
        this.#enter(step.onError)
      },
    )
  }

  #finish(outcome: Outcome, stepId: string): void {
    if (this.#ended) return
    this.#ended = true
    this.#clearTimers()
    this.#generation++
    this.#history = []
    this.#event(outcome === 'completed' ? 'flow.completed' : 'flow.abandoned', { step: stepId, outcome })
    const result: FlowResult = { outcome, stepId, ...(this.#reference === null ? {} : { reference: this.#reference }) }
    for (const listener of [...this.#listeners]) listener(result)
  }

  #armStepTimer(step: WaitingStep): void {
    if (this.#stepTimer) this.#clock.clearTimeout(this.#stepTimer)
    this.#stepTimer = this.#clock.setTimeout(() => {
      this.#stepTimer = null
      this.#hops = 0
      if (step.onTimeout === undefined) this.#finish('timed_out', step.id)
      else this.#enter(step.onTimeout)
    }, step.timeoutS * 1000)
  }

  #clearNotice(): void {
    if (this.#noticeTimer) this.#clock.clearTimeout(this.#noticeTimer)
    this.#noticeTimer = null
  }

  #clearTimers(): void {
    if (this.#stepTimer) this.#clock.clearTimeout(this.#stepTimer)
    this.#stepTimer = null
    this.#clearNotice()
  }

  #turnPage(): void {
    const screen = this.#screen()
    const { pageCount } = renderScreen(screen, { ...this.#display, page: 0 })
    if (pageCount <= 1) return
    this.#page = (this.#page + 1) % pageCount
    this.#show()
  }

  #show(): void {
    this.#effects.show(this.#screen())
  }

  /** The current step's screen, on the current page. */
  #screen(): Screen {
    const step = this.#current
    const title = this.#title()
    const page = this.#page === 0 ? {} : { page: this.#page }
    switch (step?.kind) {
      case undefined:
        return { title, body: '' }
      case 'choose':
        return { title, body: this.#text(step.text), options: step.options.map((option) => this.#text(option.label)), ...page }
      case 'input':
        return { title, body: this.#text(step.text), input: this.#typed }
      case 'submit':
        return { title, body: this.#text(step.text ?? DEFAULT_TEXTS.submitting) }
      case 'print':
        return { title, body: this.#text(step.text ?? DEFAULT_TEXTS.printing) }
      case 'scan_id':
      case 'show':
      case 'end':
        return { title, body: this.#text(step.text), ...page }
    }
  }

  #title(): string {
    return this.#text(this.#flow.shortTitle ?? this.#flow.title)
  }

  #text(text: LocalizedText): string {
    return interpolate(text[this.#language], (reference) => this.#resolve(reference))
  }

  /** The value of `{{reference}}` in the session language; undefined when not (yet) set. */
  #resolve(reference: string): string | undefined {
    switch (reference) {
      case 'station.id':
        return this.#stationId
      case 'date':
        return formatStationDate(this.#clock.now())
      case 'time':
        return formatStationTime(this.#clock.now())
      case 'reference':
        return this.#reference ?? undefined
      case 'identity.masked':
        return this.#identity ? maskIdentity(this.#identity) : undefined
    }
    const need = variableNeed(reference)
    if (need.kind !== 'set') return undefined
    const answer = this.#answers.get(need.name)
    if (!answer) return undefined
    if (reference.endsWith('.value')) return answer.value
    if (answer.label) return answer.label[this.#language]
    if (answer.value === '' && answer.emptyLabel) return answer.emptyLabel[this.#language]
    return answer.value
  }

  #event(type: string, fields: Record<string, string | number | boolean>): void {
    this.#effects.event(type, { flow: this.#flow.id, version: this.#flow.version, ...fields })
  }
}

/** The identity fields a submission carries (the card UID is not one of them). */
function identityData(identity: Identity): Record<string, string | null> {
  const data: Record<string, string | null> = { source: identity.source, personalId: identity.personalId }
  if (identity.name !== undefined) data['name'] = identity.name
  if (identity.birthDate !== undefined) data['birthDate'] = identity.birthDate
  if (identity.sex !== undefined) data['sex'] = identity.sex
  if (identity.address !== undefined) data['address'] = identity.address
  return data
}
