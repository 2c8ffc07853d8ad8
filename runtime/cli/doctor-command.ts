/**
 * `station doctor`: checks what an installation needs, each as pass / warn / fail with a one-line fix
 * (docs/deployment.md, "Checking an installation"). Exit 1 when a check fails; warns do not fail.
 * Each check is its own module under runtime/doctor with its I/O handed in; this file wires them.
 */
import type { Config } from '../../config/schema.js'
import { loadConfig } from '../../config/load.js'
import type { I2cBus } from '../../drivers/i2c/i2c-bus.js'
import { ReopeningI2cBus } from '../../drivers/i2c/reopening-i2c-bus.js'
import { systemClock, type Clock } from '../core/clock.js'
import { brokerCheck, mqttJsConnect, type MqttConnect } from '../doctor/broker-check.js'
import { fail, pass, warn, type CheckResult, type DoctorIo } from '../doctor/check-result.js'
import { clockSyncCheck } from '../doctor/clock-sync-check.js'
import { deviceNodesOf, type DeviceNode } from '../doctor/device-needs.js'
import { deviceNodesCheck } from '../doctor/device-nodes-check.js'
import { diskSpaceCheck } from '../doctor/disk-space-check.js'
import { formatChecks } from '../doctor/format-checks.js'
import { i2cProbeCheck, type I2cTarget } from '../doctor/i2c-probe-check.js'
import { nodeVersionCheck } from '../doctor/node-version-check.js'
import { printerCheck } from '../doctor/printer-check.js'
import { stationIsRunning } from '../doctor/running-station.js'
import { systemdUnitCheck, UNIT_NAME } from '../doctor/systemd-unit-check.js'
import { unitSupplementaryGroups, userGroupsCheck } from '../doctor/user-groups-check.js'
import { openHardware } from '../hardware/open-hardware.js'
import type { ClientIo } from './client-commands.js'
import { bundledFlowsDir, defaultRunDataDir } from './paths.js'

export const DOCTOR_USAGE = 'usage: station doctor [--config F] [--sim] [--data-dir D] [--broker URL] [--user NAME] [--json]'

export interface DoctorOptions {
  configFile?: string | undefined
  dataDir?: string | undefined
  broker?: string | undefined
  /** `--sim`: every device simulated, as `station run --sim`. */
  simulated?: boolean | undefined
  /** The service user whose groups are checked; default the user running doctor. */
  user?: string | undefined
  json: boolean
}

export interface DoctorEnvironment {
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  /** process.version */
  nodeVersion: string
  io: DoctorIo
  clock?: Clock
  connect?: MqttConnect
}

/** The broker that `url: auto` would find first (runtime/mqtt/broker-discovery.ts). */
const AUTO_BROKER_URL = 'mqtt://127.0.0.1:1883'

export async function doctorCommand(options: DoctorOptions, environment: DoctorEnvironment, out: ClientIo): Promise<number> {
  const { env, cwd, io } = environment
  const results: CheckResult[] = [nodeVersionCheck(environment.nodeVersion)]
  const loaded = await loadConfig({
    file: options.configFile,
    env,
    overrides: { dataDir: options.dataDir, brokerUrl: options.broker, simulated: options.simulated },
    bundledFlowsDir: bundledFlowsDir(),
    defaultDataDir: defaultRunDataDir(cwd, options.simulated ?? /^(1|true)$/i.test(env.STATION_SIMULATED ?? ''), env),
    cwd,
  })
  if (loaded.ok) {
    const { config } = loaded
    const kind = config.hardware.simulated ? 'simulated' : 'real'
    results.push(pass('config', `${loaded.source} valid: station ${config.station.id}, ${kind} hardware`))
    results.push(...(await installationChecks(config, options, environment)))
  } else {
    results.push({
      ...fail('config', `${loaded.problems.length} problem${loaded.problems.length === 1 ? '' : 's'} in ${loaded.source}`, 'fix each; station config check --config F lists them too'),
      details: loaded.problems,
    })
  }
  out.out(options.json ? JSON.stringify(results) : formatChecks(results))
  return results.some((result) => result.status === 'fail') ? 1 : 0
}

