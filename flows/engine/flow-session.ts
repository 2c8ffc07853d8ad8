/**
 * Runs one flow for one resident: the public face of the session machine (session-machine.ts, the
 * meaning) and its runner (session-runner.ts, the effects on the injected clock and devices); see
 * docs/flows.md, "The session machine". Every wait is a timer on the injected Clock, and every call
 * in flight has an AbortSignal; both are cleared on every step change and at the end.
 */
import type { KeyName, Language } from '../../config/schema.js'
import type { Clock } from '../../runtime/core/clock.js'
import type { FlowEffects } from './flow-effects.js'
import type { FlowDefinition, Outcome } from './flow-types.js'
import type { Identity } from './identity.js'
import { acceptsIdentity } from './session-machine.js'
import { SessionRunner } from './session-runner.js'
import { initialState, type FlowResult, type SessionState } from './session-state.js'

export type { FlowResult } from './session-state.js'

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
  /** For `{{station.site}}`, `{{station.agency}}` and the head of every receipt (config `station.site`, `station.agency`); default: not set. */
  site?: string | null
  agency?: string | null
  /** Display size, to know whether key 0 has pages to turn; default 20x4. */
  display?: { cols: number; rows: number }
}

export class FlowSession {
  #runner: SessionRunner
  #listeners: Array<(result: FlowResult) => void> = []

  constructor(options: FlowSessionOptions) {
    const effects = options.effects
    const state = initialState({
      language: options.language,
      identity: options.identity ?? null,
      ...(options.stationId === undefined ? {} : { stationId: options.stationId }),
      site: options.site ?? null,
      agency: options.agency ?? null,
      ...(options.display === undefined ? {} : { display: options.display }),
      can: { request: typeof effects.request === 'function', waitFor: typeof effects.waitFor === 'function' },
    })
    this.#runner = new SessionRunner(options.flow, state, effects, options.clock, (result) => {
      for (const listener of [...this.#listeners]) listener(result)
    })
  }

  get flowId(): string {
    return this.#runner.flow.id
  }

  /** The flow this session runs. */
  get flow(): FlowDefinition {
    return this.#runner.flow
  }

  /** The machine's state: plain data, for views (session-view.ts); never hand it out, it holds personal data. */
  get state(): SessionState {
    return this.#runner.state
  }

  get ended(): boolean {
    return this.#runner.state.status === 'ended'
  }

  /** The step the resident is at; null before start and after the end. */
  get currentStepId(): string | null {
    const state = this.#runner.state
    return state.status === 'ended' ? null : state.stepId
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
    this.#runner.dispatch({ kind: 'start' })
  }

  /**
   * A resident's key. Ignored while an effect runs (but `back` abandons a request or a wait_for),
   * before start and after the end.
   */
  key(key: KeyName): void {
    this.#runner.dispatch({ kind: 'key', key })
  }

  /**
   * An identity document was read. Accepted (true) while a scan_id step that accepts its source waits,
   * which then moves on; or, while no identity is held yet, when such a step is still ahead (or the
   * session has not started), kept for it. Refused (false) otherwise, e.g. after the end.
   */
  presentIdentity(identity: Identity): boolean {
    const accepted = acceptsIdentity(this.#runner.flow, this.#runner.state, identity)
    if (accepted) this.#runner.dispatch({ kind: 'identity', identity })
    return accepted
  }

  /** Ends the session from outside (idle timeout, maintenance, a new card at the welcome screen). Idempotent. */
  cancel(outcome: Outcome = 'cancelled'): void {
    this.#runner.dispatch({ kind: 'cancel', outcome })
  }

  /** Drops the identity and every answer. The owner calls it when the session ends or times out. */
  wipe(): void {
    this.#runner.dispatch({ kind: 'wipe' })
  }
}
