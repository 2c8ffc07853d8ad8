import { readFile, statfs } from 'node:fs/promises'
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { parseThrottled, type ThrottledFlag } from '../drivers/platform/pi-health.js'
import type { Clock, TimerHandle } from './core/clock.js'
import type { Logger } from './core/logger.js'
import type { OutboxStorageReport } from './status-report.js'
import type { Health, Service } from './supervisor/service.js'

/** What a telemetry sample is made of; each source is injected so the service stays testable. */
export interface TelemetrySources {
  devices: () => Record<string, Health>
  outbox: () => { depth: number; oldestCreatedAtMs: number | null }
  /** Storage state and damage counts (status-report.ts); absent = not reported. */
  outboxStorage?: () => OutboxStorageReport
  linkConnected: () => boolean
  /** `scheme://host:port` of the broker in use or being tried (MqttLink.broker); absent = null. */
  linkBroker?: () => string | null
  /** Software version of the station; absent = null. */
  version?: string
  /** When this process started (clock ms), for `uptimeS`; absent = when the service was built. */
  startedAtMs?: number
  /**
   * Reads the firmware's throttling register: on a Pi, the text of
   * /sys/devices/platform/soc/soc:firmware/get_throttled (hex without 0x, e.g. `50005`) or
   * `vcgencmd get_throttled` output. Absent off a Pi.
   */
  readThrottled?: () => Promise<string>
  /** Resident set size of this process, from the composition root. */
  rssBytes: () => number
  /** Folder whose file system's free space is reported (the data dir). */
  dataDir: string
  /** Millidegrees Celsius, as the kernel reports it; absent off a Pi. */
  thermalZonePath?: string
}

export interface TelemetrySample {
  ts: string
  devices: Record<string, { state: string; lastError?: string }>
  outbox: { depth: number; oldestAgeS: number | null } & Partial<OutboxStorageReport>
  link: { connected: boolean; broker: string | null }
  version: string | null
  /** Seconds since this station process started. */
  uptimeS: number
  /** Pi under-voltage / throttling (drivers/platform/pi-health.ts); null off a Pi or when unreadable. */
  throttled: { value: string; flags: ThrottledFlag[] } | null
  eventLoopDelayP99Ms: number | null
  rssBytes: number
  cpuTempC: number | null
  diskFreeBytes: number | null
}

/** Parses /sys/class/thermal/thermal_zone0/temp (millidegrees): `48312` -> 48.312. */
export function parseThermalZone(text: string): number | null {
  const value = Number.parseInt(text.trim(), 10)
  return Number.isFinite(value) ? value / 1000 : null
}

/**
 * Parses the get_throttled register as sysfs gives it (`50005`, hex without 0x) or as vcgencmd
 * prints it (`throttled=0x50005`). Throws E_CODEC_INVALID for anything else.
 */
export function parseThrottledRegister(text: string): { value: string; flags: ThrottledFlag[] } {
  const trimmed = text.trim()
  const status = parseThrottled(trimmed.startsWith('throttled=') ? trimmed : `throttled=0x${trimmed}`)
  return { value: status.value, flags: [...status.flags] }
}

/**
 * Publishes a health sample every interval (cs/v1/<station>/telemetry, QoS 0): devices, outbox depth
 * and age, storage state and damage counts, link and broker, version, uptime, event-loop delay, memory, CPU temperature, Pi
 * throttling and free disk. Never personal data.
 */
/** How often the event-loop delay sampler wakes. */
export const EVENT_LOOP_SAMPLE_MS = 1000

export class TelemetryService implements Service {
  readonly name = 'telemetry'
  #sources: TelemetrySources
  #publish: (sample: TelemetrySample) => void
  #clock: Clock
  #intervalMs: number
  #log: Logger
  #timer: TimerHandle | null = null
  #histogram: IntervalHistogram | null = null
  #lastError: string | undefined
  #startedAtMs: number

