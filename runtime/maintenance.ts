import { StationError } from './core/errors.js'
import type { StationState } from './state/station-state.js'

/** Why the station is out of service: the enclosure was opened, a technician asked, or central did. */
export type MaintenanceReason = 'tamper' | 'technician' | 'central'

export interface MaintenanceDeps {
  state: StationState
  /** Applies the mode to the resident's screen (wipes a session on entry) and to the retained MQTT status. */
  apply(on: boolean): void
  /** Tells central; never personal data. */
  event(type: string, fields: Record<string, string | number | boolean>): void
}

/**
 * Maintenance mode: the station serves nobody, the display says so, and the retained status says
 * 'maintenance'. It survives restarts (lowdb state). A tamper opening turns it on; only a technician
 * or central turns it off, and not while the enclosure is still open.
 */
export class MaintenanceMode {
  #deps: MaintenanceDeps
  #on = false
  #reason: MaintenanceReason | null = null
  #enclosureOpen = false

  constructor(deps: MaintenanceDeps) {
    this.#deps = deps
  }

  get on(): boolean {
    return this.#on
  }

  get reason(): MaintenanceReason | null {
    return this.#reason
  }

  get enclosureOpen(): boolean {
    return this.#enclosureOpen
  }

  /** Re-applies what was persisted before the last stop. */
  restore(): void {
    const saved = this.#deps.state.get()
    if (!saved.maintenance) return
    this.#on = true
    this.#reason = saved.maintenanceReason ?? 'technician'
    this.#deps.apply(true)
  }

  /**
   * Turns maintenance on or off, persisted before it resolves. Turning it off while the tamper switch
   * reports the enclosure open is refused with E_CONTROL_REQUEST: someone has to close it first.
   */
  async set(on: boolean, reason: MaintenanceReason): Promise<void> {
    if (!on && this.#enclosureOpen) {
      throw new StationError('E_CONTROL_REQUEST', 'the enclosure is open (tamper switch): close it before leaving maintenance')
    }
    if (on === this.#on && (!on || reason === this.#reason)) return
    this.#on = on
    this.#reason = on ? reason : null
    this.#deps.apply(on)
    await this.#deps.state.update({ maintenance: on, maintenanceReason: on ? reason : undefined })
    this.#deps.event(on ? 'maintenance.entered' : 'maintenance.left', { reason })
  }

  /** The tamper switch settled: opening wipes the session and enters maintenance; closing only reports. */
  async tamper(open: boolean): Promise<void> {
    this.#enclosureOpen = open
    this.#deps.event(open ? 'tamper.opened' : 'tamper.closed', {})
    if (open) await this.set(true, 'tamper')
  }
}
