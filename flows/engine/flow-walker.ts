/**
 * `station flows test`: drives the session machine (session-machine.ts) through every path of a
 * flow and reports which steps and transitions some path took (docs/flows.md, "How `station flows
 * test` walks"). The parts: the search over copies of the machine's state (walk-search.ts), the
 * world it plays around the machine (walk-world.ts), what it tries where the session waits
 * (walk-events.ts, with values and replies from walk-values.ts and what it reads from the flow first,
 * walk-analysis.ts), and the report (walk-report.ts).
 *
 * It tries every cause: each option, a valid input (one per distinct outcome) and an invalid one
 * followed by a valid one, an identity, `ok`, a timeout, effects that succeed and fail, replies and
 * events built from the step's declared shape (`reply`, `fields`; reply-shape.ts) with values from
 * the flow's own branch conditions, one malformed reply (that must take the failure path) or event
 * (that must be waited past), and `back` once per step. A path fails when the engine throws, the
 * session does not end within the action bound, timers or calls are left behind when it ends, or the
 * session accepts a malformed reply or refuses one that fits its shape.
 */
import type { Language } from '../../config/schema.js'
import type { FlowDefinition } from './flow-types.js'
import { walkReport, type WalkResult } from './walk-report.js'
import { search } from './walk-search.js'

export type { WalkCoverage, WalkResult } from './walk-report.js'

/** Bounds and settings of a walk. */
export interface WalkOptions {
  /** Most paths to walk; default 5000. Reaching it sets `truncated`. */
  maxPaths?: number
  /** Most actions on one path before it counts as a session that never ends; default 200. */
  maxActionsPerPath?: number
  /** Session language; default 'vi'. */
  language?: Language
}

const DEFAULT_MAX_PATHS = 5000
const DEFAULT_MAX_ACTIONS = 200

/** Walks every path of `flow` (validated). Never rejects: problems are in `failures`. */
export async function walkFlow(flow: FlowDefinition, options: WalkOptions = {}): Promise<WalkResult> {
  const findings = search(flow, {
    maxPaths: options.maxPaths ?? DEFAULT_MAX_PATHS,
    maxActions: options.maxActionsPerPath ?? DEFAULT_MAX_ACTIONS,
    language: options.language ?? 'vi',
  })
  return walkReport(flow, findings)
}
