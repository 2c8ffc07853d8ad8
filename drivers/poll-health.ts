/**
 * Health of a chip the station polls (MPR121, FT6x36, PN532): one bad poll is a glitch (health stays
 * ok, the error is kept as lastError), a second in a row makes it degraded, `maxConsecutiveFailures` in
 * a row make it faulty, and the first good poll makes it ok again. Central hears of every change, so a
 * lone glitch on a noisy line must not count as one. Listeners hear of every change of state at once,
 * so the station need not look at health on a timer (docs/drivers.md, Health). What a
 * driver re-does after an outage (reconfigure, SAM set-up, nothing) stays in the driver.
 */
import type { StationError } from '../runtime/core/errors.js'
import { ListenerSet } from '../runtime/core/listener-set.js'
import type { Health, HealthState } from '../runtime/core/health.js'

export class PollHealth {
  #maxConsecutiveFailures: number
  #failures = 0
  #state: HealthState = 'stopped'
  #lastError: StationError | undefined
  #faultReported = false
  #changeListeners = new ListenerSet<HealthState>()
  #onListenerError: (error: unknown) => void

  /**
   * Throws a TypeError unless `maxConsecutiveFailures` is a positive integer. A change listener that
   * throws goes to `onListenerError`.
   */
  constructor(maxConsecutiveFailures = 5, onListenerError: (error: unknown) => void = () => undefined) {
    if (!Number.isInteger(maxConsecutiveFailures) || maxConsecutiveFailures < 1) {
      throw new TypeError(`maxConsecutiveFailures must be a positive integer (got ${maxConsecutiveFailures})`)
    }
    this.#maxConsecutiveFailures = maxConsecutiveFailures
    this.#onListenerError = onListenerError
  }

  /** Called with the new state each time it changes; returns the unsubscribe. */
  onChange(listener: (state: HealthState) => void): () => void {
    return this.#changeListeners.add(listener)
  }

  get state(): HealthState {
    return this.#state
  }

  get failures(): number {
    return this.#failures
  }

  starting(): void {
    this.#enter('starting')
  }

  /** Start failed: absent when nothing answered (E_DEVICE_ABSENT), else faulty. */
  startFailed(error: StationError): void {
    this.#lastError = error
    this.#enter(error.code === 'E_DEVICE_ABSENT' ? 'absent' : 'faulty')
  }

  /** Start succeeded: a fresh count, and the next fault is reported again. */
  started(): void {
    this.#failures = 0
    this.#faultReported = false
    this.#enter('ok')
  }

  /** Stopped; `error` records a failure while stopping (the last error stays visible). */
  stopped(error?: StationError): void {
    if (error !== undefined) this.#lastError = error
    this.#enter('stopped')
  }

  /** A good poll. True when it ends an outage (health was degraded or faulty). */
  succeeded(): boolean {
    const recovered = this.#state !== 'ok'
    this.#failures = 0
    this.#faultReported = false
    this.#enter('ok')
    return recovered
  }

  /** A failed poll. True when the device is now faulty (this one reached the limit, or it already was). */
  failed(error: StationError): boolean {
    this.#failures += 1
    this.#lastError = error
    if (this.#failures >= this.#maxConsecutiveFailures) this.#enter('faulty')
    else if (this.#failures >= 2) this.#enter('degraded')
    return this.#state === 'faulty'
  }

  /** Faulty at once, whatever the count (a chip that reports its own fault, like MPR121 over-current). */
  faulty(error: StationError): void {
    this.#lastError = error
    this.#enter('faulty')
  }

  /** True the first time it is called in an outage: the fault is reported once, again only after a recovery. */
  claimFaultReport(): boolean {
    if (this.#faultReported) return false
    this.#faultReported = true
    return true
  }

  #enter(state: HealthState): void {
    if (state === this.#state) return
    this.#state = state
    this.#changeListeners.emit(state, this.#onListenerError)
  }

  /** The driver's health, with the failure count and `detail` added. */
  health(detail: Record<string, string | number | boolean> = {}): Health {
    const health: Health = { state: this.#state, detail: { consecutiveFailures: this.#failures, ...detail } }
    if (this.#lastError !== undefined) {
      health.lastError = this.#lastError.message
      health.lastErrorCode = this.#lastError.code
    }
    return health
  }
}
