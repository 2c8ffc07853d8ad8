/**
 * The broker connection of operations' tools (`station ops config`, `station ops publish-flows`):
 * MQTT 5, no automatic reconnect (a tool reports a failure rather than hang), and the operator's TLS
 * client certificate when the broker asks for one (docs/remote-config.md, docs/security.md).
 */
import { readFile } from 'node:fs/promises'
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt'
import { messageOf, StationError } from '../errors.js'

export interface OpsBrokerOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  broker: string
  /** CA certificate(s) the broker's certificate must chain to (PEM); default: the system's. */
  caFile?: string | undefined
  /** The operator's client certificate and key (PEM). */
  certFile?: string | undefined
  keyFile?: string | undefined
  connectTimeoutMs?: number
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
    reconnectPeriod: 0,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    clientId: `cs-ops-${Math.random().toString(16).slice(2, 10)}`,
    ...(options.caFile === undefined ? {} : { ca: await readPem(options.caFile, 'CA certificate') }),
    ...(options.certFile === undefined ? {} : { cert: await readPem(options.certFile, 'client certificate') }),
    ...(options.keyFile === undefined ? {} : { key: await readPem(options.keyFile, 'client key') }),
  }
  try {
    return await connectAsync(options.broker, clientOptions)
  } catch (error) {
    const label = options.broker.replace(/\/\/[^@/]*@/, '//')
    throw new StationError('E_MQTT_UNAVAILABLE', `cannot connect to ${label} (${messageOf(error)})`, { broker: label })
  }
}
