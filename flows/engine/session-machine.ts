/**
 * What a flow session does, as one pure function: `transition(flow, state, event, nowMs)` returns
 * the next state, the effects to run (show, timers, submit, print, request, wait, events, end) and
 * the step changes it made. The step semantics are those of the flow format (flow-types.ts); the
 * design is in docs/flows.md, "The session machine". No clock, no device, no promise: timers and
 * calls are ids in the state, so a late timer or result is recognised by data and ignored.
 */
import { buildVietQr } from '../../drivers/payment/vietqr.js'
import type { KeyName } from '../../config/schema.js'
import { isStationError } from '../../runtime/core/errors.js'
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
import type { Identity } from './identity.js'
import type { Screen } from './screen.js'
import { submittedIdentity } from './identity-fields.js'
import { checkReply, type ReplyShape } from './reply-shape.js'
import type { EventFields, Move, Saved, SessionEffect, SessionEvent, SessionState, SessionTimers, Transition } from './session-state.js'
import { chooseOptions, displayReference, fillTemplate, fillText, fillValues, numberedOptions, screenPageCount, stepScreen } from './session-values.js'
import { MAX_OPTIONS } from './flow-file-schema.js'
import { renderScreen } from './render-screen.js'
import { chooseOneTo, FLOW_TEXTS, notOnThisPage } from './station-texts.js'

/** How long a failed input check stays on screen unless a key comes first. */
export const INVALID_NOTICE_MS = 2000
/**
 * Pause before trying a failed request again. An error usually comes at once (the link to central is
 * down), and trying again at once would spend every retry in the same second; after a timeout the
 * session has already waited, so it tries again straight away.
 */
export const RETRY_PAUSE_MS = 1000
/**
 * Notifications one wait_for refuses (not fitting its shape, or another amount) before the wait
 * fails: a sender that keeps answering with junk must not keep the session busy until its deadline.
 */
export const MAX_REFUSED_EVENTS = 20

export function transition(flow: FlowDefinition, state: SessionState, event: SessionEvent, nowMs: number): Transition {
  const run = new Run(flow, state, nowMs)
  run.handle(event)
  return { state: run.s, effects: run.effects, moves: run.moves }
}

/**
 * Whether the session takes this identity: a scan_id step that accepts its source waits now, or, while
 * no identity is held, such a step is still ahead (or the session has not started).
 */
export function acceptsIdentity(flow: FlowDefinition, state: SessionState, identity: Identity): boolean {
  if (state.status === 'ended') return false
  const step = currentStep(flow, state)
  if (step?.kind === 'scan_id') return step.accept.includes(identity.source)
  if (state.identity !== null) return false
  const ahead = reachableSteps(flow, step?.id ?? flow.start)
  return [...ahead].some((id) => {
    const candidate = flow.steps.get(id)
    return candidate?.kind === 'scan_id' && candidate.accept.includes(identity.source)
  })
}

/** The page (0-based) option `index` of a choose step is on, as the resident's display lays the step out. */
export function optionPage(step: ChooseStep, state: SessionState, nowMs: number, index: number): number {
  return renderScreen(chooseLayout(step, state, nowMs), { ...state.display, page: 0 }).optionPages[index] ?? 0
}

/** A choose step's content as laid out; the title row is not content, so it is left out. */
function chooseLayout(step: ChooseStep, state: SessionState, nowMs: number): Screen {
  return { title: '', body: fillText(state, nowMs, step.text), options: numberedOptions(step, state, nowMs).map((option) => fillText(state, nowMs, option.label)) }
}

/**
 * The keys that choose option `index` (0-based, of those numbered now) of the choose step the session
 * waits at: key 0 until its page shows, then its number. For `station flows test` and tests that
 * drive a session; from the last page of a list's nine, key 0 would show the next nine instead.
 */
