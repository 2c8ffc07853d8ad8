import type { Clock, TimerHandle } from '../../runtime/core/clock.js'
import { StationError } from '../../runtime/core/errors.js'
import { backoffDelayMs } from '../../runtime/core/backoff.js'
import type { SerialLink, Unsubscribe } from './serial-link.js'

/** `open`: the wrapped link is up. `reopening`: it went away and we are trying again. `closed`: for good. */
export type ReopeningLinkState = 'open' | 'closed' | 'reopening'

/** Options for `ReopeningSerialLink`. */
export interface ReopeningSerialLinkOptions {
  /** Name for logs and health, usually the device path. */
  path: string
  /** Opens the underlying link; called once by `open()` and again after every unplug. */
  open: () => Promise<SerialLink>
  clock: Clock
  /** First retry delay; default 250 ms. Jittered down to no less than half of it. */
  minBackoffMs?: number
  /** Cap on the retry delay; default 10 000 ms. */
  maxBackoffMs?: number
  /** Uniform [0, 1); default Math.random. Injected so tests get fixed delays. */
  random?: () => number
}

/**
 * A SerialLink that survives unplugging: when the underlying link closes with an error (USB adapter
 * pulled, pty gone) it keeps reopening it with jittered exponential backoff until it succeeds or
 * `close()` is called. Data listeners stay attached across reopens; writes while the device is away
 * reject with E_SERIAL_IO. `onClose` fires only when this link is closed for good.
 */
export class ReopeningSerialLink implements SerialLink {
  readonly path: string
  #open: () => Promise<SerialLink>
  #clock: Clock
  #minBackoffMs: number
  #maxBackoffMs: number
  #random: () => number
  #state: ReopeningLinkState = 'closed'
  #current: SerialLink | undefined
  #currentUnsubscribes: Unsubscribe[] = []
  #attempt = 0
  #retryTimer: TimerHandle | undefined
  #closeRequested = false
  #dataListeners = new Set<(chunk: Uint8Array) => void>()
  #closeListeners = new Set<(error?: Error) => void>()
  #stateListeners = new Set<(state: ReopeningLinkState, error?: Error) => void>()

  constructor(options: ReopeningSerialLinkOptions) {
    this.path = options.path
    this.#open = options.open
    this.#clock = options.clock
    this.#minBackoffMs = options.minBackoffMs ?? 250
    this.#maxBackoffMs = options.maxBackoffMs ?? 10_000
    this.#random = options.random ?? Math.random
  }

  get state(): ReopeningLinkState {
    return this.#state
  }

  get isOpen(): boolean {
    return this.#state === 'open' && this.#current?.isOpen === true
  }

  /**
   * Opens the first time. Rejects with the factory's error (E_DEVICE_ABSENT, E_SERIAL_IO) and stays
   * closed: whether to retry a device that was never there is the caller's decision. While
   * reopening, tries at once instead of waiting for the backoff (and keeps reopening if that fails).
   */
  async open(): Promise<void> {
    if (this.#closeRequested) throw new StationError('E_SERIAL_IO', `serial link ${this.path} was closed`, { path: this.path })
    if (this.#current) return
    const reopening = this.#state === 'reopening'
    if (this.#retryTimer) this.#clock.clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    let link: SerialLink
    try {
      link = await this.#open()
    } catch (error) {
      if (reopening && !this.#closeRequested && !this.#current) this.#scheduleReopen()
      throw error
    }
    this.#attach(link)
  }

  /** Rejects with E_SERIAL_IO while the device is away or the link is closed. */
  async write(bytes: Uint8Array): Promise<void> {
    const current = this.#current
    if (this.#state !== 'open' || !current) {
      throw new StationError('E_SERIAL_IO', `serial link ${this.path} is ${this.#state}`, { path: this.path, state: this.#state })
    }
    return current.write(bytes)
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    this.#dataListeners.add(listener)
    return () => this.#dataListeners.delete(listener)
  }

  onClose(listener: (error?: Error) => void): Unsubscribe {
    this.#closeListeners.add(listener)
    return () => this.#closeListeners.delete(listener)
  }

  /**
   * Every state change, with the error that caused it when there was one. `reopening` is reported
   * on the unplug and again after each failed attempt, with that attempt's error.
   */
  onStateChange(listener: (state: ReopeningLinkState, error?: Error) => void): Unsubscribe {
    this.#stateListeners.add(listener)
    return () => this.#stateListeners.delete(listener)
  }

  /** Idempotent. Stops reopening and closes the current link. */
  async close(): Promise<void> {
    if (this.#closeRequested) return
    this.#closeRequested = true
    if (this.#retryTimer) this.#clock.clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    const current = this.#detach()
    if (current) await current.close()
    this.#setState('closed')
    const listeners = [...this.#closeListeners]
    this.#closeListeners.clear()
    this.#dataListeners.clear()
    for (const listener of listeners) listener()
  }

  #attach(link: SerialLink): void {
    // Closed meanwhile, or an open() and a scheduled reopen both succeeded: keep only one link.
    if (this.#closeRequested || this.#current) {
      void link.close()
      return
    }
    this.#current = link
    this.#attempt = 0
    this.#currentUnsubscribes = [
      link.onData((chunk) => {
        for (const listener of this.#dataListeners) listener(chunk)
      }),
      link.onClose((error) => this.#onUnderlyingClosed(link, error)),
    ]
    this.#setState('open')
  }

  #detach(): SerialLink | undefined {
    for (const unsubscribe of this.#currentUnsubscribes) unsubscribe()
    this.#currentUnsubscribes = []
    const current = this.#current
    this.#current = undefined
    return current
  }

  #onUnderlyingClosed(link: SerialLink, error: Error | undefined): void {
    if (link !== this.#current || this.#closeRequested) return
    this.#detach()
    if (!error) {
      // Closed cleanly by someone else: nothing went wrong, so there is nothing to recover from.
      this.#closeRequested = true
      this.#setState('closed')
      const listeners = [...this.#closeListeners]
      this.#closeListeners.clear()
      this.#dataListeners.clear()
      for (const listener of listeners) listener()
      return
    }
    this.#setState('reopening', error)
    this.#scheduleReopen()
  }

  #scheduleReopen(): void {
    if (this.#retryTimer) return // an early open() and a scheduled attempt failed together
    const delayMs = backoffDelayMs(this.#attempt, { minMs: this.#minBackoffMs, maxMs: this.#maxBackoffMs, random: this.#random })
    this.#attempt++
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined
      void this.#reopen()
    }, delayMs)
  }

  async #reopen(): Promise<void> {
    if (this.#closeRequested) return
    let link: SerialLink
    try {
      link = await this.#open()
    } catch (error) {
      if (this.#closeRequested) return
      this.#setState('reopening', error instanceof Error ? error : new Error(String(error)))
      this.#scheduleReopen()
      return
    }
    this.#attach(link)
  }

  #setState(state: ReopeningLinkState, error?: Error): void {
    if (state === this.#state && !error) return
    this.#state = state
    for (const listener of this.#stateListeners) {
      if (error) listener(state, error)
      else listener(state)
    }
  }
}
