/**
 * Puts each device's health on the bus (`device.health`) when its state changes, as the change is
 * pushed: the supervisor tells of every change (a driver's own, a failed start, a restart), so an idle
 * station has no timer for this. A slow sweep stays as the safety net for a change nobody announced.
 * Each look also hands the summary to `looked`, which the station publishes as `station.condition`
 * for the status LEDs (runtime/indicators/status-led-policy.ts): the one stream of health changes.
 */
import type { Clock, TimerHandle } from './core/clock.js'
import type { Health } from './core/health.js'

/** The safety sweep: a missed notification shows within this long (docs/drivers.md, Health). */
export const HEALTH_SWEEP_MS = 30_000

export interface DeviceHealthWatchOptions {
  clock: Clock
  /** The devices whose health is watched, by service name. */
  devices: readonly string[]
  /** Everything's health now (the supervisor's merged view). */
  health: () => Record<string, Health>
  /** Subscribes to health changes; returns the unsubscribe. */
  onChange: (listener: () => void) => () => void
  /** Called for each device whose state changed since last told (starting and stopped are not news). */
  changed: (device: string, health: Health) => void
  /** Called after each look: whether any watched device is faulty or absent. */
  looked: (anyFault: boolean) => void
  sweepMs?: number
}

export class DeviceHealthWatch {
  #o: DeviceHealthWatchOptions
  #lastStates = new Map<string, string>()
  #queued = false
  #running = false
  #sweepTimer: TimerHandle | null = null
  #unsubscribe: (() => void) | null = null

  constructor(options: DeviceHealthWatchOptions) {
    this.#o = options
  }

  /** Looks once now, then on every change and every sweep. Idempotent. */
  start(): void {
    if (this.#running) return
    this.#running = true
    this.#unsubscribe = this.#o.onChange(() => this.queue())
    this.#look()
  }

  /** Looks soon (in a microtask): changes announced together, or from inside a driver, give one look. */
  queue(): void {
    if (this.#queued || !this.#running) return
    this.#queued = true
    queueMicrotask(() => {
      this.#queued = false
      if (this.#running) this.#look()
    })
  }

  stop(): void {
    this.#running = false
    this.#unsubscribe?.()
    this.#unsubscribe = null
    if (this.#sweepTimer) this.#o.clock.clearTimeout(this.#sweepTimer)
    this.#sweepTimer = null
  }

  #look(): void {
    const all = this.#o.health()
    let anyFault = false
    for (const device of this.#o.devices) {
      const health = all[device]
      if (health?.state === 'faulty' || health?.state === 'absent') anyFault = true
      if (!health || health.state === 'starting' || health.state === 'stopped') continue
      if (this.#lastStates.get(device) === health.state) continue
      this.#lastStates.set(device, health.state)
      this.#o.changed(device, health)
    }
    this.#o.looked(anyFault)
    // The sweep counts from the last look, whatever caused it.
    if (this.#sweepTimer) this.#o.clock.clearTimeout(this.#sweepTimer)
    this.#sweepTimer = this.#o.clock.setTimeout(() => {
      this.#sweepTimer = null
      this.#look()
    }, this.#o.sweepMs ?? HEALTH_SWEEP_MS)
  }
}
