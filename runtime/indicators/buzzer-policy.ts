/**
 * What the resident hears: a short chirp for success, a long tone for a refusal, an alarm when the
 * enclosure is opened, and (when hardware.buzzer.keyClick) a click for each key. The policy listens
 * to the station's bus; the buzzer device only plays what it is told.
 */
import type { BeepName } from '../../drivers/outputs/buzzer.js'
import type { EventBus, Unsubscribe } from '../bus/event-bus.js'
import type { StationEvents } from '../bus/events.js'

/** Kiosk and station events (`station.event` types) that sound, and how. */
const BEEP_FOR_EVENT: Readonly<Record<string, BeepName>> = {
  'card.accepted': 'ok',
  'flow.completed': 'ok',
  'card.rejected': 'error',
  'card.unreadable': 'error',
  'key.ignored': 'error',
  'tamper.opened': 'alarm',
}

/** The beep for a station event of `type`, or undefined for a silent one. */
export function beepForEvent(type: string): BeepName | undefined {
  return Object.hasOwn(BEEP_FOR_EVENT, type) ? BEEP_FOR_EVENT[type] : undefined
}

export interface BuzzerPolicyOptions {
  bus: EventBus<StationEvents>
  /** Plays a pattern; never throws (the buzzer device degrades itself on a failure). */
  beep: (name: BeepName) => void
  /** A click for each key pressed (hardware.buzzer.keyClick). */
  keyClick: boolean
}

export class BuzzerPolicy {
  #o: BuzzerPolicyOptions
  #unsubscribe: Unsubscribe[] = []

  constructor(options: BuzzerPolicyOptions) {
    this.#o = options
  }

  /**
   * Subscribes. Started before the kiosk's own key listener, so a key's click sounds before a refusal
   * the key causes. Idempotent.
   */
  start(): void {
    if (this.#unsubscribe.length > 0) return
    const { bus, beep, keyClick } = this.#o
    if (keyClick) this.#unsubscribe.push(bus.on('key.pressed', () => beep('key')))
    this.#unsubscribe.push(
      bus.on('station.event', ({ type }) => {
        const name = beepForEvent(type)
        if (name) beep(name)
      }),
    )
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe()
  }
}
