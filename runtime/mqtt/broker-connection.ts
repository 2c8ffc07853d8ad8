/**
 * The station's connection to the broker, kept up until stop(): one fresh client per attempt,
 * broker URLs tried in order, a jittered exponential backoff that resets once a connection has
 * been up for `stableAfterMs`, and refused certificates or credentials named specifically
 * (docs/mqtt.md "Reconnect"). Knows nothing of topics or payloads.
 */
import { readFile } from 'node:fs/promises'
import type { Clock, TimerHandle } from '../core/clock.js'
import { StationError, messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { backoffDelayMs } from '../core/backoff.js'
import { connectMqtt, type ConnectFn, type WireClient, type WirePacket, type WireTls } from './broker-client.js'
import { describeConnectFailure, type ConnectFailure } from './connect-failure.js'
export { brokerLabel } from './broker-label.js'
import { brokerLabel } from './broker-label.js'

/** config.mqtt.tls: PEM files, read again for every attempt so a renewed certificate is used. */
export interface TlsFiles {
  caFile: string
  certFile: string
  keyFile: string
}

/** One network connection; never reused after it closes. */
export interface Session {
  readonly client: WireClient
  /** The URL this session went to (credentials included: never log it, use brokerLabel). */
  readonly url: string
  connected: boolean
  closed: boolean
  connectedAtMs: number
  /** Why this attempt failed, when it did. */
  failure?: ConnectFailure
  /** Work that must fail when this session goes away (in-flight publishes, open requests). */
  readonly onClose: Set<(error: StationError) => void>
}

export interface BrokerConnectionOptions {
  /** Tried in order: a failed attempt moves to the next one; a lost session retries its own URL first. */
  urls: readonly string[]
  clientId: string
  keepaliveS: number
  connectTimeoutMs: number
  reconnectMinMs: number
  reconnectMaxMs: number
  /**
   * After a lost connection the first attempt waits uniform in [0, reconnectSpreadMs) (full
   * jitter), so a fleet that lost its broker together does not come back in one burst; later
   * attempts use the backoff. Default 0 (the backoff alone). Config `mqtt.reconnectSpreadMs`.
   */
  reconnectSpreadMs?: number
  /** A session up this long resets the backoff; default 2000. */
  stableAfterMs?: number
  username?: string
  password?: string
  tls?: TlsFiles
  /** Retained QoS 1 last will, built for each attempt. */
  will: () => { topic: string; payload: Buffer }
  onUp: (session: Session) => void
  onDown: (session: Session, reason: StationError) => void
  onMessage: (topic: string, payload: Buffer, packet: WirePacket) => void
  clock: Clock
  log: Logger
  /** Uniform in [0, 1) for backoff jitter. */
  random: () => number
  /** Default connectMqtt (MQTT.js); unit tests pass a fake. */
  connect?: ConnectFn
  /** Default fs/promises readFile; for the TLS files. */
  readFile?: (path: string) => Promise<Buffer>
}

export const DEFAULT_STABLE_AFTER_MS = 2000

export class BrokerConnection {
  readonly #options: BrokerConnectionOptions
  readonly #connect: ConnectFn
  readonly #readFile: (path: string) => Promise<Buffer>
  readonly #log: Logger
  #running = false
  #session: Session | undefined
  #reconnectTimer: TimerHandle | undefined
  #stableTimer: TimerHandle | undefined
  #attempt = 0
  #urlIndex = 0
  #lastError: StationError | undefined
  #failure: ConnectFailure | undefined
  /** Reason last logged at warn/error level, so a failure repeating every retry is logged once. */
  #loggedReason: string | undefined

  constructor(options: BrokerConnectionOptions) {
    if (options.urls.length === 0) throw new StationError('E_CONFIG_INVALID', 'no broker URL given')
    this.#options = options
    this.#connect = options.connect ?? connectMqtt
    this.#readFile = options.readFile ?? ((path) => readFile(path))
    this.#log = options.log
  }

  /** The session between CONNACK and its close, else undefined. */
  get connected(): Session | undefined {
    return this.#session?.connected === true ? this.#session : undefined
  }

  /** `scheme://host:port` of the URL in use or being tried (no credentials). */
  get broker(): string {
    return brokerLabel(this.#currentUrl())
  }

  /** Failed or lost attempts since the last stable session. */
  get attempt(): number {
    return this.#attempt
  }

  get lastError(): StationError | undefined {
    return this.#lastError
  }

  /** Why the last attempt failed, while not connected. */
  get failure(): ConnectFailure | undefined {
    return this.#failure
  }

  get running(): boolean {
    return this.#running
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    this.#attempt = 0
    this.#urlIndex = 0
    void this.#open()
  }

  /**
   * Stops reconnecting; when connected, runs `farewell` (e.g. the offline status) and sends a normal
   * DISCONNECT, each within connectTimeoutMs, then closes. Work waiting on the session rejects with E_CANCELED.
   */
  async stop(farewell?: (session: Session) => Promise<void>): Promise<void> {
    this.#running = false
    if (this.#reconnectTimer) this.#options.clock.clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = undefined
    const session = this.#session
    if (!session) return
    if (session.connected) {
      const deadlineMs = this.#options.connectTimeoutMs
      try {
        if (farewell) await withDeadline(this.#options.clock, farewell(session), deadlineMs, 'farewell publish')
        await withDeadline(this.#options.clock, session.client.disconnect(), deadlineMs, 'clean disconnect')
      } catch (error) {
        this.#log.warn({ err: error }, 'clean stop failed; closing the socket')
      }
    }
    this.#drop(session)
  }

  #currentUrl(): string {
    return this.#options.urls[this.#urlIndex % this.#options.urls.length] as string
  }

  async #open(): Promise<void> {
    const url = this.#currentUrl()
    const { tls } = this.#options
    let wireTls: WireTls | undefined
    if (tls) {
      try {
        const [ca, cert, key] = await Promise.all([tls.caFile, tls.certFile, tls.keyFile].map((path) => this.#readFile(path)))
        wireTls = { ca: ca as Buffer, cert: cert as Buffer, key: key as Buffer }
      } catch (error) {
        if (!this.#running) return
        this.#fail({ reason: 'tls-files', message: `cannot read the mqtt.tls files: ${messageOf(error)}`, credential: true }, error)
        this.#scheduleReconnect(false, true)
        return
      }
      if (!this.#running) return
    }
    const { clientId, keepaliveS, connectTimeoutMs, username, password } = this.#options
    // The handlers run only after connect() returned (MQTT.js emits on later ticks), so `session` is set by then.
    let session: Session | undefined
    let client: WireClient
    try {
      client = this.#connect(
        url,
        {
          clientId,
          keepaliveS,
          connectTimeoutMs,
          will: this.#options.will(),
          ...(username === undefined ? {} : { username }),
          ...(password === undefined ? {} : { password }),
          ...(wireTls === undefined ? {} : { tls: wireTls }),
        },
        {
          connect: () => {
            if (session) this.#onConnect(session)
          },
          message: (topic, payload, packet) => {
            if (session && !session.closed) this.#options.onMessage(topic, payload, packet)
          },
          error: (error) => {
            if (!session || session.closed) return
            session.failure = describeConnectFailure(error)
            this.#fail(session.failure, error)
          },
          disconnect: (reasonCode) => {
            if (session && !session.closed) this.#log.warn({ reasonCode, broker: brokerLabel(url) }, 'broker sent DISCONNECT')
          },
          close: () => {
            if (session) this.#drop(session)
          },
        },
      )
    } catch (error) {
      // MQTT.js throws synchronously for some bad options (an unparseable key, an unknown scheme).
      const known = describeConnectFailure(error as Error)
      this.#fail(
        known.credential ? known : { reason: 'client-options', message: `cannot open a connection: ${messageOf(error)}`, credential: true },
        error,
      )
      this.#scheduleReconnect(false, true)
      return
    }
    session = { client, url, connected: false, closed: false, connectedAtMs: 0, onClose: new Set() }
    this.#session = session
  }

  #fail(failure: ConnectFailure, error: unknown): void {
    this.#failure = failure
    const errno = (error as { code?: unknown } | undefined)?.code
    this.#lastError = new StationError(
      'E_MQTT_UNAVAILABLE',
      failure.message,
      {
        broker: this.broker,
        reason: failure.reason,
        ...(typeof errno === 'string' ? { errno } : typeof errno === 'number' ? { reasonCode: errno } : {}),
      },
      { cause: error },
    )
    const context = { broker: this.broker, reason: failure.reason, attempt: this.#attempt }
    if (this.#loggedReason === failure.reason) this.#log.debug(context, failure.message)
    else if (failure.credential) this.#log.error(context, failure.message)
    else this.#log.warn({ ...context, err: this.#lastError }, 'mqtt connection error')
    this.#loggedReason = failure.reason
  }

  #onConnect(session: Session): void {
    if (session !== this.#session || session.closed) return
    session.connected = true
    session.connectedAtMs = this.#options.clock.now()
    this.#lastError = undefined
    this.#failure = undefined
    this.#loggedReason = undefined
    this.#log.info({ broker: brokerLabel(session.url), attempt: this.#attempt }, 'connected to broker')
    // A flapping broker gets fast reconnects: the backoff resets once a session proved stable,
    // not only after reconnectMaxMs (docs/mqtt.md "Reconnect").
    this.#stableTimer = this.#options.clock.setTimeout(() => {
      this.#stableTimer = undefined
      if (session.connected) this.#attempt = 0
    }, this.#options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS)
    this.#options.onUp(session)
  }

  /** Single cleanup path for a session, from its close or from stop(). Idempotent. */
  #drop(session: Session): void {
    if (session.closed) return
    session.closed = true
    const wasConnected = session.connected
    session.connected = false
    if (this.#stableTimer) this.#options.clock.clearTimeout(this.#stableTimer)
    this.#stableTimer = undefined
    const reason = this.#running
      ? new StationError('E_MQTT_UNAVAILABLE', 'connection to the broker was lost', { broker: brokerLabel(session.url) })
      : new StationError('E_CANCELED', 'mqtt link is stopping')
    for (const reject of session.onClose) reject(reason)
    session.onClose.clear()
    session.client.destroy()
    if (this.#session === session) this.#session = undefined
    if (wasConnected) {
      if (this.#running) this.#lastError = reason
      this.#log.warn({ connectedForMs: this.#options.clock.now() - session.connectedAtMs }, 'disconnected from broker')
      this.#options.onDown(session, reason)
    }
    if (!this.#running) return
    if (!wasConnected && session.failure === undefined) {
      // Closed before CONNACK without saying why (e.g. the broker dropped the socket).
      session.failure = { reason: 'network', message: 'broker closed the connection before CONNACK', credential: false }
      this.#fail(session.failure, undefined)
    }
    this.#scheduleReconnect(wasConnected, session.failure?.credential === true)
  }

  /**
   * A failed attempt moves on to the next URL; a lost session tries its own URL again first.
   * A refused certificate or credential waits between half and all of reconnectMaxMs: it will not
   * pass by itself, but a renewed certificate is picked up without a restart.
   */
  #scheduleReconnect(wasConnected: boolean, credential: boolean): void {
    if (!wasConnected) this.#urlIndex = (this.#urlIndex + 1) % this.#options.urls.length
    const { reconnectMinMs, reconnectMaxMs, random } = this.#options
    const spreadMs = this.#options.reconnectSpreadMs ?? 0
    const delayMs = credential
      ? reconnectMaxMs * (0.5 + random() / 2)
      : wasConnected && spreadMs > 0
        ? random() * spreadMs
        : backoffDelayMs(this.#attempt, { minMs: reconnectMinMs, maxMs: reconnectMaxMs, random })
    this.#attempt += 1
    this.#log.debug({ delayMs, attempt: this.#attempt, next: this.broker }, 'reconnect scheduled')
    this.#reconnectTimer = this.#options.clock.setTimeout(() => {
      this.#reconnectTimer = undefined
      if (this.#running) void this.#open()
    }, delayMs)
  }
}


export function withDeadline<T>(clock: Clock, promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
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
