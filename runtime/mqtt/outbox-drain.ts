/**
 * Moves submissions from the durable outbox to central whenever the link is up (docs/delivery.md):
 * up to `window` at once, first published oldest first, taken with the outbox's cursor
 * (`pendingFrom`), so a delivery costs O(1) whatever the backlog. PUBACK only means the broker has
 * a copy ("in flight"): a submission leaves the outbox when central acknowledges it by id (a
 * verified `submission.accepted {id}` or `submissions.accepted {ids}` on notify), and one not
 * acknowledged within the ack timeout is published again with the same id. At-least-once on the
 * wire; central de-duplicates by id.
 */
import type { Clock, TimerHandle } from '../core/clock.js'
import { StationError, isCanceled } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Outbox, Submission, Unsubscribe } from '../outbox/outbox-types.js'
import { backoffDelayMs } from '../core/backoff.js'
import type { Health, Service, ServiceContext } from '../supervisor/service.js'
import { acceptedIds } from './ack-notification.js'

/** The part of MqttLink the drain uses. */
export interface SubmissionLink {
  readonly isConnected: boolean
  /** Resolves on PUBACK; rejects (E_MQTT_UNAVAILABLE) when offline or when the connection drops first. */
  publishSubmission(submission: Submission): Promise<void>
  onStateChange(listener: (connected: boolean) => void): Unsubscribe
  /**
   * Central's notifications. They must be verified (MqttLinkOptions.verifier, docs/security.md):
   * an acknowledgement here removes submissions from the outbox.
   */
  onNotify(listener: (type: string, fields: Record<string, unknown>) => void): Unsubscribe
}

/** Default wait for central's acknowledgement after PUBACK before publishing the same id again. */
export const DEFAULT_ACK_TIMEOUT_MS = 30_000
/** Default submissions in flight at once (config `central.window`). */
export const DEFAULT_WINDOW = 64
/** The largest window config accepts; also the most ids one batched acknowledgement may carry. */
export const MAX_WINDOW = 1024
/**
 * Default bound on submissions sent and not yet acknowledged by central (config
 * `central.maxUnacknowledged`). The window bounds what awaits PUBACK, as any MQTT client's
 * in-flight window; central's acknowledgement comes a further round trip later, batched, so if the
 * window held each slot until then central's latency, not the broker, would set the drain's pace
 * (docs/delivery.md "The window").
 */
export const DEFAULT_MAX_UNACKNOWLEDGED = 1024
/** Ack timeouts in a row (central silent) stretch the next timeout up to this many times. */
const MAX_ACK_TIMEOUT_STRETCH = 8

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
  /** Submissions awaiting PUBACK at once, 1..MAX_WINDOW (config `central.window`); default DEFAULT_WINDOW. */
  window?: number
  /**
   * Submissions sent and not yet acknowledged by central, at most (config
   * `central.maxUnacknowledged`); default DEFAULT_MAX_UNACKNOWLEDGED, never below `window`.
   */
  maxUnacknowledged?: number
  /** Uniform in [0, 1); default Math.random. */
  random?: () => number
}

/** One submission between its first publish and central's acknowledgement. */
interface InFlight {
  readonly id: string
  /** Read from the outbox when published; dropped at PUBACK (read again if it must be resent). */
  submission: Submission | null
  /**
   * unsent: (re)publish when the link allows; publishing: waiting for PUBACK;
   * awaiting-ack: PUBACK came, waiting for central.
   */
  state: 'unsent' | 'publishing' | 'awaiting-ack'
  /** When it was first published (for health: the oldest unacknowledged age). */
  firstSentAtMs: number | null
  /** Publishes so far; a settling publish whose number is not the latest is stale and ignored. */
  attempts: number
  ackTimer: TimerHandle | undefined
}

