import type { Config } from '../config/schema.js'
import type { FlowDefinition } from '../flows/engine/flow-types.js'
import type { ResidentView } from './kiosk/resident-view.js'
import type { MaintenanceMode } from './maintenance.js'
import type { MqttLink } from './mqtt/mqtt-link.js'
import type { Outbox, SetAsideCode, StorageState } from './outbox/outbox-types.js'
import type { Health } from './core/health.js'

/** What the station says about its storage in status and telemetry (docs/storage-faults.md): codes and counts, never content. */
export interface OutboxStorageReport {
  /** Whether new submissions are taken; the storage watch's decision (runtime/state/storage-watch.ts). */
  storage: StorageState
  damage: {
    /** Records set aside (aside.log), by code. */
    setAside: Record<SetAsideCode, number>
    /** Bytes and regions that did not frame, found when the outbox was opened (kept in `.damaged-*` copies). */
    damagedBytes: number
    damagedRegions: number
    /** Bytes cut off the end of the newest segment at open: an interrupted write, or damage there. */
    tornBytes: number
  }
}

/** The storage part of status and telemetry, from the outbox and the storage watch. */
export function outboxStorageReport(outbox: Pick<Outbox, 'damage'>, storage: StorageState, tornBytes: number): OutboxStorageReport {
  const damage = outbox.damage()
  return {
    storage: { ...storage },
    damage: { setAside: { ...damage.setAside }, damagedBytes: damage.damagedBytes, damagedRegions: damage.damagedRegions, tornBytes },
  }
}

/** What `station status` shows; for technicians and operators, so never personal data. */
export interface StatusReport {
  ready: boolean
  station: string
  version: string
  bootId: string
  bootCount: number
  simulated: boolean
  phase: string
  /** Out of service, and why; `enclosureOpen` comes from the tamper switch. */
  maintenance: { on: boolean; reason: string | null; enclosureOpen: boolean }
  step: { flow: string; step: string | null } | null
  /** The resident's screen and session (runtime/kiosk/resident-view.ts): flow, step and time, never personal data. */
  session: ResidentView
  outbox: { depth: number; oldestAgeS: number | null } & Partial<OutboxStorageReport>
  link: { configured: boolean; connected: boolean; broker: string | null }
  devices: Record<string, Health>
  flows: Array<{ id: string; version: number }>
  /**
   * A simulated station's own bookkeeping, so its bounds can be watched from outside: the I2C
   * transactions the simulated bus keeps (at most drivers/bounded-log.ts's bound) and has run.
   */
  sim?: { i2cLogKept: number; i2cTransactions: number }
}

export interface StatusInputs {
  ready: boolean
  config: Config
  version: string
  bootId: string
  bootCount: number
  nowMs: number
  outbox: Outbox
  link: MqttLink | null
  brokerUrl: string | null
  health: Record<string, Health>
  /** The kiosk's view of the resident (Kiosk.view()). */
  session: ResidentView
  flows: FlowDefinition[]
  maintenance: Pick<MaintenanceMode, 'on' | 'reason' | 'enclosureOpen'>
  /** Storage state and damage counts; absent where no storage watch runs. */
  outboxStorage?: OutboxStorageReport
  /** The simulated I2C bus, on a simulated station. */
  simBus?: { readonly transactions: readonly unknown[]; readonly transactionCount: number }
}

export function statusReport(inputs: StatusInputs): StatusReport {
  const oldest = inputs.outbox.oldestCreatedAtMs()
  const session = inputs.session
  return {
    ready: inputs.ready,
    station: inputs.config.station.id,
    version: inputs.version,
    bootId: inputs.bootId,
    bootCount: inputs.bootCount,
    simulated: inputs.config.hardware.simulated,
    phase: session.phase,
    maintenance: {
      on: inputs.maintenance.on,
      reason: inputs.maintenance.reason,
      enclosureOpen: inputs.maintenance.enclosureOpen,
    },
    step: session.flow === null ? null : { flow: session.flow, step: session.step },
    session,
    outbox: {
      depth: inputs.outbox.depth(),
      oldestAgeS: oldest === null ? null : Math.max(0, Math.round((inputs.nowMs - oldest) / 1000)),
      ...inputs.outboxStorage,
    },
    link: {
      configured: inputs.brokerUrl !== null,
      connected: inputs.link?.isConnected ?? false,
      // The link knows which of mqtt.urls it uses or tries now; brokerUrl is only the configured one.
      broker: inputs.link?.broker ?? (inputs.brokerUrl ? withoutCredentials(inputs.brokerUrl) : null),
    },
    devices: inputs.health,
    flows: inputs.flows.map((flow) => ({ id: flow.id, version: flow.version })),
    ...(inputs.simBus ? { sim: { i2cLogKept: inputs.simBus.transactions.length, i2cTransactions: inputs.simBus.transactionCount } } : {}),
  }
}

/** Broker URLs may carry user:password; status output never does. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    return parsed.toString().replace(/\/$/, '')
  } catch {
    return '(invalid url)'
  }
}

/** Human-readable lines for `station status` without --json. */
export function formatStatus(report: StatusReport): string {
  const lines = [
    `station ${report.station} ${report.ready ? 'ready' : 'starting'} (version ${report.version}${report.simulated ? ', simulated' : ''})`,
    `resident screen: ${report.phase}${report.step ? ` (${report.step.flow} / ${report.step.step ?? '-'})` : ''}`,
    ...(report.maintenance.on ? [`maintenance: on (${report.maintenance.reason ?? 'unknown'})`] : []),
    ...(report.maintenance.enclosureOpen ? ['enclosure: OPEN (tamper switch)'] : []),
    `outbox: ${report.outbox.depth} waiting${report.outbox.oldestAgeS === null ? '' : `, oldest ${report.outbox.oldestAgeS} s`}`,
    ...storageLines(report.outbox),
    `broker: ${report.link.configured ? `${report.link.broker} ${report.link.connected ? 'connected' : 'disconnected'}` : 'none (offline, submissions kept in the outbox)'}`,
    'devices:',
    ...Object.entries(report.devices).map(
      ([name, health]) => `  ${name.padEnd(14)} ${health.state}${health.lastError ? ` (${health.lastError})` : ''}`,
    ),
    `flows: ${report.flows.map((flow) => `${flow.id}@${flow.version}`).join(', ') || 'none'}`,
  ]
  return lines.join('\n')
}

/** Lines only when something is wrong: a full disk or damage found (docs/storage-faults.md). */
function storageLines(outbox: StatusReport['outbox']): string[] {
  const lines: string[] = []
  if (outbox.storage?.state === 'full') lines.push(`storage: FULL (${outbox.storage.reason ?? 'unknown'}), new submissions refused`)
  const damage = outbox.damage
  if (damage) {
    const aside = damage.setAside.undecryptable + damage.setAside.damaged
    if (aside > 0) lines.push(`outbox set aside: ${damage.setAside.undecryptable} undecryptable, ${damage.setAside.damaged} damaged (aside.log)`)
    if (damage.damagedRegions > 0 || damage.tornBytes > 0) {
      lines.push(`outbox damage at start: ${damage.damagedRegions} regions, ${damage.damagedBytes} bytes, ${damage.tornBytes} bytes cut off the tail`)
    }
  }
  return lines
}
