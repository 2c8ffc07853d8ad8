/**
 * `station flows test`: drives real FlowSessions (SimClock, scripted effects) through every path of
 * a flow and reports which steps and transitions some path took. A transition is an edge of the
 * drawn graph (flow-graph-render.ts `edges`), so "transitions 25/25" means every arrow of the
 * diagram was walked.
 *
 * How it explores: depth first, one fresh session per path, replaying the actions that lead to the
 * branch point (sessions cannot be copied). At each point where the session waits it tries every
 * cause: each option, a valid input (one per distinct branch outcome) and an invalid one followed by
 * a valid one, an identity, `ok`, a timeout, effects that succeed and fail, and replies and events
 * built from the step's declared shape (`reply`, `fields`; reply-shape.ts): valid ones whose values
 * come from the flow's own branch conditions (so `{"==": ["{{bill.status}}", unpaid]}` gets a reply
 * with status `unpaid` and one with another status the shape allows, or none when it may be absent),
 * plus one malformed reply (a field of the wrong type) that must take the failure path, or for an
 * event be waited past; and `back` once per step. Alternatives that cannot
 * change what follows (options to the same step whose value no condition reads) are finished along
 * the shortest way to an end, and a state already explored is not explored again; both keep the
 * number of paths near the number of arrows instead of their product.
 *
 * A path fails when the engine throws, the session does not end within the action bound, timers or
 * calls are left behind when it ends, or the session accepts a malformed reply or refuses one that
 * fits its shape.
 */
import type { KeyName, Language } from '../../config/schema.js'
import { StationError, type ErrorCode } from '../../runtime/core/errors.js'
import { SimClock } from '../../runtime/core/sim-clock.js'
import { evaluateCondition, type Condition, type Operand } from './conditions.js'
import { edges } from './flow-graph-render.js'
import { FlowSession, type FlowEffects } from './flow-session.js'
import type { BranchStep, FlowDefinition, FlowValue, InputStep, LocalizedText, Step, WaitingStep } from './flow-types.js'
import { isWaitingStep } from './flow-types.js'
import type { IdentitySource } from './identity.js'
import { checkReply, fieldProblem, valueFromText, type FieldShape, type ReplyShape } from './reply-shape.js'
import { interpolate, templateReferences, variableNeed } from './template.js'

/** Bounds and settings of a walk. */
export interface WalkOptions {
  /** Most sessions (paths) to run; default 5000. Reaching it sets `truncated`. */
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
  /** Sessions run. */
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

type Saved =
  | { kind: 'answer'; value: string; label: LocalizedText | null; emptyLabel: LocalizedText | null }
  | { kind: 'record'; fields: Record<string, unknown> }

/** What the walker knows of the session's saved values: enough to predict branches. */
interface Model {
  saved: Map<string, Saved>
  identity: boolean
  reference: string | null
  committed: boolean
}

/** One thing the walker does to a session. Plain data, so a path can be replayed. */
interface Action {
  /** For failure reports: `topic: option 2`. */
  label: string
  perform: Perform
  /** The edge cause it should take (as edges() labels it); absent when none (back, a retry). */
  cause?: string
  back?: boolean
  /** Where it should lead; null: it ends the session. For the shortest way to an end. */
  target: string | null
  /** Nothing after it differs from an earlier alternative: finish along the shortest way only. */
  finishOnly?: boolean
  save?: { name: string; saved: Saved }
  sets?: 'identity' | 'reference'
  /** A reply or event the session must accept, or refuse (E_REPLY_INVALID, E_EVENT_INVALID) for its shape. */
  expect?: 'accepted' | 'refused'
}

/** A call a session made and the walker has yet to answer. */
interface Call {
  effect: 'submit' | 'print' | 'request' | 'waitFor'
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  settled: boolean
  signal?: AbortSignal
  match?: Record<string, FlowValue>
}

type Decision =
  | { kind: 'wait'; step: WaitingStep }
  | { kind: 'call'; step: Step; call: Call; attempt: number }

/** Effects that hand every call to the walker, and report step changes. */
class WalkEffects implements FlowEffects {
  calls: Call[] = []
  /** Calls since the last step change: the attempt number of a request. */
  callsAtStep = 0
  /** Replies and events the session refused for not fitting their shape. */
  refused = 0
  onStep: (id: string) => void = () => {}