export class OutboxDrain implements Service {
  readonly name = 'outbox-drain'
  readonly #options: OutboxDrainOptions
  readonly #log: Logger
  readonly #ackTimeoutMs: number
  readonly #window: number
  readonly #maxUnacknowledged: number
  /**
   * By submission id, in the order taken (so the first entry is the oldest sent): at most `window`
   * awaiting PUBACK, at most `maxUnacknowledged` in all; an entry leaves when central acknowledges it.
   */
  readonly #inFlight = new Map<string, InFlight>()
  /** Entries of #inFlight in state `awaiting-ack`, counted as they change so neither pump nor health scans. */
  #awaitingAck = 0
  /** Ack timeouts since central last acknowledged anything: each stretches the next wait (to MAX_ACK_TIMEOUT_STRETCH times). */
  #ackTimeoutsInARow = 0
  #pumpQueued = false
  /** Entries to publish again (ack timeout, lost link), oldest first; stale ones are skipped when taken. */
  #resend: InFlight[] = []
  /**
   * The outbox cursor: every pending submission with a smaller seq has been taken into the window
   * (or is being recorded). Back to 0 (the outbox's oldest) on a new connection and on start.
   */
  #cursorSeq = 0
  /**
   * Ids central acknowledged, out of the window at once (the window waits for central, not for our
   * disk), until markDelivered has recorded them: `writing` while it runs, `failed` when it threw
   * (recorded again on `#ackRetryTimer`). Never published again while we hold central's word.
   * `inWindow`: it was in flight (counts as delivered once recorded).
   */
  readonly #acked = new Map<string, { state: 'writing' | 'failed'; inWindow: boolean }>()
  /** Entries of #acked in state `failed`, counted as they change so health never scans. */
  #unrecordedAcks = 0
  /** Publishes and markDelivered calls under way, so stop() can wait for them. */
  readonly #work = new Set<Promise<unknown>>()
  /** The last batch's publish step: the next batch publishes after it (oldest first on the wire). */
  #publishTurn: Promise<unknown> = Promise.resolve()
  #running = false
  #unsubscribes: Unsubscribe[] = []
  #retryTimer: TimerHandle | undefined
  #ackRetryTimer: TimerHandle | undefined
  #failures = 0
  #ackFailures = 0
  #delivered = 0
  #republished = 0
  #lastError: StationError | undefined
  #lastAckError: StationError | undefined

  constructor(options: OutboxDrainOptions) {
    const window = options.window ?? DEFAULT_WINDOW
    if (!Number.isInteger(window) || window < 1 || window > MAX_WINDOW) {
      throw new RangeError(`window must be an integer 1..${MAX_WINDOW} (got ${window})`)
    }
    this.#options = options
    this.#window = window
    const maxUnacknowledged = options.maxUnacknowledged ?? DEFAULT_MAX_UNACKNOWLEDGED
    if (!Number.isInteger(maxUnacknowledged) || maxUnacknowledged < 1) {
      throw new RangeError(`maxUnacknowledged must be a positive integer (got ${maxUnacknowledged})`)
    }
    this.#maxUnacknowledged = Math.max(window, maxUnacknowledged)
    this.#ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS
    this.#log = options.log.child({ component: 'runtime.mqtt.drain' })
  }

