/**
 * One GPIO line as the drivers see it, whatever carries it: sysfs (onoff), pigpio, or the simulator.
 * Levels are electrical (1 = high); active-low wiring is the driver's business, not the line's.
 */

/** An electrical level: 0 = low, 1 = high. */
export type GpioLevel = 0 | 1

/** Which level changes a watcher wants: to high, to low, or both. */
export type GpioEdge = 'rising' | 'falling' | 'both'

/**
 * Called once per level change, in the order the changes happened. `tickUs` is a 32-bit microsecond tick
 * that wraps at 2^32 (about 71.6 min), like pigpio's; compare ticks only with `tickDiffUs` (gpio-tick.ts).
 */
export type GpioEdgeListener = (level: GpioLevel, tickUs: number) => void

/** Stops one watcher. Idempotent. */
export type Unwatch = () => void

/** A GPIO line opened in one direction. Every method rejects with a StationError after the line is gone. */
export interface GpioLine {
  /** The current level. Rejects with E_DEVICE_ABSENT when the line cannot be read, E_CANCELED after close. */
  read(): Promise<GpioLevel>
  /** Drives the line (output lines). Rejects like `read`. */
  write(level: GpioLevel): Promise<void>
  /**
   * Calls `listener` for each change matching `edge`, with the level after the change and its tick.
   * How faithful the ticks are depends on the adapter: pigpio and the simulator stamp the edge itself,
   * onoff stamps the moment its callback runs (docs/protocols.md 5.3).
   */
  watch(edge: GpioEdge, listener: GpioEdgeListener): Unwatch
  /** Stops all watchers and releases the line. Idempotent. */
  close(): Promise<void>
}
