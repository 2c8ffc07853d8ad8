/**
 * Runs one flow for one resident: shows each step, takes keys and identity documents, runs the
 * effects (submit, print, request, wait_for) through the injected FlowEffects, and ends with an
 * outcome. Every wait is a timer on the injected Clock, and every call in flight has an AbortSignal;
 * both are cleared on every step change and at the end.
 */
import type { KeyName, Language } from '../../config/schema.js'
import { buildVietQr } from '../../drivers/payment/vietqr.js'
import type { Receipt } from '../../drivers/printer/receipt.js'
import type { Clock, TimerHandle } from '../../runtime/core/clock.js'
import { isStationError, StationError } from '../../runtime/core/errors.js'
import { buildReceipt } from './build-receipt.js'
import { evaluateCondition } from './conditions.js'
import { reachableSteps } from './flow-graph.js'
import type {
  BranchStep,
  ChooseStep,
  FlowDefinition,
  FlowValue,
  InputStep,
  LocalizedText,
  Outcome,
  PayQrStep,
  PrintStep,
  RequestStep,
  Step,
  SubmitStep,
  WaitForStep,
  WaitingStep,
} from './flow-types.js'
import { isWaitingStep } from './flow-types.js'
import { maskIdentity, type Identity } from './identity.js'
import { checkReply, type ReplyShape } from './reply-shape.js'
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
  /**
   * Optional: calls central (MQTT 5 request/response) and resolves with its reply, a JSON object.
   * `timeoutMs` is how long the session waits for this attempt (it keeps its own timer too);
   * `signal` aborts when the resident leaves the step, the session ends, or the attempt timed out.
   * Rejects with a StationError; E_DEVICE_TIMEOUT (or an error named TimeoutError) counts as a
   * timeout, anything else as an error. A station without it fails request steps to `on_error`.
   */
  request?(method: string, body: Record<string, FlowValue>, options: { timeoutMs: number; signal: AbortSignal }): Promise<unknown>
  /**
   * Optional: resolves with the fields of the first inbound `event` whose fields equal `match`
   * (compared as text). `signal` aborts as for `request`. A station without it fails wait_for steps
   * to their `on_error` (else `on_timeout`). The session passes only the match fields its step
   * declares as text (or all, without a declared shape): a notification carries an amount as a JSON
   * number, so the session compares the other declared fields itself, and calls again, for the time
   * left, after a notification it does not accept.
   */
  waitFor?(event: string, match: Record<string, FlowValue>, options: { timeoutMs: number; signal: AbortSignal }): Promise<Record<string, unknown>>
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

/**
 * Something saved under a name: a resident's answer, or a record (a request's reply, an event's
 * fields, the payment). `seq` orders them, so that `back` forgets exactly what came after.
 */
type Saved =
  | {
      kind: 'answer'
      seq: number
      /** Option value or typed text. */
      value: string
      /** A choice's label; null for typed text. */
      label: LocalizedText | null
      /** What typed text shows as when empty. */
      emptyLabel: LocalizedText | null
    }
  | { kind: 'record'; seq: number; fields: Record<string, unknown> }

/** What `#save` is given: the sequence number is the session's to assign. */
type Unsaved = Omit<Extract<Saved, { kind: 'answer' }>, 'seq'> | Omit<Extract<Saved, { kind: 'record' }>, 'seq'>

/** A waiting step the resident went through, and how many things had been saved when it began. */
interface Visit {
  id: string
  mark: number
}

/** How long a failed input check stays on screen unless a key comes first. */
const INVALID_NOTICE_MS = 2000
/**
 * Pause before trying a failed request again. An error usually comes at once (the link to central is
 * down), and trying again at once would spend every retry in the same second; after a timeout the
 * session has already waited, so it tries again straight away.
 */
const RETRY_PAUSE_MS = 1000
/**
 * Notifications one wait_for refuses (not fitting its shape, or another amount) before the wait
 * fails: a sender that keeps answering with junk must not keep the session busy until its deadline.
 */
const MAX_REFUSED_EVENTS = 20

