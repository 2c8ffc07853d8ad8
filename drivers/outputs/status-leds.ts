/**
 * The station's two status LEDs (green, red) on GPIO outputs, showing one of a few states as steady or
 * blinking patterns timed on the injected Clock. A line level of 1 lights an LED (LED from GPIO through a
 * resistor to ground); invert in wiring, not here.
 */
import type { Clock, TimerHandle } from '../../runtime/core/clock.js'
import type { GpioLevel, GpioLine } from '../gpio/gpio-line.js'

/** What the LEDs say: nothing, ready, working, needs attention. */
export type LedState = 'off' | 'ok' | 'busy' | 'fault'

/** One step of a pattern: both LED levels, held for `holdMs` before the next step (ignored for one-step patterns). */
export interface LedStep {
  readonly green: GpioLevel
  readonly red: GpioLevel
  readonly holdMs: number
}

/**
 * Patterns as data, repeated until the state changes. `busy` blinks green at 2 Hz (activity, not alarm);
 * `fault` blinks red at 1 Hz, slow enough to read as "come and look" from across a room.
 */
export const LED_PATTERNS: Readonly<Record<LedState, readonly [LedStep, ...LedStep[]]>> = {
  off: [{ green: 0, red: 0, holdMs: 0 }],
  ok: [{ green: 1, red: 0, holdMs: 0 }],
  busy: [
    { green: 1, red: 0, holdMs: 250 },
    { green: 0, red: 0, holdMs: 250 },
  ],
  fault: [
    { green: 0, red: 1, holdMs: 500 },
    { green: 0, red: 0, holdMs: 500 },
  ],
}

/** Options for `StatusLeds`. */
export interface StatusLedsOptions {
  green: GpioLine
  red: GpioLine
  clock: Clock
  /** Called with a write that failed while a pattern ran on its own (the next step still runs). */
  onError?: (error: unknown) => void
}

/** Drives the LEDs. Starts dark; does no I/O until `show`. */
export class StatusLeds {
  #green: GpioLine
  #red: GpioLine
  #clock: Clock
  #onError: (error: unknown) => void
  #state: LedState = 'off'
  #timer: TimerHandle | undefined
  #generation = 0

  constructor(options: StatusLedsOptions) {
    this.#green = options.green
    this.#red = options.red
    this.#clock = options.clock
    this.#onError = options.onError ?? (() => undefined)
  }

  /** The state last asked for. */
  get state(): LedState {
    return this.#state
  }

  /**
   * Shows `state`: the first step is written before this resolves, later steps follow on the clock.
   * Asking for the state already shown changes nothing (a blink keeps its rhythm). Rejects with the
   * lines' errors (E_DEVICE_ABSENT) for the first step.
   */
  async show(state: LedState): Promise<void> {
    if (state === this.#state && this.#generation > 0) return
    this.#state = state
    const generation = ++this.#generation
    this.#cancelTimer()
    await this.#run(generation, 0)
  }

  /** Turns both LEDs off and stops any pattern. Idempotent. */
  async stop(): Promise<void> {
    await this.show('off')
  }

  async #run(generation: number, index: number): Promise<void> {
    const pattern = LED_PATTERNS[this.#state]
    const step = pattern[index % pattern.length] ?? pattern[0]
    // Each step's writes are queued before the next step is scheduled, so steps cannot overtake each other.
    if (pattern.length > 1) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined
        if (generation === this.#generation) this.#run(generation, index + 1).catch(this.#onError)
      }, step.holdMs)
    }
    await Promise.all([this.#green.write(step.green), this.#red.write(step.red)])
  }

  #cancelTimer(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
