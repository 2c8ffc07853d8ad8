/**
 * What the technician and central may know of a session, read from the machine's state
 * (session-state.ts): the flow, the step and how long it has run. Never personal data: no identity,
 * no answers, no typed text. Pure.
 */
import type { SessionState } from './session-state.js'

export interface SessionView {
  flow: string
  /** The step the resident is at; null before start and after the end. */
  step: string | null
  /** Seconds since the session started (whole, >= 0); null before start. */
  elapsedS: number | null
}

export function sessionView(flowId: string, state: SessionState, nowMs: number): SessionView {
  return {
    flow: flowId,
    step: state.status === 'running' ? state.stepId : null,
    elapsedS: state.startedAtMs === null ? null : Math.max(0, Math.round((nowMs - state.startedAtMs) / 1000)),
  }
}
