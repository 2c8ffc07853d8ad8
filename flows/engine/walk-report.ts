/**
 * The report of `station flows test`: which steps and drawn transitions the machine took on some
 * path of the search (walk-search.ts). A transition is an edge of the drawn graph
 * (flow-graph-render.ts `edges`), so "transitions 25/25" means every arrow of the diagram was
 * walked; the machine names the cause of every step change it makes, so an arrow counts only when
 * the session took it for that cause.
 */
import { edges } from './flow-graph-render.js'
import type { FlowDefinition } from './flow-types.js'
import type { Findings } from './walk-search.js'
import { moveName } from './walk-world.js'

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

export function walkReport(flow: FlowDefinition, findings: Findings): WalkResult {
  return {
    steps: coverage([...flow.steps.keys()], findings.taken.steps),
    transitions: coverage(edges(flow).map(moveName), findings.taken.moves),
    paths: findings.paths,
    failures: [...findings.failures].map(([problem, path]) => `${problem}; path: ${path}`),
    truncated: findings.truncated,
  }
}

function coverage(all: readonly string[], taken: ReadonlySet<string>): WalkCoverage {
  const missing = all.filter((item) => !taken.has(item))
  return { total: all.length, covered: all.length - missing.length, missing }
}
