/**
 * What the technician's screen, the status report and the station's policies may know of the
 * resident in front of the station: the screen they are on, and the flow, step and time of their
 * session (flows/engine/session-view.ts). Never personal data. Pure: read from the kiosk's phase
 * and the session machine's state, never assembled by hand.
 */
import { sessionView } from '../../flows/engine/session-view.js'
import type { SessionState } from '../../flows/engine/session-state.js'
import type { Phase } from './kiosk-machine.js'

export interface ResidentView {
  phase: Phase
  /** The menu, a procedure and its end screen all belong to the resident in front of the station. */
  residentPresent: boolean
  flow: string | null
  step: string | null
  /** Seconds since the procedure started; null outside one. */
  elapsedS: number | null
}

export function residentPresent(phase: Phase): boolean {
  return phase === 'menu' || phase === 'session' || phase === 'ended'
}

export function residentView(phase: Phase, session: { flowId: string; state: SessionState } | null, nowMs: number): ResidentView {
  const view = session ? sessionView(session.flowId, session.state, nowMs) : null
  return {
    phase,
    residentPresent: residentPresent(phase),
    flow: view?.flow ?? null,
    step: view?.step ?? null,
    elapsedS: phase === 'session' ? (view?.elapsedS ?? null) : null,
  }
}
