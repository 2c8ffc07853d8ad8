/**
 * The station's one MQTT 5 connection to central: birth/death status, events, telemetry,
 * submissions (resolved on PUBACK) and request/response, with its own jittered reconnect.
 */
import { randomBytes } from 'node:crypto'
import { connect, type IClientOptions, type IClientPublishOptions, type IPublishPacket, type MqttClient } from 'mqtt'
import type { Clock, TimerHandle } from '../clock.js'
import { StationError, messageOf } from '../errors.js'
import type { Logger } from '../log.js'
import type { InboundVerifier } from '../ops/central-verifier.js'
import type { Submission, Unsubscribe } from '../outbox/outbox-types.js'
import { backoffDelayMs } from '../supervisor/backoff.js'
import type { Health, Service, ServiceContext } from '../supervisor/service.js'
import {
  assertNoIdentity,
  decodePayload,
  encodePayload,
  eventPayload,
  statusPayload,
  submissionPayload,
  type StationState,
} from './payloads.js'
import { stationTopics, topicMatchesFilter, type StationTopics } from './topics.js'

/** Everything the link needs; usually config.mqtt plus identity and injected clock and logger. */
export interface MqttLinkOptions {
  /** `mqtt://host:port` or `mqtts://…`; credentials in the URL are never logged. */
  url: string
  /** One topic level, no `+ # /` (topics.ts); also gives the client id `cs-<stationId>`. */
  stationId: string
  /** e.g. `cs/v1` */
  topicPrefix: string
  /** MQTT keepalive in seconds; a dead broker is noticed after 1.5x this. */
  keepaliveS: number
  /** First reconnect delay bound (backoff.ts); must be > 0. */
  reconnectMinMs: number
  /** Longest reconnect delay; a connection that lasted this long resets the backoff. */
  reconnectMaxMs: number
  /** Deadline for TCP connect plus CONNACK, and for each step of a clean stop. */
  connectTimeoutMs: number
  username?: string
  password?: string
  /** Software version reported in the status payload. */
  version: string
  /** Id of this process run, reported in the status payload. */
  bootId: string
  /** Flow ids offered right now; read at every status publish. */
  flows: () => string[]
  clock: Clock
  log: Logger
  /** Uniform in [0, 1) for backoff jitter; default Math.random. */
  random?: () => number
  /** Checks central's notify and rpc/response payloads (docs/security.md); absent: plain JSON is taken as is. */
  verifier?: InboundVerifier
  /** Told of every payload the verifier refused (never the payload itself). */
  onRefused?: (r: { kind: 'notify' | 'rpc/response'; reason: string; message: string }) => void
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

/** One message from a topic the station subscribed to with subscribe(). */
export interface InboundMessage {
  topic: string
  payload: Buffer
  retain: boolean
  /** MQTT 5 request/response properties, when the sender set them. */
  responseTopic?: string
  correlationData?: Buffer
}

export type InboundHandler = (message: InboundMessage) => void

export interface PublishOptions {
  qos: 0 | 1
  retain?: boolean
  /** MQTT 5 correlation data, for a reply on a request's response topic. */
  correlationData?: Buffer
}

/** Receives central's notifications: `type`, and every other payload field (including `ts`). */
export type NotifyListener = (type: string, fields: Record<string, unknown>) => void

/** One MQTT.js client = one network connection; never reused after it closes. */
interface Connection {
  readonly client: MqttClient
  connected: boolean
  closed: boolean
  connectedAtMs: number
  /** Work that must fail when this connection goes away (in-flight publishes, open requests). */
  readonly onClose: Set<(error: StationError) => void>
}

export class MqttLink implements Service {
  readonly name = 'mqtt-link'
  readonly #options: MqttLinkOptions
  readonly #topics: StationTopics
  readonly #log: Logger
  readonly #clock: Clock
  readonly #random: () => number
  readonly #stateListeners = new Set<(connected: boolean) => void>()
  /** Open requests by hex correlation data. */
  readonly #requests = new Map<string, (payload: Uint8Array) => void>()
  readonly #notifyListeners = new Set<NotifyListener>()
  /** subscribe() handlers by topic filter; every filter is subscribed again on each connect. */
  readonly #subscriptions = new Map<string, Set<InboundHandler>>()
  /** Rejecters of open waitForNotify calls, so stop() can cancel them. */
  readonly #notifyWaits = new Set<(error: StationError) => void>()
  #running = false
  #stopping: Promise<void> | undefined
  #connection: Connection | undefined
  #reconnectTimer: TimerHandle | undefined
  #attempt = 0
  #maintenance = false
  #lastError: StationError | undefined

