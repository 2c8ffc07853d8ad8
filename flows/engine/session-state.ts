/**
 * The data of one flow session, and what goes in and out of it (docs/flows.md, "The session
 * machine"). Everything here is plain data (structuredClone copies it): the session's meaning is
 * the pure function `transition` (session-machine.ts) over these types, and a runner
 * (session-runner.ts) turns the effects into calls on the devices and the clock. The flow itself is
 * not part of the state: it is the program the machine runs, passed alongside.
 */
import type { KeyName, Language } from '../../config/schema.js'
import type { Receipt } from '../../drivers/printer/receipt.js'
import type { FlowValue, LocalizedText, Outcome } from './flow-types.js'
import type { Identity } from './identity.js'
import type { Screen } from './screen.js'

/**
 * Something saved under a name: a resident's answer, or a record (a request's reply, an event's
 * fields, the payment). `seq` orders them, so that `back` forgets exactly what came after.
 */
export type Saved =
  | {
      kind: 'answer'
      /** Option value or typed text. */
      value: string
      /** A choice's label; null for typed text. */
      label: LocalizedText | null
      /** What typed text shows as when empty. */
      emptyLabel: LocalizedText | null
      seq: number
    }
  | {
      kind: 'record'
      fields: Record<string, unknown>
      /** Fields that are amounts in đồng (a shape's `unit: vnd`, a payment's amount): shown as money. */
      money?: string[]
      seq: number
    }

/** A waiting step the resident went through, and how many things had been saved when it began. */
export interface Visit {
  id: string
  mark: number
}

/** The session's three timers. Each holds the id of its running timer, or null; an expiry whose id is not here is stale. */
export interface SessionTimers {
  /** A waiting step's countdown. */
  step: number | null
  /** How long the "not valid" notice of an input stays. */
  notice: number | null
  /** A request's or wait's deadline, or the pause before a request is tried again. */
  effect: number | null
}

/** An effect the session waits on; a result whose call id is not this one is stale. */
export interface PendingCall {
  id: number
  effect: 'submit' | 'print' | 'request' | 'waitFor'
}

/** What a request or wait_for step is at. */
export interface EffectProgress {
  /** The request attempt, from 0. */
  attempt: number
  /** Notifications this wait_for has refused. */
  refused: number
  /** When the wait_for gives up (station clock, ms); null for a request. */
  deadlineMs: number | null
  /** The wait_for's match, filled when the step began. */
  match: Record<string, FlowValue> | null
  /**
   * When the station gives up waiting at this request or wait_for step, every attempt counted
   * (station clock, ms): what the waiting screen counts down to. Null at other steps.
   */
  untilMs: number | null
  /** Back was pressed on a wait_for with `leave`: its question is on screen while the wait goes on. */
  asking: boolean
}

/** How a session ended. */
export interface FlowResult {
  outcome: Outcome
  /** The step the session was at when it ended (the end step, or the step that timed out or was cancelled). */
  stepId: string
  /** Present when a submit succeeded. */
  reference?: string
}

export interface SessionState {
  status: 'ready' | 'running' | 'ended'
  /** The step the session is at (the last one, once ended); null before start. */
  stepId: string | null
  language: Language
  /** For `{{station.id}}`. */
  stationId: string
  /** For `{{station.site}}` and `{{station.agency}}` and the head of every receipt (config `station.site`, `station.agency`); null: not set. */
  site: string | null
  agency: string | null
  /** Display size, to know whether key 0 has pages to turn. */
  display: { cols: number; rows: number }
  /** Which optional effects the station has: without them request and wait_for steps take their failure path. */
  can: { request: boolean; waitFor: boolean }
  identity: Identity | null
  saved: Record<string, Saved>
  seq: number
  reference: string | null
  /** Waiting steps the resident went through, for `back`; emptied by every step that changes the world (submit, print, pay_qr). */
  history: Visit[]
  /** A submit succeeded: there is nothing left to cancel. */
  committed: boolean
  page: number
  /** Which nine of a choose step's list options are numbered now (0 = the first nine). */
  group: number
  typed: string
  /** Back on the first step asked "end this procedure?": the screen shows the question until a key answers it. */
  leaving: boolean
  /** When the current waiting step's countdown ends (station clock, ms); null when none runs. */
  stepDeadlineMs: number | null
  timers: SessionTimers
  call: PendingCall | null
  progress: EffectProgress
  /** Ids for timers and calls: never reused, so a late one is told apart from the current one. */
  nextId: number
  /** When the session started, and when it entered its current step (station clock, ms); null before. */
  startedAtMs: number | null
  stepSinceMs: number | null
  /** Set once ended. */
  result: FlowResult | null
}

