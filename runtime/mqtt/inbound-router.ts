/**
 * Everything that arrives from the broker: the subscriptions (made again on every connect), the
 * notify listeners and the rpc responses, each notify and response passed through the inbound
 * verifier (docs/security.md) before anyone acts on it. A refused message is logged (never its
 * payload) and reported through onRefused.
 */
import { StationError, messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Unsubscribe } from '../outbox/outbox-types.js'
import type { Session } from './broker-connection.js'
import type { WirePacket } from './broker-client.js'
import { decodePayload } from './payloads.js'
import type { RpcClient } from './rpc-client.js'
import { topicMatchesFilter, type StationTopics } from './topics.js'

export type InboundCheck = { ok: true; value: unknown } | { ok: false; reason: string; message: string }

export interface InboundVerifier {
  /** Checks a notify payload; ok.value is the notification object { type, ...fields }. */
  notify(payload: Buffer): InboundCheck
  /** Checks an rpc/response payload answering the request whose correlation data is `correlationHex`; ok.value is the reply. */
  rpcResponse(payload: Buffer, correlationHex: string): InboundCheck
}

export interface InboundRefusal {
  kind: 'notify' | 'rpc/response'
  reason: string
  message: string
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

/** Receives central's notifications: `type`, and every other payload field (including `ts`). */
export type NotifyListener = (type: string, fields: Record<string, unknown>) => void

export interface InboundRouterOptions {
  topics: StationTopics
  rpc: RpcClient
  /** The session to subscribe on right now, if connected. */
  connected: () => Session | undefined
  /** Absent = plain JSON, unchecked (link unit tests). */
  verifier?: InboundVerifier
  onRefused?: (refusal: InboundRefusal) => void
  log: Logger
}

export class InboundRouter {
  readonly #options: InboundRouterOptions
  readonly #log: Logger
  /** subscribe() handlers by topic filter. */
  readonly #subscriptions = new Map<string, Set<InboundHandler>>()
  readonly #notifyListeners = new Set<NotifyListener>()

  constructor(options: InboundRouterOptions) {
    this.#options = options
    this.#log = options.log
  }

  /** Subscribes the station's own inbound topics and every subscribe() filter (but `except`) on a new session. */
  subscribeAll(session: Session, except?: string): void {
    const { topics } = this.#options
    for (const filter of new Set([topics.rpcResponse, topics.notify, ...this.#subscriptions.keys()])) {
      if (filter !== except) this.subscribeNow(session, filter)
    }
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
      const session = this.#options.connected()
      if (session) this.subscribeNow(session, filter)
    }
    handlers.add(handler)
    return () => {
      const current = this.#subscriptions.get(filter)
      current?.delete(handler)
      if (current?.size === 0) {
        this.#subscriptions.delete(filter)
        const { topics } = this.#options
        // The link's own inbound topics stay subscribed whatever other handlers do.
        if (filter === topics.notify || filter === topics.rpcResponse) return
        this.#options.connected()?.client.unsubscribe(filter)
      }
    }
  }

  onNotify(listener: NotifyListener): Unsubscribe {
    this.#notifyListeners.add(listener)
    return () => this.#notifyListeners.delete(listener)
  }

  route(topic: string, payload: Buffer, packet: WirePacket): void {
    this.#routeToHandlers(topic, payload, packet)
    const { topics } = this.#options
    if (topic === topics.notify) this.#onNotify(payload)
    else if (topic === topics.rpcResponse) this.#onRpcResponse(payload, packet)
  }

  /** SUBSCRIBE `filter` on `session` now (QoS 1); a refusal is logged. */
  subscribeNow(session: Session, filter: string): void {
    session.client.subscribe(filter, (error, grantedQos) => {
      if (error) this.#log.warn({ err: error, filter }, 'subscribe failed')
      else if (grantedQos !== undefined && grantedQos >= 0x80) {
        this.#log.error({ filter, reasonCode: grantedQos }, 'broker refused the subscription (ACL?)')
      }
    })
  }

  #routeToHandlers(topic: string, payload: Buffer, packet: WirePacket): void {
    for (const [filter, handlers] of this.#subscriptions) {
      if (!topicMatchesFilter(filter, topic)) continue
      const { responseTopic, correlationData } = packet.properties ?? {}
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

  #refuse(refusal: InboundRefusal, length: number): void {
    // Never the payload itself: it is central's, and nothing says it is free of personal data.
    this.#log.warn({ kind: refusal.kind, reason: refusal.reason, length }, `inbound ${refusal.kind} refused: ${refusal.message}`)
    try {
      this.#options.onRefused?.(refusal)
    } catch (error) {
      this.#log.error({ err: error }, 'onRefused threw')
    }
  }

  #onNotify(payload: Buffer): void {
    const { verifier } = this.#options
    let notification: { type: string; fields: Record<string, unknown> } | undefined
    if (verifier) {
      const check = safeCheck(() => verifier.notify(payload))
      if (!check.ok) {
        this.#refuse({ kind: 'notify', reason: check.reason, message: check.message }, payload.length)
        return
      }
      notification = asNotification(check.value)
      if (!notification) {
        this.#refuse({ kind: 'notify', reason: 'malformed', message: 'not an object with a string type' }, payload.length)
        return
      }
    } else {
      notification = decodeNotification(payload)
      if (!notification) {
        this.#log.warn({ length: payload.length }, 'notify ignored: not a JSON object with a string type')
        return
      }
    }
    for (const listener of [...this.#notifyListeners]) {
      try {
        listener(notification.type, notification.fields)
      } catch (error) {
        this.#log.error({ err: error, notifyType: notification.type }, 'notify listener threw')
      }
    }
  }

  #onRpcResponse(payload: Buffer, packet: WirePacket): void {
    const { rpc, verifier } = this.#options
    const correlationData = packet.properties?.correlationData
    const key = correlationData?.toString('hex')
    if (key === undefined || !rpc.isOpen(key)) {
      this.#log.debug('reply without a matching open request (late, or not ours)')
      return
    }
    if (!verifier) {
      let reply: unknown
      try {
        reply = decodePayload(payload)
      } catch (error) {
        rpc.fail(key, () => error as StationError)
        return
      }
      rpc.settle(key, reply)
      return
    }
    const check = safeCheck(() => verifier.rpcResponse(payload, key))
    if (check.ok) {
      rpc.settle(key, check.value)
      return
    }
    // The request stays open: a forged reply must not cut short the genuine one still on its way
    // (whoever can forge replies could otherwise fail every request a resident makes).
    this.#refuse({ kind: 'rpc/response', reason: check.reason, message: check.message }, payload.length)
  }
}

/** A verifier that throws is a refusal, never a crash of the link. */
function safeCheck(check: () => InboundCheck): InboundCheck {
  try {
    return check()
  } catch (error) {
    return { ok: false, reason: 'malformed', message: `verifier failed: ${messageOf(error)}` }
  }
}

function asNotification(value: unknown): { type: string; fields: Record<string, unknown> } | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const { type, ...fields } = value as Record<string, unknown>
  if (typeof type !== 'string' || type.length === 0) return undefined
  return { type, fields }
}

/** `{ type, ...fields }` from a notify payload, or undefined unless it is a JSON object with a string type. */
function decodeNotification(payload: Uint8Array): { type: string; fields: Record<string, unknown> } | undefined {
  try {
    return asNotification(decodePayload(payload))
  } catch {
    return undefined
  }
}