  constructor(options: {
    sources: TelemetrySources
    publish: (sample: TelemetrySample) => void
    clock: Clock
    intervalMs: number
    log: Logger
  }) {
    this.#sources = options.sources
    this.#publish = options.publish
    this.#clock = options.clock
    this.#intervalMs = options.intervalMs
    this.#log = options.log
    this.#startedAtMs = options.sources.startedAtMs ?? options.clock.now()
  }

  async start(): Promise<void> {
    // The sampler is a timer of its own: at 20 ms it woke an idle station 50 times a second, more than
    // everything else together (docs/benchmarks.md, Idle). Once a second still sees a stall that spans
    // a sample, and a stall long enough to matter spans one.
    this.#histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS })
    this.#histogram.enable()
    this.#schedule()
  }

  async stop(): Promise<void> {
    if (this.#timer) this.#clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#histogram?.disable()
    this.#histogram = null
  }

  health(): Health {
    return this.#lastError ? { state: 'degraded', lastError: this.#lastError } : { state: this.#histogram ? 'ok' : 'stopped' }
  }

  /** Changes the interval (remote config); the next sample comes one new interval from now. */
  setIntervalMs(intervalMs: number): void {
    this.#intervalMs = intervalMs
    if (this.#timer === null) return
    this.#clock.clearTimeout(this.#timer)
    this.#schedule()
  }

  /** One sample now (also used by tests and `station status`). */
  async sample(): Promise<TelemetrySample> {
    const outbox = this.#sources.outbox()
    const nowMs = this.#clock.now()
    const devices: TelemetrySample['devices'] = {}
    for (const [name, health] of Object.entries(this.#sources.devices())) {
      devices[name] = { state: health.state, ...(health.lastError ? { lastError: health.lastError } : {}) }
    }
    const delay = this.#histogram?.percentile(99)
    return {
      ts: new Date(nowMs).toISOString(),
      devices,
      outbox: {
        depth: outbox.depth,
        oldestAgeS: outbox.oldestCreatedAtMs === null ? null : Math.max(0, Math.round((nowMs - outbox.oldestCreatedAtMs) / 1000)),
        ...this.#sources.outboxStorage?.(),
      },
      link: { connected: this.#sources.linkConnected(), broker: this.#sources.linkBroker?.() ?? null },
      version: this.#sources.version ?? null,
      uptimeS: Math.max(0, Math.round((nowMs - this.#startedAtMs) / 1000)),
      throttled: await this.#throttled(),
      eventLoopDelayP99Ms: delay === undefined || Number.isNaN(delay) ? null : Math.round(delay / 1e4) / 100,
      rssBytes: this.#sources.rssBytes(),
      cpuTempC: await this.#cpuTemp(),
      diskFreeBytes: await this.#diskFree(),
    }
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      void this.#tick()
    }, this.#intervalMs)
  }

  async #tick(): Promise<void> {
    try {
      this.#publish(await this.sample())
      this.#lastError = undefined
    } catch (error) {
      this.#lastError = String(error)
      this.#log.warn({ err: error }, 'telemetry sample failed')
    }
    this.#histogram?.reset()
    if (this.#histogram) this.#schedule()
  }

  async #cpuTemp(): Promise<number | null> {
    if (!this.#sources.thermalZonePath) return null
    try {
      return parseThermalZone(await readFile(this.#sources.thermalZonePath, 'utf8'))
    } catch {
      return null
    }
  }

  async #throttled(): Promise<TelemetrySample['throttled']> {
    if (!this.#sources.readThrottled) return null
    try {
      return parseThrottledRegister(await this.#sources.readThrottled())
    } catch (error) {
      // Unknown is reported as null, never as "healthy" (drivers/platform/pi-health.ts).
      this.#log.debug({ err: error }, 'throttling register unreadable')
      return null
    }
  }

  async #diskFree(): Promise<number | null> {
    try {
      const stats = await statfs(this.#sources.dataDir)
      return stats.bavail * stats.bsize
    } catch {
      return null
    }
  }
}
