/**
 * `station fleet-sim` (`npm run fleet-sim -- …`): argument checks, then runFleetSim and its report
 * as text or JSON. Exit 0 when nothing was lost, 1 when something was (or the run failed), 2 usage.
 */
import { systemClock } from '../core/clock.js'
import { messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { findMosquitto } from '../mqtt/broker-discovery.js'
import { FLEET_SIM_DEFAULTS, formatFleetSimReport, runFleetSim } from './fleet-sim.js'

export const FLEET_SIM_USAGE = `usage: npm run fleet-sim -- --stations N [--broker URL] [--rate-per-min R] [--duration-s D]
                           [--restart-broker-every-s S] [--drain-timeout-s T] [--telemetry-interval-s I]
                           [--connect-spread-s C] [--reconnect-spread-ms M] [--max-connects-per-s K]
                           [--prefix cs/v1] [--json]`

export interface FleetSimArgs {
  stations?: string | undefined
  broker?: string | undefined
  prefix?: string | undefined
  'rate-per-min'?: string | undefined
  'duration-s'?: string | undefined
  'restart-broker-every-s'?: string | undefined
  'drain-timeout-s'?: string | undefined
  'telemetry-interval-s'?: string | undefined
  'connect-spread-s'?: string | undefined
  /** Stations' mqtt.reconnectSpreadMs. */
  'reconnect-spread-ms'?: string | undefined
  /** Ceiling for the peak reconnects in one second after a broker restart; above it the run fails. */
  'max-connects-per-s'?: string | undefined
  /** `central-ack` (default) or `puback`. */
  json?: boolean | undefined
}

export interface FleetSimIo {
  out: (text: string) => void
  err: (text: string) => void
  /** Search path for mosquitto and an override, from the environment (main.ts). */
  mosquittoOverride?: string
  searchPath?: string
  resources: () => { rssBytes: number; cpuMs: number }
  log: Logger
}

/** `--name N`: a positive number (or whole number), else a usage error naming the option. */
function numberArg(args: FleetSimArgs, name: keyof FleetSimArgs, fallback: number | undefined, whole: boolean): number | undefined {
  const raw = args[name]
  if (raw === undefined || typeof raw === 'boolean') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a positive ${whole ? 'whole ' : ''}number (got ${raw})`)
  }
  return value
}

export async function fleetSimCommand(args: FleetSimArgs, io: FleetSimIo): Promise<number> {
  let stations: number
  let settings
  try {
    const count = numberArg(args, 'stations', undefined, true)
    if (count === undefined) throw new Error('--stations is required')
    stations = count
    settings = {
      ratePerMin: numberArg(args, 'rate-per-min', FLEET_SIM_DEFAULTS.ratePerMin, false) ?? FLEET_SIM_DEFAULTS.ratePerMin,
      durationS: numberArg(args, 'duration-s', FLEET_SIM_DEFAULTS.durationS, false) ?? FLEET_SIM_DEFAULTS.durationS,
      restartBrokerEveryS: numberArg(args, 'restart-broker-every-s', undefined, false),
      drainTimeoutS: numberArg(args, 'drain-timeout-s', FLEET_SIM_DEFAULTS.drainTimeoutS, false) ?? FLEET_SIM_DEFAULTS.drainTimeoutS,
      telemetryIntervalS:
        numberArg(args, 'telemetry-interval-s', FLEET_SIM_DEFAULTS.telemetryIntervalS, false) ?? FLEET_SIM_DEFAULTS.telemetryIntervalS,
      // About 20 connects a second by default: a city's stations do not boot in the same second.
      connectSpreadS: numberArg(args, 'connect-spread-s', Math.max(1, count / 20), false) ?? 1,
      reconnectSpreadMs: numberArg(args, 'reconnect-spread-ms', FLEET_SIM_DEFAULTS.reconnectSpreadMs, true) ?? FLEET_SIM_DEFAULTS.reconnectSpreadMs,
      maxConnectsPerS: numberArg(args, 'max-connects-per-s', undefined, true),
    }
    if (settings.restartBrokerEveryS !== undefined && args.broker !== undefined) {
      throw new Error('--restart-broker-every-s restarts the private broker: leave out --broker')
    }
  } catch (error) {
    io.err(`${messageOf(error)}\n${FLEET_SIM_USAGE}`)
    return 2
  }
  const binary =
    args.broker === undefined
      ? await findMosquitto({
          ...(io.mosquittoOverride === undefined ? {} : { override: io.mosquittoOverride }),
          ...(io.searchPath === undefined ? {} : { searchPath: io.searchPath }),
        })
      : null
  if (args.broker === undefined && binary === null) {
    io.err('fleet-sim: no --broker given and no mosquitto found (apt-get install mosquitto, or STATION_MOSQUITTO=path)')
    return 1
  }
  try {
    const report = await runFleetSim({
      stations,
      ...(args.broker === undefined ? {} : { brokerUrl: args.broker }),
      ...(binary === null ? {} : { mosquittoBinary: binary }),
      prefix: args.prefix ?? FLEET_SIM_DEFAULTS.prefix,
      ratePerMin: settings.ratePerMin,
      durationS: settings.durationS,
      ...(settings.restartBrokerEveryS === undefined ? {} : { restartBrokerEveryS: settings.restartBrokerEveryS }),
      drainTimeoutS: settings.drainTimeoutS,
      telemetryIntervalS: settings.telemetryIntervalS,
      connectSpreadS: settings.connectSpreadS,
      keepaliveS: FLEET_SIM_DEFAULTS.keepaliveS,
      reconnectMinMs: FLEET_SIM_DEFAULTS.reconnectMinMs,
      reconnectMaxMs: FLEET_SIM_DEFAULTS.reconnectMaxMs,
      reconnectSpreadMs: settings.reconnectSpreadMs,
      connectTimeoutMs: FLEET_SIM_DEFAULTS.connectTimeoutMs,
      clock: systemClock,
      log: io.log,
      random: Math.random,
      progress: (line) => io.err(line),
      resources: io.resources,
    })
    io.out(args.json === true ? JSON.stringify(report, null, 2) : formatFleetSimReport(report))
    const { maxConnectsPerS } = settings
    if (maxConnectsPerS !== undefined && report.peakReconnectsPerS > maxConnectsPerS) {
      io.err(`fleet-sim: ${report.peakReconnectsPerS} reconnects in one second, above --max-connects-per-s ${maxConnectsPerS}`)
      return 1
    }
    return report.lost === 0 ? 0 : 1
  } catch (error) {
    io.err(`fleet-sim: ${messageOf(error)}`)
    return 1
  }
}