export function keysToChoose(step: ChooseStep, state: SessionState, nowMs: number, index: number): KeyName[] {
  const { pageCount } = renderScreen(chooseLayout(step, state, nowMs), { ...state.display, page: 0 })
  const page = optionPage(step, state, nowMs, index)
  const turns = (page - (state.page % pageCount) + pageCount) % pageCount
  return [...Array.from({ length: turns }, () => '0' as const), String(index + 1) as KeyName]
}

export function currentStep(flow: FlowDefinition, state: SessionState): Step | undefined {
  return state.stepId === null ? undefined : flow.steps.get(state.stepId)
}

/**
 * One transition being worked out. `s` is a copy of the state (nested parts copied before they
 * change), so the state passed in is never modified.
 */
class Run {
  readonly s: SessionState
  readonly effects: SessionEffect[] = []
  readonly moves: Move[] = []
  /** Steps entered in this transition: a flow whose steps pass to each other forever is stopped. */
  #hops = 0

  constructor(
    readonly flow: FlowDefinition,
    state: SessionState,
    readonly nowMs: number,
  ) {
    this.s = { ...state, timers: { ...state.timers }, progress: { ...state.progress } }
  }

  handle(event: SessionEvent): void {
    switch (event.kind) {
      case 'start':
        if (this.s.status !== 'ready') return
        this.s.status = 'running'
        this.s.startedAtMs = this.nowMs
        this.#event('flow.started', { step: this.flow.start })
        return this.#enter(this.flow.start, 'start')
      case 'key':
        return this.#key(event.key)
      case 'identity':
        return this.#identity(event.identity)
      case 'cancel':
        if (this.s.status === 'ended') return
        return this.#finish(event.outcome, this.s.stepId ?? this.flow.start)
      case 'wipe':
        this.s.identity = null
        this.s.saved = {}
        this.s.typed = ''
        return
      case 'touch': {
        const step = this.#step
        if (this.s.status === 'running' && step && isWaitingStep(step) && this.s.timers.step !== null) this.#armStepTimer(step)
        return
      }
      case 'timer':
        return this.#timer(event.timer)
      default:
        return this.#result(event)
    }
  }

