/** Bounds for a retry delay. All values in milliseconds except `random`. */
export interface BackoffOptions {
  /** Base delay for attempt 0; must be > 0. */
  minMs: number
  /** Ceiling for every delay; must be >= minMs. */
  maxMs: number
  /** Uniform in [0, 1); injected so tests are deterministic (production passes Math.random). */
  random: () => number
}

/**
 * Delay before retry number `attempt` (0 = first retry), with "full jitter": uniform in
 * [0, min(maxMs, minMs * 2^attempt)), so a fleet of stations that lost the broker together does not
 * reconnect in lockstep (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
 * The result is clamped to [minMs / 2, maxMs] so a retry is never a busy loop and never later than
 * the ceiling. Throws RangeError on nonsensical bounds.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions): number {
  const { minMs, maxMs, random } = options
  if (!(minMs > 0) || !(maxMs >= minMs) || !Number.isFinite(maxMs)) {
    throw new RangeError(`backoff needs 0 < minMs <= maxMs < Infinity (got minMs ${minMs}, maxMs ${maxMs})`)
  }
  if (!(attempt >= 0)) throw new RangeError(`backoff attempt must be >= 0 (got ${attempt})`)
  // 2 ** attempt overflows to Infinity for large attempts; min() then picks maxMs, which is what we want.
  const capMs = Math.min(maxMs, minMs * 2 ** attempt)
  const delayMs = random() * capMs
  return Math.min(maxMs, Math.max(minMs / 2, delayMs))
}