  async start(_context?: ServiceContext): Promise<void> {
    if (this.#running) return
    this.#running = true
    this.#cursorSeq = 0
    const { outbox, link } = this.#options
    this.#unsubscribes = [
      outbox.onAppended(() => this.#pump()),
      link.onStateChange((connected) => (connected ? this.#onConnected() : this.#onDisconnected())),
      link.onNotify((type, fields) => this.#onNotify(type, fields)),
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
    this.#clearAckRetry()
    for (const entry of this.#inFlight.values()) this.#clearAckTimer(entry)
    const work = [...this.#work]
    if (work.length > 0) {
      const { clock, stopWaitMs } = this.#options
      const controller = new AbortController()
      await Promise.race([Promise.allSettled(work), clock.sleep(stopWaitMs, controller.signal).catch(() => {})])
      controller.abort()
    }
    // What was not acknowledged (or whose ack was not written) stays in the outbox and is sent
    // again after the next start; central acknowledges the copy again.
    this.#inFlight.clear()
    this.#awaitingAck = 0
    this.#ackTimeoutsInARow = 0
    this.#resend = []
    this.#acked.clear()
    this.#unrecordedAcks = 0
    this.#cursorSeq = 0
  }

  /**
   * Looks at the outbox now: cuts a retry backoff short, writes acknowledgements waiting for a
   * retry, and publishes again what is waiting for central's acknowledgement (operations'
   * `outbox.drain`). Does nothing while stopped; offline, the next connect drains anyway.
   */
  drainNow(): void {
    if (!this.#running) return
    this.#clearRetry()
    this.#retryAckWrites()
    for (const entry of this.#inFlight.values()) {
      if (entry.state === 'awaiting-ack') {
        this.#clearAckTimer(entry)
        this.#toResend(entry)
      }
    }
    this.#pump()
  }

  /** Submissions central acknowledged and the outbox recorded since this drain was made. */
  get delivered(): number {
    return this.#delivered
  }

  health(): Health {
    const { outbox, clock } = this.#options
    const nowMs = clock.now()
    const oldestMs = outbox.oldestCreatedAtMs()
    // Entries are first sent in the order they were taken, so the first one is the oldest sent
    // (or, when it is not sent yet, nothing is).
    const oldestSentMs = this.#inFlight.values().next().value?.firstSentAtMs ?? null
    const oldestUnackedAgeMs = oldestSentMs === null ? 0 : Math.max(0, nowMs - oldestSentMs)
    const detail = {
      depth: outbox.depth(),
      oldestAgeMs: oldestMs === null ? 0 : Math.max(0, nowMs - oldestMs),
      delivered: this.#delivered,
      consecutiveFailures: this.#failures,
      window: this.#window,
      maxUnacknowledged: this.#maxUnacknowledged,
      inFlight: this.#inFlight.size,
      awaitingAck: this.#awaitingAck,
      oldestUnackedAgeMs,
      republished: this.#republished,
      recording: this.#acked.size,
      unrecordedAcks: this.#failedAcks(),
    }
    if (!this.#running) return { state: 'stopped', detail }
    if (this.#failures > 0 && this.#lastError) {
      return { state: 'degraded', lastError: this.#lastError.message, lastErrorCode: this.#lastError.code, detail }
    }
    if (this.#lastAckError && this.#failedAcks() > 0) {
      return { state: 'degraded', lastError: this.#lastAckError.message, lastErrorCode: this.#lastAckError.code, detail }
    }
    if (oldestUnackedAgeMs > this.#ackTimeoutMs) {
      const message = `central has not acknowledged a submission for ${Math.round(oldestUnackedAgeMs / 1000)} s`
      return { state: 'degraded', lastError: message, detail }
    }
    return { state: 'ok', detail }
  }

  #onConnected(): void {
    // A fresh connection cuts the retry backoff short, and the cursor goes back to the oldest
    // pending submission: whatever is pending and not in the window is taken again, in order.
    this.#clearRetry()
    this.#cursorSeq = 0
    this.#pump()
  }

  /**
   * Acknowledgements sent while offline are lost (clean session), so everything not yet
   * acknowledged is published again on the next connect, oldest first. The entries stay: a late
   * ack still counts.
   */
  #onDisconnected(): void {
    this.#resend = []
    for (const entry of this.#inFlight.values()) {
      this.#clearAckTimer(entry)
      this.#toResend(entry)
    }
  }

  #onNotify(type: string, fields: Record<string, unknown>): void {
    const acked = acceptedIds(type, fields)
    if (acked === null) return
    if (!acked.ok) {
      // The verifier refuses these already (docs/delivery.md); a link without one still must not act on them.
      this.#log.warn({ notifyType: type, reason: acked.message }, 'acknowledgement refused: not the shape central sends')
      return
    }
    this.#onAccepted(acked.ids)
  }

  /**
   * One pump after the PUBACKs that arrived together have settled, so the slots they freed are
   * refilled by one batch (one socket write) rather than one publish per PUBACK.
   */
  #pumpSoon(): void {
    if (this.#pumpQueued) return
    this.#pumpQueued = true
    queueMicrotask(() => {
      this.#pumpQueued = false
      this.#pump()
    })
  }

  /**
   * Fills the window: first what must be published again, then the next submissions after the
   * cursor. Synchronous up to the publishes, so two calls never pick the same submission.
   */
  #pump(): void {
    const { outbox, link } = this.#options
    if (!this.#running || !link.isConnected || this.#retryTimer !== undefined) return
    if (this.#resend.length > 0) {
      const resend = this.#resend
      this.#resend = []
      this.#publish(resend.filter((entry) => this.#inFlight.get(entry.id) === entry && entry.state === 'unsent'))
    }
    const awaitingPuback = this.#inFlight.size - this.#awaitingAck
    let free = Math.min(this.#window - awaitingPuback, this.#maxUnacknowledged - this.#inFlight.size)
    if (free <= 0 || outbox.depth() === 0) return
    const taken: InFlight[] = []
    while (free > 0) {
      const refs = outbox.pendingFrom(this.#cursorSeq, free)
      if (refs.length === 0) break
      for (const ref of refs) {
        this.#cursorSeq = ref.seq + 1
        // After a reset the window's own entries come first; skipping them costs O(window) once.
        if (this.#inFlight.has(ref.id) || this.#acked.has(ref.id)) continue
        const entry: InFlight = { id: ref.id, submission: null, state: 'unsent', firstSentAtMs: null, attempts: 0, ackTimer: undefined }
        this.#inFlight.set(ref.id, entry)
        taken.push(entry)
        free -= 1
      }
    }
    this.#publish(taken)
  }

  /**
   * Publishes `entries` (in cursor order): their reads run together, then all of them are
   * published in one turn, so MQTT.js writes them to the socket in one go (with TCP_NODELAY each
   * separate write would be its own packet). Batches are published in the order they were made,
   * so the first publish of every submission is oldest first.
   */
  #publish(entries: readonly InFlight[]): void {
    if (entries.length === 0) return
    const { clock, outbox } = this.#options
    const started = entries.map((entry) => {
      entry.state = 'publishing'
      entry.attempts += 1
      entry.firstSentAtMs ??= clock.now()
      if (entry.attempts > 1) this.#republished += 1
      const attempts = entry.attempts
      const read = entry.submission ? Promise.resolve(entry.submission) : outbox.read(entry.id)
      return { entry, attempts, read }
    })
    const turn = this.#publishTurn.then(() => Promise.allSettled(started.map(({ read }) => read)))
    const published = turn.then((reads) => {
      for (const [index, { entry, attempts }] of started.entries()) this.#sendOne(entry, attempts, reads[index] as PromiseSettledResult<Submission | null>)
    })
    this.#publishTurn = published.catch(() => undefined)
    this.#track(published)
  }

  /** The second half of #publish for one entry, once its read has settled. */
  #sendOne(entry: InFlight, attempts: number, read: PromiseSettledResult<Submission | null>): void {
    const { clock, link } = this.#options
    const { id } = entry
    // Settles for this attempt only: a newer publish of the same entry (after a reconnect) owns it.
    const current = () => this.#inFlight.get(id) === entry && entry.attempts === attempts && entry.state === 'publishing'
    if (!current()) return
    if (read.status === 'fulfilled' && read.value === null) {
      // Delivered meanwhile, or set aside by the outbox: nothing to send.
      this.#inFlight.delete(id)
      this.#pump()
      return
    }
    const onError = (error: unknown) => {
      if (!current()) return
      this.#toResend(entry)
      this.#onFailure(id, error)
    }
    if (read.status === 'rejected') {
      onError(read.reason)
      return
    }
    const submission = read.value as Submission
    entry.submission = submission
    let acked: Promise<void>
    try {
      acked = link.publishSubmission(submission)
    } catch (error) {
      onError(error)
      return
    }
    this.#track(
      acked.then(() => {
        // Central may have acknowledged before our PUBACK callback ran; then there is nothing to wait for.
        if (!current()) return
        this.#failures = 0
        this.#lastError = undefined
        entry.state = 'awaiting-ack'
        entry.submission = null
        this.#awaitingAck += 1
        const stretch = Math.min(2 ** this.#ackTimeoutsInARow, MAX_ACK_TIMEOUT_STRETCH)
        entry.ackTimer = clock.setTimeout(() => this.#onAckTimeout(entry), this.#ackTimeoutMs * stretch)
        // The broker has it: its slot of the window is free.
        this.#pumpSoon()
      }, onError),
    )
  }

  #onAckTimeout(entry: InFlight): void {
    entry.ackTimer = undefined
    if (!this.#running || this.#inFlight.get(entry.id) !== entry || entry.state !== 'awaiting-ack') return
    // Central silent: the copies sent again wait longer for it, so a long outage at central does
    // not fill the broker's queue for it with a full set of copies every ackTimeout.
    this.#ackTimeoutsInARow += 1
    this.#log.warn(
      { submissionId: entry.id, attempt: entry.attempts, ackTimeoutMs: this.#ackTimeoutMs },
      'central did not acknowledge the submission in time; publishing it again',
    )
    this.#toResend(entry)
    this.#pump()
  }

  /**
   * Central has these submissions: they leave the window at once and are recorded. An id not in
   * flight (acknowledging a copy sent before a restart) is marked too: markDelivered ignores ids
   * the outbox does not hold.
   */
  #onAccepted(ids: readonly string[]): void {
    if (!this.#running) return
    this.#ackTimeoutsInARow = 0
    const marks: string[] = []
    for (const id of ids) {
      if (this.#acked.has(id)) continue // being recorded already, or its write is retried
      const entry = this.#inFlight.get(id)
      if (entry) {
        this.#clearAckTimer(entry)
        if (entry.state === 'awaiting-ack') this.#awaitingAck -= 1
        this.#inFlight.delete(id)
      }
      this.#acked.set(id, { state: 'writing', inWindow: entry !== undefined })
      marks.push(id)
    }
    if (marks.length === 0) return
    this.#record(marks)
    // The freed slots are refilled now: the next submissions do not wait for the ack's fdatasync.
    this.#pump()
  }

  /**
   * Hands acknowledged ids to the outbox all in the same tick, so a batch shares one group commit
   * (one write, one fdatasync: docs/outbox.md). An id whose markDelivered fails does not hold the
   * drain up: it is logged and recorded again after a backoff.
   */
  #record(ids: readonly string[]): void {
    const { outbox } = this.#options
    const writes = ids.map((id) => {
      try {
        return outbox.markDelivered(id)
      } catch (error) {
        return Promise.reject(error)
      }
    })
    this.#track(
      Promise.allSettled(writes).then((settled) => {
        let failure: unknown
        let failedCount = 0
        for (const [index, result] of settled.entries()) {
          const id = ids[index] as string
          const acked = this.#acked.get(id)
          if (!acked) continue // stopped meanwhile
          if (result.status === 'fulfilled') {
            this.#acked.delete(id)
            if (acked.inWindow) this.#delivered += 1
          } else {
            acked.state = 'failed'
            this.#unrecordedAcks += 1
            failure = result.reason
            failedCount += 1
          }
        }
        if (failedCount > 0) this.#onAckWriteFailure(failedCount, failure)
        else if (this.#failedAcks() === 0) {
          this.#ackFailures = 0
          this.#lastAckError = undefined
        }
      }),
    )
  }

  /** Acks that could not be written: logged, retried after a backoff; the window moves on without them. */
  #onAckWriteFailure(count: number, error: unknown): void {
    this.#ackFailures += 1
    this.#lastAckError =
      error instanceof StationError
        ? error
        : new StationError('E_OUTBOX_IO', 'recording an acknowledgement failed', {}, { cause: error })
    this.#log.warn(
      { err: this.#lastAckError, failed: count, waiting: this.#failedAcks(), consecutiveFailures: this.#ackFailures },
      'acknowledgements not recorded; the drain goes on, they are written again later',
    )
    if (!this.#running || this.#ackRetryTimer !== undefined) return
    this.#ackRetryTimer = this.#options.clock.setTimeout(() => {
      this.#ackRetryTimer = undefined
      this.#retryAckWrites()
    }, this.#retryDelayMs(this.#ackFailures))
  }

  /** Records again, together, every acknowledgement whose write failed. */
  #retryAckWrites(): void {
    this.#clearAckRetry()
    if (!this.#running) return
    const ids: string[] = []
    for (const [id, acked] of this.#acked) {
      if (acked.state !== 'failed') continue
      acked.state = 'writing'
      this.#unrecordedAcks -= 1
      ids.push(id)
    }
    if (ids.length > 0) this.#record(ids)
  }

  #failedAcks(): number {
    return this.#unrecordedAcks
  }

  /**
   * A publish failed while connected (PUBACK error code, an unreadable outbox): the same id is
   * retried, never skipped, on the next connect if the link went down, else after a backoff.
   */
  #onFailure(submissionId: string, error: unknown): void {
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
    this.#retryTimer = this.#options.clock.setTimeout(() => {
      this.#retryTimer = undefined
      this.#pump()
    }, this.#retryDelayMs(this.#failures))
  }

  /** The backoff before retry number `consecutiveFailures` (publishes and ack writes share the bounds). */
  #retryDelayMs(consecutiveFailures: number): number {
    return backoffDelayMs(consecutiveFailures - 1, {
      minMs: this.#options.retryMinMs,
      maxMs: this.#options.retryMaxMs,
      random: this.#options.random ?? Math.random,
    })
  }

  #toResend(entry: InFlight): void {
    if (entry.state === 'awaiting-ack') this.#awaitingAck -= 1
    entry.state = 'unsent'
    this.#resend.push(entry)
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

  #clearAckRetry(): void {
    if (this.#ackRetryTimer) this.#options.clock.clearTimeout(this.#ackRetryTimer)
    this.#ackRetryTimer = undefined
  }
}
