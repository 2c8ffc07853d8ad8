import type { KeyName } from './key-names.js'

/**
 * The resident-facing keys as the rest of the runtime sees them. One key event per touch: never
 * repeated while the finger stays on the key.
 */
export interface Keypad {
  /**
   * Resets and configures the keypad and starts watching it. Rejects with E_DEVICE_ABSENT when
   * nothing answers, E_DEVICE_PROTOCOL when something else answers at the address.
   */
  start(): Promise<void>
  /** Stops watching and leaves the chip idle. Idempotent; never rejects. */
  stop(): Promise<void>
  /** Calls `listener` once per key press. Returns a function that removes the listener. */
  onKey(listener: (key: KeyName) => void): () => void
}
