/**
 * What `station tui` reads from the station once a second (control command `tui.snapshot`,
 * docs/operations.md "Technician"). Types only: both the station and the TUI import this file,
 * and nothing here may carry citizen data (docs/privacy.md).
 */

export type DeviceState = 'ok' | 'degraded' | 'faulty' | 'absent' | 'stopped' | 'starting'

export interface DeviceCounters {
  /** Cards, documents or keys the device delivered (readers and keypad). */
  reads: number
  /** Receipts printed to the end. */
  prints: number
  /** Restarts the supervisor scheduled after a failure. */
  retries: number
  /** Times the device went from working to degraded, faulty or absent. */
  faults: number
}

export interface PrinterPaper {
  paper: 'ok' | 'near-end' | 'out'
  cover: 'open' | 'closed'
  online: boolean
}

export interface DeviceRow {
  name: string
  state: DeviceState
  lastError: string | null
  lastErrorCode: string | null
  counters: DeviceCounters
  /** Only for the printer, once it answered a status query. */
  printer?: PrinterPaper
}

export interface LinkPanel {
  configured: boolean
  connected: boolean
  /** `scheme://host:port`, never credentials. */
  broker: string | null
  connectedSinceMs: number | null
  lastPublishMs: number | null
  reconnects: number
  /** The client certificate's subject and expiry, when the link uses TLS with one. */
  tls: { subject: string; validTo: string } | null
  lastError: string | null
}

export interface OutboxPanel {
  depth: number
  oldestAgeS: number | null
  /** Delivered (acknowledged by central) since local midnight, counted while the station ran. */
  deliveredToday: number
  lastError: string | null
}

/** Whether someone stands in front of the station: flow and step ids only, never who or what they answered. */
export interface SessionPanel {
  /** Kiosk phase: welcome, menu, session, ended, maintenance. */
  phase: string
  residentPresent: boolean
  flow: string | null
  step: string | null
  /** Since the flow started; null outside a flow. */
  elapsedS: number | null
}

export interface RecentEvent {
  atMs: number
  type: string
  fields: Record<string, string | number | boolean>
}

export interface LogLine {
  atMs: number
  level: string
  /** The redacted log line, short: component, message and simple fields. */
  text: string
}

/** A hardware test the technician started from the TUI, and what it saw so far. */
export type HardwareTest =
  | { kind: 'keys'; keys: string[]; endsInS: number }
  | { kind: 'card'; endsInS: number; result: { kind: string; masked: string } | { unreadable: string } | null }
  | { kind: 'display'; endsInS: number }

export interface TuiSnapshot {
  station: string
  version: string
  ready: boolean
  simulated: boolean
  nowMs: number
  maintenance: { on: boolean; reason: string | null; enclosureOpen: boolean }
  devices: DeviceRow[]
  link: LinkPanel
  outbox: OutboxPanel
  session: SessionPanel
  test: HardwareTest | null
  events: RecentEvent[]
  log: LogLine[]
}
