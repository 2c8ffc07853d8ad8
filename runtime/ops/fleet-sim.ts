/**
 * The fleet simulator (`npm run fleet-sim`, docs/fleet.md): N simulated stations in one process
 * (fleet-sim-station.ts), the reference central acknowledging their submissions, optionally a
 * private mosquitto that is restarted on a schedule for reconnect storms. At the end it waits for
 * the outboxes to drain and counts what central got against what stations accepted.
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Clock, TimerHandle } from '../core/clock.js'
import { StationError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { loadCentralFixtures } from '../central/central-fixtures.js'
import { ReferenceCentral } from '../central/reference-responder.js'
import { freeLoopbackPort, spawnPrivateMosquitto, type PrivateMosquitto } from '../mqtt/broker-discovery.js'
import { keyIdOf } from './signed-envelope.js'
import { createSimStation, type SimStation } from './fleet-sim-station.js'

export interface FleetSimOptions {
  stations: number
  /** An existing broker; absent = a private mosquitto (needs `mosquittoBinary`). */
  brokerUrl?: string
  mosquittoBinary?: string
  prefix: string
  /** Procedures per station per minute (Poisson arrivals). */
  ratePerMin: number
  durationS: number
  /** Restart the private broker this often (reconnect storms); absent = never. */
  restartBrokerEveryS?: number
  /** After the run, how long to wait for every outbox to drain. */
  drainTimeoutS: number
  telemetryIntervalS: number
  /** Stations start spread over this long, with jitter, instead of all at once. */
  connectSpreadS: number
  keepaliveS: number
  reconnectMinMs: number
  reconnectMaxMs: number
  /** Stations' mqtt.reconnectSpreadMs; default FLEET_SIM_DEFAULTS.reconnectSpreadMs. */
  reconnectSpreadMs?: number
  connectTimeoutMs: number
  clock: Clock
  log: Logger
  random: () => number
  /** One progress line every few seconds. */
  progress?: (line: string) => void
  /** This process's resident memory and CPU time so far, from main.ts. */
  resources?: () => { rssBytes: number; cpuMs: number }
}

export interface FleetSimReport {
  stations: number
  durationS: number
  brokerRestarts: number
  /** Submissions the stations' outboxes accepted. */
  accepted: number
  /** Unique submission ids central received. */
  received: number
  /** Extra copies central received (at-least-once retries). */
  duplicates: number
  /** Accepted but never received. */
  lost: number
  /** Up to 10 of the lost ids, for a look in the journals. */
  lostIds: string[]
  /** Appends the outboxes refused. */
  refused: number
  /** Connections after a station's first one. */
  reconnects: number
  peakConnectsPerS: number
  /** The most reconnects (connections after a station's first) in any one second: the storm after a broker restart. */
  peakReconnectsPerS: number
  /** Submissions still in outboxes when the drain wait ended. */
  outboxLeft: number
  drainedInS: number | null
  peakRssBytes: number | null
  cpuS: number | null
}

export const FLEET_SIM_DEFAULTS = {
  prefix: 'cs/v1',
  ratePerMin: 2,
  durationS: 60,
  drainTimeoutS: 60,
  telemetryIntervalS: 30,
  keepaliveS: 30,
  // config/defaults.ts: the values a real station runs with, so storms look like the field.
  reconnectMinMs: 500,
  reconnectMaxMs: 30_000,
  reconnectSpreadMs: 10_000,
  connectTimeoutMs: 5000,
} as const

