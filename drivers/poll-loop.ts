/**
 * The polling of a chip (MPR121, FT6x36, PN532): `check` runs every `intervalMs` on the injected clock,
 * and at once through `checkNow` (the seam for an IRQ line), never two at a time. The next poll is
 * scheduled when one ends, so a slow bus stretches the interval instead of piling polls up. Edges that
 * come while a check waits to start share it: it has not read the chip yet, so it sees their change.
 */
import type { Clock, TimerHandle } from '../runtime/core/clock.js'

export class PollLoop {
  #clock: Clock
  #intervalMs: () => number
  #check: () => Promise<void>
  #running = false
  #timer: TimerHandle | undefined
  #dueAtMs = 0
  #tail: Promise<void> = Promise.resolve()
  /** A check queued behind the one in progress that has not started yet. */
  #queued: Promise<void> | undefined

  /**
   * `check` must not reject: it records its own failures (PollHealth). `intervalMs` may be a function,
   * asked each time a poll is scheduled and after every check: when it has shrunk (a finger went down
   * on a panel polled slowly while idle), the pending poll is brought forward.
   */
  constructor(clock: Clock, intervalMs: number | (() => number), check: () => Promise<void>) {
    this.#clock = clock
    this.#intervalMs = typeof intervalMs === 'number' ? () => intervalMs : intervalMs
    this.#check = check
  }

  /** Between `start` and `stop`. A check that finds this false after an await should give up quietly. */
  get running(): boolean {
    return this.#running
  }

  /** Starts polling; the first check runs one interval from now. Idempotent. */
  start(): void {
    if (this.#running) return
    this.#running = true
    this.#schedule()
  }

  /**
   * Stops the timer at once (synchronously, before the first await: a caller may cancel the check in
   * progress right after calling this), then waits for that check to finish. Idempotent.
   */
  async stop(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#tail
  }

  /**
   * Runs a check now, after any in progress (an edge during a read is not lost), joining one already
   * queued; does nothing once stopped. Never rejects.
   */
  checkNow(): Promise<void> {
    if (this.#queued !== undefined) return this.#queued
    const check = this.#tail.then(async () => {
      this.#queued = undefined
      if (!this.#running) return
      await this.#check()
      this.#bringForward()
    })
    this.#queued = check
    this.#tail = check
    return check
  }

  #schedule(): void {
    if (!this.#running || this.#timer !== undefined) return
    const intervalMs = this.#intervalMs()
    this.#dueAtMs = this.#clock.now() + intervalMs
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      void this.checkNow().then(() => this.#schedule())
    }, intervalMs)
  }

  #bringForward(): void {
    if (this.#timer === undefined || this.#clock.now() + this.#intervalMs() >= this.#dueAtMs) return
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#schedule()
  }
}
