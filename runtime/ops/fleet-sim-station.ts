/**
 * One simulated station of the fleet simulator (docs/fleet.md): the real MqttLink, JournalOutbox
 * and OutboxDrain, no devices and no kiosk. It "runs procedures" by appending synthetic
 * submissions and publishing flow.started / flow.completed, and sends telemetry.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import { MqttLink } from '../mqtt/mqtt-link.js'
import { OutboxDrain } from '../mqtt/outbox-drain.js'
import { openJournalOutbox, type JournalOutbox } from '../outbox/journal-outbox.js'
import type { TelemetrySample } from '../telemetry.js'
import { centralVerifier } from './central-verifier.js'
import type { TrustedKeys } from './signed-envelope.js'

/** The flows a simulated station offers, with the synthetic answers a submission carries. */
const SIM_FLOWS = [
  { id: 'pay-bill', version: 3, data: (random: () => number) => ({ service: 'water', amountVnd: 125_000 + Math.floor(random() * 1000) * 100 }) },
  { id: 'security-feedback', version: 1, data: (random: () => number) => ({ category: 'lighting', rating: 1 + Math.floor(random() * 5) }) },
  { id: 'exam-booking', version: 2, data: (_random: () => number) => ({ department: 'internal', slot: 'morning' }) },
] as const

export interface SimStationOptions {
  id: string
  url: string
  prefix: string
  /** This station's own folder (its outbox journal goes below it). */
  dataDir: string
  clock: Clock
  log: Logger
  keepaliveS: number
  reconnectMinMs: number
  reconnectMaxMs: number
  /** After a lost connection the first reconnect waits uniform in [0, this) (config mqtt.reconnectSpreadMs). */
  reconnectSpreadMs?: number
  connectTimeoutMs: number
  version: string
  /** Uniform in [0, 1); jitter of reconnects and drain retries. */
  random: () => number
  /** Central's public keys: its replies and acknowledgements count only when signed (docs/security.md). */
  centralKeys: TrustedKeys
  /** How long to wait for central's acknowledgement before the drain sends the same id again. */
  ackTimeoutMs: number
}

/** What the simulator counts per station. */
export interface SimStationCounters {
  /** Submissions the outbox accepted (fsync'd): the station told the resident "received". */
  readonly accepted: string[]
  /** Appends the outbox refused (E_OUTBOX_FULL, E_OUTBOX_IO). */
  refused: number
  /** CONNACKs, the first included. */
  connects: number
  /** ms timestamps of every CONNACK, for connections per second. */
  readonly connectTimesMs: number[]
}

export interface SimStation {
  readonly id: string
  readonly link: MqttLink
  readonly outbox: JournalOutbox
  readonly drain: OutboxDrain
  readonly counters: SimStationCounters
  start(): Promise<void>
  /** One procedure: flow.started, a submission into the outbox, flow.completed. Never throws. */
  runProcedure(): Promise<void>
  /** One telemetry sample now (dropped by the link while offline, as on a real station). */
  sendTelemetry(): void
  /** Stops the link (offline status, clean disconnect) and the drain, and closes the outbox. */
  stop(): Promise<void>
}

/**
 * Builds one simulated station. The single place where a simulated station's parts are wired, so
 * signing keys and verifiers (docs/security.md) are added here and nowhere else.
 */
export async function createSimStation(options: SimStationOptions): Promise<SimStation> {
  const { id, clock, random } = options
  const log = options.log.child({ station: id })
  const outbox = await openJournalOutbox({
    dir: join(options.dataDir, 'outbox'),
    key: randomBytes(32),
    clock,
    maxBytes: 16 * 1024 * 1024,
    log,
  })
  const link = new MqttLink({
    url: options.url,
    stationId: id,
    topicPrefix: options.prefix,
    keepaliveS: options.keepaliveS,
    reconnectMinMs: options.reconnectMinMs,
    reconnectMaxMs: options.reconnectMaxMs,
    ...(options.reconnectSpreadMs === undefined ? {} : { reconnectSpreadMs: options.reconnectSpreadMs }),
    connectTimeoutMs: options.connectTimeoutMs,
    version: options.version,
    bootId: randomUUID(),
    flows: () => SIM_FLOWS.map(({ id: flowId, version }) => ({ id: flowId, version })),
    clock,
    log,
    random,
    verifier: centralVerifier({ stationId: id, trustedKeys: options.centralKeys, maxSkewS: 300, clock }),
  })
  const drain = new OutboxDrain({
    outbox,
    link,
    ackTimeoutMs: options.ackTimeoutMs,
    clock,
    log,
    retryMinMs: options.reconnectMinMs,
    retryMaxMs: options.reconnectMaxMs,
    stopWaitMs: options.connectTimeoutMs,
    random,
  })
  const counters: SimStationCounters = { accepted: [], refused: 0, connects: 0, connectTimesMs: [] }
  link.onStateChange((connected) => {
    if (!connected) return
    counters.connects += 1
    counters.connectTimesMs.push(clock.now())
  })
  let procedures = 0
  const startedAtMs = clock.now()

  return {
    id,
    link,
    outbox,
    drain,
    counters,
    async start() {
      await link.start()
      await drain.start()
    },
    async runProcedure() {
      const flow = SIM_FLOWS[procedures++ % SIM_FLOWS.length] ?? SIM_FLOWS[0]
      link.publishEvent('flow.started', { flow: flow.id, version: flow.version })
      const submission = {
        id: randomUUID(),
        flow: flow.id,
        flowVersion: flow.version,
        createdAt: new Date(clock.now()).toISOString(),
        data: { ...flow.data(random), simulated: true },
      }
      try {
        await outbox.append(submission)
        counters.accepted.push(submission.id)
        link.publishEvent('flow.completed', { flow: flow.id, version: flow.version })
      } catch (error) {
        counters.refused += 1
        log.error({ err: error }, 'simulated submission refused by the outbox')
      }
    },
    sendTelemetry() {
      const oldest = outbox.oldestCreatedAtMs()
      const nowMs = clock.now()
      const sample: TelemetrySample = {
        ts: new Date(nowMs).toISOString(),
        devices: { 'mqtt-link': { state: link.isConnected ? 'ok' : 'degraded' }, 'outbox-drain': { state: drain.health().state } },
        outbox: { depth: outbox.depth(), oldestAgeS: oldest === null ? null : Math.max(0, Math.round((nowMs - oldest) / 1000)) },
        link: { connected: link.isConnected, broker: link.broker },
        version: options.version,
        uptimeS: Math.round((nowMs - startedAtMs) / 1000),
        throttled: null,
        eventLoopDelayP99Ms: null,
        rssBytes: 0,
        cpuTempC: null,
        diskFreeBytes: null,
      }
      link.publishTelemetry({ ...sample })
    },
    async stop() {
      await drain.stop()
      await link.stop()
      await outbox.close()
    },
  }
}
