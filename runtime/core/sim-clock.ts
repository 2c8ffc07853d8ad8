import { sleepOn, type Clock, type TimerHandle } from './clock.js'

/**
 * A clock that moves only when told (`advance`). Timers fire in due order, each at its own time,
 * so code under test sees the same sequence it would see in real time.
 */
export class SimClock implements Clock {
  #nowMs: number
  #nextId = 1
  #timers = new Map<number, { dueMs: number; callback: () => void }>()

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#nowMs = startMs
  }

  now(): number {
    return this.#nowMs
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.#nextId++
    this.#timers.set(id, { dueMs: this.#nowMs + Math.max(0, delayMs), callback })
    return { id }
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle.id)
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal)
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.size
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`SimClock cannot go backwards (advance ${ms})`)
    const targetMs = this.#nowMs + ms
    for (;;) {
      let nextId: number | undefined
      let nextDue = Infinity
      for (const [id, timer] of this.#timers) {
        if (timer.dueMs <= targetMs && timer.dueMs < nextDue) {
          nextDue = timer.dueMs
          nextId = id
        }
      }
      if (nextId === undefined) break
      const timer = this.#timers.get(nextId)
      this.#timers.delete(nextId)
      this.#nowMs = nextDue
      timer?.callback()
    }
    this.#nowMs = targetMs
  }

  /** Advances in steps, letting promise continuations run between them (for async code under test). */
  async advanceAsync(ms: number, stepMs = ms): Promise<void> {
    let left = ms
    while (left > 0) {
      const step = Math.min(stepMs, left)
      this.advance(step)
      left -= step
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
}
