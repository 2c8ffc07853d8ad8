/**
 * An in-process station on simulated hardware for tests: started with the real startStation, driven
 * through its control socket (the `station sim` commands), its JSON log kept in memory.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { defaultConfig } from '../../config/defaults.js'
import type { Config } from '../../config/schema.js'
import { systemClock } from '../../runtime/core/clock.js'
import { controlRequest } from '../../runtime/control/control-client.js'
import type { Hardware } from '../../runtime/hardware/hardware.js'
import { openHardware } from '../../runtime/hardware/open-hardware.js'
import type { SimRig } from '../../runtime/hardware/sim-rig.js'
import { startStation, type RunningStation } from '../../runtime/station.js'
import type { StatusReport } from '../../runtime/status-report.js'
import { waitUntil } from './wait-until.js'
import { captureLog } from './capture-log.js'
import { testDir } from './test-dir.js'

/** The bundled flows. */
export const FLOWS_DIR = fileURLToPath(new URL('../../flows', import.meta.url))

export interface Running {
  /** The simulated hardware under the station. */
  hardware: Hardware
  /** The simulated chips behind it, to act on as a person would. */
  sim: SimRig
  station: RunningStation
  config: Config
  logLines: Array<Record<string, unknown>>
  request(cmd: string, args?: Record<string, unknown>): Promise<unknown>
  status(): Promise<StatusReport>
  press(...keys: string[]): Promise<void>
  waitForScreen(pattern: RegExp, timeoutMs?: number): Promise<string>
  waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs?: number): Promise<void>
}

/** Starts a station on a fresh data dir (or `options.dataDir`), stopped at teardown. */
export async function start(t: Test, brokerUrl: string | null, adjust: (config: Config) => void = () => undefined, options: { dataDir?: string } = {}): Promise<Running> {
  const dataDir = options.dataDir ?? join(testDir(t, {}), 'data')
  const config = defaultConfig(dataDir, FLOWS_DIR)
  config.station.id = 'lobby-test'
  config.session.endScreenS = 1
  adjust(config)
  const { hardware, sim } = await openHardware({ ...config.hardware, simulated: true })
  if (!sim) throw new Error('a simulated station comes with its rig')
  // Silent towards the terminal; the lines are kept so the test can look for events and personal data.
  const { log, lines: logLines } = captureLog('info')
  const station = await startStation({ config, hardware, sim, clock: systemClock, log, version: '0.0.0-test', brokerUrl })
  let stopped = false
  t.teardown(async () => {
    if (!stopped) await station.stop()
  })
  const originalStop = station.stop.bind(station)
  const running: Running = {
    station: {
      socketPath: station.socketPath,
      status: () => station.status(),
      reloadFlows: () => station.reloadFlows(),
      finishResidents: (cutShort) => station.finishResidents(cutShort),
      async stop() {
        stopped = true
        await originalStop()
      },
    },
    hardware,
    sim,
    config,
    logLines,
    request: (cmd, args = {}) => controlRequest(station.socketPath, cmd, args),
    status: async () => (await controlRequest(station.socketPath, 'status')) as StatusReport,
    async press(...keys) {
      for (const key of keys) await running.request('sim.press', { key })
    },
    async waitFor(what, check, timeoutMs) {
      await waitUntil(what, check, timeoutMs)
    },
    async waitForScreen(pattern, timeoutMs = 5000) {
      let text = ''
      try {
        await waitUntil(
          `${pattern} on the display`,
          async () => {
            const screen = (await running.request('sim.screen')) as { rows: string[] }
            text = screen.rows.join('\n')
            return pattern.test(text)
          },
          timeoutMs,
        )
      } catch {
        throw new Error(`timed out waiting for ${pattern} on the display (last: ${JSON.stringify(text)})`)
      }
      return text
    },
  }
  return running
}

/** The `event` log lines of one type, in order. */
export function eventsLogged(lines: Array<Record<string, unknown>>, type: string): Array<Record<string, unknown>> {
  return lines.filter((line) => line.msg === 'event' && line.event === type)
}


/**
 * A copy of the bundled flows whose scan_id steps also accept `sources` (e.g. nfc, wiegand), for
 * stations whose card readers should identify residents; the bundled procedures take the CCCD only.
 */
export function flowsAccepting(t: Test, sources: readonly string[]): string {
  const dir = join(testDir(t, {}), 'flows-accepting')
  mkdirSync(dir, { recursive: true })
  for (const file of readdirSync(FLOWS_DIR).filter((name) => /\.(yaml|json)$/.test(name))) {
    const text = readFileSync(join(FLOWS_DIR, file), 'utf8')
    writeFileSync(join(dir, file), file.endsWith('.yaml') ? text.replaceAll('accept: [cccd_qr, mrz]', `accept: [cccd_qr, mrz, ${sources.join(', ')}]`) : text)
  }
  return dir
}
