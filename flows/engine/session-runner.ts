/**
 * Runs the session machine (session-machine.ts) in the world: feeds it events, keeps its state, and
 * does its effects with the injected clock and devices, feeding each result back as an event
 * (docs/flows.md, "The session machine"). It holds no meaning of its own: which timer or call still
 * counts is the machine's to say, by the ids in its state.
 */
import type { Clock } from '../../runtime/core/clock.js'
import { EffectTimers } from '../../runtime/core/effect-timers.js'
import { isStationError, StationError } from '../../runtime/core/errors.js'
import type { FlowEffects } from './flow-effects.js'
import type { FlowDefinition } from './flow-types.js'
import { transition } from './session-machine.js'
import type { FlowResult, SessionEffect, SessionEvent, SessionState } from './session-state.js'

export class SessionRunner {
  #state: SessionState
  readonly #timers: EffectTimers<number>
  /** Requests and waits in flight, by call id: what an `abort` effect stops. */
  #calls = new Map<number, AbortController>()
  #queue: SessionEvent[] = []
  #busy = false

  constructor(
    readonly flow: FlowDefinition,
    state: SessionState,
    readonly devices: FlowEffects,
    readonly clock: Clock,
    readonly ended: (result: FlowResult) => void,
  ) {
    this.#state = state
    this.#timers = new EffectTimers(clock, (timer) => this.dispatch({ kind: 'timer', timer }))
  }

  get state(): SessionState {
    return this.#state
  }

  /**
   * Hands `event` to the machine and does the effects. An event sent while effects run (an effect's
   * callback that presses on) waits its turn, so effects always see the state they came from or later.
   */
  dispatch(event: SessionEvent): void {
    this.#queue.push(event)
    if (this.#busy) return
    this.#busy = true
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        const result = transition(this.flow, this.#state, next, this.clock.now())
        this.#state = result.state
        for (const effect of result.effects) this.#run(effect)
      }
    } finally {
      this.#busy = false
      this.#queue = []
    }
  }

  #run(effect: SessionEffect): void {
    const devices = this.devices
    switch (effect.kind) {
      case 'show':
        return devices.show(effect.screen)
      case 'event':
        return devices.event(effect.type, effect.fields)
      case 'startTimer':
        return this.#timers.start(effect.timer, effect.ms)
      case 'cancelTimer':
        return this.#timers.cancel(effect.timer)
      case 'submit':
        return this.#call(effect.call, () => devices.submit(effect.request), (stored) => ({ kind: 'submitted', call: effect.call, reference: stored.reference }))
      case 'print':
        return this.#call(effect.call, () => devices.print(effect.receipt), () => ({ kind: 'printed', call: effect.call }))
      case 'request': {
        const request = devices.request?.bind(devices)
        const signal = this.#signal(effect.call)
        return this.#call(effect.call, () => (request ? request(effect.method, effect.body, { timeoutMs: effect.timeoutMs, signal }) : unsupported()), (reply) => ({ kind: 'replied', call: effect.call, reply }))
      }
      case 'waitFor': {
        const waitFor = devices.waitFor?.bind(devices)
        const signal = this.#signal(effect.call)
        return this.#call(effect.call, () => (waitFor ? waitFor(effect.event, effect.match, { timeoutMs: effect.timeoutMs, signal }) : unsupported()), (fields) => ({ kind: 'notified', call: effect.call, fields }))
      }
      case 'abort': {
        const controller = this.#calls.get(effect.call)
        this.#calls.delete(effect.call)
        controller?.abort(new StationError('E_CANCELED', 'the flow left the step'))
        return
      }
      case 'end':
        return this.ended(effect.result)
    }
  }

  #signal(call: number): AbortSignal {
    const controller = new AbortController()
    this.#calls.set(call, controller)
    return controller.signal
  }

  /** Runs a device call (a synchronous throw counts as a rejection) and feeds its outcome back. */
  #call<T>(call: number, run: () => Promise<T>, done: (value: T) => SessionEvent): void {
    let promise: Promise<T>
    try {
      promise = run()
    } catch (error) {
      promise = Promise.reject(error)
    }
    promise.then(
      (value) => {
        this.#calls.delete(call)
        this.dispatch(done(value))
      },
      (error: unknown) => {
        this.#calls.delete(call)
        this.dispatch({ kind: 'failed', call, code: codeOf(error), timeout: isTimeout(error) })
      },
    )
  }
}

function unsupported(): Promise<never> {
  return Promise.reject(new StationError('E_CANCELED', 'the station has no such effect'))
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