async function installationChecks(config: Config, options: DoctorOptions, environment: DoctorEnvironment): Promise<CheckResult[]> {
  const { io } = environment
  const hardware = config.hardware
  const results: CheckResult[] = []
  const nodes = deviceNodesOf(hardware)
  let unusable = new Set<string>()
  if (hardware.simulated) results.push(pass('device', 'simulated hardware: no device nodes needed'))
  else {
    const nodeResults = await deviceNodesCheck(io, nodes)
    results.push(...nodeResults)
    unusable = new Set(nodes.filter((_, index) => nodeResults[index]?.status === 'fail').flatMap((node) => node.devices))
    results.push(await userGroupsCheck(io, nodes, options.user ?? null, await unitSupplementaryGroups(io, UNIT_NAME)))
  }
  results.push(...(await deviceProbes(config, nodes, unusable, environment.clock ?? systemClock)))
  results.push(await diskSpaceCheck(io, { dataDir: config.dataDir, reserveBytes: config.storage.reserveBytes, outboxMaxBytes: config.storage.outboxMaxBytes }))
  for (const url of config.mqtt.urls ?? [config.mqtt.url]) results.push(...(await brokerChecks(config, url, environment)))
  results.push(await clockSyncCheck(io))
  results.push(await systemdUnitCheck(io, hardware.simulated))
  return results
}

/**
 * I2C devices at their addresses and the printer's status, through the station's own transports: the
 * simulated chips for a simulated config (doctor's own, never a running station's), the real buses
 * otherwise, opened lazily. A device whose node already failed is not probed again. With a station
 * running on real hardware the probes are skipped (a warn): doctor's transactions would interleave
 * with the station's.
 */
async function deviceProbes(config: Config, nodes: readonly DeviceNode[], unusable: ReadonlySet<string>, clock: Clock): Promise<CheckResult[]> {
  const hardwareConfig = config.hardware
  if (!hardwareConfig.simulated && (await stationIsRunning(config.control.socketPath))) {
    return [warn('probe', 'a station is running: I2C and printer probes skipped', 'systemctl stop citizen-station, run doctor, start it again')]
  }
  const targets: I2cTarget[] = [
    { device: 'display' as const, bus: hardwareConfig.display.bus, address: hardwareConfig.display.address },
    { device: 'keypad' as const, bus: hardwareConfig.keypad.bus, address: hardwareConfig.keypad.address },
    ...(hardwareConfig.nfc.enabled && hardwareConfig.nfc.interface === 'i2c'
      ? [{ device: 'nfc' as const, bus: hardwareConfig.nfc.bus, address: hardwareConfig.nfc.address }]
      : []),
  ].filter((target) => !unusable.has(target.device))
  const results: CheckResult[] = []
  // Opens nothing yet: each bus and port is opened by its first probe.
  const { hardware, sim } = await openHardware(hardwareConfig, clock)
  const otherBuses = new Map<number, I2cBus>()
  try {
    const busFor = (bus: number): I2cBus => {
      // The simulated bus holds every simulated chip; a real second bus is opened only when asked for.
      if (bus === hardwareConfig.display.bus || sim) return hardware.rawI2c
      const known = otherBuses.get(bus)
      if (known) return known
      const opened = lazyNativeBus(bus)
      otherBuses.set(bus, opened)
      return opened
    }
    results.push(...(await i2cProbeCheck(targets, busFor)))
    if (!unusable.has('printer')) results.push(await printerCheck(() => hardware.openPrinterLink(), hardwareConfig.printer, clock))
  } finally {
    for (const bus of otherBuses.values()) await bus.close().catch(() => undefined)
    await hardware.close().catch(() => undefined)
  }
  return results
}

/** A native bus opened on its first transaction; the native module loads only then. */
function lazyNativeBus(bus: number): I2cBus {
  return new ReopeningI2cBus(async () => (await import('../../drivers/i2c/native-i2c-bus.js')).openNativeI2cBus(bus))
}

async function brokerChecks(config: Config, configured: string, environment: DoctorEnvironment): Promise<CheckResult[]> {
  const { io } = environment
  const target = {
    stationId: config.station.id,
    tls: config.mqtt.tls,
    username: config.mqtt.username,
    passwordFile: config.mqtt.passwordFile,
    connectTimeoutMs: config.mqtt.connectTimeoutMs,
  }
  if (configured !== 'auto') return brokerCheck(io, { ...target, url: configured }, environment.connect ?? mqttJsConnect)
  const found = await brokerCheck(io, { ...target, url: AUTO_BROKER_URL, connectTimeoutMs: 1000 }, environment.connect ?? mqttJsConnect)
  if (found.every((result) => result.status !== 'fail')) return found
  return [warn('broker', 'mqtt.url auto: no broker on 127.0.0.1:1883 (station starts its own)', 'pass --broker URL to check the broker a station will use')]
}
