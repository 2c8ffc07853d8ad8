/**
 * The newest entries of a record a simulator keeps for tests and `station sim` (I2C transactions,
 * GPIO changes, PN532 commands, printed receipts), with a running count of every entry ever added.
 * A simulated station runs for days; a record that only grows is a leak (docs/benchmarks.md, Idle).
 */

/** Entries kept by default: far more than any test or look at the simulator needs at once. */
export const DEFAULT_LOG_CAPACITY = 4096

export class BoundedLog<T> {
  readonly capacity: number
  #entries: T[] = []
  #total = 0

  /** Throws a TypeError unless `capacity` is a positive integer. */
  constructor(capacity = DEFAULT_LOG_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError(`capacity must be a positive integer (got ${capacity})`)
    this.capacity = capacity
  }

  /** The kept entries, oldest first: at most `capacity`, the newest. A live view, not a copy. */
  get entries(): readonly T[] {
    return this.#entries
  }

  /** How many entries were ever added, dropped or not (not reset by `clear`). */
  get total(): number {
    return this.#total
  }

  push(...entries: T[]): void {
    for (const entry of entries) {
      this.#entries.push(entry)
      this.#total += 1
      // V8 shifts a large array by moving its start, so this stays cheap at any capacity.
      if (this.#entries.length > this.capacity) this.#entries.shift()
    }
  }

  /** Forgets the kept entries; `total` keeps counting. */
  clear(): void {
    this.#entries.length = 0
  }
}
