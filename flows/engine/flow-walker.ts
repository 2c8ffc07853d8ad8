/**
 * `station flows test`: drives the session machine (session-machine.ts) through every path of a flow
 * and reports which steps and transitions some path took. A transition is an edge of the drawn
 * graph (flow-graph-render.ts `edges`), so "transitions 25/25" means every arrow of the diagram was
 * walked; the machine names the cause of every step change it makes, so an arrow counts only when
 * the session took it for that cause.
 *
 * How it explores: depth first over copies of the machine's state (docs/flows.md, "How `station
 * flows test` walks"). A walk is the machine's state plus the walker's view of the world (the time,
 * the timers and the call the machine started); at each point where the session waits, every other
 * cause is explored later from a copy of that walk, so no path is replayed from the start. It tries
 * every cause: each option, a valid input (one per distinct branch outcome) and an invalid one
 * followed by a valid one, an identity, `ok`, a timeout, effects that succeed and fail, and replies
 * and events built from the step's declared shape (`reply`, `fields`; reply-shape.ts): valid ones
 * whose values come from the flow's own branch conditions (so `{"==": ["{{bill.status}}", unpaid]}`
 * gets a reply with status `unpaid` and one with another status the shape allows, or none when it
 * may be absent), plus one malformed reply (a field of the wrong type) that must take the failure
 * path, or for an event be waited past; and `back` once per step. Which branch a value leads to is
 * worked out with the session's own resolution of values (session-values.ts) on its own state.
 * Alternatives that cannot change what follows (options to the same step whose value no condition
 * reads) are finished along the shortest way to an end, and a state already explored is not explored
 * again; both keep the number of paths near the number of arrows instead of their product.
 *
 * A path fails when the engine throws, the session does not end within the action bound, timers or
 * calls are left behind when it ends, or the session accepts a malformed reply or refuses one that
 * fits its shape.
 */
import type { KeyName, Language } from '../../config/schema.js'
import type { ErrorCode } from '../../runtime/core/errors.js'
import type { Condition, Operand } from './conditions.js'
import { edges } from './flow-graph-render.js'
import type { BranchStep, FlowDefinition, FlowValue, InputStep, Step, WaitingStep } from './flow-types.js'
import { isWaitingStep } from './flow-types.js'
import type { IdentitySource } from './identity.js'
import { checkReply, fieldProblem, valueFromText, type FieldShape, type ReplyShape } from './reply-shape.js'
import { acceptsIdentity, branchCase, currentStep, transition } from './session-machine.js'
import { initialState, type Saved, type SessionEvent, type SessionState } from './session-state.js'
import { fillTemplate, numberedOptions } from './session-values.js'
import { templateReferences, variableNeed } from './template.js'

/** Bounds and settings of a walk. */
export interface WalkOptions {
  /** Most paths to walk; default 5000. Reaching it sets `truncated`. */
  maxPaths?: number
  /** Most actions on one path before it counts as a session that never ends; default 200. */
  maxActionsPerPath?: number
  /** Session language; default 'vi'. */
  language?: Language
}

/** How much of one kind of item the walk reached. */
export interface WalkCoverage {
  total: number
  covered: number
  /** Steps by id; transitions as `from -> to (cause)`, cause as the graph labels it. */
  missing: string[]
}

/** The result of walking one flow. */
export interface WalkResult {
  steps: WalkCoverage
  transitions: WalkCoverage
  /** Paths walked (each from the start or from the point where it forks to its end). */
  paths: number
  /** One line per distinct problem, with the actions of the first path that showed it. */
  failures: string[]
  /** The path bound stopped the walk before every alternative was tried. */
  truncated: boolean
}

const DEFAULT_MAX_PATHS = 5000
const DEFAULT_MAX_ACTIONS = 200
/** Replies, typed values: above this many combinations only one field at a time is varied. */
const MAX_COMBINATIONS = 4096
/** How far time moves when the session only waits on its own timer (a request's retry pause is 1 s). */
const IDLE_STEP_MS = 1000
/** The walk's clock starts here: 01/01/2026 07:00 at the station (Asia/Ho_Chi_Minh). */
const WALK_START_MS = Date.UTC(2026, 0, 1)
/** Reply fields a pay_qr step reads as its bank BIN, account and amount need values VietQR accepts (docs/protocols.md 8). */
const PAY_QR_DEFAULTS = { bin: '970436', account: '0123456789', amount: '150000' } as const
const DEFAULT_FIELD_VALUE = '1'
/** Texts tried for a string field a condition reads, besides the condition's own values: one usually fits a pattern. */
const GENERIC_TEXTS = ['x', 'other', '1'] as const
/** Stands for "field absent" among a field's values while combining. */
const ABSENT = Symbol('absent')
const DECIMAL = /^\s*-?\d+(\.\d+)?\s*$/

