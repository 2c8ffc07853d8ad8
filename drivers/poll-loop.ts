/**
 * The polling of a chip without a trusted interrupt (MPR121, FT6x36, PN532): `check` runs every
 * `intervalMs` on the injected clock, and at once through `checkNow` (the seam for an IRQ line), never
 * two at a time. The next poll is scheduled when one ends, so a slow bus stretches the interval
 * instead of piling polls up.
 */
import type { Clock, TimerHandle } from '../runtime/clock.js'

export class PollLoop {
  #clock: Clock
  #intervalMs: number
  #check: () => Promise<void>
  #running = false
  #timer: TimerHandle | undefined
  #tail: Promise<void> = Promise.resolve()

  /** `check` must not reject: it records its own failures (PollHealth). */
  constructor(clock: Clock, intervalMs: number, check: () => Promise<void>) {
    this.#clock = clock
    this.#intervalMs = intervalMs
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

  /** Runs a check now, after any in progress; does nothing once stopped. Never rejects. */
  checkNow(): Promise<void> {
    const check = this.#tail.then(() => (this.#running ? this.#check() : undefined))
    this.#tail = check
    return check
  }

  #schedule(): void {
    if (!this.#running || this.#timer !== undefined) return
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      void this.checkNow().then(() => this.#schedule())
    }, this.#intervalMs)
  }
}
