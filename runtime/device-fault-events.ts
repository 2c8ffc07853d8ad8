import type { EventBus } from './bus/event-bus.js'
import type { StationEvents } from './bus/events.js'

/**
 * Turns device health changes into what central hears: one `device.fault` when a device goes bad (or
 * goes bad in a new way), one `device.recovered` when it is back; start-up and shutdown are not news.
 */
export class DeviceFaultEvents {
  #bus: EventBus<StationEvents>
  #troubled = new Map<string, { key: string; fields: Record<string, string> }>()

  constructor(bus: EventBus<StationEvents>) {
    this.#bus = bus
    bus.on('device.health', ({ device, health }) => {
      const bad = health.state === 'faulty' || health.state === 'absent' || health.state === 'degraded'
      if (bad) {
        // A device retried while still absent reports the same fault each attempt: central hears it once.
        const key = `${health.state}:${health.lastError ?? ''}`
        if (this.#troubled.get(device)?.key === key) return
        const fields = {
          device,
          state: health.state,
          ...(health.lastError ? { reason: health.lastError } : {}),
          ...(health.lastErrorCode ? { code: health.lastErrorCode } : {}),
        }
        this.#troubled.set(device, { key, fields })
        bus.emit('station.event', { type: 'device.fault', fields })
      } else if (health.state === 'ok' && this.#troubled.delete(device)) {
        bus.emit('station.event', { type: 'device.recovered', fields: { device } })
      }
    })
  }

  /**
   * Sends `device.fault` again for every device still in trouble. Events are not queued while offline,
   * so the station calls this on each (re)connection: a device absent since boot is not known only
   * from telemetry.
   */
  repeat(): void {
    for (const { fields } of this.#troubled.values()) this.#bus.emit('station.event', { type: 'device.fault', fields })
  }
}
