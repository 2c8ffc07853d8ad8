import type { Printer } from '../../drivers/printer/printer.js'
import type { Clock } from '../core/clock.js'
import type { ControlHandler } from '../control/control-server.js'
import { StationError } from '../core/errors.js'
import { testReceipt } from '../ops/command-handlers.js'
import type { StatusReport } from '../status-report.js'
import type { Health } from '../core/health.js'
import type { DeviceRow, DeviceState, TuiSnapshot } from '../tui/tui-snapshot.js'
import type { HardwareTests } from './hardware-tests.js'
import type { LogRing } from './log-ring.js'
import type { StationActivity } from './station-activity.js'
import type { TlsIdentity } from './tls-identity.js'

/** Events and log lines in one snapshot: more than any terminal shows. */
const SNAPSHOT_EVENTS = 20
const SNAPSHOT_LOG_LINES = 40
const MAX_LIMIT = 200

export interface TechnicianDeps {
  clock: Clock
  stationId: string
  status(): StatusReport
  /** Names of the device services (the device rows, and what device.restart accepts). */
  deviceNames(): readonly string[]
  activity: StationActivity
  tests: HardwareTests
  logRing?: LogRing | undefined
  /** The MQTT link, when there is a broker. */
  link: { readonly lastPublishAtMs: number | null; health(): Health } | null
  drain: { drainNow(): void; health(): Health } | null
  printer: Printer
  restartDevice(name: string): Promise<Health | undefined>
  tlsIdentity?: (() => Promise<TlsIdentity>) | undefined
}

/**
 * Control commands for the field technician's `station tui` (docs/operations.md "Technician"):
 * one snapshot of everything the screen shows, and the actions its keys start. Reads never
 * carry citizen data; the card test shows a masked number only.
 */
export function technicianControlHandlers(deps: TechnicianDeps): Record<string, ControlHandler> {
  return {
    'tui.snapshot': () => snapshot(deps),
    'events.recent': (args) => ({ events: deps.activity.recentEvents(limitOf(args)) }),
    'log.tail': (args) => ({ lines: deps.logRing?.tail(limitOf(args)) ?? [] }),
    'print.test': async () => {
      const before = await deps.printer.status()
      await deps.printer.print(testReceipt(deps.stationId, deps.clock.now(), before, 'a technician'))
      return { printed: true, printer: before }
    },
    'card.read': () => {
      deps.tests.startCard()
      return { test: deps.tests.current() }
    },
    'keys.test': (args) => {
      if (typeof args.on !== 'boolean') throw new StationError('E_CONTROL_REQUEST', 'keys.test needs on: true or false')
      if (args.on) deps.tests.startKeys()
      else if (deps.tests.current()?.kind === 'keys') deps.tests.stop()
      return { test: deps.tests.current() }
    },
    'display.test': () => {
      deps.tests.startDisplay()
      return { test: deps.tests.current() }
    },
    'test.stop': () => {
      deps.tests.stop()
      return { test: null }
    },
    'outbox.drain': () => {
      if (!deps.drain) throw new StationError('E_CONTROL_REQUEST', 'no broker is configured: the outbox waits for one')
      deps.drain.drainNow()
      return { requested: true }
    },
    'device.restart': async (args) => {
      const names = deps.deviceNames()
      if (typeof args.name !== 'string' || !names.includes(args.name)) {
        throw new StationError('E_CONTROL_REQUEST', `device.restart needs name: one of ${names.join(', ')}`)
      }
      return { name: args.name, health: (await deps.restartDevice(args.name)) ?? null }
    },
  }
}

function limitOf(args: Record<string, unknown>): number {
  const limit = args.limit === undefined ? 20 : Number(args.limit)
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT) {
    throw new StationError('E_CONTROL_REQUEST', `limit must be 0-${MAX_LIMIT} (got ${String(args.limit)})`)
  }
  return limit
}

async function snapshot(deps: TechnicianDeps): Promise<TuiSnapshot> {
  const report = deps.status()
  const nowMs = deps.clock.now()
  const { activity } = deps
  const devices: DeviceRow[] = deps.deviceNames().map((name) => {
    const health = report.devices[name] ?? { state: 'stopped' }
    const paper = name === 'printer' ? activity.printerPaper : undefined
    return {
      name,
      state: health.state as DeviceState,
      lastError: health.lastError ?? null,
      lastErrorCode: health.lastErrorCode ?? null,
      counters: activity.counters(name),
      ...(paper ? { printer: paper } : {}),
    }
  })
  const drainHealth = deps.drain?.health()
  return {
    station: report.station,
    version: report.version,
    ready: report.ready,
    simulated: report.simulated,
    nowMs,
    maintenance: report.maintenance,
    devices,
    link: {
      configured: report.link.configured,
      connected: report.link.connected,
      broker: report.link.broker,
      connectedSinceMs: report.link.connected ? activity.connectedSinceMs : null,
      lastPublishMs: deps.link?.lastPublishAtMs ?? null,
      reconnects: activity.reconnects,
      tls: deps.tlsIdentity ? await deps.tlsIdentity() : null,
      lastError: report.link.connected ? null : (deps.link?.health().lastError ?? null),
    },
    outbox: {
      depth: report.outbox.depth,
      oldestAgeS: report.outbox.oldestAgeS,
      deliveredToday: activity.deliveredToday,
      lastError: drainHealth?.lastError ?? null,
    },
    session: report.session,
    test: deps.tests.current(),
    events: activity.recentEvents(SNAPSHOT_EVENTS),
    log: deps.logRing?.tail(SNAPSHOT_LOG_LINES) ?? [],
  }
}