const DEFAULT_TEXTS = {
  invalid: { vi: 'Không hợp lệ. Vui lòng nhập lại.', en: 'Not valid. Please try again.' },
  invalidText: { vi: 'Nội dung chưa đúng. Vui lòng nhập lại.', en: 'Please check it and type it again.' },
  submitting: { vi: 'Đang gửi, vui lòng chờ.', en: 'Sending, please wait.' },
  printing: { vi: 'Đang in biên nhận.', en: 'Printing your receipt.' },
  requesting: { vi: 'Đang tra cứu, vui lòng chờ.', en: 'Looking it up, please wait.' },
  waiting: { vi: 'Đang chờ xác nhận.', en: 'Waiting for confirmation.' },
} as const satisfies Record<string, LocalizedText>

export class FlowSession {
  #flow: FlowDefinition
  #language: Language
  #effects: FlowEffects
  #clock: Clock
  #stationId: string
  #display: { cols: number; rows: number }

  #identity: Identity | null
  #saved = new Map<string, Saved>()
  #seq = 0
  #reference: string | null = null
  /** Waiting steps the resident went through, for `back`; emptied by every step that changes the world (submit, print, pay_qr). */
  #history: Visit[] = []
  /** A submit succeeded: there is nothing left to cancel. */
  #committed = false

  #started = false
  #ended = false
  #current: Step | null = null
  /** Bumped on every step change and every abandoned call, so a late effect result is ignored. */
  #generation = 0
  /** Steps entered without waiting since the last outside event; guards against scan_id and branch loops. */
  #hops = 0
  #stepTimer: TimerHandle | null = null
  #noticeTimer: TimerHandle | null = null
  /** A request's or wait's deadline, or the pause before a retry. */
  #effectTimer: TimerHandle | null = null
  /** Aborts the request or wait in flight. */
  #inFlight: AbortController | null = null
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

  /**
   * A resident's key. Ignored while an effect runs (but `back` abandons a request or a wait_for),
   * before start and after the end.
   */
  key(key: KeyName): void {
    const step = this.#current
    if (this.#ended || !step) return
    if (step.kind === 'request' || step.kind === 'wait_for') {
      // Waiting for central or an event: back abandons it, as back leaves any step.
      if (key === 'back') {
        this.#hops = 0
        this.#back()
      }
      return
    }
    if (!isWaitingStep(step)) return
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
    this.#saved.clear()
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
      case 'request':
        this.#show()
        return this.#request(step, 0)
      case 'pay_qr':
        return this.#payQr(step)
      case 'wait_for':
        return this.#waitFor(step)
      case 'branch':
        return this.#branch(step)
      case 'end':
        this.#show()
        this.#finish(step.outcome, step.id)
        return
    }
  }

  #wait(step: WaitingStep): void {
    if (this.#history[this.#history.length - 1]?.id !== step.id) this.#history.push({ id: step.id, mark: this.#seq })
    this.#show()
    this.#armStepTimer(step)
  }

  /** Back to the previous waiting step, forgetting what was saved since it began; none: cancel. */
  #back(): void {
    const current = this.#current
    const leavingVisit = current !== null && this.#history[this.#history.length - 1]?.id === current.id
    const index = this.#history.length - (leavingVisit ? 2 : 1)
    const target = this.#history[index]
    if (!target) {
      // After a submit the resident's request is in; there is nothing to cancel.
      if (!this.#committed) this.#finish('cancelled', current?.id ?? this.#flow.start)
      return
    }
    this.#history.length = index
    for (const [name, saved] of this.#saved) {
      if (saved.seq >= target.mark) this.#saved.delete(name)
    }
    if (this.#flow.steps.get(target.id)?.kind === 'scan_id') this.#identity = null
    this.#hops = 0
    this.#enter(target.id)
  }

  #save(name: string, saved: Unsaved): void {
    this.#saved.set(name, { ...saved, seq: this.#seq++ })
  }

