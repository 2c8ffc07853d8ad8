/**
 * The operator's side of a signed command (docs/operations.md): connects to the broker (TLS client
 * certificate optional), listens on a fresh `cs/v1/S/cmd-reply/<client>`, publishes the signed
 * command as an MQTT 5 request (responseTopic + correlationData) and hands over every response with
 * that correlation data until a final one (done, refused, failed) or the deadline.
 */
import { randomBytes, type KeyObject } from 'node:crypto'
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js'
import { StationError, messageOf } from '../core/errors.js'
import { stationTopics } from '../mqtt/topics.js'
import type { CommandResponse } from './command-service.js'
import { connectOpsBroker } from './ops-broker-client.js'
import { encodeSignedEnvelope } from './signed-envelope.js'

export interface OpsTlsFiles {
  /** CA certificate(s) that signed the broker's certificate (PEM). */
  caFile?: string
  /** Operations' client certificate (PEM). */
  certFile?: string
  /** Its private key (PEM). */
  keyFile?: string
}

export interface SendCommandOptions {
  brokerUrl: string
  tls?: OpsTlsFiles
  /** e.g. `cs/v1` */
  topicPrefix: string
  station: string
  name: string
  args: Record<string, unknown>
  /** Run even while a resident is being served. */
  urgent?: boolean
  /** Operations' Ed25519 private key. */
  signingKey: KeyObject
  /** How long to wait, from the publish, for the final response. */
  timeoutMs: number
  /** Deadline for connecting to the broker. */
  connectTimeoutMs?: number
  /** Called for every response, in arrival order (a queued one, then the final one). */
  onResponse?: (response: CommandResponse) => void
  /** The command's issuedAt and the answer deadline; default the system clock. */
  clock?: Clock
}

export interface SendCommandResult {
  nonce: string
  responses: CommandResponse[]
  /** The done/refused/failed response, or null when none came within timeoutMs. */
  final: CommandResponse | null
}

const FINAL_STATUSES: ReadonlySet<string> = new Set(['done', 'refused', 'failed'])

function isResponse(value: unknown): value is CommandResponse {
  if (value === null || typeof value !== 'object') return false
  const { name, status } = value as Record<string, unknown>
  return typeof name === 'string' && typeof status === 'string'
}

/** Sends one signed command and waits for its answers. Rejects E_MQTT_UNAVAILABLE when the broker cannot be reached. */
export async function sendCommand(options: SendCommandOptions): Promise<SendCommandResult> {
  const topics = stationTopics(options.topicPrefix, options.station)
  const client = randomBytes(8).toString('hex')
  const replyTopic = topics.cmdReply(client)
  const commandTopic = topics.cmd(options.name)
  const correlationData = randomBytes(16)
  const nonce = randomBytes(16).toString('hex')
  const clock = options.clock ?? systemClock
  const mqtt = await connectOpsBroker({
    broker: options.brokerUrl,
    ...options.tls,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    clientIdPrefix: `ops-${client}`,
  })
  const responses: CommandResponse[] = []
  try {
    const final = await new Promise<CommandResponse | null>((resolve, reject) => {
      let timer: TimerHandle | undefined
      const clearTimer = () => {
        if (timer) clock.clearTimeout(timer)
      }
      mqtt.on('message', (topic, payload, packet) => {
        if (topic !== replyTopic) return
        const echoed = packet.properties?.correlationData
        if (!echoed || !correlationData.equals(echoed)) return
        let value: unknown
        try {
          value = JSON.parse(payload.toString('utf8'))
        } catch {
          return
        }
        if (!isResponse(value)) return
        responses.push(value)
        options.onResponse?.(value)
        if (FINAL_STATUSES.has(value.status)) {
          clearTimer()
          resolve(value)
        }
      })
      // After the final response this rejection is a no-op: the promise has settled.
      mqtt.on('close', () => {
        clearTimer()
        reject(new StationError('E_MQTT_UNAVAILABLE', 'the broker closed the connection before the station answered'))
      })
      const body = {
        station: options.station,
        name: options.name,
        args: options.args,
        issuedAt: new Date(clock.now()).toISOString(),
        nonce,
        ...(options.urgent ? { urgent: true } : {}),
      }
      mqtt
        .subscribeAsync(replyTopic, { qos: 1 })
        .then(() =>
          mqtt.publishAsync(commandTopic, encodeSignedEnvelope('command', body, options.signingKey), {
            qos: 1,
            properties: { responseTopic: replyTopic, correlationData },
          }),
        )
        .then(() => {
          timer = clock.setTimeout(() => resolve(null), options.timeoutMs)
        })
        .catch((error: unknown) => reject(new StationError('E_MQTT_UNAVAILABLE', `cannot send the command: ${messageOf(error)}`, {}, { cause: error })))
    })
    return { nonce, responses, final }
  } finally {
    await mqtt.endAsync().catch(() => undefined)
  }
}