type Perform =
  | { kind: 'keys'; keys: KeyName[] }
  | { kind: 'advance'; ms: number }
  | { kind: 'identity'; source: IdentitySource }
  | { kind: 'resolve'; value: unknown }
  | { kind: 'reject'; code: ErrorCode }

/** A value as the session would save it, before it is given its place in the order. */
type Unsaved = Saved extends infer T ? (T extends unknown ? Omit<T, 'seq'> : never) : never

/** One thing the walker does to a session. Plain data, like the walk it is done to. */
interface Action {
  /** For failure reports: `topic: option 2`. */
  label: string
  perform: Perform
  back?: boolean
  /** Where it should lead; null: it ends the session. For the shortest way to an end. */
  target: string | null
  /** Nothing after it differs from an earlier alternative: finish along the shortest way only. */
  finishOnly?: boolean
  /** A reply or event the session must accept, or refuse (E_REPLY_INVALID, E_EVENT_INVALID) for its shape. */
  expect?: 'accepted' | 'refused'
}

/** A call the machine started and the walker has yet to answer. */
interface Call {
  id: number
  effect: 'submit' | 'print' | 'request' | 'waitFor'
}

/** One path under way: the machine's state and the world around it, all plain data, so a copy forks it. */
interface Walk {
  state: SessionState
  nowMs: number
  /** The machine's running timers. */
  timers: Array<{ id: number; dueMs: number }>
  /** The call to answer, if any. */
  call: Call | null
  /** Requests and waits started and neither answered nor aborted. */
  inFlight: number[]
  /** Calls since the last step change: the attempt number of a request. */
  callsAtStep: number
  /** Replies and events the session refused for not fitting their shape. */
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

/** The state and time a value is resolved at. */
interface At {
  state: SessionState
  nowMs: number
}

type Decision =
  | { kind: 'wait'; step: WaitingStep }
  | { kind: 'call'; step: Step; call: Call; attempt: number }

/** What the walker reads from the flow once. */
interface Analysis {
  branches: BranchStep[]
  /** Answer and reply names that a branch condition or a pay_qr value reads: they change what follows. */
  relevant: Set<string>
  /** `{{name.field}}` fields referenced anywhere, by name ('' for `{{name}}`). */
  fields: Map<string, Set<string>>
  /** Values worth trying, by reference as written (`bill.status`). */
  candidates: Map<string, string[]>
  /** Value a reply field gets unless a condition asks otherwise. */
  defaults: Map<string, string>
  /** Transitions to the nearest end step. */
  distance: Map<string, number>
}

/** Walks every path of `flow` (validated). Never rejects: problems are in `failures`. */
export async function walkFlow(flow: FlowDefinition, options: WalkOptions = {}): Promise<WalkResult> {
  const maxPaths = options.maxPaths ?? DEFAULT_MAX_PATHS
  const maxActions = options.maxActionsPerPath ?? DEFAULT_MAX_ACTIONS
  const language = options.language ?? 'vi'
  const analysis = analyse(flow)
  const allEdges = edges(flow)
  const edgeName = (edge: { from: string; to: string; cause: string }): string => `${edge.from} -> ${edge.to} (${edge.cause})`
  const edgeNames = new Set(allEdges.map(edgeName))
  const coveredSteps = new Set<string>()
  const coveredEdges = new Set<string>()
  const failures = new Map<string, string>()
  const explored = new Set<string>()
  const backTried = new Set<string>()
  /** Forks still to walk: a copy of the walk where it forked, and the alternative to take there. */
  const stack: Array<{ walk: Walk; first: Action } | null> = [null]
  let paths = 0

  /** Hands `event` to the machine and plays its effects on the walk's world. */
  const feed = (walk: Walk, event: SessionEvent): void => {
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
        case 'submit':
        case 'print':
        case 'request':
        case 'waitFor':
          walk.callsAtStep++
          walk.call = { id: effect.call, effect: effect.kind }
          if (effect.kind === 'request' || effect.kind === 'waitFor') walk.inFlight.push(effect.call)
          break
        case 'abort':
          walk.inFlight = walk.inFlight.filter((call) => call !== effect.call)
          if (walk.call?.id === effect.call) walk.call = null
          break
        case 'event': {
          const code = effect.fields['code']
          if (effect.type === 'effect.failed' && (code === 'E_REPLY_INVALID' || code === 'E_EVENT_INVALID')) walk.refused++
          const step = effect.fields['step']
          if (effect.type === 'flow.step' && typeof step === 'string') {
            walk.callsAtStep = 0
            coveredSteps.add(step)
          }
          break
        }
        case 'show':
        case 'end':
          break
      }
    }
    for (const move of result.moves) {
      const name = edgeName(move)
      if (edgeNames.has(name)) coveredEdges.add(name)
    }
  }

  /** Moves the walk's time forward by `ms`, firing the machine's timers that fall due, in order. */
  const advance = (walk: Walk, ms: number): void => {
    const targetMs = walk.nowMs + ms
    for (;;) {
      const due = walk.timers.filter((timer) => timer.dueMs <= targetMs).sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0]
      if (!due) break
      walk.nowMs = due.dueMs
      walk.timers = walk.timers.filter((timer) => timer.id !== due.id)
      feed(walk, { kind: 'timer', timer: due.id })
    }
    walk.nowMs = targetMs
  }

  /** Does `action`; returns a problem when the session is not where the path expects it. */
  const perform = (action: Action, walk: Walk): string | undefined => {
    const perform = action.perform
    switch (perform.kind) {
      case 'keys':
        for (const key of perform.keys) feed(walk, { kind: 'key', key })
        return undefined
      case 'advance':
        advance(walk, perform.ms)
        return undefined
      case 'identity': {
        // A made-up document: the walker never sees real identity data.
        const identity = { source: perform.source, personalId: '079200000001' }
        if (!acceptsIdentity(flow, walk.state, identity)) return `the session refused an identity at '${action.label}'`
        feed(walk, { kind: 'identity', identity })
        return undefined
      }
      case 'resolve':
      case 'reject': {
        const call = walk.call
        if (!call) return `no call to answer at '${action.label}'`
        walk.call = null
        walk.inFlight = walk.inFlight.filter((id) => id !== call.id)
        feed(walk, perform.kind === 'reject' ? { kind: 'failed', call: call.id, code: perform.code, timeout: perform.code === 'E_DEVICE_TIMEOUT' } : answer(call, perform.value))
        return undefined
      }
    }
  }

  const walkPath = (fork: { walk: Walk; first: Action } | null): void => {
    const walk = fork?.walk ?? freshWalk(language)
    let next = fork?.first
    const fail = (problem: string): void => {
      if (!failures.has(problem)) failures.set(problem, walk.taken.join(' > ') || 'start')
    }
    const stepNow = (): string => (walk.state.status === 'ended' ? '?' : (walk.state.stepId ?? '?'))
    try {
      if (!fork) feed(walk, { kind: 'start' })
      for (;;) {
        if (walk.state.status === 'ended') break
        if (walk.taken.length + walk.idle >= maxActions) {
          fail(`the session did not end within ${maxActions} actions (at step '${stepNow()}')`)
          feed(walk, { kind: 'cancel', outcome: 'cancelled' })
          break
        }
        const decision = decisionOf(flow, walk)
        if (!decision) {
          // Only the session's own timers can move it on (a request's pause before a retry).
          if (walk.timers.length === 0) {
            fail(`the session stalled at step '${stepNow()}' with nothing to wait for`)
            feed(walk, { kind: 'cancel', outcome: 'cancelled' })
            break
          }
          walk.idle++
          advance(walk, IDLE_STEP_MS)
          continue
        }
        let action: Action | undefined = next
        next = undefined
        if (!action) {
          const at = { state: walk.state, nowMs: walk.nowMs }
          const alternatives = alternativesOf(decision, analysis, at, backTried)
          if (!walk.finishOnly) {
            const key = stateKey(decision, walk.state, analysis)
            if (explored.has(key)) walk.finishOnly = true
            else {
              explored.add(key)
              if (alternatives.some((alternative) => alternative.back)) backTried.add(decision.step.id)
              for (const alternative of alternatives.slice(1).reverse()) {
                const copy = structuredClone(walk)
                stack.push({ walk: { ...copy, finishOnly: alternative.finishOnly === true, greedyVisits: {} }, first: alternative })
              }
              action = alternatives[0]
            }
          }
          if (walk.finishOnly) {
            const visits = walk.greedyVisits[decision.step.id] ?? 0
            walk.greedyVisits[decision.step.id] = visits + 1
            action = shortest(alternatives, analysis, visits)
          }
        }
        if (!action) {
          fail(`no way on from step '${decision.step.id}'`)
          feed(walk, { kind: 'cancel', outcome: 'cancelled' })
          break
        }
        walk.taken.push(action.label)
        const refusedBefore = walk.refused
        const problem = perform(action, walk)
        if (problem) {
          fail(problem)
          feed(walk, { kind: 'cancel', outcome: 'cancelled' })
          break
        }
        const refused = walk.refused > refusedBefore
        if (action.expect !== undefined && refused !== (action.expect === 'refused')) {
          fail(`the session ${refused ? 'refused' : 'accepted'} a ${action.expect === 'refused' ? 'malformed' : 'fitting'} answer at '${action.label}'`)
        }
      }
      if (walk.timers.length > 0) fail(`${walk.timers.length} timer(s) left running after the session ended`)
      if (walk.inFlight.length > 0) fail('a request or wait was left in flight after the session ended')
    } catch (error) {
      fail(`the engine threw: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  let truncated = false
  while (stack.length > 0) {
    if (paths >= maxPaths) {
      truncated = true
      break
    }
    paths++
    walkPath(stack.pop() ?? null)
  }

  const stepIds = [...flow.steps.keys()]
  const names = allEdges.map(edgeName)
  return {
    steps: { total: stepIds.length, covered: stepIds.filter((id) => coveredSteps.has(id)).length, missing: stepIds.filter((id) => !coveredSteps.has(id)) },
    transitions: {
      total: names.length,
      covered: names.filter((name) => coveredEdges.has(name)).length,
      missing: names.filter((name) => !coveredEdges.has(name)),
    },
    paths,
    failures: [...failures].map(([problem, path]) => `${problem}; path: ${path}`),
    truncated,
  }
}

function freshWalk(language: Language): Walk {
  return {
    state: initialState({ language, stationId: 'walk' }),
    nowMs: WALK_START_MS,
    timers: [],
    call: null,
    inFlight: [],
    callsAtStep: 0,
    refused: 0,
    taken: [],
    idle: 0,
    finishOnly: false,
    greedyVisits: {},
  }
}

/** The event that answers `call` with `value`, as a device would. */
function answer(call: Call, value: unknown): SessionEvent {
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

/** Where the session waits now: for the resident, or for a call; undefined when neither. */
function decisionOf(flow: FlowDefinition, walk: Walk): Decision | undefined {
  if (walk.state.status !== 'running') return undefined
  const step = currentStep(flow, walk.state)
  if (!step) return undefined
  if (walk.call) return { kind: 'call', step, call: walk.call, attempt: walk.callsAtStep - 1 }
  if (isWaitingStep(step)) return { kind: 'wait', step }
  return undefined
}

/** Every cause the walker tries at `decision`, the one to explore first first. */
function alternativesOf(decision: Decision, analysis: Analysis, at: At, backTried: Set<string>): Action[] {
  const step = decision.step
  const named = (what: string): string => `${step.id}: ${what}`
  const alternatives: Action[] = []
  const timeoutMs = 'timeoutS' in step ? step.timeoutS * 1000 : 0
  if (decision.kind === 'wait') {
    const waiting = decision.step
    switch (waiting.kind) {
      case 'scan_id': {
        const source = waiting.accept[0] ?? 'cccd_qr'
        alternatives.push({ label: named(`identity (${source})`), perform: { kind: 'identity', source }, target: waiting.next })
        break
      }
      case 'choose': {
        const seen = new Set<string>()
        // As numbered now: the written options, or the items of a reply's list (the reply the walk gave).
        numberedOptions(waiting, at.state, at.nowMs).forEach((option, index) => {
          const saved: Unsaved = { kind: 'answer', value: option.value, label: option.label, emptyLabel: null }
          const matters = waiting.saveAs !== undefined && analysis.relevant.has(waiting.saveAs)
          const outcome = `${option.next}|${matters && waiting.saveAs !== undefined ? signature(analysis, at, waiting.saveAs, saved) : ''}`
          alternatives.push({
            label: named(`option ${index + 1}`),
            perform: { kind: 'keys', keys: [String(index + 1) as KeyName] },
            target: option.next,
            ...(seen.has(outcome) ? { finishOnly: true } : {}),
          })
          seen.add(outcome)
        })
        break
      }
      case 'input': {
        const { valid, invalid } = inputValues(waiting, analysis, at)
        for (const value of valid) {
          alternatives.push({
            label: named(`type '${value}'`),
            perform: { kind: 'keys', keys: [...keysOf(value), 'ok'] },
            target: waiting.next,
          })
        }
        const first = valid[0]
        if (invalid !== undefined && first !== undefined) {
          alternatives.push({
            label: named(`type '${invalid}' (refused), then '${first}'`),
            perform: { kind: 'keys', keys: [...keysOf(invalid), 'ok', ...keysOf(first), 'ok'] },
            target: waiting.next,
            finishOnly: true,
          })
        }
        break
      }
      case 'show':
        alternatives.push({ label: named('ok'), perform: { kind: 'keys', keys: ['ok'] }, target: waiting.next })
        break
    }
    alternatives.push({
      label: named('timeout'),
      perform: { kind: 'advance', ms: timeoutMs },
      target: waiting.onTimeout ?? null,
    })
  } else {
    const call = decision.call
    const last = !(step.kind === 'request' && decision.attempt < step.retries)
    const failTarget = step.kind === 'request' ? (last ? step.onError : step.id) : 'onError' in step ? (step.onError ?? null) : null
    switch (call.effect) {
      case 'submit':
        alternatives.push({ label: named('stored'), perform: { kind: 'resolve', value: { id: 'walk-1', reference: 'WALK-0001' } }, target: 'next' in step ? step.next : null })
        alternatives.push({ label: named('store failed'), perform: { kind: 'reject', code: 'E_OUTBOX_IO' }, target: failTarget })
        break
      case 'print':
        alternatives.push({ label: named('printed'), perform: { kind: 'resolve', value: undefined }, target: 'next' in step ? step.next : null })
        alternatives.push({ label: named('print failed'), perform: { kind: 'reject', code: 'E_PRINTER_NOT_READY' }, target: failTarget })
        break
      case 'request':
      case 'waitFor': {
        if (step.kind !== 'request' && step.kind !== 'wait_for') break
        const name = step.saveAs
        const shape = step.kind === 'request' ? step.reply : step.fields
        // What the event must carry to match, typed as its shape declares (an amount is a number).
        const matched = step.kind === 'wait_for' ? typedMatch(at.state.progress.match ?? {}, shape) : {}
        const replies = (name === undefined ? [{}] : records(analysis, at, name, shape))
          .map((reply) => ({ ...reply, ...matched }))
          .filter((reply) => shape === undefined || checkReply(shape, reply).ok)
        replies.forEach((fields, index) => {
          alternatives.push({
            label: named(`${call.effect === 'request' ? 'reply' : 'event'} ${index + 1} ${JSON.stringify(fields)}`),
            perform: { kind: 'resolve', value: fields },
            target: step.next,
            ...(shape === undefined ? {} : { expect: 'accepted' as const }),
          })
        })
        const bad = shape === undefined ? undefined : malformed(shape, replies[0] ?? matched)
        if (step.kind === 'request' && shape !== undefined) {
          // Central answered with something that does not fit: the request fails at once, retries or not.
          alternatives.push({ label: named(`malformed reply ${JSON.stringify(bad)}`), perform: { kind: 'resolve', value: bad }, target: step.onError, finishOnly: true, expect: 'refused' })
        } else if (step.kind === 'wait_for' && bad !== undefined && decision.attempt === 0) {
          // A notification that does not fit is not accepted: the step waits on.
          alternatives.push({ label: named(`malformed event ${JSON.stringify(bad)}`), perform: { kind: 'resolve', value: bad }, target: step.id, finishOnly: true, expect: 'refused' })
        }
        if (step.kind === 'request') {
          alternatives.push({ label: named('error'), perform: { kind: 'reject', code: 'E_MQTT_UNAVAILABLE' }, target: failTarget })
          const timeoutTarget = last ? (step.onTimeout ?? step.onError) : step.id
          alternatives.push({
            label: named('timeout'),
            perform: { kind: 'advance', ms: timeoutMs },
            target: timeoutTarget,
          })
        } else {
          alternatives.push({ label: named('timeout'), perform: { kind: 'advance', ms: timeoutMs }, target: step.onTimeout })
          if (step.leave !== undefined && decision.attempt === 0) {
            // Back asks while the wait goes on; ok leaves.
            alternatives.push({ label: named('back, then ok (leave)'), perform: { kind: 'keys', keys: ['back', 'ok'] }, target: step.leave.next })
          }
          if (step.onError !== undefined) {
            alternatives.push({ label: named('error'), perform: { kind: 'reject', code: 'E_MQTT_UNAVAILABLE' }, target: step.onError })
          }
        }
        break
      }
    }
  }
  const canGoBack = decision.kind === 'wait' || step.kind === 'request' || step.kind === 'wait_for'
  if (canGoBack && !backTried.has(step.id)) {
    alternatives.push({ label: named('back'), perform: { kind: 'keys', keys: ['back'] }, back: true, target: null })
  }
  return alternatives
}

/**
 * The alternative along the shortest way to an end (one that ends the session first). `visits`
 * (how often this path came here finishing) picks the next best each time, so a loop is left.
 */
function shortest(alternatives: readonly Action[], analysis: Analysis, visits: number): Action | undefined {
  const forward = alternatives.filter((alternative) => !alternative.back)
  const cost = (action: Action): number => (action.target === null ? -1 : (analysis.distance.get(action.target) ?? Number.MAX_SAFE_INTEGER))
  const ranked = forward.map((action, index) => ({ action, index })).sort((a, b) => cost(a.action) - cost(b.action) || a.index - b.index)
  return ranked[visits % Math.max(1, ranked.length)]?.action
}

/** Identifies a point where what follows can differ only by what is in the key. */
function stateKey(decision: Decision, state: SessionState, analysis: Analysis): string {
  // What is saved, not when (`seq`): the same answers reached in another order lead to the same.
  const relevant = Object.entries(state.saved)
    .filter(([name]) => analysis.relevant.has(name))
    .map(([name, { seq: _seq, ...saved }]) => [name, saved] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const effect = decision.kind === 'call' ? `${decision.call.effect}#${decision.attempt}` : 'wait'
  return JSON.stringify([decision.step.id, effect, relevant, state.identity !== null, state.committed])
}

/** The keys that type `value` (digits only: the keypad has nothing else). */
function keysOf(value: string): KeyName[] {
  return Array.from(value, (digit) => digit as KeyName)
}

/** Typed values to try: one valid value per distinct branch outcome, and one the step refuses. */
function inputValues(step: InputStep, analysis: Analysis, at: At): { valid: string[]; invalid?: string } {
  const accepts = (value: string): boolean =>
    Array.from(value).length >= step.minLength && (step.pattern === undefined || new RegExp(step.pattern, 'u').test(value))
  const wanted = [...(analysis.candidates.get(step.saveAs) ?? []), ...(analysis.candidates.get(`${step.saveAs}.value`) ?? [])]
  const generated: string[] = []
  for (let length = 0; length <= step.maxLength; length++) {
    const cycle = (digits: string): string => digits.repeat(Math.ceil(length / digits.length) + 1).slice(0, length)
    generated.push(cycle('0123456789'), cycle('1234567890'), cycle('0'), cycle('1'), cycle('9'), `0${cycle('9')}`.slice(0, length))
  }
  const typeable = unique([...wanted, ...generated]).filter((value) => /^\d*$/.test(value) && Array.from(value).length <= step.maxLength)
  const valid: string[] = []
  const outcomes = new Set<string>()
  for (const value of typeable.filter(accepts)) {
    const outcome = signature(analysis, at, step.saveAs, { kind: 'answer', value, label: null, emptyLabel: step.emptyLabel ?? null })
    if (outcomes.has(outcome)) continue
    outcomes.add(outcome)
    valid.push(value)
  }
  const invalid = typeable.find((value) => !accepts(value))
  return invalid === undefined ? { valid } : { valid, invalid }
}

/**
 * Replies (or event fields) for `name` that fit `shape`: one per distinct branch outcome, built from
 * the values the conditions name (typed as the shape declares, and only those the shape allows).
 */
function records(analysis: Analysis, at: At, name: string, shape: ReplyShape | undefined): Array<Record<string, unknown>> {
  if (shape === undefined) return untypedRecords(analysis, at, name)
  // Only what a condition compares can change what follows; other fields keep their default.
  const choices = [...shape].map(([field, spec]) => ({ field, values: fieldValues(analysis, `${name}.${field}`, spec, analysis.candidates.has(`${name}.${field}`)) }))
  const base = Object.fromEntries(choices.map(({ field, values }) => [field, values[0]]))
  let combinations: Array<Record<string, unknown>> = [base]
  const product = choices.reduce((total, choice) => total * choice.values.length, 1)
  if (product <= MAX_COMBINATIONS) {
    for (const { field, values } of choices) {
      combinations = combinations.flatMap((partial) => values.map((value) => ({ ...partial, [field]: value })))
    }
  } else {
    for (const { field, values } of choices) for (const value of values.slice(1)) combinations.push({ ...base, [field]: value })
  }
  const outcomes = new Set<string>()
  return combinations
    .map((combination) => Object.fromEntries(Object.entries(combination).filter(([, value]) => value !== ABSENT)))
    .filter((reply) => {
      if (!checkReply(shape, reply).ok) return false
      // An empty list takes a choose step's on_empty: an outcome of its own, as a branch case is.
      const lists = [...shape].filter(([, spec]) => spec.type === 'list').map(([field]) => (Array.isArray(reply[field]) && reply[field].length > 0 ? 'items' : 'empty'))
      const outcome = `${signature(analysis, at, name, { kind: 'record', fields: reply })}|${lists.join(',')}`
      if (outcomes.has(outcome)) return false
      outcomes.add(outcome)
      return true
    })
}

/**
 * Values worth trying for one declared field, the default first: what a pay_qr needs, the shape's
 * example, or a plain fitting value; then, for a field a condition reads, what its conditions compare
 * it with, a few generic texts, and absence when the shape allows it. Only values that fit.
 */
function fieldValues(analysis: Analysis, reference: string, spec: FieldShape, read: boolean): unknown[] {
  if (spec.type === 'list') {
    // One item built from the items' shape, and the empty list (a choose's on_empty).
    const item = Object.fromEntries([...spec.items].map(([field, itemSpec]) => [field, fieldValues(analysis, `${reference}.${field}`, itemSpec, false)[0]]).filter(([, value]) => value !== ABSENT))
    return [[item], []].filter((value) => fieldProblem(spec, value) === undefined)
  }
  const fits = (value: unknown): boolean => value !== undefined && fieldProblem(spec, value) === undefined
  const typed = (text: string | undefined): unknown => (text === undefined ? undefined : valueFromText(spec, text))
  const plain = ((): unknown => {
    switch (spec.type) {
      case 'boolean':
        return true
      case 'integer':
      case 'number':
        return Math.min(Math.max(1, spec.min ?? 1), spec.max ?? Number.MAX_SAFE_INTEGER)
      case 'string':
        return spec.enum?.[0] ?? [DEFAULT_FIELD_VALUE, ...GENERIC_TEXTS].find((text) => fits(text))
    }
  })()
  const example = spec.type === 'string' ? spec.example : undefined
  const defaults = [typed(analysis.defaults.get(reference)), example, plain].filter(fits)
  const values: unknown[] = defaults.slice(0, 1)
  if (read) {
    const texts = [...(analysis.candidates.get(reference) ?? []), ...(spec.type === 'string' ? GENERIC_TEXTS : []), ...(spec.type === 'boolean' ? ['true', 'false'] : [])]
    for (const value of [...texts.map(typed), ...(spec.type === 'string' ? (spec.enum ?? []) : [])]) if (fits(value) && !values.includes(value)) values.push(value)
    if (spec.optional) values.push(ABSENT)
  }
  return values.length === 0 ? [ABSENT] : values
}

/** `match` as the session filled it, each value typed as the shape declares its field (a text otherwise). */
function typedMatch(match: Readonly<Record<string, FlowValue>>, shape: ReplyShape | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(match).map(([key, value]) => {
      const text = String(value)
      const spec = shape?.get(key)
      const typed = spec === undefined ? text : valueFromText(spec, text)
      return [key, typed ?? text]
    }),
  )
}

/** `reply` with its first required field (else its first) of the wrong type; a list when the shape has no field. */
function malformed(shape: ReplyShape, reply: Record<string, unknown>): unknown {
  const entries = [...shape]
  const [field, spec] = entries.find(([, candidate]) => !candidate.optional) ?? entries[0] ?? []
  if (field === undefined || spec === undefined) return ['not', 'an', 'object']
  // The text "true" for a boolean is the classic: it must not count as found.
  const wrong = spec.type === 'string' ? 12345 : spec.type === 'boolean' ? 'true' : '1'
  return { ...reply, [field]: wrong }
}

/** Replies for a name saved without a declared shape: text values, as the conditions name them. */
function untypedRecords(analysis: Analysis, at: At, name: string): Array<Record<string, string>> {
  const fields = [...(analysis.fields.get(name) ?? [])].filter((field) => field !== '' && field !== 'value').sort()
  const choices = fields.map((field) => {
    const reference = `${name}.${field}`
    return { field, values: unique([analysis.defaults.get(reference) ?? DEFAULT_FIELD_VALUE, ...(analysis.candidates.get(reference) ?? [])]) }
  })
  const base = Object.fromEntries(choices.map(({ field, values }) => [field, values[0] ?? DEFAULT_FIELD_VALUE]))
  let combinations: Array<Record<string, string>> = [base]
  const product = choices.reduce((total, choice) => total * choice.values.length, 1)
  if (product <= MAX_COMBINATIONS) {
    for (const { field, values } of choices) {
      combinations = combinations.flatMap((partial) => values.map((value) => ({ ...partial, [field]: value })))
    }
  } else {
    for (const { field, values } of choices) for (const value of values.slice(1)) combinations.push({ ...base, [field]: value })
  }
  const outcomes = new Set<string>()
  return combinations.filter((fieldsOfReply) => {
    const outcome = signature(analysis, at, name, { kind: 'record', fields: fieldsOfReply })
    if (outcomes.has(outcome)) return false
    outcomes.add(outcome)
    return true
  })
}

/** Which case every branch of the flow would take if `name` were saved as `saved`, as the session resolves values. */
function signature(analysis: Analysis, at: At, name: string, saved: Unsaved): string {
  const tentative: SessionState = { ...at.state, saved: { ...at.state.saved, [name]: { ...saved, seq: at.state.seq } as Saved } }
  const fill = (template: string): string => fillTemplate(tentative, at.nowMs, template)
  return analysis.branches.map((branch) => branchCase(branch, fill)).join(',')
}

function analyse(flow: FlowDefinition): Analysis {
  const branches = [...flow.steps.values()].filter((step): step is BranchStep => step.kind === 'branch')
  const fields = new Map<string, Set<string>>()
  for (const text of collectStrings([...flow.steps.values()])) {
    for (const reference of templateReferences(text)) {
      const need = variableNeed(reference)
      if (need.kind !== 'set') continue
      const known = fields.get(need.name) ?? new Set<string>()
      known.add(need.field ?? '')
      fields.set(need.name, known)
    }
  }
  const candidates = new Map<string, string[]>()
  const add = (reference: string, value: string): void => {
    const list = candidates.get(reference) ?? []
    if (!list.includes(value)) list.push(value)
    candidates.set(reference, list)
  }
  const relevant = new Set<string>()
  const noteNames = (text: string): void => {
    for (const reference of templateReferences(text)) {
      const need = variableNeed(reference)
      if (need.kind === 'set') relevant.add(need.name)
    }
  }
  for (const branch of branches) {
    for (const branchCase of branch.cases) {
      conditionCandidates(branchCase.when, add)
      collectStrings(branchCase.when).forEach(noteNames)
    }
  }
  const defaults = new Map<string, string>()
  for (const step of flow.steps.values()) {
    if (step.kind !== 'pay_qr') continue
    for (const key of ['bin', 'account', 'amount'] as const) {
      noteNames(step[key])
      const only = /^\{\{\s*([^{}]*?)\s*\}\}$/.exec(step[key].trim())?.[1]
      if (only !== undefined) defaults.set(only, PAY_QR_DEFAULTS[key])
    }
  }
  return { branches, relevant, fields, candidates, defaults, distance: distanceToEnd(flow) }
}

/** Values that make each comparison in `condition` both hold and fail, for the references it reads. */
function conditionCandidates(condition: Condition, add: (reference: string, value: string) => void): void {
  const refs = (operand: Operand): string[] => (typeof operand === 'string' ? templateReferences(operand) : [])
  const literal = (operand: Operand): string | undefined => {
    if (operand === null) return ''
    if (typeof operand !== 'string') return String(operand)
    return refs(operand).length === 0 ? operand : undefined
  }
  const other = (value: string): string => (value === '' ? 'x' : `not-${value}`)
  switch (condition.op) {
    case 'literal':
      return
    case 'and':
    case 'or':
      return condition.all.forEach((part) => conditionCandidates(part, add))
    case 'not':
      return conditionCandidates(condition.condition, add)
    case 'in': {
      const needle = literal(condition.needle)
      if (typeof condition.haystack === 'string') {
        const haystack = literal(condition.haystack)
        for (const reference of refs(condition.needle)) [haystack ?? 'x', 'none'].forEach((value) => add(reference, value))
        if (needle !== undefined) for (const reference of refs(condition.haystack)) [needle, ''].forEach((value) => add(reference, value))
        return
      }
      for (const reference of refs(condition.needle)) {
        for (const item of condition.haystack) add(reference, literal(item) ?? 'x')
        add(reference, 'none')
      }
      return
    }
    default:
      for (const [side, opposite] of [[condition.left, condition.right], [condition.right, condition.left]] as const) {
        const value = literal(opposite)
        for (const reference of refs(side)) {
          if (value === undefined) ['1', '2'].forEach((item) => add(reference, item))
          else if (condition.op === '==' || condition.op === '!=') [value, other(value)].forEach((item) => add(reference, item))
          else if (DECIMAL.test(value)) [-1, 0, 1].forEach((delta) => add(reference, String(Number(value) + delta)))
        }
      }
  }
}

/** Every string inside `value` (objects, arrays, maps), in order. */
function collectStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (value instanceof Map) return collectStrings([...value.values()])
  if (Array.isArray(value)) return value.flatMap(collectStrings)
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(collectStrings)
  return []
}

/** Transitions from each step to the nearest end step (absent: no end is reachable). */
function distanceToEnd(flow: FlowDefinition): Map<string, number> {
  const incoming = new Map<string, string[]>()
  for (const edge of edges(flow)) incoming.set(edge.to, [...(incoming.get(edge.to) ?? []), edge.from])
  const distance = new Map<string, number>()
  const queue: string[] = []
  for (const step of flow.steps.values()) {
    if (step.kind === 'end') {
      distance.set(step.id, 0)
      queue.push(step.id)
    }
  }
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const from of incoming.get(id) ?? []) {
      if (distance.has(from)) continue
      distance.set(from, (distance.get(id) ?? 0) + 1)
      queue.push(from)
    }
  }
  return distance
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)]
}
