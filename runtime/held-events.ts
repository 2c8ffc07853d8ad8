/**
 * Events central must hear even when they happen offline (docs/storage-faults.md): damage found at
 * start, before the link is up, and records set aside while it is down. Events are otherwise not
 * queued offline (docs/mqtt.md), so these are held here, bounded, and sent on the next connection.
 * Codes and counts only, like every event.
 */
export type EventFields = Record<string, string | number | boolean>

/** More than this while offline keeps the newest; the counts in status and telemetry stay whole. */
const MAX_HELD_EVENTS = 32

export class HeldEvents {
  readonly #emit: (type: string, fields: EventFields) => void
  readonly #isConnected: () => boolean
  #held: Array<{ type: string; fields: EventFields }> = []

  constructor(options: { emit: (type: string, fields: EventFields) => void; isConnected: () => boolean }) {
    this.#emit = options.emit
    this.#isConnected = options.isConnected
  }

  /** Emits now when connected, else holds it for `connected()`. */
  report(type: string, fields: EventFields): void {
    if (this.#isConnected()) return this.#emit(type, fields)
    this.#held.push({ type, fields })
    if (this.#held.length > MAX_HELD_EVENTS) this.#held.shift()
  }

  /** The link is up: send everything held, oldest first. */
  connected(): void {
    const held = this.#held
    this.#held = []
    for (const { type, fields } of held) this.#emit(type, fields)
  }
}
