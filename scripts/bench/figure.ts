/**
 * One benchmark figure: repetitions of ours and its reference measured in the same run, and how
 * the result is judged against the goal from the issue (docs/benchmarks.md). Pure.
 */
import { ratio, spread, type Spread } from './stats.js'

/** One repetition: ours and the reference, measured back to back (or side by side). */
export interface Repetition {
  ours: number
  reference: number
  /** Further numbers of this repetition (CPU per message, MB above the reference, …). */
  extra?: Record<string, number>
}

/** What a figure must reach: `metric` is `ratio` or a key of `Repetition.extra`, judged on its median. */
export interface Goal {
  metric: string
  op: '>=' | '<='
  value: number
  /** As the issue states it, for the table. */
  text: string
}

export interface FigureSpec {
  /** Stable key in the JSON, e.g. `drain-10k`. */
  name: string
  title: string
  /** Unit of `ours` and `reference`. */
  unit: string
  /** What the reference is, in a few words. */
  reference: string
  goal?: Goal
}

export interface FigureResult extends FigureSpec {
  repetitions: Repetition[]
  /** ours / reference per repetition. */
  ratio: Spread
  oursMedian: number
  referenceMedian: number
  extra: Record<string, Spread>
  /** Whether the goal's metric median meets it; null when there is no goal. */
  goalMet: boolean | null
  notes: string[]
}

/** Summarises the repetitions of one figure. Throws on an empty list. */
export function summarize(spec: FigureSpec, repetitions: readonly Repetition[], notes: readonly string[] = []): FigureResult {
  const ratios = repetitions.map((rep) => ratio(rep.ours, rep.reference))
  const extraKeys = new Set(repetitions.flatMap((rep) => Object.keys(rep.extra ?? {})))
  const extra: Record<string, Spread> = {}
  for (const key of extraKeys) {
    const values = repetitions.map((rep) => rep.extra?.[key]).filter((value): value is number => value !== undefined)
    extra[key] = spread(values)
  }
  const ratioSpread = spread(ratios)
  let goalMet: boolean | null = null
  if (spec.goal) {
    const judged = spec.goal.metric === 'ratio' ? ratioSpread.median : extra[spec.goal.metric]?.median
    goalMet = judged === undefined ? null : spec.goal.op === '>=' ? judged >= spec.goal.value : judged <= spec.goal.value
  }
  return {
    ...spec,
    repetitions: [...repetitions],
    ratio: ratioSpread,
    oursMedian: spread(repetitions.map((rep) => rep.ours)).median,
    referenceMedian: spread(repetitions.map((rep) => rep.reference)).median,
    extra,
    goalMet,
    notes: [...notes],
  }
}
