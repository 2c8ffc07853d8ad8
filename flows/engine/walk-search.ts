/**
 * The search of `station flows test` (docs/flows.md, "How `station flows test` walks"): depth first
 * over copies of the session machine's state. Where the session waits, every alternative but the
 * first is pushed with a `structuredClone` of the walk, to be continued from that point: no path is
 * replayed from the start. A point already explored (the key of `pointKey`) is finished along the
 * shortest way to an end, so the search terminates and the number of paths stays near the number of
 * arrows. Everything about the session is the machine's: its state, its step changes, its checks.
 */
import type { Language } from '../../config/schema.js'
import type { FlowDefinition } from './flow-types.js'
import { acceptsIdentity } from './session-machine.js'
import type { SessionState } from './session-state.js'
import { analyse, type Analysis } from './walk-analysis.js'
import { alternativesOf, type Action } from './walk-events.js'
import { advance, answer, decisionOf, dueMs, fail, feed, firstDueMs, freshWalk, type Decision, type Taken, type Walk } from './walk-world.js'

export interface SearchLimits {
  maxPaths: number
  /** Most actions on one path before it counts as a session that never ends. */
  maxActions: number
  language: Language
}

export interface Findings {
  /** What the machine did on every path. */
  taken: Taken
  paths: number
  /** Each distinct problem, with the actions of the first path that showed it. */
  failures: Map<string, string>
  truncated: boolean
}

/** A walk to continue, and the alternative to take first; null: a fresh session. */
type Fork = { walk: Walk; first: Action } | null

export function search(flow: FlowDefinition, limits: SearchLimits): Findings {
  const search = new Search(flow, limits)
  let truncated = false
  while (search.stack.length > 0) {
    if (search.paths >= limits.maxPaths) {
      truncated = true
      break
    }
    search.paths++
    search.walkPath(search.stack.pop() ?? null)
  }
  return { taken: search.taken, paths: search.paths, failures: search.failures, truncated }
}

class Search {
  readonly analysis: Analysis
  readonly taken: Taken = { steps: new Set(), moves: new Set() }
  readonly failures = new Map<string, string>()
  readonly stack: Fork[] = [null]
  paths = 0
  readonly #explored = new Set<string>()
  readonly #backTried = new Set<string>()

  constructor(
    readonly flow: FlowDefinition,
    readonly limits: SearchLimits,
  ) {
    this.analysis = analyse(flow)
  }

