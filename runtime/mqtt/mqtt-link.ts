/**
 * The station's one MQTT 5 link to central: birth/death status, events and telemetry with
 * sequence numbers, submissions (resolved on PUBACK), request/response and checked inbound
 * messages. A facade over broker-connection.ts (reconnect), rpc-client.ts (requests),
 * inbound-router.ts (subscriptions, verification) and status-guard.ts (docs/mqtt.md).
 */
import type { Clock } from '../core/clock.js'
import { StationError, messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Submission, Unsubscribe } from '../outbox/outbox-types.js'
import type { Health, Service, ServiceContext } from '../supervisor/service.js'
import type { ConnectFn, WirePublishOptions } from './broker-client.js'
import { BrokerConnection, type Session, type TlsFiles } from './broker-connection.js'
import {
  InboundRouter,
  type InboundHandler,
  type InboundRefusal,
  type InboundVerifier,
  type NotifyListener,
} from './inbound-router.js'
import {
  assertNoIdentity,
  encodePayload,
  eventPayload,
  statusPayload,
  submissionPayload,
  type FlowRef,
  type StationState,
} from './payloads.js'
import { RpcClient } from './rpc-client.js'
import { StatusGuard } from './status-guard.js'
import { stationTopics, type StationTopics } from './topics.js'

export type {
  InboundCheck,
  InboundHandler,
  InboundMessage,
  InboundRefusal,
  InboundVerifier,
  NotifyListener,
} from './inbound-router.js'

/** Everything the link needs; usually config.mqtt plus identity and injected clock and logger. */
export interface MqttLinkOptions {
  /** `mqtt://host:port` or `mqtts://…`; credentials in the URL are never logged. */
  url: string
  /** Broker URLs tried in order (a cluster's nodes); when given it replaces `url`. */
  urls?: readonly string[]
  /** Client certificate for `mqtts://` brokers that require one (CN = station id). */
  tls?: TlsFiles
  /** One topic level, no `+ # /` (topics.ts); also gives the client id `cs-<stationId>`. */
  stationId: string
  /** e.g. `cs/v1` */
  topicPrefix: string
  /** MQTT keepalive in seconds; a dead broker is noticed after 1.5x this. */
  keepaliveS: number
  /** First reconnect delay bound (backoff.ts); must be > 0. */
  reconnectMinMs: number
  /** Longest reconnect delay. */
  reconnectMaxMs: number
  /** First attempt after a lost connection waits uniform in [0, this) (broker-connection.ts); default 0. */
  reconnectSpreadMs?: number
  /** A session up this long resets the backoff; default 2000. */
  stableAfterMs?: number
  /** Deadline for TCP connect plus CONNACK, and for each step of a clean stop. */
  connectTimeoutMs: number
  username?: string
  password?: string
  /** Software version reported in the status payload. */
  version: string
  /** Id of this process run, reported in the status payload. */
  bootId: string
  /** This start's birth counter (station state, one more at every start); default 0. */
  birthSeq?: number
  /** Flows offered right now, with versions; read at every status publish. */
  flows: () => readonly FlowRef[]
  clock: Clock
  log: Logger
  /** Uniform in [0, 1) for backoff jitter; default Math.random. */
  random?: () => number
  /** Checks notify and rpc/response payloads; absent = plain JSON as before (link unit tests). */
  verifier?: InboundVerifier
  /** Told of every inbound message the verifier refused. */
  onRefused?: (refusal: InboundRefusal) => void
  /** Default MQTT.js (broker-client.ts); unit tests of the reconnect logic pass a fake. */
  connect?: ConnectFn
}

export interface RequestOptions {
  /** How long to wait for central's answer before rejecting with E_MQTT_UNAVAILABLE. */
  timeoutMs: number
}

export interface WaitForNotifyOptions {
  /** How long to wait for a matching notification before rejecting with E_MQTT_UNAVAILABLE. */
  timeoutMs: number
  /** Aborting rejects the wait with E_CANCELED. */
  signal?: AbortSignal
}

