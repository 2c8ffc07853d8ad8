/**
 * What the status LEDs say from across the lobby: red for someone to come and look (a device down,
 * or maintenance), blinking green while a resident is being served, steady green when the station
 * waits for the next one. The policy follows `station.condition` on the bus, published after every
 * look at device health (runtime/device-health-watch.ts) and every kiosk phase change; the LED
 * device only shows what it is told.
 */
import type { LedState } from '../../drivers/outputs/status-leds.js'
import type { EventBus, Unsubscribe } from '../bus/event-bus.js'
import type { StationCondition, StationEvents } from '../bus/events.js'

/** The LED state for the station's condition. */
export function ledStateFor(condition: StationCondition): LedState {
  if (condition.maintenance || condition.anyFault) return 'fault'
  return condition.phase === 'welcome' ? 'ok' : 'busy'
}

export interface StatusLedPolicyOptions {
  bus: EventBus<StationEvents>
  /** Shows a state (the LED device keeps it across its own restarts). */
  show: (state: LedState) => void
}

export class StatusLedPolicy {
  #o: StatusLedPolicyOptions
  #unsubscribe: Unsubscribe | null = null

  constructor(options: StatusLedPolicyOptions) {
    this.#o = options
  }

  /** Subscribes. Idempotent. */
  start(): void {
    this.#unsubscribe ??= this.#o.bus.on('station.condition', (condition) => this.#o.show(ledStateFor(condition)))
  }

  stop(): void {
    this.#unsubscribe?.()
    this.#unsubscribe = null
  }
}
