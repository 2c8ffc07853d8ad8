/**
 * Moves submissions from the durable outbox to central, oldest first, whenever the link is up
 * (docs/delivery.md). PUBACK only means the broker has a copy ("in flight"): a submission leaves
 * the outbox when central acknowledges it by id (a verified `submission.accepted {id}` on notify),
 * and one not acknowledged within the ack timeout is published again with the same id.
 * At-least-once on the wire; central de-duplicates by id.
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
  /**
   * Central's notifications. They must be verified (MqttLinkOptions.verifier, docs/security.md):
   * a `submission.accepted` here removes the submission from the outbox.
   */
  onNotify(listener: (type: string, fields: Record<string, unknown>) => void): Unsubscribe
}

/** Default wait for central's `submission.accepted` after PUBACK before publishing the same id again. */
export const DEFAULT_ACK_TIMEOUT_MS = 30_000

export interface OutboxDrainOptions {
  outbox: Outbox
  link: SubmissionLink
  clock: Clock
  log: Logger
  /** Bounds of the retry delay after a failure while the link stays up (backoff.ts). */
  retryMinMs: number
  retryMaxMs: number
  /** How long stop() waits for in-flight publishes and markDelivered calls to settle. */
  stopWaitMs: number
  /** After PUBACK, how long to wait for central's acknowledgement before re-publishing; default DEFAULT_ACK_TIMEOUT_MS. */
  ackTimeoutMs?: number
  /** Uniform in [0, 1); default Math.random. */
  random?: () => number
}

/**
 * How many submissions may be in flight at once. One keeps the strict oldest-first order central
 * sees today; everything below is keyed by id, so a window of N only changes this number.
 */
const MAX_IN_FLIGHT = 1

/** One submission between its first publish and central's acknowledgement. */
interface InFlight {
  readonly id: string
  /** Read from the outbox at the first publish; kept while in flight. */
  submission: Submission | null
  /**
   * unsent: (re)publish when the window and the link allow; publishing: waiting for PUBACK;
   * awaiting-ack: PUBACK came, waiting for central; acknowledged: markDelivered is running.
   */
  state: 'unsent' | 'publishing' | 'awaiting-ack' | 'acknowledged'
  /** When it was first published (for health: the oldest unacknowledged age). */
  firstSentAtMs: number | null
  attempts: number
  ackTimer: TimerHandle | undefined
}

export class OutboxDrain implements Service {
  readonly name = 'outbox-drain'
  readonly #options: OutboxDrainOptions
  readonly #log: Logger
  readonly #ackTimeoutMs: number
  /** By submission id; an entry stays until markDelivered succeeded after central's acknowledgement. */
  readonly #inFlight = new Map<string, InFlight>()
  /** Publishes and markDelivered calls under way, so stop() can wait for them. */
  readonly #work = new Set<Promise<unknown>>()
  #running = false
  #unsubscribes: Unsubscribe[] = []
  #retryTimer: TimerHandle | undefined
  #failures = 0
  #delivered = 0
  #republished = 0
  #lastError: StationError | undefined

  constructor(options: OutboxDrainOptions) {
    this.#options = options
    this.#ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS
    this.#log = options.log.child({ component: 'runtime.mqtt.drain' })
  }

