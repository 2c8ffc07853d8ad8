/**
 * The enclosure's tamper switch on a GPIO input, debounced on the injected Clock: reports each stable
 * change of the door (open/closed) once, however much the contact bounces.
 */
import type { Clock, TimerHandle } from '../../runtime/core/clock.js'
import type { GpioLevel, GpioLine, Unwatch } from '../gpio/gpio-line.js'

/** Options for `TamperSwitch`. */
export interface TamperSwitchOptions {
  line: GpioLine
  clock: Clock
  /** A level must hold this long, with no edge, to count; default 50 ms (longer than contact bounce). */
  debounceMs?: number
  /**
   * The level that means "open"; default 1: a normally-closed switch to ground with a pull-up reads high
   * when the door opens or the wire is cut, so a cut wire also reports tampering.
   */
  openLevel?: GpioLevel
  /** Called when reading the line after the debounce fails; the next edge tries again. */
  onError?: (error: unknown) => void
}

/** The tamper switch. Stable state is read once at `start`; after that only changes are reported. */
export class TamperSwitch {
  #line: GpioLine
  #clock: Clock
  #debounceMs: number
  #openLevel: GpioLevel
  #onError: (error: unknown) => void
  #open: boolean | null = null
  #timer: TimerHandle | undefined
  #unwatch: Unwatch | undefined
  #listeners = new Set<(open: boolean) => void>()

  constructor(options: TamperSwitchOptions) {
    this.#line = options.line
    this.#clock = options.clock
    this.#debounceMs = options.debounceMs ?? 50
    this.#openLevel = options.openLevel ?? 1
    this.#onError = options.onError ?? (() => undefined)
  }

  /** Last stable state: true = open; null before `start`. */
  get isOpen(): boolean | null {
    return this.#open
  }

  /** Reads the current state and starts watching. Idempotent. Rejects with the line's errors. */
  async start(): Promise<void> {
    if (this.#unwatch) return
    this.#unwatch = this.#line.watch('both', () => this.#onEdge())
    try {
      this.#open = (await this.#line.read()) === this.#openLevel
    } catch (error) {
      this.stop()
      throw error
    }
  }

  /** Stops watching and drops a pending debounce. Idempotent. */
  stop(): void {
    this.#unwatch?.()
    this.#unwatch = undefined
    if (this.#timer) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** Called once per stable change, with the new state. */
  onChange(listener: (open: boolean) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #onEdge(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer)
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      this.#settle().catch(this.#onError)
    }, this.#debounceMs)
  }

  /**
   * Reads the level after the quiet period rather than trusting the last edge's level, which onoff reads
   * late (docs/protocols.md 5.3).
   */
  async #settle(): Promise<void> {
    const open = (await this.#line.read()) === this.#openLevel
    if (this.#unwatch === undefined || open === this.#open) return
    this.#open = open
    for (const listener of this.#listeners) listener(open)
  }
}