  show(): void {}
  event(type: string, fields: Record<string, string | number | boolean>): void {
    if (type === 'effect.failed' && (fields['code'] === 'E_REPLY_INVALID' || fields['code'] === 'E_EVENT_INVALID')) this.refused++
    const step = fields['step']
    if (type === 'flow.step' && typeof step === 'string') {
      this.callsAtStep = 0
      this.onStep(step)
    }
  }
  print(): Promise<void> {
    return this.#call('print') as Promise<void>
  }
  submit(): Promise<{ id: string; reference: string }> {
    return this.#call('submit') as Promise<{ id: string; reference: string }>
  }
  request(_method: string, _body: Record<string, FlowValue>, options: { signal: AbortSignal }): Promise<unknown> {
    return this.#call('request', options.signal)
  }
  waitFor(_event: string, match: Record<string, FlowValue>, options: { signal: AbortSignal }): Promise<Record<string, unknown>> {
    return this.#call('waitFor', options.signal, match) as Promise<Record<string, unknown>>
  }
  pending(): Call | undefined {
    return this.calls.find((call) => !call.settled)
  }

  #call(effect: Call['effect'], signal?: AbortSignal, match?: Record<string, FlowValue>): Promise<unknown> {
    this.callsAtStep++
    return new Promise((resolve, reject) => {
      const call: Call = { effect, resolve, reject, settled: false, ...(signal ? { signal } : {}), ...(match ? { match } : {}) }
      this.calls.push(call)
      // As a real effect does: an aborted call rejects with the signal's reason.
      signal?.addEventListener('abort', () => {
        call.settled = true
        reject(signal.reason)
      }, { once: true })
    })
  }
}

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
  const coveredSteps = new Set<string>()
  const coveredEdges = new Set<string>()
  const failures = new Map<string, string>()
  const explored = new Set<string>()
  const backTried = new Set<string>()
  const stack: Array<{ prefix: Action[]; finishOnly: boolean }> = [{ prefix: [], finishOnly: false }]
  let paths = 0

  const record = (from: string, to: string, hint: string | undefined, model: Model): void => {
    const candidates = allEdges.filter((edge) => edge.from === from && edge.to === to)
    if (candidates.length === 0) return
    let cause = hint
    const step = flow.steps.get(from)
    if (step?.kind === 'branch') {
      const index = branchOutcome(step, fillerOf(model, language))
      cause = index < 0 ? 'otherwise' : `case ${index + 1}`
    }
    const edge = candidates.find((candidate) => candidate.cause === cause) ?? candidates[0]
    if (edge) coveredEdges.add(edgeName(edge))
  }

  const runPath = async (prefix: readonly Action[], finishOnlyAfterPrefix: boolean): Promise<void> => {
    const clock = new SimClock()
    const effects = new WalkEffects()
    const model: Model = { saved: new Map(), identity: false, reference: null, committed: false }
    const session = new FlowSession({ flow, language, effects, clock, stationId: 'walk' })
    const taken: Action[] = []
    const greedyVisits = new Map<string, number>()
    let finishOnly = false
    let previous: string | null = null
    let acting: { action: Action; stepId: string; first: boolean } | null = null
    const fail = (problem: string): void => {
      if (!failures.has(problem)) failures.set(problem, taken.map((action) => action.label).join(' > ') || 'start')
    }
    effects.onStep = (id) => {
      coveredSteps.add(id)
      if (previous !== null) {
        const fromAction = acting !== null && acting.first && acting.stepId === previous
        if (!(fromAction && acting?.action.back)) record(previous, id, fromAction ? acting?.action.cause : undefined, model)
      }
      if (acting) acting.first = false
      previous = id
    }
    let idle = 0
    try {
      session.start()
      await settle()
      for (;;) {
        if (session.ended) break
        if (taken.length + idle >= maxActions) {
          fail(`the session did not end within ${maxActions} actions (at step '${session.currentStepId ?? '?'}')`)
          session.cancel()
          break
        }
        const decision = decisionOf(flow, session, effects)
        if (!decision) {
          // Only the session's own timers can move it on (a request's pause before a retry).
          if (clock.pendingTimers === 0) {
            fail(`the session stalled at step '${session.currentStepId ?? '?'}' with nothing to wait for`)
            session.cancel()
            break
          }
          idle++
          clock.advance(IDLE_STEP_MS)
          await settle()
          continue
        }
        let action: Action | undefined
        if (taken.length < prefix.length) {
          action = prefix[taken.length]
          if (taken.length + 1 === prefix.length) finishOnly = finishOnlyAfterPrefix
        } else {
          const alternatives = alternativesOf(decision, analysis, model, language, backTried)
          if (!finishOnly) {
            const key = stateKey(decision, model, analysis)
            if (explored.has(key)) finishOnly = true
            else {
              explored.add(key)
              if (alternatives.some((alternative) => alternative.back)) backTried.add(decision.step.id)
              for (const alternative of alternatives.slice(1).reverse()) {
                stack.push({ prefix: [...taken, alternative], finishOnly: alternative.finishOnly === true })
              }
              action = alternatives[0]
            }
          }
          if (finishOnly) {
            const visits = greedyVisits.get(decision.step.id) ?? 0
            greedyVisits.set(decision.step.id, visits + 1)
            action = shortest(alternatives, analysis, visits)
          }
        }
        if (!action) {
          fail(`no way on from step '${decision.step.id}'`)
          session.cancel()
          break
        }
        taken.push(action)
        acting = { action, stepId: decision.step.id, first: true }
        apply(action, model)
        const refusedBefore = effects.refused
        const problem = perform(action, session, effects, clock)
        if (problem) {
          fail(problem)
          session.cancel()
          break
        }
        await settle()
        const refused = effects.refused > refusedBefore
        if (action.expect !== undefined && refused !== (action.expect === 'refused')) {
          fail(`the session ${refused ? 'refused' : 'accepted'} a ${action.expect === 'refused' ? 'malformed' : 'fitting'} answer at '${action.label}'`)
        }
        if (action.back && flow.steps.get(session.currentStepId ?? '')?.kind === 'scan_id') model.identity = false
      }
      if (clock.pendingTimers > 0) fail(`${clock.pendingTimers} timer(s) left running after the session ended`)
      if (effects.calls.some((call) => !call.settled && call.signal !== undefined)) fail('a request or wait was left in flight after the session ended')
    } catch (error) {
      fail(`the engine threw: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  let truncated = false
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (paths >= maxPaths) {
      truncated = true
      break
    }
    paths++
    await runPath(item.prefix, item.finishOnly)
  }

  const stepIds = [...flow.steps.keys()]
  const edgeNames = allEdges.map(edgeName)
  return {
    steps: { total: stepIds.length, covered: stepIds.filter((id) => coveredSteps.has(id)).length, missing: stepIds.filter((id) => !coveredSteps.has(id)) },
    transitions: {
      total: edgeNames.length,
      covered: edgeNames.filter((name) => coveredEdges.has(name)).length,
      missing: edgeNames.filter((name) => !coveredEdges.has(name)),
    },
    paths,
    failures: [...failures].map(([problem, path]) => `${problem}; path: ${path}`),
    truncated,
  }
}

/** Lets every promise continuation the last action started run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** Where the session waits now: for the resident, or for a call; undefined when neither. */
function decisionOf(flow: FlowDefinition, session: FlowSession, effects: WalkEffects): Decision | undefined {
  const step = flow.steps.get(session.currentStepId ?? '')
  if (!step) return undefined
  const call = effects.pending()
  if (call) return { kind: 'call', step, call, attempt: effects.callsAtStep - 1 }
  if (isWaitingStep(step)) return { kind: 'wait', step }
  return undefined
}

function apply(action: Action, model: Model): void {
  if (action.save) model.saved.set(action.save.name, action.save.saved)
  if (action.sets === 'identity') model.identity = true
  if (action.sets === 'reference') {
    model.reference = 'WALK-0001'
    model.committed = true
  }
}

/** Does `action`; returns a problem when the session is not where the path expects it. */
function perform(action: Action, session: FlowSession, effects: WalkEffects, clock: SimClock): string | undefined {
  const perform = action.perform
  switch (perform.kind) {
    case 'keys':
      for (const key of perform.keys) session.key(key)
      return undefined
    case 'advance':
      clock.advance(perform.ms)
      return undefined
    case 'identity':
      // A made-up document: the walker never sees real identity data.
      return session.presentIdentity({ source: perform.source, personalId: '079200000001' }) ? undefined : `the session refused an identity at '${action.label}'`
    case 'resolve':
    case 'reject': {
      const call = effects.pending()
      if (!call) return `no call to answer at '${action.label}'`
      call.settled = true
      if (perform.kind === 'resolve') call.resolve(perform.value)
      else call.reject(new StationError(perform.code, 'simulated failure (flows test)'))
      return undefined
    }
  }
}

/** Every cause the walker tries at `decision`, the one to explore first first. */
function alternativesOf(decision: Decision, analysis: Analysis, model: Model, language: Language, backTried: Set<string>): Action[] {
  const step = decision.step
  const at = (what: string): string => `${step.id}: ${what}`
  const alternatives: Action[] = []
  const timeoutMs = 'timeoutS' in step ? step.timeoutS * 1000 : 0
  if (decision.kind === 'wait') {
    const waiting = decision.step
    switch (waiting.kind) {
      case 'scan_id': {
        const source = waiting.accept[0] ?? 'cccd_qr'
        alternatives.push({ label: at(`identity (${source})`), perform: { kind: 'identity', source }, cause: 'next', target: waiting.next, sets: 'identity' })
        break
      }
      case 'choose': {
        const seen = new Set<string>()
        waiting.options.forEach((option, index) => {
          const saved: Saved = { kind: 'answer', value: option.value, label: option.label, emptyLabel: null }
          const matters = waiting.saveAs !== undefined && analysis.relevant.has(waiting.saveAs)
          const outcome = `${option.next}|${matters && waiting.saveAs !== undefined ? signature(analysis, model, language, waiting.saveAs, saved) : ''}`
          alternatives.push({
            label: at(`option ${index + 1}`),
            perform: { kind: 'keys', keys: [String(index + 1) as KeyName] },
            cause: `option ${index + 1}`,
            target: option.next,
            ...(seen.has(outcome) ? { finishOnly: true } : {}),
            ...(waiting.saveAs === undefined ? {} : { save: { name: waiting.saveAs, saved } }),
          })
          seen.add(outcome)
        })
        break
      }
      case 'input': {
        const { valid, invalid } = inputValues(waiting, analysis, model, language)
        for (const value of valid) {
          alternatives.push({
            label: at(`type '${value}'`),
            perform: { kind: 'keys', keys: [...keysOf(value), 'ok'] },
            cause: 'next',
            target: waiting.next,
            save: { name: waiting.saveAs, saved: { kind: 'answer', value, label: null, emptyLabel: waiting.emptyLabel ?? null } },
          })
        }
        const first = valid[0]
        if (invalid !== undefined && first !== undefined) {
          alternatives.push({
            label: at(`type '${invalid}' (refused), then '${first}'`),
            perform: { kind: 'keys', keys: [...keysOf(invalid), 'ok', ...keysOf(first), 'ok'] },
            cause: 'next',
            target: waiting.next,
            finishOnly: true,
            save: { name: waiting.saveAs, saved: { kind: 'answer', value: first, label: null, emptyLabel: waiting.emptyLabel ?? null } },
          })
        }
        break
      }
      case 'show':
        alternatives.push({ label: at('ok'), perform: { kind: 'keys', keys: ['ok'] }, cause: 'next', target: waiting.next })
        break
    }
    alternatives.push({
      label: at('timeout'),
      perform: { kind: 'advance', ms: timeoutMs },
      target: waiting.onTimeout ?? null,
      ...(waiting.onTimeout === undefined ? {} : { cause: 'on_timeout' }),
    })
  } else {
    const call = decision.call
    const last = !(step.kind === 'request' && decision.attempt < step.retries)
    const failTarget = step.kind === 'request' ? (last ? step.onError : step.id) : 'onError' in step ? (step.onError ?? null) : null
    switch (call.effect) {
      case 'submit':
        alternatives.push({ label: at('stored'), perform: { kind: 'resolve', value: { id: 'walk-1', reference: 'WALK-0001' } }, cause: 'next', target: 'next' in step ? step.next : null, sets: 'reference' })
        alternatives.push({ label: at('store failed'), perform: { kind: 'reject', code: 'E_OUTBOX_IO' }, cause: 'on_error', target: failTarget })
        break
      case 'print':
        alternatives.push({ label: at('printed'), perform: { kind: 'resolve', value: undefined }, cause: 'next', target: 'next' in step ? step.next : null })
        alternatives.push({ label: at('print failed'), perform: { kind: 'reject', code: 'E_PRINTER_NOT_READY' }, cause: 'on_error', target: failTarget })
        break
      case 'request':
      case 'waitFor': {
        if (step.kind !== 'request' && step.kind !== 'wait_for') break
        const name = step.saveAs
        const shape = step.kind === 'request' ? step.reply : step.fields
        // What the event must carry to match, typed as its shape declares (an amount is a number).
        const matched = step.kind === 'wait_for' ? typedMatch(step.match, shape, fillerOf(model, language)) : {}
        const replies = (name === undefined ? [{}] : records(analysis, model, language, name, shape))
          .map((reply) => ({ ...reply, ...matched }))
          .filter((reply) => shape === undefined || checkReply(shape, reply).ok)
        replies.forEach((fields, index) => {
          alternatives.push({
            label: at(`${call.effect === 'request' ? 'reply' : 'event'} ${index + 1} ${JSON.stringify(fields)}`),
            perform: { kind: 'resolve', value: fields },
            cause: 'next',
            target: step.next,
            ...(shape === undefined ? {} : { expect: 'accepted' as const }),
            ...(name === undefined ? {} : { save: { name, saved: { kind: 'record', fields } } }),
          })
        })
        const bad = shape === undefined ? undefined : malformed(shape, replies[0] ?? matched)
        if (step.kind === 'request' && shape !== undefined) {
          // Central answered with something that does not fit: the request fails at once, retries or not.
          alternatives.push({ label: at(`malformed reply ${JSON.stringify(bad)}`), perform: { kind: 'resolve', value: bad }, cause: 'on_error', target: step.onError, finishOnly: true, expect: 'refused' })
        } else if (step.kind === 'wait_for' && bad !== undefined && decision.attempt === 0) {
          // A notification that does not fit is not accepted: the step waits on.
          alternatives.push({ label: at(`malformed event ${JSON.stringify(bad)}`), perform: { kind: 'resolve', value: bad }, target: step.id, finishOnly: true, expect: 'refused' })
        }
        if (step.kind === 'request') {
          alternatives.push({ label: at('error'), perform: { kind: 'reject', code: 'E_MQTT_UNAVAILABLE' }, target: failTarget, ...(last ? { cause: 'on_error' } : {}) })
          const timeoutTarget = last ? (step.onTimeout ?? step.onError) : step.id
          alternatives.push({
            label: at('timeout'),
            perform: { kind: 'advance', ms: timeoutMs },
            target: timeoutTarget,
            ...(last ? { cause: step.onTimeout === undefined ? 'on_error' : 'on_timeout' } : {}),
          })
        } else {
          alternatives.push({ label: at('timeout'), perform: { kind: 'advance', ms: timeoutMs }, cause: 'on_timeout', target: step.onTimeout })
          if (step.onError !== undefined) {
            alternatives.push({ label: at('error'), perform: { kind: 'reject', code: 'E_MQTT_UNAVAILABLE' }, cause: 'on_error', target: step.onError })
          }
        }
        break
      }
    }
  }
  const canGoBack = decision.kind === 'wait' || step.kind === 'request' || step.kind === 'wait_for'
  if (canGoBack && !backTried.has(step.id)) {
    alternatives.push({ label: at('back'), perform: { kind: 'keys', keys: ['back'] }, back: true, target: null })
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
function stateKey(decision: Decision, model: Model, analysis: Analysis): string {
  const relevant = [...model.saved].filter(([name]) => analysis.relevant.has(name)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const effect = decision.kind === 'call' ? `${decision.call.effect}#${decision.attempt}` : 'wait'
  return JSON.stringify([decision.step.id, effect, relevant, model.identity, model.committed])
}

/** The keys that type `value` (digits only: the keypad has nothing else). */
function keysOf(value: string): KeyName[] {
  return Array.from(value, (digit) => digit as KeyName)
}

/** Typed values to try: one valid value per distinct branch outcome, and one the step refuses. */
function inputValues(step: InputStep, analysis: Analysis, model: Model, language: Language): { valid: string[]; invalid?: string } {
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
    const outcome = signature(analysis, model, language, step.saveAs, { kind: 'answer', value, label: null, emptyLabel: step.emptyLabel ?? null })
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
function records(analysis: Analysis, model: Model, language: Language, name: string, shape: ReplyShape | undefined): Array<Record<string, unknown>> {
  if (shape === undefined) return untypedRecords(analysis, model, language, name)
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
      const outcome = signature(analysis, model, language, name, { kind: 'record', fields: reply })
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

/** `match` filled from the model, each value typed as the shape declares its field (a text otherwise). */
function typedMatch(match: Readonly<Record<string, FlowValue>>, shape: ReplyShape | undefined, fill: (template: string) => string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(match).map(([key, value]) => {
      const text = typeof value === 'string' ? fill(value) : String(value)
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
function untypedRecords(analysis: Analysis, model: Model, language: Language, name: string): Array<Record<string, string>> {
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
    const outcome = signature(analysis, model, language, name, { kind: 'record', fields: fieldsOfReply })
    if (outcomes.has(outcome)) return false
    outcomes.add(outcome)
    return true
  })
}

/** Which case every branch of the flow would take if `name` were saved as `saved`. */
function signature(analysis: Analysis, model: Model, language: Language, name: string, saved: Saved): string {
  const tentative: Model = { ...model, saved: new Map([...model.saved, [name, saved]]) }
  const fill = fillerOf(tentative, language)
  return analysis.branches.map((branch) => branchOutcome(branch, fill)).join(',')
}

/** Index of the first case of `step` that holds; -1 for `otherwise`. */
function branchOutcome(step: BranchStep, fill: (template: string) => string): number {
  return step.cases.findIndex((branchCase) => evaluateCondition(branchCase.when, fill))
}

/** Fills templates from the model as the session would from its own state. */
function fillerOf(model: Model, language: Language): (template: string) => string {
  const resolve = (reference: string): string | undefined => {
    switch (reference) {
      case 'station.id':
        return 'walk'
      case 'date':
        return '01/01/2026'
      case 'time':
        return '07:00'
      case 'reference':
        return model.reference ?? undefined
      case 'identity.masked':
        return model.identity ? '079*******01' : undefined
    }
    const need = variableNeed(reference)
    if (need.kind !== 'set') return undefined
    const saved = model.saved.get(need.name)
    if (!saved) return undefined
    if (saved.kind === 'record') {
      if (need.field === undefined || !Object.hasOwn(saved.fields, need.field)) return undefined
      const value = saved.fields[need.field]
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined
    }
    if (need.field === 'value') return saved.value
    if (need.field !== undefined) return undefined
    if (saved.label) return saved.label[language]
    if (saved.value === '' && saved.emptyLabel) return saved.emptyLabel[language]
    return saved.value
  }
  return (template) => interpolate(template, resolve)
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
