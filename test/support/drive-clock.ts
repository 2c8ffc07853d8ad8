import type { SimClock } from '../../runtime/core/sim-clock.js'

/**
 * Moves a SimClock 1 ms at a time until `work` settles or `maxMs` have passed, for drivers that sleep
 * on the clock between bus transactions (display init, keypad reset). Resolves or rejects as `work` does.
 */
export async function driveClock<T>(clock: SimClock, work: Promise<T>, maxMs = 1000): Promise<T> {
  let settled = false
  work.then(
    () => (settled = true),
    () => (settled = true),
  )
  for (let ms = 0; ms < maxMs && !settled; ms++) await clock.advanceAsync(1)
  return work
}

/**
 * Like `driveClock`, but lets pending I/O callbacks run (a few setImmediate turns) before each
 * millisecond, for transports whose replies arrive through real event-loop turns (serial links).
 */
export async function driveClockThroughIo<T>(clock: SimClock, work: Promise<T>, maxMs = 5000): Promise<T> {
  let settled = false
  work.then(
    () => (settled = true),
    () => (settled = true),
  )
  for (let ms = 0; ms <= maxMs && !settled; ms++) {
    for (let tick = 0; tick < 5; tick++) await new Promise<void>((resolve) => setImmediate(resolve))
    if (!settled) clock.advance(1)
  }
  return work
}