  get #step(): Step | undefined {
    return currentStep(this.flow, this.s)
  }

  #key(key: KeyName): void {
    const step = this.#step
    if (this.s.status !== 'running' || !step) return
    if (this.s.leaving) return this.#answerLeave(key)
    if (step.kind === 'wait_for' && step.leave !== undefined) return this.#leaveKey(step, step.leave.next, key)
    if (step.kind === 'request' || step.kind === 'wait_for') {
      // Waiting for central or an event: back abandons it, as back leaves any step.
      if (key === 'back') this.#back()
      return
    }
    if (!isWaitingStep(step)) return
    this.#armStepTimer(step)
    if (this.s.timers.notice !== null) {
      // A key ends the "not valid" notice early and then counts as usual.
      this.#cancelTimer('notice')
      this.#show()
    }
    if (key === 'back') {
      if (step.kind === 'input' && this.s.typed !== '') {
        this.s.typed = Array.from(this.s.typed).slice(0, -1).join('')
        this.#show()
        return
      }
      return this.#back()
    }
    switch (step.kind) {
      case 'choose':
        return this.#chooseKey(step, key)
      case 'input':
        return this.#inputKey(step, key)
      case 'show':
        if (key === 'ok') return this.#enter(step.next, 'next')
        if (key === '0') this.#turnPage()
        return
      case 'consent':
        // ok agrees only on the last page: the resident has seen every field named before agreeing.
        if (key === 'ok' && this.s.page + 1 >= this.#pageCount()) return this.#enter(step.next, 'next')
        if (key === 'ok' || key === '0') this.#turnPage()
        return
      case 'scan_id':
        if (key === '0') this.#turnPage()
        return
    }
  }

  /**
   * A wait_for with `leave`: back asks first (the wait goes on meanwhile, so a payment that comes
   * now still counts), ok then leaves to `leave.next`, back again keeps waiting.
   */
  #leaveKey(step: WaitForStep, target: string, key: KeyName): void {
    const progress = this.s.progress
    if (!progress.asking) {
      if (key !== 'back') return
      progress.asking = true
      return this.#show()
    }
    if (key === 'ok') {
      this.#event('flow.leave', { step: step.id })
      return this.#enter(target, 'leave')
    }
    if (key === 'back') {
      progress.asking = false
      this.#show()
    }
  }

  #identity(identity: Identity): void {
    if (!acceptsIdentity(this.flow, this.s, identity)) return
    this.s.identity = identity
    const step = this.#step
    if (step?.kind === 'scan_id') this.#enter(step.next, 'next')
  }

  #timer(timer: number): void {
    const timers = this.s.timers
    const step = this.#step
    if (this.s.status !== 'running' || !step) return
    if (timer === timers.step && isWaitingStep(step)) {
      timers.step = null
      this.s.stepDeadlineMs = null
      if (step.onTimeout === undefined) this.#finish('timed_out', step.id)
      else this.#enter(step.onTimeout, 'on_timeout')
    } else if (timer === timers.notice) {
      timers.notice = null
      this.#show()
    } else if (timer === timers.effect) {
      timers.effect = null
      if (step.kind === 'request') {
        // With a call in flight this is its deadline; without, the pause before the next attempt.
        if (this.s.call === null) return this.#request(step, this.s.progress.attempt + 1)
        this.#endCall()
        return this.#requestFailed(step, 'timeout', 'timeout')
      }
      if (step.kind === 'wait_for') {
        this.#endCall()
        this.#enter(step.onTimeout, 'on_timeout')
      }
    }
  }

  #result(event: Extract<SessionEvent, { call: number }>): void {
    const call = this.s.call
    const step = this.#step
    // A result of a call the session has left (a step change, an abandoned attempt, the end) is ignored.
    if (this.s.status !== 'running' || !step || call === null || call.id !== event.call) return
    switch (step.kind) {
      case 'submit':
      case 'print':
      case 'pay_qr':
        this.s.call = null
        if (event.kind === 'failed') {
          this.#event('effect.failed', { step: step.id, effect: call.effect, code: event.code })
          return this.#enter(step.onError, 'on_error')
        }
        if (event.kind === 'submitted') {
          this.s.reference = event.reference
          this.s.committed = true
        }
        return this.#enter(step.next, 'next')
      case 'request':
        this.#callSettled()
        if (event.kind === 'failed') return this.#requestFailed(step, event.timeout ? 'timeout' : 'error', event.code)
        if (event.kind === 'replied') return this.#replied(step, event.reply)
        return
      case 'wait_for':
        if (event.kind === 'failed') {
          this.#callSettled()
          if (event.timeout) return this.#enter(step.onTimeout, 'on_timeout')
          this.#event('effect.failed', { step: step.id, effect: 'waitFor', code: event.code })
          return this.#waitFailed(step)
        }
        if (event.kind === 'notified') return this.#notified(step, event.fields)
        return
    }
  }

  /** The answer to "end this procedure?": 1 ends it; any other key (2, back, OK) means no and stays. */
  #answerLeave(key: KeyName): void {
    this.s.leaving = false
    if (key === '1') return this.#finish('cancelled', this.s.stepId ?? this.flow.start)
    const step = this.#step
    if (step && isWaitingStep(step)) this.#armStepTimer(step)
    this.#show()
  }

  /** `typed`: what an input step shows typed on entry (back keeps what the resident had typed there). */
  #enter(id: string, cause: string, typed = ''): void {
    const step = this.flow.steps.get(id)
    if (!step || ++this.#hops > this.flow.steps.size) {
      // Unreachable for a validated flow: a missing step, or scan_id steps passing to each other forever.
      return this.#finish('failed', id)
    }
    this.#clearTimers()
    if (this.s.stepId !== null && cause !== 'start') this.moves.push({ from: this.s.stepId, to: id, cause })
    this.s.stepId = id
    this.s.stepSinceMs = this.nowMs
    this.s.page = 0
    this.s.group = 0
    this.s.typed = step.kind === 'input' ? typed : ''
    this.s.leaving = false
    this.s.progress = { attempt: 0, refused: 0, deadlineMs: null, match: null, asking: false, untilMs: null }
    this.#event('flow.step', { step: id })
    switch (step.kind) {
      case 'scan_id':
        if (this.s.identity && step.accept.includes(this.s.identity.source)) return this.#enter(step.next, 'next')
        return this.#wait(step)
      case 'choose':
        // Options from a reply's list: with no item there is nothing to choose.
        if (step.optionsFrom !== undefined && step.onEmpty !== undefined && chooseOptions(step, this.s, this.nowMs).length === 0) return this.#enter(step.onEmpty, 'on_empty')
        return this.#wait(step)
      case 'input':
      case 'show':
      case 'consent':
        return this.#wait(step)
      case 'submit':
        return this.#submit(step)
      case 'print':
        return this.#print(step)
      case 'request':
        // Every attempt and the pauses between them: what the waiting screen counts down.
        this.s.progress.untilMs = this.nowMs + (step.retries + 1) * step.timeoutS * 1000 + step.retries * RETRY_PAUSE_MS
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
        return this.#finish(step.outcome, step.id)
    }
  }

  #wait(step: WaitingStep): void {
    if (this.s.history[this.s.history.length - 1]?.id !== step.id) this.s.history = [...this.s.history, { id: step.id, mark: this.s.seq }]
    this.#show()
    this.#armStepTimer(step)
  }

  /**
   * Back to the previous waiting step, forgetting what was saved since it began, except that an
   * input step shows again what the resident had typed there. None: ask "end this procedure?"
   * (never a silent cancel; docs/flows.md, "The panel").
   */
  #back(): void {
    const current = this.s.stepId
    const history = this.s.history
    const leavingVisit = current !== null && history[history.length - 1]?.id === current
    const index = history.length - (leavingVisit ? 2 : 1)
    const target = history[index]
    if (!target) {
      // After a submit the resident's request is in; there is nothing to cancel.
      if (this.s.committed) return
      this.s.leaving = true
      this.#cancelTimer('notice')
      return this.#show()
    }
    const targetStep = this.flow.steps.get(target.id)
    let typed = ''
    if (targetStep?.kind === 'input') {
      const saved = Object.hasOwn(this.s.saved, targetStep.saveAs) ? this.s.saved[targetStep.saveAs] : undefined
      if (saved?.kind === 'answer' && saved.seq >= target.mark) typed = saved.value
    }
    this.s.history = history.slice(0, index)
    this.s.saved = Object.fromEntries(Object.entries(this.s.saved).filter(([, saved]) => saved.seq < target.mark))
    if (targetStep?.kind === 'scan_id') this.s.identity = null
    this.#enter(target.id, 'back', typed)
  }

  #save(name: string, saved: DistributiveOmit<Saved, 'seq'>): void {
    this.s.saved = { ...this.s.saved, [name]: { ...saved, seq: this.s.seq++ } as Saved }
  }

  #chooseKey(step: ChooseStep, key: KeyName): void {
    if (key === '0') return this.#turnPage()
    if (key === 'ok') return
    const index = Number(key) - 1
    const options = numberedOptions(step, this.s, this.nowMs)
    const option = options[index]
    if (!option) return this.#notice(chooseOneTo(options.length))
    // Only what the resident sees can be chosen: a number of an option on another page is refused.
    if (optionPage(step, this.s, this.nowMs, index) !== this.s.page) return this.#notice(notOnThisPage(key))
    if (step.saveAs !== undefined) this.#save(step.saveAs, { kind: 'answer', value: option.value, label: option.label, emptyLabel: null })
    // Named by its place as written: with `when`, the number on screen is not the option's place in the file.
    this.#enter(option.next, step.optionsFrom === undefined ? `option ${step.options.indexOf(option) + 1}` : 'list option')
  }

  #inputKey(step: InputStep, key: KeyName): void {
    const typed = this.s.typed
    if (key !== 'ok') {
      if (Array.from(typed).length < step.maxLength) {
        this.s.typed = typed + key
        this.#show()
      }
      return
    }
    const length = Array.from(typed).length
    const valid =
      length >= step.minLength && length <= step.maxLength && (step.pattern === undefined || new RegExp(step.pattern, 'u').test(typed))
    if (valid) {
      this.#save(step.saveAs, { kind: 'answer', value: typed, label: null, emptyLabel: step.emptyLabel ?? null })
      return this.#enter(step.next, 'next')
    }
    this.s.typed = ''
    const fallback = step.mode === 'text' ? FLOW_TEXTS.invalidText : FLOW_TEXTS.invalid
    this.#notice(step.invalidText ?? fallback)
  }

  /** A short notice over the step (a key ends it early); the step's screen comes back after. */
  #notice(text: LocalizedText): void {
    this.effects.push({ kind: 'show', screen: { title: this.#title(), body: fillText(this.s, this.nowMs, text) } })
    this.#startTimer('notice', INVALID_NOTICE_MS)
  }

  #submit(step: SubmitStep): void {
    this.s.history = []
    this.#show()
    const answers: Record<string, unknown> = {}
    for (const field of step.fields) {
      const saved = Object.hasOwn(this.s.saved, field) ? this.s.saved[field] : undefined
      answers[field] = saved === undefined ? null : saved.kind === 'record' ? saved.fields : saved.value
    }
    const data: Record<string, unknown> = { language: this.s.language, answers }
    // Exactly the declared fields, and only those (docs/privacy.md, "What a submission carries").
    if (step.identity.length > 0 && this.s.identity) data['identity'] = submittedIdentity(this.s.identity, step.identity)
    const call = this.#startCall('submit')
    this.effects.push({ kind: 'submit', call, request: { flow: this.flow.id, flowVersion: this.flow.version, data } })
  }

  #print(step: PrintStep): void {
    this.s.history = []
    this.#show()
    this.#printReceipt(step)
  }

  #printReceipt(step: PrintStep | PayQrStep): void {
    // A receipt is read by the resident as the screen is: money and central's dates formatted.
    const receipt = buildReceipt(step.template, this.s.language, (reference) => displayReference(this.s, this.nowMs, reference))
    const call = this.#startCall('print')
    this.effects.push({ kind: 'print', call, receipt })
  }

  #payQr(step: PayQrStep): void {
    this.s.history = []
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
      this.#event('effect.failed', { step: step.id, effect: 'pay_qr', code: codeOfThrown(error) })
      return this.#enter(step.onError, 'on_error')
    }
    this.#save('payment', { kind: 'record', fields: { qr, amount }, money: ['amount'] })
    this.#printReceipt(step)
  }

  /** One attempt of a request (`attempt` from 0); a failure tries again while retries are left. */
  #request(step: RequestStep, attempt: number): void {
    this.s.progress.attempt = attempt
    if (!this.s.can.request) return this.#unsupported(step, 'request', step.onError, 'on_error')
    const timeoutMs = step.timeoutS * 1000
    const body = fillValues(this.s, this.nowMs, step.body)
    // The declared fields only, and only to central: never in a text, an event or a log line.
    if (step.identity !== undefined && this.s.identity) {
      for (const [key, value] of Object.entries(submittedIdentity(this.s.identity, step.identity))) if (key !== 'source' && value !== null) body[key] = value
    }
    this.#startTimer('effect', timeoutMs)
    const call = this.#startCall('request')
    this.effects.push({ kind: 'request', call, method: step.method, body, timeoutMs })
  }

  #replied(step: RequestStep, reply: unknown): void {
    const checked = checkReply(step.reply, reply)
    if (!checked.ok) {
      // Central answered, and would answer the same again: no retry. The field's name, never its value.
      this.#event('effect.failed', { step: step.id, effect: 'request', code: 'E_REPLY_INVALID', field: checked.field, problem: checked.problem, attempt: this.s.progress.attempt + 1 })
      return this.#enter(step.onError, 'on_error')
    }
    this.#save(step.saveAs, { kind: 'record', fields: checked.fields, ...moneyFields(step.reply) })
    this.#enter(step.next, 'next')
  }

  #requestFailed(step: RequestStep, failure: 'timeout' | 'error', code: string): void {
    const attempt = this.s.progress.attempt
    this.#event('effect.failed', { step: step.id, effect: 'request', code, attempt: attempt + 1 })
    if (attempt < step.retries) {
      if (failure === 'timeout') return this.#request(step, attempt + 1)
      this.#startTimer('effect', RETRY_PAUSE_MS)
      return
    }
    if (failure === 'timeout' && step.onTimeout !== undefined) return this.#enter(step.onTimeout, 'on_timeout')
    this.#enter(step.onError, 'on_error')
  }

  #waitFor(step: WaitForStep): void {
    this.#show()
    if (!this.s.can.waitFor) return this.#unsupported(step, 'waitFor', step.onError ?? step.onTimeout, step.onError === undefined ? 'on_timeout' : 'on_error')
    const timeoutMs = step.timeoutS * 1000
    this.s.progress.deadlineMs = this.nowMs + timeoutMs
    this.s.progress.untilMs = this.s.progress.deadlineMs
    this.s.progress.match = fillValues(this.s, this.nowMs, step.match)
    this.#startTimer('effect', timeoutMs)
    this.#awaitEvent(step)
  }

  /** One call of the wait (the deadline timer is the step's); a notification it does not accept is waited past. */
  #awaitEvent(step: WaitForStep): void {
    const { deadlineMs, match } = this.s.progress
    const timeoutMs = Math.max(1, (deadlineMs ?? this.nowMs) - this.nowMs)
    const call = this.#startCall('waitFor')
    this.effects.push({ kind: 'waitFor', call, event: step.event, match: match ?? {}, timeoutMs })
  }

  #notified(step: WaitForStep, fields: unknown): void {
    const accepted = acceptEvent(fields, this.s.progress.match ?? {}, step.fields)
    if (!accepted.ok) {
      this.#event('effect.failed', { step: step.id, effect: 'waitFor', code: accepted.code, field: accepted.field, ...(accepted.problem ? { problem: accepted.problem } : {}) })
      this.s.progress.refused++
      // The refused call has settled: nothing to abort; the next call waits for the time left.
      if (this.s.progress.refused < MAX_REFUSED_EVENTS) return this.#awaitEvent(step)
      this.#callSettled()
      return this.#waitFailed(step)
    }
    this.#callSettled()
    if (step.saveAs !== undefined) this.#save(step.saveAs, { kind: 'record', fields: accepted.fields, ...moneyFields(step.fields) })
    this.#enter(step.next, 'next')
  }

  #waitFailed(step: WaitForStep): void {
    if (step.onError === undefined) this.#enter(step.onTimeout, 'on_timeout')
    else this.#enter(step.onError, 'on_error')
  }

  #branch(step: BranchStep): void {
    const index = branchCase(step, (template) => this.#fill(template))
    const chosen = step.cases[index]
    if (chosen) this.#enter(chosen.next, `case ${index + 1}`)
    else this.#enter(step.otherwise, 'otherwise')
  }

  /** The station lacks the effect a step needs (a flow validated without its capabilities): take the failure path. */
  #unsupported(step: Step, effect: 'request' | 'waitFor', target: string, cause: string): void {
    this.#event('effect.failed', { step: step.id, effect, code: 'unsupported' })
    this.#enter(target, cause)
  }

  #startCall(effect: 'submit' | 'print' | 'request' | 'waitFor'): number {
    const id = this.s.nextId++
    this.s.call = { id, effect }
    return id
  }

  /** Stops the call in flight, if any: its deadline (or retry pause), and the call itself (only requests and waits can be stopped). */
  #endCall(): void {
    this.#cancelTimer('effect')
    const call = this.s.call
    this.s.call = null
    if (call && (call.effect === 'request' || call.effect === 'waitFor')) this.effects.push({ kind: 'abort', call: call.id })
  }

  /** The call settled: its deadline goes, and there is nothing left to abort. */
  #callSettled(): void {
    this.s.call = null
    this.#cancelTimer('effect')
  }

  #finish(outcome: Outcome, stepId: string): void {
    if (this.s.status === 'ended') return
    this.s.status = 'ended'
    this.s.leaving = false
    this.#clearTimers()
    this.s.history = []
    this.#event(outcome === 'completed' ? 'flow.completed' : 'flow.abandoned', { step: stepId, outcome })
    const result = { outcome, stepId, ...(this.s.reference === null ? {} : { reference: this.s.reference }) }
    this.s.result = result
    // The screen changes the moment the session ends: an end step has shown its own text.
    if (this.#step?.kind !== 'end') this.#show()
    this.effects.push({ kind: 'end', result })
  }

  #armStepTimer(step: WaitingStep): void {
    this.#startTimer('step', step.timeoutS * 1000)
    this.s.stepDeadlineMs = this.nowMs + step.timeoutS * 1000
  }

  #startTimer(slot: keyof SessionTimers, ms: number): void {
    this.#cancelTimer(slot)
    const timer = this.s.nextId++
    this.s.timers[slot] = timer
    this.effects.push({ kind: 'startTimer', timer, ms })
  }

  #cancelTimer(slot: keyof SessionTimers): void {
    const timer = this.s.timers[slot]
    if (slot === 'step') this.s.stepDeadlineMs = null
    if (timer === null) return
    this.s.timers[slot] = null
    this.effects.push({ kind: 'cancelTimer', timer })
  }

  #clearTimers(): void {
    this.#cancelTimer('step')
    this.#cancelTimer('notice')
    this.#endCall()
  }

  #pageCount(): number {
    return screenPageCount(this.flow, this.s, this.nowMs)
  }

  /** Key 0: the next page; after the last page of a list's nine options, the next nine (then the first again). */
  #turnPage(): void {
    const pageCount = this.#pageCount()
    const step = this.#step
    const groups = step?.kind === 'choose' ? Math.ceil(chooseOptions(step, this.s, this.nowMs).length / MAX_OPTIONS) : 1
    if (this.s.page + 1 < pageCount) this.s.page += 1
    else if (groups > 1) {
      this.s.group = (this.s.group + 1) % groups
      this.s.page = 0
    } else if (pageCount > 1) this.s.page = 0
    else return
    this.#show()
  }

  #show(): void {
    this.effects.push({ kind: 'show', screen: stepScreen(this.flow, this.s, this.nowMs) })
  }

  #title(): string {
    return fillText(this.s, this.nowMs, this.flow.shortTitle ?? this.flow.title)
  }

  #fill(template: string): string {
    return fillTemplate(this.s, this.nowMs, template)
  }

  #event(type: string, fields: EventFields): void {
    this.effects.push({ kind: 'event', type, fields: { flow: this.flow.id, version: this.flow.version, ...fields } })
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** Index of the first case of `step` whose condition holds; -1 for `otherwise`. */
export function branchCase(step: BranchStep, fill: (template: string) => string): number {
  return step.cases.findIndex((candidate) => evaluateCondition(candidate.when, fill))
}

/** The fields of a shape declared as amounts in đồng, as a record keeps them; none: nothing. */
function moneyFields(shape: ReplyShape | undefined): { money?: string[] } {
  const money = [...(shape ?? new Map()).entries()].filter(([, field]) => 'unit' in field && field.unit === 'vnd').map(([name]) => name)
  return money.length === 0 ? {} : { money }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Whether a notification is the one the step waits for: it fits the declared shape (its declared
 * fields only are kept), and every `match` field equals it as text. The effect compares the same way
 * (the station's central calls, which report a mismatch to central; docs/flows.md); this is the
 * session's own check.
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

/** What an event may say of a payload that could not be built: the StationError code, never its message (it may quote data). */
function codeOfThrown(error: unknown): string {
  return isStationError(error) ? error.code : 'unknown'
}
