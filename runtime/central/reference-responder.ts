/**
 * The reference central: a small MQTT 5 responder that stands in for a city's back office in demos
 * and tests. It answers every station's requests from fixture data, acknowledges submissions
 * (de-duplicated by id) and confirms bill payments on the station's notify topic. Every reply and
 * notification is a signed envelope (docs/security.md: purposes `rpc-response` and `notify`), so a
 * station acts on it only when it trusts this central's key.
 */
import { randomBytes, type KeyObject } from 'node:crypto'
import {
  connectAsync,
  type IClientOptions,
  type IClientPublishOptions,
  type IPublishPacket,
  type MqttClient,
} from 'mqtt'
import type { Clock, TimerHandle } from '../core/clock.js'
import { StationError, messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { decodePayload } from '../mqtt/payloads.js'
import { encodeSignedEnvelope } from '../ops/signed-envelope.js'
import { assertTopicPrefix, parseStationTopic, stationTopics, type StationTopic } from '../mqtt/topics.js'
import type { Health, Service } from '../supervisor/service.js'
import type { CentralFixtures } from './central-fixtures.js'
import { CentralLedger, type PaymentConfirmation } from './central-ledger.js'
import { brokerLabel } from '../mqtt/broker-label.js'
import { BATCH_ACK_TYPE, MAX_ACK_BATCH_IDS, SINGLE_ACK_TYPE } from '../mqtt/ack-notification.js'

export interface ReferenceCentralOptions {
  /** Broker URL, `mqtt://host:port`; credentials in it are never logged. */
  url: string
  /** Topic prefix shared with the stations, e.g. `cs/v1`. */
  prefix: string
  fixtures: CentralFixtures
  /** Ed25519 private key every reply and notification is signed with; stations trust its public half. */
  signingKey: KeyObject
  clock: Clock
  /**
   * The time answers are worked out at (which day is today, which slots have begun); default
   * `clock`. Replies and notifications are stamped and signed at `clock`'s time whatever this says,
   * as a station refuses old ones (docs/security.md). Tests set another day here.
   */
  answerNowMs?: () => number
  log: Logger
  /**
   * Demo mode: pay a bill automatically this long after a bill.lookup found it unpaid, as if the
   * resident had scanned the VietQR slip. Absent = only payBill() pays.
   */
  autoPayAfterMs?: number
  /**
   * Acknowledgements are batched per station and go out as one signed `submissions.accepted {ids}`
   * (a batch of one as `submission.accepted {id}`). With `ackIdleMs` 0 (the default) a batch is
   * what arrived in one turn of the event loop (one socket read: a station's window arrives
   * together), sent at the end of that turn, as a group commit: no timer, so an ack never waits
   * longer than the work in front of it. With `ackIdleMs` > 0 a batch goes once no submission came
   * for that long or it is `ackBatchMs` old (default 20). Either way it goes at once when it holds
   * `ackBatchIds` ids (default 256, at most MAX_ACK_BATCH_IDS). `ackBatchMs` 0 sends each at once.
   */
  ackBatchMs?: number
  ackIdleMs?: number
  ackBatchIds?: number
  /** Deadline for TCP connect plus CONNACK at start; default 5000. */
  connectTimeoutMs?: number
  username?: string
  password?: string
}

/** One request as it arrived, in arrival order. */
export interface CentralRequest {
  stationId: string
  method: string
  /** The decoded JSON body; undefined when it was not JSON. */
  body: unknown
  /** ISO 8601 UTC arrival time. */
  receivedAt: string
  /** False when it could not be or was not answered (silent mode, no responseTopic). */
  answered: boolean
}

/** One submission, recorded once per id however often it arrived. */
export interface ReceivedSubmission {
  stationId: string
  id: string
  flow: unknown
  flowVersion: unknown
  createdAt: unknown
  /** May hold personal data: kept in memory for tests and demos, never logged. */
  data: unknown
  /** ISO 8601 UTC time of the first copy. */
  receivedAt: string
  /** How many copies arrived (retries after a lost PUBACK). */
  copies: number
}

/** Ids waiting to be acknowledged to one station. */
interface AckBatch {
  ids: Set<string>
  firstAtMs: number
  lastAtMs: number
  timer: TimerHandle | undefined
  /** Pending end-of-turn flush (ackIdleMs 0). */
  endOfTurn: NodeJS.Immediate | undefined
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000
const DEFAULT_ACK_BATCH_MS = 20
const DEFAULT_ACK_BATCH_IDS = 256
const DEFAULT_ACK_IDLE_MS = 0
/** MQTT.js's own reconnect is fine here: the responder keeps no queue worth protecting. */
const RECONNECT_PERIOD_MS = 1000

export class ReferenceCentral implements Service {
  readonly name = 'reference-central'
  /** Every request received since start, answered or not. */
  readonly requests: CentralRequest[] = []
  readonly #options: ReferenceCentralOptions
  readonly #clock: Clock
  readonly #log: Logger
  readonly #ledger: CentralLedger
  readonly #submissions = new Map<string, ReceivedSubmission>()
  readonly #timers = new Set<TimerHandle>()
  /** Bill ids with an automatic payment scheduled. */
  readonly #autoPays = new Set<string>()
  /** Ids to acknowledge, per station, waiting for the batch to fill or its timer. */
  readonly #acks = new Map<string, AckBatch>()
  readonly #ackBatchMs: number
  readonly #ackIdleMs: number
  readonly #ackBatchIds: number
  #client: MqttClient | undefined
  #silent = false
  #delayMs = 0
  #lastError: string | undefined

  constructor(options: ReferenceCentralOptions) {
    assertTopicPrefix(options.prefix)
    const key = options.signingKey
    if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
      throw new TypeError('the reference central signs with an Ed25519 private key')
    }
    this.#options = options
    this.#clock = options.clock
    this.#log = options.log.child({ component: 'runtime.central' })
    this.#ledger = new CentralLedger(options.fixtures)
    this.#ackBatchMs = options.ackBatchMs ?? DEFAULT_ACK_BATCH_MS
    this.#ackBatchIds = options.ackBatchIds ?? DEFAULT_ACK_BATCH_IDS
    this.#ackIdleMs = Math.min(options.ackIdleMs ?? DEFAULT_ACK_IDLE_MS, this.#ackBatchMs)
    if (!(this.#ackBatchMs >= 0)) throw new RangeError(`ackBatchMs must be >= 0, got ${this.#ackBatchMs}`)
    if (!Number.isInteger(this.#ackBatchIds) || this.#ackBatchIds < 1 || this.#ackBatchIds > MAX_ACK_BATCH_IDS) {
      throw new RangeError(`ackBatchIds must be an integer 1..${MAX_ACK_BATCH_IDS}, got ${this.#ackBatchIds}`)
    }
  }

  /**
   * Connects and subscribes to every station's requests and submissions. Rejects with
   * E_MQTT_UNAVAILABLE when the broker cannot be reached. Idempotent while running.
   */
  async start(): Promise<void> {
    if (this.#client) return
    const { url, username, password } = this.#options
    const clientOptions: IClientOptions = {
      protocolVersion: 5,
      clientId: `cs-central-${randomBytes(4).toString('hex')}`,
      clean: true,
      reconnectPeriod: RECONNECT_PERIOD_MS,
      connectTimeout: this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    }
    let client: MqttClient
    try {
      client = await connectAsync(url, clientOptions, false)
      noDelay(client)
      // Each reconnect is a new socket: Nagle off again.
      client.on('connect', () => noDelay(client))
    } catch (error) {
      this.#lastError = messageOf(error)
      throw new StationError('E_MQTT_UNAVAILABLE', `central cannot connect: ${messageOf(error)}`, {
        broker: brokerLabel(url),
      }, { cause: error })
    }
    client.on('error', (error) => {
      this.#lastError = messageOf(error)
      this.#log.warn({ err: error }, 'central connection error')
    })
    client.on('message', (topic, payload, packet) => this.#onMessage(topic, payload, packet))
    const { prefix } = this.#options
    try {
      await client.subscribeAsync([`${prefix}/+/rpc/request/+`, `${prefix}/+/submissions`], { qos: 1 })
    } catch (error) {
      client.end(true)
      const message = `central cannot subscribe: ${messageOf(error)}`
      throw new StationError('E_MQTT_UNAVAILABLE', message, {}, { cause: error })
    }
    this.#client = client
    this.#lastError = undefined
    this.#log.info({ broker: brokerLabel(url), prefix }, 'reference central listening')
  }

  /** Cancels delayed replies and scheduled payments, then disconnects. Idempotent. */
  async stop(): Promise<void> {
    for (const timer of this.#timers) this.#clock.clearTimeout(timer)
    this.#timers.clear()
    // Unsent acknowledgements are dropped: the stations publish those submissions again.
    for (const batch of this.#acks.values()) {
      if (batch.timer) this.#clock.clearTimeout(batch.timer)
      if (batch.endOfTurn) clearImmediate(batch.endOfTurn)
    }
    this.#acks.clear()
    this.#autoPays.clear()
    const client = this.#client
    this.#client = undefined
    if (!client) return
    try {
      await client.endAsync()
    } catch (error) {
      this.#log.warn({ err: error }, 'central disconnect failed')
      client.end(true)
    }
    this.#log.info('reference central stopped')
  }

  health(): Health {
    const detail = {
      connected: this.#client?.connected === true,
      requests: this.requests.length,
      submissions: this.#submissions.size,
      silent: this.#silent,
      delayMs: this.#delayMs,
    }
    const lastError = this.#lastError === undefined ? {} : { lastError: this.#lastError }
    if (!this.#client) return { state: 'stopped', ...lastError, detail }
    return { state: this.#client.connected ? 'ok' : 'degraded', ...lastError, detail }
  }

  /** Silent: requests are logged but nothing is sent (no replies, no acknowledgements), as a hung central. */
  setSilent(silent: boolean): void {
    this.#silent = silent
  }

  /** Holds every reply and notification this long (0 = at once), as a slow central. */
  setDelayMs(delayMs: number): void {
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`delayMs must be >= 0, got ${delayMs}`)
    this.#delayMs = delayMs
  }

  /** The submissions received so far, one per id, in order of first arrival. */
  submissions(): ReceivedSubmission[] {
    return [...this.#submissions.values()].map((submission) => ({ ...submission }))
  }

  /**
   * Marks the bill paid and publishes `{ type: 'payment.confirmed', ts, bill, amount, paidAt }` to
   * `stationId`'s notify topic at QoS 1; resolves on PUBACK with the confirmation. Paying again
   * repeats the first confirmation. Throws RangeError for an unknown bill, E_CODEC_INVALID for a bad
   * station id, E_MQTT_UNAVAILABLE when not connected.
   */
  async payBill(stationId: string, billId: string): Promise<PaymentConfirmation> {
    const topic = stationTopics(this.#options.prefix, stationId).notify
    if (!this.#ledger.bill(billId)) throw new RangeError(`unknown bill id ${JSON.stringify(billId)}`)
    // Checked before paying, so a bill is never marked paid without its confirmation going out.
    this.#requireClient(`confirm payment of ${billId}`)
    const confirmation = this.#ledger.payBill(billId, this.#clock.now())
    this.#log.info({ stationId, bill: billId }, 'bill paid')
    await this.#publish(topic, this.#notifyBytes(stationId, 'payment.confirmed', { ...confirmation }), { qos: 1 })
    return confirmation
  }

  #onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    let parsed: StationTopic
    try {
      parsed = parseStationTopic(this.#options.prefix, topic)
    } catch {
      this.#log.debug({ topic }, 'message outside the station topic scheme ignored')
      return
    }
    if (parsed.kind === 'rpc/request') this.#onRequest(parsed.stationId, parsed.method, payload, packet)
    else if (parsed.kind === 'submissions') this.#onSubmission(parsed.stationId, payload)
  }

  #onRequest(stationId: string, method: string, payload: Buffer, packet: IPublishPacket): void {
    let body: unknown
    let bodyIsJson = true
    try {
      body = decodePayload(payload)
    } catch {
      bodyIsJson = false
    }
    const responseTopic = packet.properties?.responseTopic
    const correlationData = packet.properties?.correlationData
    const answered = !this.#silent && responseTopic !== undefined
    this.requests.push({ stationId, method, body, receivedAt: new Date(this.#clock.now()).toISOString(), answered })
    if (this.#silent) {
      this.#log.debug({ stationId, method }, 'silent: request not answered')
      return
    }
    if (responseTopic === undefined) {
      this.#log.warn({ stationId, method }, 'request without responseTopic cannot be answered')
      return
    }
    // Bodies are never logged: a customer or dossier code is the resident's business.
    const answer = bodyIsJson
      ? this.#ledger.answer(method, body, this.#options.answerNowMs?.() ?? this.#clock.now())
      : { error: 'request body is not UTF-8 JSON' }
    const options: IClientPublishOptions = {
      qos: 1,
      properties: correlationData === undefined ? {} : { correlationData },
    }
    this.#later(() => {
      this.#publish(responseTopic, this.#replyBytes(stationId, correlationData, answer), options).catch((error: unknown) =>
        this.#log.warn({ err: error, stationId, method }, 'reply publish failed'),
      )
      this.#log.info({ stationId, method, refused: 'error' in answer }, 'request answered')
      if (method === 'bill.lookup') this.#scheduleAutoPay(stationId, answer)
    })
  }

  #onSubmission(stationId: string, payload: Buffer): void {
    let value: unknown
    try {
      value = decodePayload(payload)
    } catch {
      value = undefined
    }
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value)
    const record = isObject ? (value as Record<string, unknown>) : {}
    const id = record['id']
    if (typeof id !== 'string' || id.length === 0) {
      this.#log.warn({ stationId, length: payload.length }, 'submission ignored: not a JSON object with a string id')
      return
    }
    const known = this.#submissions.get(id)
    if (known) known.copies += 1
    else {
      this.#ledger.recordSubmission({ id, flow: record['flow'], data: record['data'], receivedAt: new Date(this.#clock.now()).toISOString() })
      this.#submissions.set(id, {
        stationId,
        id,
        flow: record['flow'],
        flowVersion: record['flowVersion'],
        createdAt: record['createdAt'],
        data: record['data'],
        receivedAt: new Date(this.#clock.now()).toISOString(),
        copies: 1,
      })
    }
    this.#log.info({ stationId, submissionId: id, duplicate: known !== undefined }, 'submission received')
    if (this.#silent) return
    // Every copy is acknowledged: a repeat means the station may have missed the first one.
    this.#queueAck(stationId, id)
  }

  /**
   * Adds `id` to the station's pending batch. One signed notification per batch: a station records
   * the whole batch with one journal sync, and central signs once instead of once per id.
   */
  #queueAck(stationId: string, id: string): void {
    const nowMs = this.#clock.now()
    let batch = this.#acks.get(stationId)
    if (!batch) {
      batch = { ids: new Set(), firstAtMs: nowMs, lastAtMs: nowMs, timer: undefined, endOfTurn: undefined }
      this.#acks.set(stationId, batch)
    }
    batch.ids.add(id)
    batch.lastAtMs = nowMs
    if (batch.ids.size >= this.#ackBatchIds || this.#ackBatchMs === 0) {
      this.#flushAcks(stationId)
      return
    }
    if (batch.timer === undefined && !batch.endOfTurn) {
      if (this.#ackIdleMs === 0) this.#flushAtEndOfTurn(stationId, batch)
      else this.#armAckTimer(stationId, batch)
    }
  }

  /** Not a timer: setImmediate runs after the I/O callbacks of this turn, whatever the clock. */
  #flushAtEndOfTurn(stationId: string, batch: AckBatch): void {
    batch.endOfTurn = setImmediate(() => {
      batch.endOfTurn = undefined
      if (this.#acks.get(stationId) === batch) this.#flushAcks(stationId)
    })
  }

  /**
   * One timer per batch, not per id: when it fires it flushes if the batch went idle or is old
   * enough, else it is armed again for what is left of the idle gap.
   */
  #armAckTimer(stationId: string, batch: AckBatch): void {
    const nowMs = this.#clock.now()
    const dueMs = Math.min(batch.lastAtMs + this.#ackIdleMs, batch.firstAtMs + this.#ackBatchMs)
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(timer)
      batch.timer = undefined
      if (this.#acks.get(stationId) !== batch) return
      const firedMs = this.#clock.now()
      if (firedMs - batch.lastAtMs >= this.#ackIdleMs || firedMs - batch.firstAtMs >= this.#ackBatchMs) this.#flushAcks(stationId)
      else this.#armAckTimer(stationId, batch)
    }, Math.max(1, dueMs - nowMs))
    batch.timer = timer
    this.#timers.add(timer)
  }

  #flushAcks(stationId: string): void {
    const batch = this.#acks.get(stationId)
    this.#acks.delete(stationId)
    if (!batch || batch.ids.size === 0) return
    if (batch.timer) {
      this.#clock.clearTimeout(batch.timer)
      this.#timers.delete(batch.timer)
    }
    if (batch.endOfTurn) clearImmediate(batch.endOfTurn)
    if (this.#silent) return
    const ids = [...batch.ids]
    const topic = stationTopics(this.#options.prefix, stationId).notify
    // A batch of one keeps the single form every station version understands.
    const [type, fields] = ids.length === 1 ? [SINGLE_ACK_TYPE, { id: ids[0] }] : [BATCH_ACK_TYPE, { ids }]
    this.#later(() => {
      this.#publish(topic, this.#notifyBytes(stationId, type, fields), { qos: 1 }).catch((error: unknown) =>
        this.#log.warn({ err: error, stationId, ids: ids.length }, `${type} publish failed`),
      )
    })
  }

  #scheduleAutoPay(stationId: string, answer: object): void {
    const afterMs = this.#options.autoPayAfterMs
    if (afterMs === undefined) return
    const bill = answer as { found?: unknown; id?: unknown; status?: unknown }
    if (bill.found !== true || bill.status !== 'unpaid' || typeof bill.id !== 'string') return
    const billId = bill.id
    if (this.#autoPays.has(billId)) return
    this.#autoPays.add(billId)
    this.#schedule(afterMs, () => {
      this.#autoPays.delete(billId)
      this.payBill(stationId, billId).catch((error: unknown) =>
        this.#log.warn({ err: error, stationId, bill: billId }, 'automatic payment failed'),
      )
    })
  }

  /**
   * A signed notify envelope over `{ ...fields, type, ts, station }`; type, ts and station win over
   * same-named fields. `ts` is stamped when the notification is made.
   */
  #notifyBytes(stationId: string, type: string, fields: Record<string, unknown>): Uint8Array {
    const body = { ...fields, type, ts: new Date(this.#clock.now()).toISOString(), station: stationId }
    return encodeSignedEnvelope('notify', body, this.#options.signingKey)
  }

  /** A signed rpc-response envelope `{ station, re, ts, reply }`, `re` the request's correlation data in hex. */
  #replyBytes(stationId: string, correlationData: Buffer | undefined, reply: object): Uint8Array {
    const body = { station: stationId, re: correlationData?.toString('hex') ?? '', ts: new Date(this.#clock.now()).toISOString(), reply }
    return encodeSignedEnvelope('rpc-response', body, this.#options.signingKey)
  }

  #requireClient(what: string): MqttClient {
    const client = this.#client
    if (!client?.connected) {
      throw new StationError('E_MQTT_UNAVAILABLE', `central cannot ${what}: not connected to the broker`, {
        broker: brokerLabel(this.#options.url),
      })
    }
    return client
  }

  /** QoS 1 publish that resolves on PUBACK. */
  async #publish(topic: string, payload: Uint8Array, options: IClientPublishOptions): Promise<void> {
    const client = this.#requireClient(`publish to ${topic}`)
    try {
      await client.publishAsync(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), options)
    } catch (error) {
      throw new StationError('E_MQTT_UNAVAILABLE', messageOf(error), { topic }, { cause: error })
    }
  }

  /** Runs `action` now, or after the configured delay. */
  #later(action: () => void): void {
    if (this.#delayMs === 0) action()
    else this.#schedule(this.#delayMs, action)
  }

  #schedule(delayMs: number, action: () => void): void {
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(timer)
      action()
    }, delayMs)
    this.#timers.add(timer)
  }
}


/**
 * TCP_NODELAY on central's socket: its PUBACKs for the submissions the broker forwards and its
 * acknowledgements are small packets, and Nagle's algorithm would hold each behind the broker's
 * delayed ACK (tens of ms); the broker forwards only a few QoS 1 messages ahead of those PUBACKs
 * (docs/delivery.md "TCP_NODELAY").
 */
function noDelay(client: MqttClient): void {
  const stream = client.stream as { setNoDelay?: (noDelay: boolean) => unknown } | undefined
  stream?.setNoDelay?.(true)
}