export interface PublishOptions {
  qos: 0 | 1
  retain?: boolean
  /** MQTT 5 correlation data, for a reply on a request's response topic. */
  correlationData?: Buffer
}

export class MqttLink implements Service {
  readonly name = 'mqtt-link'
  readonly #options: MqttLinkOptions
  readonly #topics: StationTopics
  readonly #log: Logger
  readonly #clock: Clock
  readonly #connection: BrokerConnection
  readonly #rpc: RpcClient
  readonly #inbound: InboundRouter
  readonly #statusGuard: StatusGuard
  readonly #stateListeners = new Set<(connected: boolean) => void>()
  /** Rejecters of open waitForNotify calls, so stop() can cancel them. */
  readonly #notifyWaits = new Set<(error: StationError) => void>()
  #stopping: Promise<void> | undefined
  #maintenance = false
  /** When the current live state (online or maintenance) began. */
  #sinceMs = 0
  #eventSeq = 0
  #telemetrySeq = 0
  /** When a publish (status, event, telemetry, submission) last went out; for the technician's screen. */
  #lastPublishAtMs: number | null = null
  /** Set when the re-assertion budget ran out, so the warning is logged once per episode. */
  #spoofLimited = false

  constructor(options: MqttLinkOptions) {
    // Builds (and so validates) every topic now: a bad station id or prefix fails at composition.
    this.#topics = stationTopics(options.topicPrefix, options.stationId)
    this.#options = options
    this.#clock = options.clock
    this.#log = options.log.child({ component: 'runtime.mqtt.link' })
    this.#rpc = new RpcClient(options.clock)
    this.#statusGuard = new StatusGuard({ clock: options.clock })
    const urls = options.urls && options.urls.length > 0 ? options.urls : [options.url]
    this.#connection = new BrokerConnection({
      urls,
      clientId: `cs-${options.stationId}`,
      keepaliveS: options.keepaliveS,
      connectTimeoutMs: options.connectTimeoutMs,
      reconnectMinMs: options.reconnectMinMs,
      reconnectMaxMs: options.reconnectMaxMs,
      ...(options.reconnectSpreadMs === undefined ? {} : { reconnectSpreadMs: options.reconnectSpreadMs }),
      ...(options.stableAfterMs === undefined ? {} : { stableAfterMs: options.stableAfterMs }),
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.connect === undefined ? {} : { connect: options.connect }),
      will: () => {
        const nowMs = this.#clock.now()
        return { topic: this.#topics.status, payload: toBuffer(this.#statusBytes('offline', nowMs, nowMs)) }
      },
      onUp: (session) => this.#onUp(session),
      onDown: () => this.#notifyState(false),
      onMessage: (topic, payload, packet) => this.#inbound.route(topic, payload, packet),
      clock: options.clock,
      log: this.#log,
      random: options.random ?? Math.random,
    })
    this.#inbound = new InboundRouter({
      topics: this.#topics,
      rpc: this.#rpc,
      connected: () => this.#connection.connected,
      ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
      ...(options.onRefused === undefined ? {} : { onRefused: options.onRefused }),
      log: this.#log,
    })
    this.#inbound.subscribe(this.#topics.status, (message) => this.#onStatusMessage(message.payload))
  }

  /** True between CONNACK and the connection's close. */
  get isConnected(): boolean {
    return this.#connection.connected !== undefined
  }

  /** When the broker last took a publish from this link (PUBACK, or written for QoS 0); null before any. */
  get lastPublishAtMs(): number | null {
    return this.#lastPublishAtMs
  }

  /** The topics this link publishes to and listens on. */
  get topics(): StationTopics {
    return this.#topics
  }

  /** `scheme://host:port` of the broker in use or being tried (never credentials). */
  get broker(): string {
    return this.#connection.broker
  }

  /**
   * Starts connecting and returns at once: the station works offline, so an unreachable broker is
   * not a start failure. Reconnects by itself until stop().
   */
  async start(_context?: ServiceContext): Promise<void> {
    if (this.#stopping) await this.#stopping
    if (this.#connection.running) return
    this.#stopping = undefined
    this.#connection.start()
  }

  /**
   * Publishes retained status 'offline', then disconnects normally (so the broker drops the will).
   * Work still waiting on the connection rejects with E_CANCELED. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown()
    return this.#stopping
  }

  health(): Health {
    const failure = this.#connection.failure
    const detail = {
      connected: this.isConnected,
      maintenance: this.#maintenance,
      reconnectAttempt: this.#connection.attempt,
      openRequests: this.#rpc.openRequests,
      broker: this.#connection.broker,
      ...(failure && !this.isConnected ? { failure: failure.reason } : {}),
    }
    const error = this.#connection.lastError
    const lastError = error ? { lastError: error.message, lastErrorCode: error.code } : {}
    if (!this.#connection.running) return { state: 'stopped', ...lastError, detail }
    if (this.isConnected) return { state: 'ok', detail }
    // A refused certificate or credential needs a person; a network problem may pass by itself.
    if (failure?.credential) return { state: 'faulty', ...lastError, detail }
    return { state: error === undefined ? 'starting' : 'degraded', ...lastError, detail }
  }

  /** Calls `listener(true)` after each CONNACK and `listener(false)` when a connection is lost. */
  onStateChange(listener: (connected: boolean) => void): Unsubscribe {
    this.#stateListeners.add(listener)
    return () => this.#stateListeners.delete(listener)
  }

  /**
   * Calls `listener(type, fields)` for each well-formed notification central sends on
   * `<base>/notify` (subscribed on every connect), after the verifier accepted it when there is
   * one. Listener exceptions are logged and isolated.
   */
  onNotify(listener: NotifyListener): Unsubscribe {
    return this.#inbound.onNotify(listener)
  }

  /**
   * Resolves with the fields of the first notification of `type` whose fields equal every pair of
   * `match` (strict string equality; `{}` matches any). Only notifications arriving after the call
   * count. Waits across reconnects. Rejects with E_MQTT_UNAVAILABLE after `timeoutMs`, and with
   * E_CANCELED when `signal` aborts or the link stops.
   */
  waitForNotify(
    type: string,
    match: Readonly<Record<string, string>>,
    options: WaitForNotifyOptions,
  ): Promise<Record<string, unknown>> {
    const { timeoutMs, signal } = options
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new StationError('E_CANCELED', `wait for ${type} was aborted`, { type }))
        return
      }
      const finish = (settle: () => void) => {
        this.#clock.clearTimeout(timer)
        unsubscribe()
        this.#notifyWaits.delete(cancel)
        signal?.removeEventListener('abort', onAbort)
        settle()
      }
      const cancel = (error: StationError) => finish(() => reject(error))
      const onAbort = () => cancel(new StationError('E_CANCELED', `wait for ${type} was aborted`, { type }))
      const timer = this.#clock.setTimeout(
        () =>
          cancel(
            new StationError('E_MQTT_UNAVAILABLE', `no ${type} notification within ${timeoutMs} ms`, {
              type,
              timeoutMs,
            }),
          ),
        timeoutMs,
      )
      const unsubscribe = this.onNotify((notifyType, fields) => {
        if (notifyType !== type) return
        if (!Object.entries(match).every(([key, value]) => fields[key] === value)) return
        finish(() => resolve(fields))
      })
      this.#notifyWaits.add(cancel)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /**
   * Calls `handler` for every message on `filter` (MQTT wildcards allowed), subscribed at QoS 1 now
   * when connected and again on every connect. Handler exceptions are logged and isolated.
   */
  subscribe(filter: string, handler: InboundHandler): Unsubscribe {
    return this.#inbound.subscribe(filter, handler)
  }

  /**
   * Publishes raw bytes; resolves when the broker has them (PUBACK for QoS 1, written for QoS 0).
   * Rejects with E_MQTT_UNAVAILABLE when offline or when the connection drops first.
   */
  async publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<void> {
    const session = this.#requireSession(`publish to ${topic}`)
    await this.#publishAcked(session, topic, payload, {
      qos: options.qos,
      retain: options.retain ?? false,
      ...(options.correlationData === undefined ? {} : { properties: { correlationData: options.correlationData } }),
    })
  }

  /** Switches the retained status between 'maintenance' and 'online'; republished now if connected. */
  setMaintenance(on: boolean): void {
    if (on !== this.#maintenance) this.#sinceMs = this.#clock.now()
    this.#maintenance = on
    const session = this.#connection.connected
    if (session) this.#publishStatus(session)
  }

  /**
   * QoS 1 event `{ type, ts, seq, ...fields }`. Never throws: an event that would carry identity
   * data, or one raised while offline, is dropped with a log line (events are not queued) and
   * takes no sequence number.
   */
  publishEvent(type: string, fields: Readonly<Record<string, unknown>> = {}): void {
    const session = this.#connection.connected
    let payload: Uint8Array
    try {
      payload = encodePayload(eventPayload(type, fields, this.#clock.now(), this.#eventSeq + 1))
    } catch (error) {
      this.#log.error({ err: error, eventType: type }, 'event dropped: it would carry identity data or is not JSON')
      return
    }
    if (!session) {
      this.#log.info({ eventType: type }, 'event dropped: link offline')
      return
    }
    this.#eventSeq += 1
    session.client.publish(this.#topics.events, toBuffer(payload), { qos: 1 }, (error) => {
      if (error) this.#log.warn({ err: error, eventType: type }, 'event publish failed')
      else this.#published()
    })
  }

  /**
   * QoS 0 telemetry, with `seq` added (per boot, from 1); dropped (debug log) while offline, or
   * with an error log if it would carry identity data.
   */
  publishTelemetry(telemetry: Readonly<Record<string, unknown>>): void {
    const session = this.#connection.connected
    if (!session) {
      this.#log.debug('telemetry dropped: link offline')
      return
    }
    let payload: Uint8Array
    try {
      assertNoIdentity(telemetry)
      payload = encodePayload({ ...telemetry, seq: this.#telemetrySeq + 1 })
    } catch (error) {
      this.#log.error({ err: error }, 'telemetry dropped: it would carry identity data or is not JSON')
      return
    }
    this.#telemetrySeq += 1
    session.client.publish(this.#topics.telemetry, toBuffer(payload), { qos: 0 }, (error) => {
      if (!error) this.#published()
    })
  }

  /**
   * Publishes `{ id, flow, flowVersion, createdAt, data }` at QoS 1 and resolves on PUBACK.
   * Rejects with E_MQTT_UNAVAILABLE when offline, when the connection drops first (nothing is
   * resent by MQTT.js: the caller's outbox retries the same id), or on a PUBACK error reason code.
   */
  async publishSubmission(submission: Submission): Promise<void> {
    const session = this.#requireSession('publish a submission')
    await this.#publishAcked(session, this.#topics.submissions, encodePayload(submissionPayload(submission)), { qos: 1 })
  }

  /**
   * Asks central: publishes `body` as JSON on `rpc/request/<method>` with MQTT 5 responseTopic
   * `rpc/response` and fresh correlationData, and resolves with the (verified) answer.
   * Rejects with E_MQTT_UNAVAILABLE when offline, when the connection drops or after `timeoutMs`;
   * E_CODEC_INVALID for a bad method name or an unverified reply that is not JSON. A reply the
   * verifier refuses is reported (onRefused) and the request keeps waiting for the genuine one.
   */
  async request(method: string, body: unknown, options: RequestOptions): Promise<unknown> {
    const topic = this.#topics.rpcRequest(method)
    const payload = toBuffer(encodePayload(body))
    const session = this.#requireSession(`request ${method}`)
    return this.#rpc.request(
      session,
      { method, topic, responseTopic: this.#topics.rpcResponse, payload, timeoutMs: options.timeoutMs },
      (error) => publishError(error, { method }),
    )
  }

  #requireSession(what: string): Session {
    const session = this.#connection.connected
    if (!session) {
      throw new StationError('E_MQTT_UNAVAILABLE', `cannot ${what}: not connected to the broker`, {
        broker: this.#connection.broker,
      })
    }
    return session
  }

  /** Publish that settles on PUBACK (QoS 1), or rejects when the session goes away first. */
  #publishAcked(session: Session, topic: string, payload: Uint8Array, options: WirePublishOptions): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onClose = (error: StationError) => reject(error)
      session.onClose.add(onClose)
      session.client.publish(topic, toBuffer(payload), options, (error) => {
        session.onClose.delete(onClose)
        if (error) reject(publishError(error, {}))
        else {
          this.#published()
          resolve()
        }
      })
    })
  }

  #published(): void {
    this.#lastPublishAtMs = this.#clock.now()
  }

  #liveState(): StationState {
    return this.#maintenance ? 'maintenance' : 'online'
  }

  #statusBytes(state: StationState, nowMs: number, sinceMs: number): Uint8Array {
    const { version, bootId, birthSeq } = this.#options
    return encodePayload(
      statusPayload(state, { nowMs, sinceMs, version, bootId, birthSeq: birthSeq ?? 0, flows: this.#options.flows() }),
    )
  }

  #publishStatus(session: Session): void {
    const state = this.#liveState()
    const bytes = this.#statusBytes(state, this.#clock.now(), this.#sinceMs)
    this.#statusGuard.published(bytes)
    this.#publishAcked(session, this.#topics.status, bytes, { qos: 1, retain: true }).catch((error: unknown) =>
      this.#log.warn({ err: error, state }, 'status publish failed'),
    )
  }

  #onUp(session: Session): void {
    this.#sinceMs = session.connectedAtMs
    this.#inbound.subscribeAll(session, this.#topics.status)
    this.#publishStatus(session)
    // After our own birth: the broker handles one client's packets in order, so the retained status
    // this subscription delivers is the birth just sent, unless someone overwrote it since.
    this.#inbound.subscribeNow(session, this.#topics.status)
    this.#notifyState(true)
  }

  #onStatusMessage(payload: Buffer): void {
    const session = this.#connection.connected
    // While stopping, the truth is the farewell 'offline': never answer its echo with 'online'.
    if (!session || this.#stopping) return
    const verdict = this.#statusGuard.judge(payload, { state: this.#liveState(), bootId: this.#options.bootId })
    if (verdict === 'reassert') {
      this.#spoofLimited = false
      this.#log.warn({ length: payload.length }, 'status topic holds a status this station did not publish; re-asserting')
      this.#publishStatus(session)
    } else if (verdict === 'limited' && !this.#spoofLimited) {
      this.#spoofLimited = true
      this.#log.error(
        'another client keeps publishing this station\'s status (two stations with one id?); re-assertion paused',
      )
    }
  }

  async #shutdown(): Promise<void> {
    const canceled = new StationError('E_CANCELED', 'mqtt link is stopping')
    for (const cancel of [...this.#notifyWaits]) cancel(canceled)
    await this.#connection.stop((session) => {
      const nowMs = this.#clock.now()
      const bytes = this.#statusBytes('offline', nowMs, nowMs)
      this.#statusGuard.published(bytes)
      return this.#publishAcked(session, this.#topics.status, bytes, { qos: 1, retain: true })
    })
    this.#log.info('mqtt link stopped')
  }

  #notifyState(connected: boolean): void {
    for (const listener of this.#stateListeners) {
      try {
        listener(connected)
      } catch (error) {
        this.#log.error({ err: error }, 'link state listener threw')
      }
    }
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Wraps an MQTT.js error once; keeps the MQTT 5 reason code or errno when there is one. */
function publishError(error: Error, context: Record<string, string | number>): StationError {
  const code = (error as { code?: unknown }).code
  const detail = typeof code === 'number' ? { reasonCode: code } : typeof code === 'string' ? { errno: code } : {}
  return new StationError('E_MQTT_UNAVAILABLE', messageOf(error), { ...context, ...detail }, { cause: error })
}
