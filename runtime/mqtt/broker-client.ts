/**
 * The one file in runtime/ (outside runtime/central and the broker probe) that imports MQTT.js.
 * It turns one MQTT.js client into a WireClient: one network connection, MQTT 5, clean start, no
 * automatic reconnect, the retained QoS 1 will given. Everything above talks to WireClient, so the
 * reconnect logic can be driven by a fake `ConnectFn` in unit tests (docs/mqtt.md).
 */
import { connect, type IClientOptions, type IClientPublishOptions } from 'mqtt'

/** MQTT 5 properties the station reads on inbound messages. */
export interface WirePacket {
  retain: boolean
  properties?: { responseTopic?: string; correlationData?: Buffer }
}

export interface WirePublishOptions {
  qos: 0 | 1
  retain?: boolean
  properties?: { responseTopic?: string; correlationData?: Buffer }
}

/** Called by the client; `close` comes exactly once, last, whatever happened before. */
export interface WireHandlers {
  /** CONNACK with success. */
  connect(): void
  message(topic: string, payload: Buffer, packet: WirePacket): void
  /** Socket, TLS or CONNACK failure; `close` follows. */
  error(error: Error): void
  /** The broker sent DISCONNECT. */
  disconnect(reasonCode: number): void
  close(): void
}

export interface WireClient {
  /** `done` runs on PUBACK (QoS 1) or once written (QoS 0), with an error for a failure reason code. */
  publish(topic: string, payload: Buffer, options: WirePublishOptions, done: (error?: Error) => void): void
  /** QoS 1 subscription; `grantedQos` >= 128 means the broker refused it. */
  subscribe(filter: string, done: (error: Error | undefined, grantedQos: number | undefined) => void): void
  unsubscribe(filter: string): void
  /** A normal DISCONNECT (reason 0), so the broker drops the will. */
  disconnect(): Promise<void>
  /** Closes the socket now; no DISCONNECT, so the broker will publish the will. */
  destroy(): void
}

/** TLS material as bytes (read by the caller for each attempt, so a renewed certificate is picked up). */
export interface WireTls {
  ca: Buffer
  cert: Buffer
  key: Buffer
}

export interface WireConnectOptions {
  clientId: string
  keepaliveS: number
  connectTimeoutMs: number
  will: { topic: string; payload: Buffer }
  username?: string
  password?: string
  tls?: WireTls
}

export type ConnectFn = (url: string, options: WireConnectOptions, handlers: WireHandlers) => WireClient

/**
 * The production ConnectFn. Why `reconnectPeriod: 0`: MQTT.js keeps unacknowledged publishes in a
 * memory-only store and resends them after its own reconnect, while the station's durable outbox
 * already retries by id; so the rule is "nothing survives a disconnect" and the caller reconnects
 * with a fresh client after its own jittered backoff.
 */
export const connectMqtt: ConnectFn = (url, options, handlers) => {
  const clientOptions: IClientOptions = {
    protocolVersion: 5,
    clientId: options.clientId,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: options.connectTimeoutMs,
    keepalive: options.keepaliveS,
    will: { topic: options.will.topic, payload: options.will.payload, qos: 1, retain: true },
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tls === undefined ? {} : { ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key }),
  }
  const client = connect(url, clientOptions)
  let closed = false
  client.on('connect', () => {
    // A submission, its PUBACK and central's reply are each one small packet: Nagle's algorithm
    // would hold each behind the peer's delayed ACK (tens of ms). TLS sockets are net sockets too.
    const stream = client.stream as { setNoDelay?: (noDelay: boolean) => unknown }
    stream.setNoDelay?.(true)
    if (!closed) handlers.connect()
  })
  client.on('message', (topic, payload, packet) => {
    if (closed) return
    const { responseTopic, correlationData } = packet.properties ?? {}
    handlers.message(topic, payload, {
      retain: packet.retain,
      properties: {
        ...(responseTopic === undefined ? {} : { responseTopic }),
        ...(correlationData === undefined ? {} : { correlationData }),
      },
    })
  })
  // Kept attached after close too: a late socket error with no listener would be thrown.
  client.on('error', (error) => {
    if (!closed) handlers.error(error)
  })
  client.on('disconnect', (packet) => {
    if (!closed) handlers.disconnect(packet.reasonCode ?? 0)
  })
  client.on('close', () => {
    if (closed) return
    closed = true
    handlers.close()
  })
  return {
    publish(topic, payload, publishOptions, done) {
      const wireOptions: IClientPublishOptions = {
        qos: publishOptions.qos,
        retain: publishOptions.retain ?? false,
        ...(publishOptions.properties === undefined ? {} : { properties: publishOptions.properties }),
      }
      client.publish(topic, payload, wireOptions, (error) => done(error ?? undefined))
    },
    subscribe(filter, done) {
      client.subscribe(filter, { qos: 1 }, (error, granted) => done(error ?? undefined, granted?.[0]?.qos))
    },
    unsubscribe(filter) {
      client.unsubscribe(filter)
    },
    async disconnect() {
      await client.endAsync()
    },
    destroy() {
      client.end(true)
    },
  }
}
