/**
 * The retained `cs/v1/S/config/reported` message (docs/remote-config.md): what desired config and
 * which flows this station runs, what waits for a restart, and the last refusal of each. Published
 * on every change and again on every connect, so central's view is never older than the link.
 */
import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import type { DesiredRefusal } from './desired-config.js'

/** One flow diagnostic as it travels in a report. */
export interface ReportedDiagnostic {
  code: string
  severity: 'error' | 'warning'
  file: string
  line: number
  step?: string
  message: string
}

export interface FlowsRefusal {
  version: number | null
  reason: string
  message: string
  diagnostics: ReportedDiagnostic[]
  at: string
}

/** Where the flows in use come from: the config's flows.dir (shipped with the package) or an installed bundle. */
export type FlowsSource = 'flows-dir' | 'bundle'

export interface ReportedFlows {
  /** The installed bundle's version; null when running the flows.dir flows. */
  version: number | null
  source: FlowsSource
  /** Set when an installed bundle could not be used at start and the station fell back to flows.dir. */
  fallback?: string
  refused?: FlowsRefusal
}

export interface ConfigReport {
  /** Version of the accepted desired config; 0 = none ever accepted. */
  version: number
  appliedAt: string | null
  /** Paths of the desired config in effect now. */
  applied: string[]
  /** Paths whose new value takes effect at the next restart. */
  pendingRestart: string[]
  /** Live paths accepted but waiting for the resident in front of the station to finish. */
  waitingForSession?: string[]
  refused?: DesiredRefusal
  flows: ReportedFlows
  ts: string
}

export type ReportState = Omit<ConfigReport, 'ts'>

export interface ConfigReporterOptions {
  /** Publishes the report retained at QoS 1; rejects when offline. */
  publish: (payload: Buffer) => Promise<void>
  isConnected: () => boolean
  clock: Clock
  log: Logger
  initial: ReportState
}

export class ConfigReporter {
  #state: ReportState
  readonly #options: ConfigReporterOptions

  constructor(options: ConfigReporterOptions) {
    this.#options = options
    this.#state = options.initial
  }

  /** The report as it would be published now. */
  current(): ConfigReport {
    return { ...this.#state, ts: new Date(this.#options.clock.now()).toISOString() }
  }

  /** Merges `change` into the report and publishes it (an `undefined` field removes it). */
  update(change: { [K in keyof ReportState]?: ReportState[K] | undefined }): void {
    const next: Record<string, unknown> = { ...this.#state }
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) delete next[key]
      else next[key] = value
    }
    this.#state = next as unknown as ReportState
    this.publish()
  }

  /** Publishes the current report; while offline it waits for the next connect (which publishes again). */
  publish(): void {
    if (!this.#options.isConnected()) return
    const payload = Buffer.from(JSON.stringify(this.current()), 'utf8')
    this.#options.publish(payload).catch((error: unknown) => this.#options.log.info({ err: error }, 'config report not published; sent again on reconnect'))
  }
}
