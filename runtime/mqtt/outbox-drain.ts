/**
 * Moves submissions from the durable outbox to central, oldest first and one at a time, whenever
 * the link is up: publish, wait for PUBACK, then markDelivered. At-least-once; central de-duplicates by id.
 */
import type { Clock, TimerHandle } from '../clock.js'
import { StationError, isCanceled } from '../errors.js'
import type { Logger } from '../log.js'
import type { Outbox, Submission, Unsubscribe } from '../outbox/outbox-types.js'
import { backoffDelayMs } from '../supervisor/backoff.js'
import type { Health, Service, ServiceContext } from '../supervisor/service.js'

/** The part of MqttLink the drain uses. */
export interface SubmissionLink {
  readonly isConnected: boolean
  /** Resolves on PUBACK; rejects (E_MQTT_UNAVAILABLE) when offline or when the connection drops first. */
  publishSubmission(submission: Submission): Promise<void>
  onStateChange(listener: (connected: boolean) => void): Unsubscribe
}

export interface OutboxDrainOptions {
  outbox: Outbox
  link: SubmissionLink
  clock: Clock
  log: Logger
  /** Bounds of the retry delay after a failure while the link stays up (backoff.ts). */
  retryMinMs: number
  retryMaxMs: number
  /** How long stop() waits for an in-flight publish to settle before giving up on it. */
  stopWaitMs: number
  /** Uniform in [0, 1); default Math.random. */
  random?: () => number
}

export class OutboxDrain implements Service {
  readonly name = 'outbox-drain'
  readonly #options: OutboxDrainOptions
  readonly #log: Logger
  #running = false
  #unsubscribes: Unsubscribe[] = []
  /** The one drain loop, when it runs; a second is never started while it does. */
  #loop: Promise<void> | undefined
  /** A wake-up arrived while the loop was busy; it looks again before it ends. */
  #wakeRequested = false
  #retryTimer: TimerHandle | undefined
  #failures = 0
  #delivered = 0
  #lastError: StationError | undefined

  constructor(options: OutboxDrainOptions) {
    this.#options = options
    this.#log = options.log.child({ component: 'runtime.mqtt.drain' })
  }

  async start(_context?: ServiceContext): Promise<void> {
    if (this.#running) return
    this.#running = true
    const { outbox, link } = this.#options
    this.#unsubscribes = [
      outbox.onAppended(() => this.#wake('appended')),
      link.onStateChange((connected) => {
        if (connected) this.#wake('connected')
      }),
    ]
    this.#wake('started')
  }

  /** Stops waking; waits up to stopWaitMs for an in-flight publish and its markDelivered. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    for (const unsubscribe of this.#unsubscribes) unsubscribe()
    this.#unsubscribes = []
    this.#clearRetry()
    const loop = this.#loop
    if (!loop) return
    const { clock, stopWaitMs } = this.#options
    const controller = new AbortController()
    await Promise.race([loop, clock.sleep(stopWaitMs, controller.signal).catch(() => {})])
    controller.abort()
  }

  health(): Health {
    const { outbox } = this.#options
    const oldestMs = outbox.oldestCreatedAtMs()
    const detail = {
      depth: outbox.depth(),
      oldestAgeMs: oldestMs === null ? 0 : Math.max(0, this.#options.clock.now() - oldestMs),
      delivered: this.#delivered,
      consecutiveFailures: this.#failures,
    }
    if (!this.#running) return { state: 'stopped', detail }
    if (this.#failures > 0 && this.#lastError) {
      return { state: 'degraded', lastError: this.#lastError.message, lastErrorCode: this.#lastError.code, detail }
    }
    return { state: 'ok', detail }
  }

  /**
   * Starts the loop unless it runs already (then it looks again before ending). A new submission
   * does not cut a retry backoff short; a fresh connection does.
   */
  #wake(reason: 'started' | 'appended' | 'connected' | 'retry'): void {
    if (!this.#running) return
    if (this.#loop) {
      this.#wakeRequested = true
      return
    }
    if (reason === 'appended' && this.#retryTimer !== undefined) return
    this.#clearRetry()
    this.#loop = this.#drain().finally(() => {
      this.#loop = undefined
      if (this.#wakeRequested) this.#wake('appended')
    })
  }

  async #drain(): Promise<void> {
    const { outbox, link } = this.#options
    for (;;) {
      this.#wakeRequested = false
      if (!this.#running || !link.isConnected) return
      let next: Submission | undefined
      try {
        // pending() decrypts and may throw E_OUTBOX_IO; that is retried like a failed publish.
        next = outbox.pending()[0]
        if (!next) return
        await link.publishSubmission(next)
        await outbox.markDelivered(next.id)
      } catch (error) {
        this.#onFailure(next, error)
        return
      }
      this.#failures = 0
      this.#lastError = undefined
      this.#delivered += 1
      this.#log.debug({ submissionId: next.id }, 'submission delivered')
    }
  }

  /**
   * The same id is retried, never skipped: on the next connect if the link went down, else after a
   * backoff (PUBACK error code, or markDelivered failed after a PUBACK: a duplicate central drops).
   */
  #onFailure(submission: Submission | undefined, error: unknown): void {
    this.#failures += 1
    this.#lastError =
      error instanceof StationError
        ? error
        : new StationError('E_MQTT_UNAVAILABLE', 'submission delivery failed', {}, { cause: error })
    if (!this.#running && isCanceled(error)) return
    this.#log.warn(
      { err: this.#lastError, submissionId: submission?.id, consecutiveFailures: this.#failures },
      'submission not delivered; will retry',
    )
    if (!this.#running || !this.#options.link.isConnected) return
    const delayMs = backoffDelayMs(this.#failures - 1, {
      minMs: this.#options.retryMinMs,
      maxMs: this.#options.retryMaxMs,
      random: this.#options.random ?? Math.random,
    })
    this.#retryTimer = this.#options.clock.setTimeout(() => {
      this.#retryTimer = undefined
      this.#wake('retry')
    }, delayMs)
  }

  #clearRetry(): void {
    if (this.#retryTimer) this.#options.clock.clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
  }
}
