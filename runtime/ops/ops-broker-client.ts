/**
 * The one broker connection of operations' tools (`station ops send|config|publish-flows|watch`):
 * MQTT 5, no automatic reconnect unless asked (a tool reports a failure rather than hang), and the
 * operator's TLS client certificate when the broker asks for one (docs/security.md).
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt'

export type { MqttClient }
import { messageOf, StationError } from '../core/errors.js'
export { brokerLabel } from '../mqtt/broker-label.js'
import { brokerLabel } from '../mqtt/broker-label.js'

export interface OpsBrokerOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  broker: string
  /** CA certificate(s) the broker's certificate must chain to (PEM); default: the system's. */
  caFile?: string | undefined
  /** The operator's client certificate and key (PEM). */
  certFile?: string | undefined
  keyFile?: string | undefined
  connectTimeoutMs?: number
  /** Client id prefix, so the broker's log tells the tools apart; a random suffix is added. */
  clientIdPrefix?: string
  /** MQTT.js's own reconnect (a live view that should survive a broker restart); default off. */
  reconnectPeriodMs?: number
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (error) {
    throw new StationError('E_CONFIG_INVALID', `cannot read the ${what} ${path} (${messageOf(error)})`, { path })
  }
}

/** Connects, or rejects with E_MQTT_UNAVAILABLE naming the broker (never its password). */
export async function connectOpsBroker(options: OpsBrokerOptions): Promise<MqttClient> {
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
    throw new StationError('E_CONFIG_INVALID', '--cert and --tls-key go together')
  }
  const clientOptions: IClientOptions = {
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: options.reconnectPeriodMs ?? 0,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    clientId: `${options.clientIdPrefix ?? 'cs-ops'}-${randomBytes(4).toString('hex')}`,
    ...(options.caFile === undefined ? {} : { ca: await readPem(options.caFile, 'CA certificate') }),
    ...(options.certFile === undefined ? {} : { cert: await readPem(options.certFile, 'client certificate') }),
    ...(options.keyFile === undefined ? {} : { key: await readPem(options.keyFile, 'client key') }),
  }
  try {
    // startConnecting false: a first failure rejects instead of retrying behind the caller's back.
    return await connectAsync(options.broker, clientOptions, false)
  } catch (error) {
    const label = brokerLabel(options.broker)
    throw new StationError('E_MQTT_UNAVAILABLE', `cannot connect to ${label} (${messageOf(error)})`, { broker: label }, { cause: error })
  }
}