/** Runs the whole simulation; rejects with E_MQTT_UNAVAILABLE when no broker can be had. */
export async function runFleetSim(options: FleetSimOptions): Promise<FleetSimReport> {
  const { clock, random } = options
  const log = options.log.child({ component: 'fleet-sim' })
  if (options.restartBrokerEveryS !== undefined && options.brokerUrl !== undefined) {
    throw new StationError('E_CONFIG_INVALID', '--restart-broker-every-s needs the private broker (leave out --broker)')
  }
  const startedMs = clock.now()
  let broker: PrivateMosquitto | undefined
  let url = options.brokerUrl
  const port = url === undefined ? await freeLoopbackPort() : undefined
  const startBroker = async () => {
    if (options.mosquittoBinary === undefined || port === undefined) {
      throw new StationError('E_MQTT_UNAVAILABLE', 'no --broker given and no mosquitto installed')
    }
    broker = await spawnPrivateMosquitto({ binary: options.mosquittoBinary, port, clock, log })
    return broker.url
  }
  if (url === undefined) url = await startBroker()
  const brokerUrl = url

  const root = await mkdtemp(join(tmpdir(), 'cs-fleet-sim-'))
  // Central signs its acknowledgements; every simulated station trusts this one key (docs/security.md).
  const { privateKey: centralKey, publicKey: centralPublicKey } = generateKeyPairSync('ed25519')
  const centralKeys = new Map([[keyIdOf(centralPublicKey), centralPublicKey]])
  const central = new ReferenceCentral({ url: brokerUrl, prefix: options.prefix, fixtures: await loadCentralFixtures(), clock, log, signingKey: centralKey })
  const stations: SimStation[] = []
  const timers = new Set<TimerHandle>()
  const every = (delayMs: number, action: () => void) => {
    const timer = clock.setTimeout(() => {
      timers.delete(timer)
      action()
    }, delayMs)
    timers.add(timer)
  }
  let running = true
  let brokerRestarts = 0
  let restarting = false
  let peakRssBytes: number | null = null
  const sampleResources = () => {
    const rss = options.resources?.().rssBytes
    if (rss !== undefined) peakRssBytes = Math.max(peakRssBytes ?? 0, rss)
  }

  try {
    await central.start()
    for (let index = 0; index < options.stations; index++) {
      const id = `sim-${String(index + 1).padStart(4, '0')}`
      const dataDir = join(root, id)
      await mkdir(dataDir, { recursive: true })
      stations.push(
        await createSimStation({
          id,
          url: brokerUrl,
          prefix: options.prefix,
          dataDir,
          clock,
          log,
          keepaliveS: options.keepaliveS,
          reconnectMinMs: options.reconnectMinMs,
          reconnectMaxMs: options.reconnectMaxMs,
          reconnectSpreadMs: options.reconnectSpreadMs ?? FLEET_SIM_DEFAULTS.reconnectSpreadMs,
          connectTimeoutMs: options.connectTimeoutMs,
          version: 'fleet-sim',
          random,
          centralKeys,
          ackTimeoutMs: 5000,
        }),
      )
    }

    const endMs = clock.now() + options.durationS * 1000
    const meanGapMs = 60_000 / options.ratePerMin
    const scheduleProcedure = (station: SimStation) => {
      // Exponential gaps: residents arrive independently of each other.
      const gapMs = -Math.log(1 - random()) * meanGapMs
      if (clock.now() + gapMs >= endMs) return
      every(gapMs, () => {
        if (!running) return
        void station.runProcedure()
        scheduleProcedure(station)
      })
    }
    const scheduleTelemetry = (station: SimStation, delayMs: number) => {
      every(delayMs, () => {
        if (!running) return
        station.sendTelemetry()
        scheduleTelemetry(station, options.telemetryIntervalS * 1000)
      })
    }
    const progressTimer = () => {
      every(5000, () => {
        sampleResources()
        options.progress?.(progressLine(stations, central, clock.now() - startedMs))
        if (running) progressTimer()
      })
    }
    progressTimer()
    if (options.restartBrokerEveryS !== undefined) {
      const restartEvery = options.restartBrokerEveryS * 1000
      const scheduleRestart = () => {
        every(restartEvery, () => {
          if (!running || clock.now() >= endMs) return
          restarting = true
          void (async () => {
            options.progress?.('restarting the broker')
            await broker?.stop()
            await startBroker()
            brokerRestarts += 1
            scheduleRestart()
          })()
            .catch((error: unknown) => log.error({ err: error }, 'broker restart failed'))
            .finally(() => {
              restarting = false
            })
        })
      }
      scheduleRestart()
    }

    // Staggered start: a city's stations do not all boot in the same second.
    const spreadMs = options.connectSpreadS * 1000
    for (const station of stations) {
      await clock.sleep((spreadMs / Math.max(1, stations.length)) * (0.5 + random()))
      await station.start()
      scheduleProcedure(station)
      scheduleTelemetry(station, random() * options.telemetryIntervalS * 1000)
    }
    const leftMs = endMs - clock.now()
    if (leftMs > 0) await clock.sleep(leftMs)
    options.progress?.('run over; waiting for the outboxes to drain')

    // A restart still under way would leave the broker down for the drain.
    await waitFor(clock, () => !restarting, 10_000)
    const drainStartMs = clock.now()
    const drained = await waitFor(
      clock,
      () => stations.every((station) => station.outbox.depth() === 0) && allReceived(stations, central),
      options.drainTimeoutS * 1000,
    )
    running = false
    sampleResources()
    const report = countReport(stations, central, {
      durationS: Math.round((clock.now() - startedMs) / 1000),
      brokerRestarts,
      drainedInS: drained ? Math.round((clock.now() - drainStartMs) / 100) / 10 : null,
      peakRssBytes,
      cpuS: options.resources === undefined ? null : Math.round(options.resources().cpuMs / 100) / 10,
    })
    return report
  } finally {
    running = false
    for (const timer of timers) clock.clearTimeout(timer)
    timers.clear()
    // In batches: 200 clean disconnects at once are a storm of their own.
    for (let index = 0; index < stations.length; index += 25) {
      await Promise.all(stations.slice(index, index + 25).map((station) => station.stop().catch(() => undefined)))
    }
    await central.stop().catch(() => undefined)
    await broker?.stop()
    await rm(root, { recursive: true, force: true })
  }
}

