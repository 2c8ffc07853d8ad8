/**
 * Summaries of repeated measurements (docs/benchmarks.md): every figure is reported as the min,
 * median and max of the per-repetition ratio ours / reference, beside the medians of both.
 */

export interface Spread {
  min: number
  median: number
  max: number
}

/** Median of a non-empty list (mean of the middle two for an even count). Throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Min, median and max of a non-empty list. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spread of an empty list')
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) }
}

/**
 * ours / reference for one repetition. A zero reference (an idle process that used no measurable
 * CPU) gives Infinity when ours is above zero and 1 when both are zero: equal at the floor.
 */
export function ratio(ours: number, reference: number): number {
  if (reference === 0) return ours === 0 ? 1 : Number.POSITIVE_INFINITY
  return ours / reference
}
