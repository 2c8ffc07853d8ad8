/**
 * Time, injected. Everything that waits or stamps takes a Clock so tests can move time by hand
 * (SimClock) and production uses the system's timers.
 */
export type TimerHandle = { readonly id: number }

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
  /** Calls `callback` once after `delayMs` (>= 0). */
  setTimeout(callback: () => void, delayMs: number): TimerHandle
  /** Idempotent; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void
  /** Resolves after `delayMs`; rejects with the signal's reason when aborted first. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>
}

let nextSystemId = 1
const systemTimers = new Map<number, NodeJS.Timeout>()

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    const id = nextSystemId++
    const timer = setTimeout(() => {
      systemTimers.delete(id)
      callback()
    }, Math.max(0, delayMs))
    systemTimers.set(id, timer)
    return { id }
  },
  clearTimeout(handle) {
    const timer = systemTimers.get(handle.id)
    if (timer) clearTimeout(timer)
    systemTimers.delete(handle.id)
  },
  sleep(delayMs, signal) {
    return sleepOn(systemClock, delayMs, signal)
  },
}

/** `sleep` for any clock, built on its setTimeout. */
export function sleepOn(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = () => {
      clock.clearTimeout(handle)
      reject(signal?.reason)
    }
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, delayMs)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