/** A submission as the session hands it to the outbox; `data` holds personal data when the step asks for identity. */
export interface SubmitRequest {
  flow: string
  flowVersion: number
  data: Record<string, unknown>
}

/** Event fields for central and the technician: never personal data. */
export type EventFields = Record<string, string | number | boolean>

/** What happens to a session. Effect results name the call or timer they answer. */
export type SessionEvent =
  | { kind: 'start' }
  | { kind: 'key'; key: KeyName }
  | { kind: 'identity'; identity: Identity }
  | { kind: 'cancel'; outcome: Outcome }
  /** The resident is still there (they answered the idle warning): the waiting step's countdown starts again. */
  | { kind: 'touch' }
  /** Drops the identity and every answer. */
  | { kind: 'wipe' }
  | { kind: 'timer'; timer: number }
  | { kind: 'submitted'; call: number; reference: string }
  | { kind: 'printed'; call: number }
  | { kind: 'replied'; call: number; reply: unknown }
  | { kind: 'notified'; call: number; fields: unknown }
  /** An effect failed: `code` is what an event may say of it, `timeout` whether it counts as one. */
  | { kind: 'failed'; call: number; code: string; timeout: boolean }

/** What the session does to the world, as data; the runner does it. */
export type SessionEffect =
  | { kind: 'show'; screen: Screen }
  | { kind: 'event'; type: string; fields: EventFields }
  | { kind: 'startTimer'; timer: number; ms: number }
  | { kind: 'cancelTimer'; timer: number }
  | { kind: 'submit'; call: number; request: SubmitRequest }
  | { kind: 'print'; call: number; receipt: Receipt }
  | { kind: 'request'; call: number; method: string; body: Record<string, FlowValue>; timeoutMs: number }
  | { kind: 'waitFor'; call: number; event: string; match: Record<string, FlowValue>; timeoutMs: number }
  /** Stop the request or wait in flight: its result no longer counts. */
  | { kind: 'abort'; call: number }
  | { kind: 'end'; result: FlowResult }

/** One step change, with its cause as the flow graph names it (flow-graph-render.ts `edges`), or `back`. */
export interface Move {
  from: string
  to: string
  cause: string
}

export interface Transition {
  state: SessionState
  effects: SessionEffect[]
  /** The step changes this event caused, in order: for `station flows test` coverage. */
  moves: Move[]
}

export interface SessionSetup {
  language: Language
  /** An identity presented before the flow was chosen; satisfies the first scan_id step that accepts its source. */
  identity?: Identity | null
  /** Default '-'. */
  stationId?: string
  /** Default null (not set). */
  site?: string | null
  agency?: string | null
  /** Default 20x4. */
  display?: { cols: number; rows: number }
  /** Default: both. */
  can?: { request: boolean; waitFor: boolean }
}

export function initialState(setup: SessionSetup): SessionState {
  return {
    status: 'ready',
    stepId: null,
    language: setup.language,
    stationId: setup.stationId ?? '-',
    site: setup.site ?? null,
    agency: setup.agency ?? null,
    display: setup.display ?? { cols: 20, rows: 4 },
    can: setup.can ?? { request: true, waitFor: true },
    identity: setup.identity ?? null,
    saved: {},
    seq: 0,
    reference: null,
    history: [],
    committed: false,
    page: 0,
    group: 0,
    typed: '',
    leaving: false,
    stepDeadlineMs: null,
    timers: { step: null, notice: null, effect: null },
    call: null,
    progress: { attempt: 0, refused: 0, deadlineMs: null, match: null, asking: false, untilMs: null },
    nextId: 1,
    startedAtMs: null,
    stepSinceMs: null,
    result: null,
  }
}
