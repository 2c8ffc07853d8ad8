/**
 * The world `station flows test` plays around one session machine state (docs/flows.md, "How
 * `station flows test` walks"): the clock, the timers the machine started, and the calls it is owed
 * an answer for. It is what the runner (session-runner.ts) is to a real session, as plain data, so
 * that `structuredClone` forks a walk. The session's own state is the machine's (session-state.ts)
 * and is only ever changed by `transition`; the walker reads it, never writes it.
 */
import type { Language } from '../../config/schema.js'
import type { FlowDefinition } from './flow-types.js'
import { isWaitingStep, type Step, type WaitingStep } from './flow-types.js'
import { currentStep, transition } from './session-machine.js'
import { initialState, type PendingCall, type SessionEvent, type SessionState } from './session-state.js'

/** One path under way: the machine's state and the world around it, all plain data, so a copy forks it. */
export interface Walk {
  state: SessionState
  nowMs: number
  /** Timers the machine started and has neither cancelled nor seen fire. */
  timers: Array<{ id: number; dueMs: number }>
  /** Requests and waits the machine started and has neither been answered nor aborted. */
  inFlight: number[]
  /** Replies and events the machine refused for not fitting their shape (E_REPLY_INVALID, E_EVENT_INVALID). */
  refused: number
  /** Labels of the actions taken, for failure reports. */
  taken: string[]
  /** Times the walker only let time pass. */
  idle: number
  /** Finish along the shortest way to an end. */
  finishOnly: boolean
  /** How often this path came to each step while finishing. */
  greedyVisits: Record<string, number>
}

/** What the machine did, over every walk: the steps it entered and the step changes it made, as `from -> to (cause)`. */
export interface Taken {
  steps: Set<string>
  moves: Set<string>
}

/** Where the session waits now: for the resident, or for an answer to a call; undefined when neither. */
export type Decision =
  | { kind: 'wait'; step: WaitingStep }
  /** `attempt`: the request's attempt, or how many events the wait_for has refused (both from the machine's state). */
  | { kind: 'call'; step: Step; call: PendingCall; attempt: number }

/** The walk's clock starts here: 01/01/2026 07:00 at the station (Asia/Ho_Chi_Minh). */
const WALK_START_MS = Date.UTC(2026, 0, 1)

export function moveName(move: { from: string; to: string; cause: string }): string {
  return `${move.from} -> ${move.to} (${move.cause})`
}

export function freshWalk(language: Language): Walk {
  return {
    state: initialState({ language, stationId: 'walk' }),
    nowMs: WALK_START_MS,
    timers: [],
    inFlight: [],
    refused: 0,
    taken: [],
    idle: 0,
    finishOnly: false,
    greedyVisits: {},
  }
}

/** Hands `event` to the machine and plays its effects on the walk's world; notes what the machine did in `taken`. */
export function feed(flow: FlowDefinition, walk: Walk, event: SessionEvent, taken: Taken): void {
  const result = transition(flow, walk.state, event, walk.nowMs)
  walk.state = result.state
  for (const effect of result.effects) {
    switch (effect.kind) {
      case 'startTimer':
        walk.timers.push({ id: effect.timer, dueMs: walk.nowMs + effect.ms })
        break
      case 'cancelTimer':
        walk.timers = walk.timers.filter((timer) => timer.id !== effect.timer)
        break
      case 'request':
      case 'waitFor':
        walk.inFlight.push(effect.call)
        break
      case 'abort':
        walk.inFlight = walk.inFlight.filter((call) => call !== effect.call)
        break
      case 'event': {
        const code = effect.fields['code']
        if (effect.type === 'effect.failed' && (code === 'E_REPLY_INVALID' || code === 'E_EVENT_INVALID')) walk.refused++
        const step = effect.fields['step']
        if (effect.type === 'flow.step' && typeof step === 'string') taken.steps.add(step)
        break
      }
      case 'submit':
      case 'print':
      case 'show':
      case 'end':
        break
    }
  }
  for (const move of result.moves) taken.moves.add(moveName(move))
}

/** Moves the walk's time to `untilMs`, firing the machine's timers that fall due, in order. */
export function advance(flow: FlowDefinition, walk: Walk, untilMs: number, taken: Taken): void {
  for (;;) {
    const due = walk.timers.filter((timer) => timer.dueMs <= untilMs).sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0]
    if (!due) break
    walk.nowMs = due.dueMs
    walk.timers = walk.timers.filter((timer) => timer.id !== due.id)
    feed(flow, walk, { kind: 'timer', timer: due.id }, taken)
  }
  walk.nowMs = Math.max(walk.nowMs, untilMs)
}

/** When the running timer `id` falls due; undefined when none runs with that id. */
export function dueMs(walk: Walk, id: number | null): number | undefined {
  return walk.timers.find((timer) => timer.id === id)?.dueMs
}

/** When the first running timer falls due; undefined when none runs. */
export function firstDueMs(walk: Walk): number | undefined {
  return walk.timers.reduce<number | undefined>((first, timer) => (first === undefined || timer.dueMs < first ? timer.dueMs : first), undefined)
}

/** Answers the call the machine waits on with `value`, as a device would; false when it waits on none. */
export function answer(flow: FlowDefinition, walk: Walk, value: unknown, taken: Taken): boolean {
  const call = walk.state.call
  if (!call) return false
  walk.inFlight = walk.inFlight.filter((id) => id !== call.id)
  feed(flow, walk, answerEvent(call, value), taken)
  return true
}

/** Fails the call the machine waits on with `code`; false when it waits on none. */
export function fail(flow: FlowDefinition, walk: Walk, code: string, taken: Taken): boolean {
  const call = walk.state.call
  if (!call) return false
  walk.inFlight = walk.inFlight.filter((id) => id !== call.id)
  feed(flow, walk, { kind: 'failed', call: call.id, code, timeout: code === 'E_DEVICE_TIMEOUT' }, taken)
  return true
}

/** The event that answers `call` with `value`. */
export function answerEvent(call: PendingCall, value: unknown): SessionEvent {
  switch (call.effect) {
    case 'submit':
      return { kind: 'submitted', call: call.id, reference: (value as { reference: string }).reference }
    case 'print':
      return { kind: 'printed', call: call.id }
    case 'request':
      return { kind: 'replied', call: call.id, reply: value }
    case 'waitFor':
      return { kind: 'notified', call: call.id, fields: value }
  }
}

/** Where the session waits now, read from the machine's state. */
export function decisionOf(flow: FlowDefinition, state: SessionState): Decision | undefined {
  if (state.status !== 'running') return undefined
  const step = currentStep(flow, state)
  if (!step) return undefined
  const call = state.call
  if (call) {
    const attempt = call.effect === 'request' ? state.progress.attempt : call.effect === 'waitFor' ? state.progress.refused : 0
    return { kind: 'call', step, call, attempt }
  }
  if (isWaitingStep(step)) return { kind: 'wait', step }
  return undefined
}