  #chooseKey(step: ChooseStep, key: KeyName): void {
    if (key === '0') return this.#turnPage()
    if (key === 'ok') return
    const option = step.options[Number(key) - 1]
    if (!option) return
    if (step.saveAs !== undefined) {
      this.#save(step.saveAs, { kind: 'answer', value: option.value, label: option.label, emptyLabel: null })
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
      this.#save(step.saveAs, { kind: 'answer', value: this.#typed, label: null, emptyLabel: step.emptyLabel ?? null })
      this.#enter(step.next)
      return
    }
    this.#typed = ''
    const fallback = step.mode === 'text' ? DEFAULT_TEXTS.invalidText : DEFAULT_TEXTS.invalid
    this.#effects.show({ title: this.#title(), body: this.#text(step.invalidText ?? fallback) })
    this.#noticeTimer = this.#clock.setTimeout(() => {
      this.#noticeTimer = null
      this.#show()
    }, INVALID_NOTICE_MS)
  }

  #submit(step: SubmitStep): void {
    this.#history = []
    this.#show()
    const answers: Record<string, unknown> = {}
    for (const field of step.fields) {
      const saved = this.#saved.get(field)
      answers[field] = saved === undefined ? null : saved.kind === 'record' ? saved.fields : saved.value
    }
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

  #payQr(step: PayQrStep): void {
    this.#history = []
    this.#show()
    const amount = this.#fill(step.amount)
    let qr: string
    try {
      qr = buildVietQr({
        bin: this.#fill(step.bin),
        account: this.#fill(step.account),
        amount,
        ...(step.purpose === undefined ? {} : { purpose: this.#fill(step.purpose) }),
      })
    } catch (error) {
      // A bill central sent without a usable account or amount: no slip, the flow says what then.
      this.#event('effect.failed', { step: step.id, effect: 'pay_qr', code: codeOf(error) })
      this.#hops = 0
      this.#enter(step.onError)
      return
    }
    this.#save('payment', { kind: 'record', fields: { qr, amount } })
    const receipt = buildReceipt(step.template, this.#language, (reference) => this.#resolve(reference))
    this.#runEffect(step, 'print', () => this.#effects.print(receipt), () => {})
  }

  /** One attempt of a request (`attempt` from 0); a failure tries again while retries are left. */
  #request(step: RequestStep, attempt: number): void {
    const request = this.#effects.request?.bind(this.#effects)
    if (!request) return this.#unsupported(step, 'request', step.onError)
    const timeoutMs = step.timeoutS * 1000
    const { signal, current } = this.#startCall()
    const body = this.#fillValues(step.body)
    this.#effectTimer = this.#clock.setTimeout(() => {
      this.#effectTimer = null
      this.#endCall()
      this.#requestFailed(step, attempt, 'timeout', 'timeout')
    }, timeoutMs)
    this.#call(() => request(step.method, body, { timeoutMs, signal })).then(
      (reply) => {
        if (!current()) return
        this.#callSettled()
        const checked = checkReply(step.reply, reply)
        this.#hops = 0
        if (!checked.ok) {
          // Central answered, and would answer the same again: no retry. The field's name, never its value.
          this.#event('effect.failed', { step: step.id, effect: 'request', code: 'E_REPLY_INVALID', field: checked.field, problem: checked.problem, attempt: attempt + 1 })
          this.#enter(step.onError)
          return
        }
        this.#save(step.saveAs, { kind: 'record', fields: checked.fields })
        this.#enter(step.next)
      },
      (error: unknown) => {
        if (!current()) return
        this.#callSettled()
        this.#requestFailed(step, attempt, isTimeout(error) ? 'timeout' : 'error', codeOf(error))
      },
    )
  }

  #requestFailed(step: RequestStep, attempt: number, failure: 'timeout' | 'error', code: string): void {
    this.#event('effect.failed', { step: step.id, effect: 'request', code, attempt: attempt + 1 })
    if (attempt < step.retries) {
      if (failure === 'timeout') return this.#request(step, attempt + 1)
      this.#effectTimer = this.#clock.setTimeout(() => {
        this.#effectTimer = null
        this.#request(step, attempt + 1)
      }, RETRY_PAUSE_MS)
      return
    }
    this.#hops = 0
    this.#enter(failure === 'timeout' ? (step.onTimeout ?? step.onError) : step.onError)
  }

  #waitFor(step: WaitForStep): void {
    this.#show()
    const waitFor = this.#effects.waitFor?.bind(this.#effects)
    const onError = step.onError ?? step.onTimeout
    if (!waitFor) return this.#unsupported(step, 'waitFor', onError)
    const timeoutMs = step.timeoutS * 1000
    const deadline = this.#clock.now() + timeoutMs
    const match = this.#fillValues(step.match)
    this.#effectTimer = this.#clock.setTimeout(() => {
      this.#effectTimer = null
      this.#endCall()
      this.#hops = 0
      this.#enter(step.onTimeout)
    }, timeoutMs)
    this.#awaitEvent(step, waitFor, match, deadline, 0)
  }

  /** One call of the wait (the deadline timer is the step's); a notification it does not accept is waited past. */
  #awaitEvent(step: WaitForStep, waitFor: NonNullable<FlowEffects['waitFor']>, match: Record<string, FlowValue>, deadline: number, refused: number): void {
    const onError = step.onError ?? step.onTimeout
    const { signal, current } = this.#startCall()
    const timeoutMs = Math.max(1, deadline - this.#clock.now())
    this.#call(() => waitFor(step.event, match, { timeoutMs, signal })).then(
      (fields) => {
        if (!current()) return
        const accepted = acceptEvent(fields, match, step.fields)
        if (!accepted.ok) {
          this.#event('effect.failed', { step: step.id, effect: 'waitFor', code: accepted.code, field: accepted.field, ...(accepted.problem ? { problem: accepted.problem } : {}) })
          if (refused + 1 < MAX_REFUSED_EVENTS) return this.#awaitEvent(step, waitFor, match, deadline, refused + 1)
          this.#callSettled()
          this.#hops = 0
          this.#enter(onError)
          return
        }
        this.#callSettled()
        if (step.saveAs !== undefined) this.#save(step.saveAs, { kind: 'record', fields: accepted.fields })
        this.#hops = 0
        this.#enter(step.next)
      },
      (error: unknown) => {
        if (!current()) return
        this.#callSettled()
        this.#hops = 0
        if (isTimeout(error)) return this.#enter(step.onTimeout)
        this.#event('effect.failed', { step: step.id, effect: 'waitFor', code: codeOf(error) })
        this.#enter(onError)
      },
    )
  }

  #branch(step: BranchStep): void {
    const chosen = step.cases.find((branchCase) => evaluateCondition(branchCase.when, (template) => this.#fill(template)))
    this.#enter(chosen?.next ?? step.otherwise)
  }

  /** The station lacks the effect a step needs (a flow validated without its capabilities): take the failure path. */
  #unsupported(step: Step, effect: 'request' | 'waitFor', target: string): void {
    this.#event('effect.failed', { step: step.id, effect, code: 'unsupported' })
    this.#hops = 0
    this.#enter(target)
  }

  /** Starts a call that the step's end aborts; `current` tells whether its result still counts. */
  #startCall(): { signal: AbortSignal; current: () => boolean } {
    this.#inFlight = new AbortController()
    const generation = ++this.#generation
    return { signal: this.#inFlight.signal, current: () => !this.#ended && this.#generation === generation }
  }

  /** Stops the call in flight, if any: its deadline (or retry pause), and the call itself. */
  #endCall(): void {
    if (this.#effectTimer) this.#clock.clearTimeout(this.#effectTimer)
    this.#effectTimer = null
    const call = this.#inFlight
    this.#inFlight = null
    if (!call) return
    // The generation moves first, so whatever the aborted call does next is ignored.
    this.#generation++
    call.abort(new StationError('E_CANCELED', 'the flow left the step'))
  }

  /** The call settled: its deadline goes, and there is nothing left to abort. */
  #callSettled(): void {
    this.#inFlight = null
    this.#endCall()
  }

  /** Runs an effect function; a synchronous throw becomes a rejection. */
  #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return run()
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Runs an effect; its result moves to `next` (after `onSuccess`), its failure to `on_error`. Late results are ignored. */
  #runEffect<T>(step: SubmitStep | PrintStep | PayQrStep, effect: 'submit' | 'print', run: () => Promise<T>, onSuccess: (result: T) => void): void {
    const generation = this.#generation
    const current = (): boolean => !this.#ended && this.#generation === generation
    this.#call(run).then(
      (result) => {
        if (!current()) return
        onSuccess(result)
        this.#hops = 0
        this.#enter(step.next)
      },
      (error: unknown) => {
        if (!current()) return
        this.#event('effect.failed', { step: step.id, effect, code: codeOf(error) })
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
    this.#endCall()
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
      case 'pay_qr':
        return { title, body: this.#text(step.text ?? DEFAULT_TEXTS.printing) }
      case 'request':
        return { title, body: this.#text(step.text ?? DEFAULT_TEXTS.requesting) }
      case 'wait_for':
        return { title, body: this.#text(step.text ?? DEFAULT_TEXTS.waiting) }
      case 'branch':
        return { title, body: '' }
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
    return this.#fill(text[this.#language])
  }

  #fill(template: string): string {
    return interpolate(template, (reference) => this.#resolve(reference))
  }

  #fillValues(values: Readonly<Record<string, FlowValue>>): Record<string, FlowValue> {
    const filled: Record<string, FlowValue> = {}
    for (const [key, value] of Object.entries(values)) filled[key] = typeof value === 'string' ? this.#fill(value) : value
    return filled
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
    const saved = this.#saved.get(need.name)
    if (!saved) return undefined
    if (saved.kind === 'record') return need.field === undefined ? undefined : scalarText(saved.fields, need.field)
    if (need.field === 'value') return saved.value
    if (need.field !== undefined) return undefined
    if (saved.label) return saved.label[this.#language]
    if (saved.value === '' && saved.emptyLabel) return saved.emptyLabel[this.#language]
    return saved.value
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Whether a notification is the one the step waits for: it fits the declared shape (its declared
 * fields only are kept), and every `match` field equals it as text. The effect compares the same way
 * (runtime/central-calls.ts, which reports a mismatch to central); this is the session's own check.
 */
function acceptEvent(
  fields: unknown,
  match: Record<string, FlowValue>,
  shape: ReplyShape | undefined,
): { ok: true; fields: Record<string, unknown> } | { ok: false; code: 'E_EVENT_INVALID' | 'E_EVENT_MISMATCH'; field: string; problem?: string } {
  let kept: Record<string, unknown>
  if (shape) {
    const checked = checkReply(shape, fields)
    if (!checked.ok) return { ok: false, code: 'E_EVENT_INVALID', field: checked.field, problem: checked.problem }
    kept = checked.fields
  } else {
    kept = isRecord(fields) ? fields : {}
  }
  const source = isRecord(fields) ? fields : {}
  for (const [key, wanted] of Object.entries(match)) {
    const value = Object.hasOwn(source, key) ? source[key] : undefined
    const text = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined
    if (text !== String(wanted)) return { ok: false, code: 'E_EVENT_MISMATCH', field: key }
  }
  return { ok: true, fields: kept }
}

/** A record's field as text: texts, finite numbers and true/false; anything else (objects, null) is unset. */
function scalarText(fields: Record<string, unknown>, field: string): string | undefined {
  // Own fields only: a reply's {{bill.constructor}} must not reach Object.prototype.
  const value = Object.hasOwn(fields, field) ? fields[field] : undefined
  if (typeof value === 'string') return value
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value)
  return undefined
}

/** A failure counts as a timeout when the effect says so: E_DEVICE_TIMEOUT, or an AbortSignal.timeout() error. */
function isTimeout(error: unknown): boolean {
  if (isStationError(error)) return error.code === 'E_DEVICE_TIMEOUT'
  return error instanceof Error && error.name === 'TimeoutError'
}

/** What an event may say about a failure: the StationError code, never its message (it may quote data). */
function codeOf(error: unknown): string {
  if (isStationError(error)) return error.code
  return isTimeout(error) ? 'timeout' : 'unknown'
}