  async start(_context?: ServiceContext): Promise<void> {
    if (this.#running) return
    this.#running = true
    const { outbox, link } = this.#options
    this.#unsubscribes = [
      outbox.onAppended(() => this.#pump()),
      link.onStateChange((connected) => (connected ? this.#onConnected() : this.#onDisconnected())),
      link.onNotify((type, fields) => {
        if (type === 'submission.accepted' && typeof fields.id === 'string') this.#onAccepted(fields.id)
      }),
    ]
    this.#pump()
  }

  /** Stops waking; waits up to stopWaitMs for publishes and markDelivered calls under way. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    for (const unsubscribe of this.#unsubscribes) unsubscribe()
    this.#unsubscribes = []
    this.#clearRetry()
    for (const entry of this.#inFlight.values()) this.#clearAckTimer(entry)
    const work = [...this.#work]
    if (work.length > 0) {
      const { clock, stopWaitMs } = this.#options
      const controller = new AbortController()
      await Promise.race([Promise.allSettled(work), clock.sleep(stopWaitMs, controller.signal).catch(() => {})])
      controller.abort()
    }
    // What was not acknowledged stays in the outbox and is sent again after the next start.
    this.#inFlight.clear()
  }

  /**
   * Looks at the outbox now: cuts a retry backoff short and publishes again what is waiting for
   * central's acknowledgement (operations' `outbox.drain`). Does nothing while stopped or offline
   * (the next connect drains anyway).
   */
  drainNow(): void {
    if (!this.#running) return
    this.#clearRetry()
    for (const entry of this.#inFlight.values()) {
      if (entry.state === 'awaiting-ack') {
        this.#clearAckTimer(entry)
        entry.state = 'unsent'
      }
    }
    this.#pump()
  }

  health(): Health {
    const { outbox, clock } = this.#options
    const nowMs = clock.now()
    const oldestMs = outbox.oldestCreatedAtMs()
    let awaitingAck = 0
    let oldestSentMs: number | null = null
    for (const entry of this.#inFlight.values()) {
      if (entry.state === 'awaiting-ack') awaitingAck += 1
      if (entry.firstSentAtMs !== null && (oldestSentMs === null || entry.firstSentAtMs < oldestSentMs)) {
        oldestSentMs = entry.firstSentAtMs
      }
    }
    const oldestUnackedAgeMs = oldestSentMs === null ? 0 : Math.max(0, nowMs - oldestSentMs)
    const detail = {
      depth: outbox.depth(),
      oldestAgeMs: oldestMs === null ? 0 : Math.max(0, nowMs - oldestMs),
      delivered: this.#delivered,
      consecutiveFailures: this.#failures,
      inFlight: this.#inFlight.size,
      awaitingAck,
      oldestUnackedAgeMs,
      republished: this.#republished,
    }
    if (!this.#running) return { state: 'stopped', detail }
    if (this.#failures > 0 && this.#lastError) {
      return { state: 'degraded', lastError: this.#lastError.message, lastErrorCode: this.#lastError.code, detail }
    }
    if (oldestUnackedAgeMs > this.#ackTimeoutMs) {
      const message = `central has not acknowledged a submission for ${Math.round(oldestUnackedAgeMs / 1000)} s`
      return { state: 'degraded', lastError: message, detail }
    }
    return { state: 'ok', detail }
  }

  #onConnected(): void {
    // A fresh connection cuts the retry backoff short.
    this.#clearRetry()
    this.#pump()
  }

  /**
   * Acknowledgements sent while offline are lost (clean session), so everything not yet
   * acknowledged is published again on the next connect. The entries stay: a late ack still counts.
   */
  #onDisconnected(): void {
    for (const entry of this.#inFlight.values()) {
      if (entry.state === 'acknowledged') continue
      this.#clearAckTimer(entry)
      entry.state = 'unsent'
    }
  }

  /**
   * Fills the window: first what must be published again, then the oldest submissions not in
   * flight. Synchronous up to the publishes, so two calls never pick the same submission.
   */
  #pump(): void {
    const { outbox, link } = this.#options
    if (!this.#running || !link.isConnected || this.#retryTimer !== undefined) return
    for (const entry of this.#inFlight.values()) {
      if (entry.state === 'unsent') this.#publish(entry)
    }
    if (this.#inFlight.size >= MAX_IN_FLIGHT || outbox.depth() === 0) return
    for (const ref of outbox.pendingFrom(0, MAX_IN_FLIGHT + this.#inFlight.size)) {
      if (this.#inFlight.size >= MAX_IN_FLIGHT) break
      if (this.#inFlight.has(ref.id)) continue
      const entry: InFlight = { submission: null, id: ref.id, state: 'unsent', firstSentAtMs: null, attempts: 0, ackTimer: undefined }
      this.#inFlight.set(ref.id, entry)
      this.#publish(entry)
    }
  }

  #publish(entry: InFlight): void {
    const { clock, link } = this.#options
    entry.state = 'publishing'
    entry.attempts += 1
    entry.firstSentAtMs ??= clock.now()
    if (entry.attempts > 1) this.#republished += 1
    const id = entry.id
    const { outbox } = this.#options
    this.#track(
      (entry.submission ? Promise.resolve(entry.submission) : outbox.read(id))
        .then(async (submission): Promise<'gone' | 'sent'> => {
          if (submission === null) {
            // Delivered meanwhile, or set aside by the outbox: nothing to send.
            if (this.#inFlight.get(id) === entry) this.#inFlight.delete(id)
            return 'gone' as const
          }
          entry.submission = submission
          await link.publishSubmission(submission)
          return 'sent'
        })
        .then(
        (outcome) => {
          if (outcome === 'gone') {
            this.#pump()
            return
          }
          // Central may have acknowledged before our PUBACK callback ran; then there is nothing to wait for.
          if (this.#inFlight.get(id) !== entry || entry.state !== 'publishing') return
          this.#failures = 0
          this.#lastError = undefined
          entry.state = 'awaiting-ack'
          this.#log.debug({ submissionId: id, attempt: entry.attempts }, 'submission in flight; waiting for central')
          entry.ackTimer = clock.setTimeout(() => this.#onAckTimeout(entry), this.#ackTimeoutMs)
        },
        (error: unknown) => {
          if (this.#inFlight.get(id) !== entry || entry.state !== 'publishing') return
          entry.state = 'unsent'
          this.#onFailure(id, error)
        },
      ),
    )
  }

  #onAckTimeout(entry: InFlight): void {
    entry.ackTimer = undefined
    if (!this.#running || this.#inFlight.get(entry.id) !== entry || entry.state !== 'awaiting-ack') return
    this.#log.warn(
      { submissionId: entry.id, attempt: entry.attempts, ackTimeoutMs: this.#ackTimeoutMs },
      'central did not acknowledge the submission in time; publishing it again',
    )
    entry.state = 'unsent'
    this.#pump()
  }

  /**
   * Central has the submission: record it. An id not in flight (acknowledging a copy sent before a
   * restart) is marked too: markDelivered ignores ids the outbox does not hold.
   */
  #onAccepted(id: string): void {
    if (!this.#running) return
    const entry = this.#inFlight.get(id)
    if (entry?.state === 'acknowledged') return
    if (entry) {
      this.#clearAckTimer(entry)
      entry.state = 'acknowledged'
    }
    this.#track(
      this.#options.outbox.markDelivered(id).then(
        () => {
          if (entry && this.#inFlight.get(id) !== entry) return
          this.#inFlight.delete(id)
          if (entry) {
            this.#delivered += 1
            this.#log.debug({ submissionId: id, attempts: entry.attempts }, 'submission acknowledged by central')
          }
          this.#pump()
        },
        (error: unknown) => {
          // Not recorded: publish it again later; central acknowledges the duplicate and we try once more.
          if (entry && this.#inFlight.get(id) === entry) entry.state = 'unsent'
          this.#onFailure(id, error)
        },
      ),
    )
  }

  /**
   * The same id is retried, never skipped: on the next connect if the link went down, else after a
   * backoff (PUBACK error code, an unreadable outbox, or markDelivered failing after central's ack).
   */
  #onFailure(submissionId: string | undefined, error: unknown): void {
    this.#failures += 1
    this.#lastError =
      error instanceof StationError
        ? error
        : new StationError('E_MQTT_UNAVAILABLE', 'submission delivery failed', {}, { cause: error })
    if (!this.#running && isCanceled(error)) return
    this.#log.warn(
      { err: this.#lastError, submissionId, consecutiveFailures: this.#failures },
      'submission not delivered; will retry',
    )
    if (!this.#running || !this.#options.link.isConnected || this.#retryTimer !== undefined) return
    const delayMs = backoffDelayMs(this.#failures - 1, {
      minMs: this.#options.retryMinMs,
      maxMs: this.#options.retryMaxMs,
      random: this.#options.random ?? Math.random,
    })
    this.#retryTimer = this.#options.clock.setTimeout(() => {
      this.#retryTimer = undefined
      this.#pump()
    }, delayMs)
  }

  #track(work: Promise<unknown>): void {
    this.#work.add(work)
    work.finally(() => this.#work.delete(work)).catch(() => undefined)
  }

  #clearAckTimer(entry: InFlight): void {
    if (entry.ackTimer) this.#options.clock.clearTimeout(entry.ackTimer)
    entry.ackTimer = undefined
  }

  #clearRetry(): void {
    if (this.#retryTimer) this.#options.clock.clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
  }
}
