/**
 * 32-bit microsecond ticks, the time base of GPIO edges. pigpio stamps edges with a tick that wraps every
 * 2^32 µs (about 71.6 min, docs/protocols.md 5.3); every adapter here uses the same range so that drivers
 * compute intervals one way, modulo 2^32.
 */
import type { Clock } from '../../runtime/core/clock.js'

/** Ticks count modulo this: 2^32 µs. */
export const TICK_MODULUS_US = 2 ** 32

/** Reduces any integer microsecond count to the tick range 0..2^32-1. */
export function toTickUs(microseconds: number): number {
  const whole = Math.floor(microseconds)
  return ((whole % TICK_MODULUS_US) + TICK_MODULUS_US) % TICK_MODULUS_US
}

/**
 * Microseconds from `earlierTickUs` to `laterTickUs`, correct across one wrap of the tick counter.
 * Always 0..2^32-1, so the caller must know which tick came first (edges are delivered in order).
 */
export function tickDiffUs(laterTickUs: number, earlierTickUs: number): number {
  return toTickUs(laterTickUs - earlierTickUs)
}

/** A tick source from the monotonic `performance.now()` (ms, fractional): for adapters without hardware ticks. */
export function performanceTickUs(): number {
  return toTickUs(performance.now() * 1000)
}

/** A tick source from an injected Clock (ms), for simulations run on a SimClock. */
export function clockTickSource(clock: Clock): () => number {
  return () => toTickUs(clock.now() * 1000)
}