  /** Follows one path to the session's end, pushing the alternatives it passes. */
  walkPath(fork: Fork): void {
    const flow = this.flow
    const walk = fork?.walk ?? freshWalk(this.limits.language)
    let next = fork?.first
    const failed = (problem: string): void => {
      if (!this.failures.has(problem)) this.failures.set(problem, walk.taken.join(' > ') || 'start')
    }
    const stop = (problem: string): void => {
      failed(problem)
      feed(flow, walk, { kind: 'cancel', outcome: 'cancelled' }, this.taken)
    }
    try {
      if (!fork) feed(flow, walk, { kind: 'start' }, this.taken)
      while (walk.state.status !== 'ended') {
        if (walk.taken.length + walk.idle >= this.limits.maxActions) {
          stop(`the session did not end within ${this.limits.maxActions} actions (at step '${walk.state.stepId ?? '?'}')`)
          break
        }
        const decision = decisionOf(flow, walk.state)
        if (!decision) {
          // Only the session's own timers can move it on (a request's pause before a retry).
          const untilMs = firstDueMs(walk)
          if (untilMs === undefined) {
            stop(`the session stalled at step '${walk.state.stepId ?? '?'}' with nothing to wait for`)
            break
          }
          walk.idle++
          advance(flow, walk, untilMs, this.taken)
          continue
        }
        const action = next ?? this.#choose(decision, walk)
        next = undefined
        if (!action) {
          stop(`no way on from step '${decision.step.id}'`)
          break
        }
        walk.taken.push(action.label)
        const refusedBefore = walk.refused
        const problem = this.#perform(action, walk, this.taken)
        if (problem) {
          stop(problem)
          break
        }
        const refused = walk.refused > refusedBefore
        if (action.expect !== undefined && refused !== (action.expect === 'refused')) {
          failed(`the session ${refused ? 'refused' : 'accepted'} a ${action.expect === 'refused' ? 'malformed' : 'fitting'} answer at '${action.label}'`)
        }
      }
      if (walk.timers.length > 0) failed(`${walk.timers.length} timer(s) left running after the session ended`)
      if (walk.inFlight.length > 0) failed('a request or wait was left in flight after the session ended')
    } catch (error) {
      failed(`the engine threw: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  /** The action to take at `decision`: the first alternative of a new point (the others pushed as forks), else the shortest way on. */
  #choose(decision: Decision, walk: Walk): Action | undefined {
    const probe = { flow: this.flow, analysis: this.analysis, state: walk.state, nowMs: walk.nowMs }
    const alternatives = alternativesOf(decision, { probe, backTried: this.#backTried })
    if (!walk.finishOnly) {
      const key = pointKey(decision, walk.state, this.analysis)
      if (!this.#explored.has(key)) {
        this.#explored.add(key)
        if (alternatives.some((alternative) => alternative.back)) this.#backTried.add(decision.step.id)
        for (const alternative of alternatives.slice(1).reverse()) {
          const copy = structuredClone(walk)
          this.stack.push({ walk: { ...copy, finishOnly: alternative.finishOnly === true, greedyVisits: {} }, first: alternative })
        }
        return alternatives[0]
      }
      walk.finishOnly = true
    }
    const visits = walk.greedyVisits[decision.step.id] ?? 0
    walk.greedyVisits[decision.step.id] = visits + 1
    return this.#shortest(alternatives, walk, visits)
  }

  /**
   * The alternative along the shortest way to an end (one that ends the session first), judged by
   * where the machine goes when it is taken on a copy of the walk. `visits` (how often this path came
   * here finishing) picks the next best each time, so a loop is left.
   */
  #shortest(alternatives: readonly Action[], walk: Walk, visits: number): Action | undefined {
    const ranked = alternatives
      .filter((alternative) => !alternative.back)
      .map((action, index) => ({ action, index, cost: this.#costOf(action, walk) }))
      .sort((a, b) => a.cost - b.cost || a.index - b.index)
    return ranked[visits % Math.max(1, ranked.length)]?.action
  }

  /** Transitions to an end from where `action` takes the session (-1: it ends it); not what a path took. */
  #costOf(action: Action, walk: Walk): number {
    const copy = structuredClone(walk)
    try {
      if (this.#perform(action, copy, { steps: new Set(), moves: new Set() }) !== undefined) return Number.MAX_SAFE_INTEGER
    } catch {
      return Number.MAX_SAFE_INTEGER
    }
    if (copy.state.status === 'ended') return -1
    return this.analysis.distance.get(copy.state.stepId ?? '') ?? Number.MAX_SAFE_INTEGER
  }

  /** Does `action`; returns a problem when the session is not where the path expects it. */
  #perform(action: Action, walk: Walk, taken: Taken): string | undefined {
    const flow = this.flow
    const perform = action.perform
    switch (perform.kind) {
      case 'keys':
        for (const key of perform.keys) feed(flow, walk, { kind: 'key', key }, taken)
        return undefined
      case 'expire': {
        const untilMs = dueMs(walk, walk.state.timers[perform.timer])
        if (untilMs === undefined) return `no ${perform.timer} timer runs at '${action.label}'`
        advance(flow, walk, untilMs, taken)
        return undefined
      }
      case 'identity': {
        // A made-up document: the walker never sees real identity data.
        const identity = { source: perform.source, personalId: '079200000001' }
        if (!acceptsIdentity(flow, walk.state, identity)) return `the session refused an identity at '${action.label}'`
        feed(flow, walk, { kind: 'identity', identity }, taken)
        return undefined
      }
      case 'resolve':
        return answer(flow, walk, perform.value, taken) ? undefined : `no call to answer at '${action.label}'`
      case 'reject':
        return fail(flow, walk, perform.code, taken) ? undefined : `no call to answer at '${action.label}'`
    }
  }
}

/**
 * Identifies a point where what follows can differ only by what is in the key: the step, what the
 * session waits on there (and at which attempt), the saved values a condition or a payment reads,
 * whether an identity is held, and whether a submission is in.
 */
function pointKey(decision: Decision, state: SessionState, analysis: Analysis): string {
  // What is saved, not when (`seq`): the same answers reached in another order lead to the same.
  const relevant = Object.entries(state.saved)
    .filter(([name]) => analysis.relevant.has(name))
    .map(([name, { seq: _seq, ...saved }]) => [name, saved] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const effect = decision.kind === 'call' ? `${decision.call.effect}#${decision.attempt}` : 'wait'
  return JSON.stringify([decision.step.id, effect, relevant, state.identity !== null, state.committed])
}
