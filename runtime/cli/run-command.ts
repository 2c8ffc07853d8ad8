import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { formatProblems, loadConfig } from '../../config/load.js'
import { systemClock } from '../core/clock.js'
import { messageOf } from '../core/errors.js'
import { openHardware } from '../hardware/open-hardware.js'
import { createLogger, type Logger } from '../log.js'
import { createMosquittoSpawner, probeTcp, resolveBrokerUrl } from '../mqtt/broker-discovery.js'
import { runReferenceCentral } from '../central/run-central.js'
import type { ReferenceCentral } from '../central/reference-responder.js'
import { ensureSimCentralKey } from '../central/sim-central-key.js'
import { loadSigningKey } from '../ops/trusted-keys.js'
import { ensureSimStationId } from '../sim-station-id.js'
import { startStation, type RunningStation } from '../station.js'
import { LogRing } from '../technician/log-ring.js'
import { bundledFlowsDir, defaultRunDataDir } from './paths.js'

/** Exit codes from sysexits.h: systemd and technicians read them. */
export const EXIT_CONFIG = 78
export const EXIT_UNAVAILABLE = 69

export interface RunOptions {
  configFile?: string | undefined
  simulated?: boolean | undefined
  dataDir?: string | undefined
  broker?: string | undefined
  /** Logs go to <dataDir>/station.log instead of stdout (the terminal shows the virtual station). */
  logToFile?: boolean
  /** In simulation the reference central answers the station's requests; false turns it off. */
  central?: boolean
}

/** Demo payments: the simulated central confirms a looked-up bill after this long. */
const SIM_AUTO_PAY_MS = 15_000

export interface RunEnvironment {
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  err: (text: string) => void
  version: string
  /** This process's id, for the log lines. */
  pid?: number
  /** Resident set size of this process, for telemetry. */
  rssBytes?: () => number
}

export type RunOutcome =
  | { ok: false; exitCode: number }
  | { ok: true; station: RunningStation; log: Logger; stop: () => Promise<void> }

/** `station run`: config, logger, broker, hardware, then the station itself. */
export async function runStation(options: RunOptions, environment: RunEnvironment): Promise<RunOutcome> {
  const { env, cwd } = environment
  const simulatedHint = options.simulated ?? /^(1|true)$/i.test(env.STATION_SIMULATED ?? '')
  const loaded = await loadConfig({
    file: options.configFile,
    env,
    overrides: { dataDir: options.dataDir, brokerUrl: options.broker, simulated: options.simulated },
    bundledFlowsDir: bundledFlowsDir(),
    defaultDataDir: defaultRunDataDir(cwd, simulatedHint, env),
    cwd,
  })
  if (!loaded.ok) {
    environment.err(formatProblems(loaded.source, loaded.problems))
    return { ok: false, exitCode: EXIT_CONFIG }
  }
  let config = loaded.config

  let log: Logger
  // The technician's log tail (`station tui`): a second stream, after redaction (runtime/log.ts).
  const logRing = new LogRing()
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
    const main = options.logToFile
      ? pino.destination({ dest: join(config.dataDir, 'station.log'), sync: true, mkdir: true })
      : pino.destination({ dest: 1, sync: true })
    // 'trace' on both streams: the logger's own level (config log.level, changed live) decides.
    log = createLogger({ ...config.log, ...(environment.pid === undefined ? {} : { pid: environment.pid }) }, pino.multistream([{ stream: main, level: 'trace' }, { stream: logRing, level: 'trace' }]))
  } catch (error) {
    environment.err(`cannot use the data dir ${config.dataDir}: ${messageOf(error)}`)
    return { ok: false, exitCode: EXIT_UNAVAILABLE }
  }
  if (config.hardware.simulated && !loaded.stationIdGiven) {
    try {
      // The loaded config is frozen: the station gets a copy with the data dir's own id.
      config = { ...config, station: { ...config.station, id: await ensureSimStationId(config.dataDir) } }
    } catch (error) {
      environment.err(`cannot keep the station id in the data dir ${config.dataDir}: ${messageOf(error)}`)
      return { ok: false, exitCode: EXIT_UNAVAILABLE }
    }
  }
  log.info({ config: loaded.source, dataDir: config.dataDir, simulated: config.hardware.simulated, station: config.station.id }, 'starting station')

  const broker = await resolveBrokerUrl({
    // mqtt.urls replaces mqtt.url: the first node names the broker, the link tries the rest in order.
    configured: config.mqtt.urls?.[0] ?? config.mqtt.url,
    probe: probeTcp,
    spawnMosquitto: createMosquittoSpawner({
      ...(env.STATION_MOSQUITTO ? { override: env.STATION_MOSQUITTO } : {}),
      ...(env.PATH ? { searchPath: env.PATH } : {}),
      clock: systemClock,
      log,
    }),
    log,
  })

  let password: string | undefined
  if (config.mqtt.passwordFile) {
    try {
      password = readFileSync(config.mqtt.passwordFile, 'utf8').trim()
    } catch (error) {
      environment.err(`cannot read mqtt.passwordFile ${config.mqtt.passwordFile}: ${messageOf(error)}`)
      await broker.stop?.()
      return { ok: false, exitCode: EXIT_CONFIG }
    }
  }

  let opened: Awaited<ReturnType<typeof openHardware>> | null = null
  let central: ReferenceCentral | null = null
  try {
    // In simulation the reference central signs with a key made once in the data dir, and this
    // station trusts it besides config central.trustedKeys (docs/delivery.md).
    const simCentralKeyPath =
      config.hardware.simulated && broker.url && options.central !== false ? await ensureSimCentralKey(config.dataDir) : null
    // The loaded config is frozen: the station gets a copy with the extra trusted key.
    const stationConfig = simCentralKeyPath
      ? { ...config, central: { ...config.central, trustedKeys: [...config.central.trustedKeys, simCentralKeyPath] } }
      : config
    // In simulation a reference central answers the bundled flows' requests, so every procedure can
    // be tried on a laptop. Started first, so it listens before the station's first submission goes
    // out (else that waits out an ack timeout). A failure here leaves the station running without it.
    if (simCentralKeyPath && broker.url) {
      try {
        central = await runReferenceCentral({
          url: broker.url,
          signingKey: await loadSigningKey(simCentralKeyPath),
          prefix: config.mqtt.topicPrefix,
          autoPayAfterMs: SIM_AUTO_PAY_MS,
          log: log.child({ component: 'central.reference' }),
        })
      } catch (error) {
        log.warn({ err: error }, 'reference central not started; requests to central will time out')
      }
    }
    opened = await openHardware(config.hardware)
    const station = await startStation({
      config: stationConfig,
      hardware: opened.hardware,
      ...(opened.sim ? { sim: opened.sim } : {}),
      clock: systemClock,
      log,
      version: environment.version,
      brokerUrl: broker.url,
      logRing,
      ...(environment.rssBytes ? { rssBytes: environment.rssBytes } : {}),
      ...(password === undefined ? {} : { brokerPassword: password }),
    })
    return {
      ok: true,
      station,
      log,
      async stop() {
        await station.stop()
        await central?.stop()
        await broker.stop?.()
      },
    }
  } catch (error) {
    log.fatal({ err: error }, 'station failed to start')
    environment.err(`station failed to start: ${messageOf(error)}`)
    await opened?.hardware.close().catch(() => undefined)
    await central?.stop().catch(() => undefined)
    await broker.stop?.()
    return { ok: false, exitCode: EXIT_UNAVAILABLE }
  }
}