  constructor(options: MqttLinkOptions) {
    // Builds (and so validates) every topic now: a bad station id or prefix fails at composition.
    this.#topics = stationTopics(options.topicPrefix, options.stationId)
    this.#options = options
    this.#clock = options.clock
    this.#random = options.random ?? Math.random
    this.#log = options.log.child({ component: 'runtime.mqtt.link' })
  }

  /** True between CONNACK and the connection's close. */
  get isConnected(): boolean {
    return this.#connection?.connected === true
  }

  /** The topics this link publishes to and listens on. */
  get topics(): StationTopics {
    return this.#topics
  }

  /**
   * Starts connecting and returns at once: the station works offline, so an unreachable broker is
   * not a start failure. Reconnects by itself until stop().
   */
  async start(_context?: ServiceContext): Promise<void> {
    if (this.#stopping) await this.#stopping
    if (this.#running) return
    this.#running = true
    this.#stopping = undefined
    this.#attempt = 0
    this.#openConnection()
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
    const detail = {
      connected: this.isConnected,
      maintenance: this.#maintenance,
      reconnectAttempt: this.#attempt,
      openRequests: this.#requests.size,
      broker: brokerLabel(this.#options.url),
    }
    const lastError = this.#lastError
      ? { lastError: this.#lastError.message, lastErrorCode: this.#lastError.code }
      : {}
    if (!this.#running) return { state: 'stopped', ...lastError, detail }
    if (this.isConnected) return { state: 'ok', detail }
    return { state: lastError.lastError === undefined ? 'starting' : 'degraded', ...lastError, detail }
  }

  /** Calls `listener(true)` after each CONNACK and `listener(false)` when a connection is lost. */
  onStateChange(listener: (connected: boolean) => void): Unsubscribe {
    this.#stateListeners.add(listener)
    return () => this.#stateListeners.delete(listener)
  }

  /**
   * Calls `listener(type, fields)` for each well-formed notification central sends on
   * `<base>/notify` (subscribed on every connect). Listener exceptions are logged and isolated.
   */
  onNotify(listener: NotifyListener): Unsubscribe {
    this.#notifyListeners.add(listener)
    return () => this.#notifyListeners.delete(listener)
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
    let handlers = this.#subscriptions.get(filter)
    if (!handlers) {
      handlers = new Set()
      this.#subscriptions.set(filter, handlers)
      const connection = this.#connection
      if (connection?.connected) this.#subscribeFilter(connection, filter)
    }
    handlers.add(handler)
    return () => {
      const current = this.#subscriptions.get(filter)
      current?.delete(handler)
      if (current?.size === 0) {
        this.#subscriptions.delete(filter)
        const connection = this.#connection
        if (connection?.connected) connection.client.unsubscribe(filter)
      }
    }
  }

  /**
   * Publishes raw bytes; resolves when the broker has them (PUBACK for QoS 1, written for QoS 0).
   * Rejects with E_MQTT_UNAVAILABLE when offline or when the connection drops first.
   */
  async publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<void> {
    const connection = this.#requireConnection(`publish to ${topic}`)
    const publishOptions: IClientPublishOptions = {
      qos: options.qos,
      retain: options.retain ?? false,
      ...(options.correlationData === undefined ? {} : { properties: { correlationData: options.correlationData } }),
    }
    await this.#publishAcked(connection, topic, payload, publishOptions)
  }

  #subscribeFilter(connection: Connection, filter: string): void {
    connection.client.subscribe(filter, { qos: 1 }, (error) => {
      if (error) this.#log.warn({ err: error, filter }, 'subscribe failed')
    })
  }

  #routeInbound(topic: string, payload: Buffer, packet: IPublishPacket): void {
    for (const [filter, handlers] of this.#subscriptions) {
      if (!topicMatchesFilter(filter, topic)) continue
      const responseTopic = packet.properties?.responseTopic
      const correlationData = packet.properties?.correlationData
      const message: InboundMessage = {
        topic,
        payload,
        retain: packet.retain,
        ...(responseTopic === undefined ? {} : { responseTopic }),
        ...(correlationData === undefined ? {} : { correlationData }),
      }
      for (const handler of [...handlers]) {
        try {
          handler(message)
        } catch (error) {
          this.#log.error({ err: error, filter }, 'inbound handler threw')
        }
      }
    }
  }

  /** Switches the retained status between 'maintenance' and 'online'; republished now if connected. */
  setMaintenance(on: boolean): void {
    this.#maintenance = on
    const connection = this.#connection
    if (connection?.connected) this.#publishStatus(connection, this.#liveState())
  }

  /**
   * QoS 1 event `{ type, ts, ...fields }`. Never throws: an event that would carry identity data,
   * or one raised while offline, is dropped with a log line (events are not queued).
   */
  publishEvent(type: string, fields: Readonly<Record<string, unknown>> = {}): void {
    let payload: Uint8Array
    try {
      payload = encodePayload(eventPayload(type, fields, this.#clock.now()))
    } catch (error) {
      this.#log.error({ err: error, eventType: type }, 'event dropped: it would carry identity data or is not JSON')
      return
    }
    const connection = this.#connection
    if (!connection?.connected) {
      this.#log.info({ eventType: type }, 'event dropped: link offline')
      return
    }
    connection.client.publish(this.#topics.events, toBuffer(payload), { qos: 1 }, (error) => {
      if (error) this.#log.warn({ err: error, eventType: type }, 'event publish failed')
    })
  }

  /** QoS 0 telemetry; dropped silently (debug log) while offline or if it would carry identity data. */
  publishTelemetry(telemetry: Readonly<Record<string, unknown>>): void {
    const connection = this.#connection
    if (!connection?.connected) {
      this.#log.debug('telemetry dropped: link offline')
      return
    }
    let payload: Uint8Array
    try {
      assertNoIdentity(telemetry)
      payload = encodePayload(telemetry)
    } catch (error) {
      this.#log.error({ err: error }, 'telemetry dropped: it would carry identity data or is not JSON')
      return
    }
    connection.client.publish(this.#topics.telemetry, toBuffer(payload), { qos: 0 })
  }

  /**
   * Publishes `{ id, flow, flowVersion, createdAt, data }` at QoS 1 and resolves on PUBACK.
   * Rejects with E_MQTT_UNAVAILABLE when offline, when the connection drops first (nothing is
   * resent by MQTT.js: the caller's outbox retries the same id), or on a PUBACK error reason code.
   */
  async publishSubmission(submission: Submission): Promise<void> {
    const connection = this.#requireConnection('publish a submission')
    await this.#publishAcked(connection, this.#topics.submissions, encodePayload(submissionPayload(submission)), {
      qos: 1,
    })
  }

  /**
   * Asks central: publishes `body` as JSON on `rpc/request/<method>` with MQTT 5 responseTopic
   * `rpc/response` and fresh correlationData, and resolves with the decoded JSON answer.
   * Rejects with E_MQTT_UNAVAILABLE when offline, when the connection drops or after `timeoutMs`;
   * E_CODEC_INVALID for a bad method name or a reply that is not JSON.
   */
  async request(method: string, body: unknown, options: RequestOptions): Promise<unknown> {
    const topic = this.#topics.rpcRequest(method)
    const payload = encodePayload(body)
    const connection = this.#requireConnection(`request ${method}`)
    const correlationData = randomBytes(16)
    const key = correlationData.toString('hex')
    return new Promise<unknown>((resolve, reject) => {
      const finish = (settle: () => void) => {
        this.#clock.clearTimeout(timer)
        connection.onClose.delete(onClose)
        this.#requests.delete(key)
        settle()
      }
      const timer = this.#clock.setTimeout(() => {
        finish(() =>
          reject(
            new StationError('E_MQTT_UNAVAILABLE', `no answer to ${method} within ${options.timeoutMs} ms`, {
              method,
              timeoutMs: options.timeoutMs,
            }),
          ),
        )
      }, options.timeoutMs)
      const onClose = (error: StationError) => finish(() => reject(error))
      connection.onClose.add(onClose)
      this.#requests.set(key, (reply) =>
        finish(() => {
          try {
            resolve(decodePayload(reply))
          } catch (error) {
            reject(error)
          }
        }),
      )
      const publishOptions: IClientPublishOptions = {
        qos: 1,
        properties: { responseTopic: this.#topics.rpcResponse, correlationData },
      }
      connection.client.publish(topic, toBuffer(payload), publishOptions, (error) => {
        if (error) finish(() => reject(publishError(error, { method })))
      })
    })
  }

  #requireConnection(what: string): Connection {
    const connection = this.#connection
    if (!connection?.connected) {
      throw new StationError('E_MQTT_UNAVAILABLE', `cannot ${what}: not connected to the broker`, {
        broker: brokerLabel(this.#options.url),
      })
    }
    return connection
  }

  /** QoS 1 publish that settles on PUBACK, or rejects when the connection goes away first. */
  #publishAcked(
    connection: Connection,
    topic: string,
    payload: Uint8Array,
    options: IClientPublishOptions,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onClose = (error: StationError) => reject(error)
      connection.onClose.add(onClose)
      connection.client.publish(topic, toBuffer(payload), options, (error) => {
        connection.onClose.delete(onClose)
        if (error) reject(publishError(error, {}))
        else resolve()
      })
    })
  }

  #liveState(): StationState {
    return this.#maintenance ? 'maintenance' : 'online'
  }

  #statusBytes(state: StationState): Uint8Array {
    const { version, bootId } = this.#options
    return encodePayload(statusPayload(state, { nowMs: this.#clock.now(), version, bootId, flows: this.#options.flows() }))
  }

  #publishStatus(connection: Connection, state: StationState): void {
    this.#publishAcked(connection, this.#topics.status, this.#statusBytes(state), { qos: 1, retain: true }).catch(
      (error: unknown) => this.#log.warn({ err: error, state }, 'status publish failed'),
    )
  }

  /**
   * Why a fresh MQTT.js client per connection with reconnectPeriod 0, instead of its own reconnect:
   * MQTT.js keeps unacknowledged publishes in a memory-only store and resends them after an automatic
   * reconnect, while `client.reconnect()` without stores silently drops them (toolchain.md 5). Our
   * durable outbox already retries by id, so the link's rule is simply "nothing survives a
   * disconnect": in-flight work rejects at once, and delays come from our jittered backoff.
   */
  #openConnection(): void {
    const { url, stationId, keepaliveS, connectTimeoutMs, username, password } = this.#options
    const clientOptions: IClientOptions = {
      protocolVersion: 5,
      clientId: `cs-${stationId}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: connectTimeoutMs,
      keepalive: keepaliveS,
      will: { topic: this.#topics.status, payload: toBuffer(this.#statusBytes('offline')), qos: 1, retain: true },
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    }
    const client = connect(url, clientOptions)
    const connection: Connection = { client, connected: false, closed: false, connectedAtMs: 0, onClose: new Set() }
    this.#connection = connection
    client.on('connect', () => this.#onConnect(connection))
    client.on('message', (topic, payload, packet) => {
      if (!connection.closed) this.#onMessage(topic, payload, packet)
    })
    client.on('error', (error) => {
      if (connection.closed) return
      this.#lastError = publishError(error, { broker: brokerLabel(url) })
      this.#log.warn({ err: this.#lastError, attempt: this.#attempt }, 'mqtt connection error')
    })
    client.on('disconnect', (packet) => {
      if (connection.closed) return
      this.#log.warn({ reasonCode: packet.reasonCode ?? 0 }, 'broker sent DISCONNECT')
    })
    client.on('close', () => this.#dropConnection(connection))
  }

  #onConnect(connection: Connection): void {
    if (connection !== this.#connection || connection.closed) return
    connection.connected = true
    connection.connectedAtMs = this.#clock.now()
    this.#lastError = undefined
    this.#log.info({ broker: brokerLabel(this.#options.url), attempt: this.#attempt }, 'connected to broker')
    connection.client.subscribe(this.#topics.rpcResponse, { qos: 1 }, (error) => {
      if (error) this.#log.warn({ err: error }, 'subscribe to rpc/response failed')
    })
    connection.client.subscribe(this.#topics.notify, { qos: 1 }, (error) => {
      if (error) this.#log.warn({ err: error }, 'subscribe to notify failed')
    })
    for (const filter of this.#subscriptions.keys()) this.#subscribeFilter(connection, filter)
    this.#publishStatus(connection, this.#liveState())
    this.#notify(true)
  }

  #onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    this.#routeInbound(topic, payload, packet)
    if (topic === this.#topics.notify) {
      this.#onNotifyMessage(payload)
      return
    }
    if (topic !== this.#topics.rpcResponse) return
    const correlationData = packet.properties?.correlationData
    const correlationHex = correlationData?.toString('hex')
    const settle = correlationHex === undefined ? undefined : this.#requests.get(correlationHex)
    const verifier = this.#options.verifier
    if (settle && correlationHex !== undefined && verifier) {
      const check = verifier.rpcResponse(payload, correlationHex)
      // A refused reply leaves the request open: the genuine answer may still come.
      if (check.ok) settle(encodePayload(check.value))
      else this.#refused('rpc/response', check)
    } else if (settle) settle(payload)
    else this.#log.debug('reply without a matching open request (late, or not ours)')
  }

  #refused(kind: 'notify' | 'rpc/response', check: { reason: string; message: string }): void {
    this.#log.warn({ kind, reason: check.reason }, `inbound ${kind} refused: ${check.message}`)
    this.#options.onRefused?.({ kind, reason: check.reason, message: check.message })
  }

  #onNotifyMessage(payload: Buffer): void {
    const verifier = this.#options.verifier
    let checked: Uint8Array = payload
    if (verifier) {
      const check = verifier.notify(payload)
      if (!check.ok) {
        this.#refused('notify', check)
        return
      }
      checked = encodePayload(check.value)
    }
    const notification = decodeNotification(checked)
    if (notification === undefined) {
      // Never the payload itself: it is central's, and nothing says it is free of personal data.
      this.#log.warn({ length: payload.length }, 'notify ignored: not a JSON object with a string type')
      return
    }
    for (const listener of [...this.#notifyListeners]) {
      try {
        listener(notification.type, notification.fields)
      } catch (error) {
        this.#log.error({ err: error, notifyType: notification.type }, 'notify listener threw')
      }
    }
  }

  /** Single cleanup path for a connection, from its 'close' event or from stop(). Idempotent. */
  #dropConnection(connection: Connection): void {
    if (connection.closed) return
    connection.closed = true
    const wasConnected = connection.connected
    connection.connected = false
    const reason = this.#running
      ? new StationError('E_MQTT_UNAVAILABLE', 'connection to the broker was lost', {
          broker: brokerLabel(this.#options.url),
        })
      : new StationError('E_CANCELED', 'mqtt link is stopping')
    for (const reject of connection.onClose) reject(reason)
    connection.onClose.clear()
    // Our listeners stay attached (MQTT.js has its own on the client too) and ignore a closed
    // connection; the 'error' one also keeps a late socket error from being thrown.
    connection.client.end(true)
    if (this.#connection === connection) this.#connection = undefined
    if (wasConnected) {
      if (this.#running) this.#lastError = reason
      this.#log.warn({ connectedForMs: this.#clock.now() - connection.connectedAtMs }, 'disconnected from broker')
      this.#notify(false)
    }
    if (!this.#running) return
    // A connection that stayed up resets the backoff; one the broker drops at once (for example a
    // second station with the same id taking the session over) keeps growing it.
    if (wasConnected && this.#clock.now() - connection.connectedAtMs >= this.#options.reconnectMaxMs) {
      this.#attempt = 0
    }
    const delayMs = backoffDelayMs(this.#attempt, {
      minMs: this.#options.reconnectMinMs,
      maxMs: this.#options.reconnectMaxMs,
      random: this.#random,
    })
    this.#attempt += 1
    this.#log.debug({ delayMs, attempt: this.#attempt }, 'reconnect scheduled')
    this.#reconnectTimer = this.#clock.setTimeout(() => {
      this.#reconnectTimer = undefined
      if (this.#running) this.#openConnection()
    }, delayMs)
  }

  async #shutdown(): Promise<void> {
    this.#running = false
    const canceled = new StationError('E_CANCELED', 'mqtt link is stopping')
    for (const cancel of [...this.#notifyWaits]) cancel(canceled)
    if (this.#reconnectTimer) this.#clock.clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = undefined
    const connection = this.#connection
    if (!connection) return
    if (connection.connected) {
      const deadlineMs = this.#options.connectTimeoutMs
      try {
        const offline = this.#publishAcked(connection, this.#topics.status, this.#statusBytes('offline'), {
          qos: 1,
          retain: true,
        })
        await withDeadline(this.#clock, offline, deadlineMs, 'offline status PUBACK')
        // A normal DISCONNECT (reason 0) tells the broker not to publish the will.
        await withDeadline(this.#clock, connection.client.endAsync(), deadlineMs, 'clean disconnect')
      } catch (error) {
        this.#log.warn({ err: error }, 'clean stop failed; closing the socket')
      }
    }
    this.#dropConnection(connection)
    this.#log.info('mqtt link stopped')
  }

  #notify(connected: boolean): void {
    for (const listener of this.#stateListeners) {
      try {
        listener(connected)
      } catch (error) {
        this.#log.error({ err: error }, 'link state listener threw')
      }
    }
  }
}

/** `{ type, ...fields }` from a notify payload, or undefined unless it is a JSON object with a string type. */
function decodeNotification(payload: Uint8Array): { type: string; fields: Record<string, unknown> } | undefined {
  let value: unknown
  try {
    value = decodePayload(payload)
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const { type, ...fields } = value as Record<string, unknown>
  if (typeof type !== 'string' || type.length === 0) return undefined
  return { type, fields }
}

/** `scheme://host:port` without credentials or path, for logs and health. */
function brokerLabel(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}`
  } catch {
    return '(unparseable url)'
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Wraps an MQTT.js error once; keeps the MQTT 5 reason code or errno when there is one. */
function publishError(error: Error, context: Record<string, string | number>): StationError {
  const code = (error as { code?: unknown }).code
  const detail = typeof code === 'number' ? { reasonCode: code } : typeof code === 'string' ? { errno: code } : {}
  return new StationError('E_MQTT_UNAVAILABLE', messageOf(error), { ...context, ...detail }, { cause: error })
}

function withDeadline<T>(clock: Clock, promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(
      () => reject(new StationError('E_MQTT_UNAVAILABLE', `${what} took over ${deadlineMs} ms`, { deadlineMs })),
      deadlineMs,
    )
    promise.then(
      (value) => {
        clock.clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clock.clearTimeout(timer)
        reject(error)
      },
    )
  })
}
