import type { Logger } from '../core/logger.js'

export type Unsubscribe = () => void

/**
 * Typed publish/subscribe inside the process. Listeners run synchronously in subscription order;
 * a throwing listener is logged and isolated so the others still run.
 */
export class EventBus<Events extends { [K in keyof Events]: unknown }> {
  #listeners = new Map<keyof Events, Set<(payload: never) => void>>()
  #log: Logger

  constructor(log: Logger) {
    this.#log = log
  }

  on<Name extends keyof Events>(name: Name, listener: (payload: Events[Name]) => void): Unsubscribe {
    let set = this.#listeners.get(name)
    if (!set) {
      set = new Set()
      this.#listeners.set(name, set)
    }
    const entry = listener as (payload: never) => void
    set.add(entry)
    return () => set.delete(entry)
  }

  emit<Name extends keyof Events>(name: Name, payload: Events[Name]): void {
    const set = this.#listeners.get(name)
    if (!set) return
    for (const listener of [...set]) {
      try {
        ;(listener as (payload: Events[Name]) => void)(payload)
      } catch (err) {
        this.#log.error({ err, event: String(name) }, 'event listener failed')
      }
    }
  }
}
