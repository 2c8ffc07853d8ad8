/**
 * Operations' read-only MQTT 5 connection to the fleet: subscribes to every station's status
 * (retained), telemetry and events under the prefix and hands each message on. It publishes
 * nothing, so the operations identity it runs as needs read rights only (docs/deployment.md).
 */
import { StationError, messageOf } from '../core/errors.js'
import { assertTopicPrefix } from '../mqtt/topics.js'
import type { FleetMessage } from './fleet-model.js'
import { connectOpsBroker } from './ops-broker-client.js'

export { brokerLabel } from './ops-broker-client.js'

export interface FleetSubscriberOptions {
  /** `mqtt://…` or `mqtts://…`; credentials in it are never printed. */
  url: string
  /** e.g. `cs/v1` */
  prefix: string
  /** PEM files for an mTLS listener: CA of the broker, and operations' client certificate and key. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string }
  connectTimeoutMs: number
  /** Reconnect by itself after a loss (the live view); false for a one-shot snapshot. */
  reconnect: boolean
}

export interface FleetSubscription {
  readonly connected: boolean
  close(): Promise<void>
}

/** The three filters the fleet view needs; `+` is one station id. */
export function fleetFilters(prefix: string): string[] {
  assertTopicPrefix(prefix)
  return [`${prefix}/+/status`, `${prefix}/+/telemetry`, `${prefix}/+/events`]
}

/**
 * Resolves once connected and subscribed (retained statuses start arriving right after). Rejects
 * with E_MQTT_UNAVAILABLE when the broker cannot be reached or refuses the subscription.
 */
export async function subscribeFleet(
  options: FleetSubscriberOptions,
  onMessage: (message: FleetMessage) => void,
): Promise<FleetSubscription> {
  const filters = fleetFilters(options.prefix)
  const client = await connectOpsBroker({
    broker: options.url,
    ...options.tls,
    connectTimeoutMs: options.connectTimeoutMs,
    clientIdPrefix: 'cs-ops-watch',
    reconnectPeriodMs: options.reconnect ? 2000 : 0,
  })
  // Keeps a later socket error from being thrown; the view shows "DISCONNECTED" instead.
  client.on('error', () => undefined)
  client.on('message', (topic, payload, packet) => onMessage({ topic, payload, retain: packet.retain }))
  try {
    const granted = await client.subscribeAsync(filters, { qos: 1 })
    const refused = granted.filter((grant) => grant.qos > 2)
    if (refused.length > 0) {
      throw new Error(`subscription refused for ${refused.map((grant) => grant.topic).join(', ')} (check the ACL)`)
    }
  } catch (error) {
    client.end(true)
    throw new StationError('E_MQTT_UNAVAILABLE', `cannot subscribe: ${messageOf(error)}`, {}, { cause: error })
  }
  // MQTT.js resubscribes after its own reconnect (resubscribe: true is its default).
  return {
    get connected() {
      return client.connected
    },
    async close() {
      await client.endAsync().catch(() => client.end(true))
    },
  }
}