function allReceived(stations: SimStation[], central: ReferenceCentral): boolean {
  const received = new Set(central.submissions().map((submission) => submission.id))
  return stations.every((station) => station.counters.accepted.every((id) => received.has(id)))
}

function progressLine(stations: SimStation[], central: ReferenceCentral, elapsedMs: number): string {
  const connected = stations.filter((station) => station.link.isConnected).length
  const accepted = stations.reduce((sum, station) => sum + station.counters.accepted.length, 0)
  const depth = stations.reduce((sum, station) => sum + station.outbox.depth(), 0)
  return `t=${Math.round(elapsedMs / 1000)}s connected=${connected}/${stations.length} accepted=${accepted} received=${central.submissions().length} in-outboxes=${depth}`
}

function countReport(
  stations: SimStation[],
  central: ReferenceCentral,
  facts: Pick<FleetSimReport, 'durationS' | 'brokerRestarts' | 'drainedInS' | 'peakRssBytes' | 'cpuS'>,
): FleetSimReport {
  const ours = new Set(stations.map((station) => station.id))
  const received = central.submissions().filter((submission) => ours.has(submission.stationId))
  const receivedIds = new Set(received.map((submission) => submission.id))
  const accepted = stations.flatMap((station) => station.counters.accepted)
  const lostIds = accepted.filter((id) => !receivedIds.has(id))
  const perSecond = new Map<number, number>()
  const reconnectsPerSecond = new Map<number, number>()
  for (const station of stations) {
    for (const [index, atMs] of station.counters.connectTimesMs.entries()) {
      const second = Math.floor(atMs / 1000)
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1)
      if (index > 0) reconnectsPerSecond.set(second, (reconnectsPerSecond.get(second) ?? 0) + 1)
    }
  }
  return {
    stations: stations.length,
    durationS: facts.durationS,
    brokerRestarts: facts.brokerRestarts,
    accepted: accepted.length,
    received: receivedIds.size,
    duplicates: received.reduce((sum, submission) => sum + submission.copies - 1, 0),
    lost: lostIds.length,
    lostIds: lostIds.slice(0, 10),
    refused: stations.reduce((sum, station) => sum + station.counters.refused, 0),
    reconnects: stations.reduce((sum, station) => sum + Math.max(0, station.counters.connects - 1), 0),
    peakConnectsPerS: Math.max(0, ...perSecond.values()),
    peakReconnectsPerS: Math.max(0, ...reconnectsPerSecond.values()),
    outboxLeft: stations.reduce((sum, station) => sum + station.outbox.depth(), 0),
    drainedInS: facts.drainedInS,
    peakRssBytes: facts.peakRssBytes,
    cpuS: facts.cpuS,
  }
}

/** Polls `check` every 200 ms; resolves true when it holds, false after `timeoutMs`. */
async function waitFor(clock: Clock, check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadlineMs = clock.now() + timeoutMs
  while (!check()) {
    if (clock.now() >= deadlineMs) return false
    await clock.sleep(200)
  }
  return true
}

/** The text report of `npm run fleet-sim`. */
export function formatFleetSimReport(report: FleetSimReport): string {
  const mb = (bytes: number | null) => (bytes === null ? '-' : `${Math.round(bytes / 1024 / 1024)} MB`)
  return [
    `fleet-sim: ${report.stations} stations, ${report.durationS} s, ${report.brokerRestarts} broker restarts, delivered on central's signed acknowledgement`,
    `  submissions accepted by stations: ${report.accepted}`,
    `  received by central (unique ids): ${report.received}`,
    `  duplicates:                       ${report.duplicates}`,
    `  lost (accepted, never received):  ${report.lost}${report.lostIds.length > 0 ? ` e.g. ${report.lostIds.slice(0, 3).join(', ')}` : ''}`,
    `  refused by outboxes:              ${report.refused}`,
    `  reconnects:                       ${report.reconnects}`,
    `  peak connections per second:      ${report.peakConnectsPerS}`,
    `  peak reconnections per second:    ${report.peakReconnectsPerS}`,
    `  left in outboxes:                 ${report.outboxLeft}${report.drainedInS === null ? ' (drain timed out)' : ` (drained in ${report.drainedInS} s)`}`,
    `  peak RSS ${mb(report.peakRssBytes)}, CPU ${report.cpuS ?? '-'} s`,
  ].join('\n')
}
