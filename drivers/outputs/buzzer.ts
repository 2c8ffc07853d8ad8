/**
 * The station's buzzer: beep patterns timed on the injected Clock. A passive piezo needs a square wave,
 * so on a line that can do PWM (pigpio) each tone is a PWM burst; otherwise the line is switched on and
 * off, which suits an active buzzer (built-in oscillator).
 */
import type { Clock } from '../../runtime/core/clock.js'
import { StationError } from '../../runtime/core/errors.js'
import type { GpioLine } from '../gpio/gpio-line.js'
import { isPwmLine, type PwmLine } from '../gpio/pwm-line.js'

/** One tone: sound for `onMs` (> 0), then silence for `offMs` (>= 0). */
export interface BeepTone {
  readonly onMs: number
  readonly offMs: number
}

/** Tones played in order. */
export type BeepPattern = readonly BeepTone[]

/** Named patterns: a short tick for a key, two chirps for success, one long tone for an error. */
export const BEEPS = {
  key: [{ onMs: 30, offMs: 0 }],
  ok: [
    { onMs: 80, offMs: 60 },
    { onMs: 80, offMs: 0 },
  ],
  error: [{ onMs: 500, offMs: 0 }],
  alarm: [
    { onMs: 200, offMs: 100 },
    { onMs: 200, offMs: 100 },
    { onMs: 200, offMs: 100 },
  ],
} as const satisfies Record<string, BeepPattern>

/** A name from BEEPS. */
export type BeepName = keyof typeof BEEPS

/** Options for `Buzzer`. */
export interface BuzzerOptions {
  /** A PwmLine drives a passive piezo with a square wave; a plain GpioLine is switched on and off. */
  line: GpioLine | PwmLine
  clock: Clock
  /**
   * PWM tone frequency; default 2700 Hz, inside the 2–4 kHz resonance band of common piezo discs
   * (use the part's datasheet resonance for the loudest tone). Ignored on a plain GpioLine.
   */
  frequencyHz?: number
  /** PWM duty cycle 0..1 while sounding; default 0.5 (a square wave, loudest on a piezo). */
  dutyCycle?: number
}

/** Plays beep patterns one after another. Silent until `beep`. */
export class Buzzer {
  #line: GpioLine | PwmLine
  #clock: Clock
  #frequencyHz: number
  #dutyCycle: number
  #tail: Promise<void> = Promise.resolve()
  #abort = new AbortController()

  constructor(options: BuzzerOptions) {
    this.#line = options.line
    this.#clock = options.clock
    this.#frequencyHz = options.frequencyHz ?? 2700
    this.#dutyCycle = options.dutyCycle ?? 0.5
  }

  /**
   * Plays `pattern` (a BEEPS name or tones) after any beep already playing; resolves when it has finished.
   * Throws a TypeError for a bad tone. Rejects with E_CANCELED when `stop` cuts it short, and with the
   * line's error (E_DEVICE_ABSENT) when the line fails, after trying to silence it.
   */
  beep(pattern: BeepName | BeepPattern): Promise<void> {
    const tones: BeepPattern = typeof pattern === 'string' ? BEEPS[pattern] : pattern
    for (const tone of tones) checkTone(tone)
    const signal = this.#abort.signal
    const played = this.#tail.then(() => this.#play(tones, signal))
    this.#tail = played.catch(() => undefined)
    return played
  }

  /** Silences the buzzer now and cancels the beep playing and those waiting. Idempotent. */
  async stop(): Promise<void> {
    this.#abort.abort(new StationError('E_CANCELED', 'buzzer stopped'))
    this.#abort = new AbortController()
    await this.#off()
  }

  async #play(tones: BeepPattern, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason
    try {
      for (const tone of tones) {
        await this.#on()
        await this.#clock.sleep(tone.onMs, signal)
        await this.#off()
        if (tone.offMs > 0) await this.#clock.sleep(tone.offMs, signal)
      }
    } catch (error) {
      // Never leave the buzzer sounding; stop() silences it itself.
      if (!signal.aborted) await this.#off().catch(() => undefined)
      throw error
    }
  }

  #on(): Promise<void> {
    return isPwmLine(this.#line) ? this.#line.pwm(this.#dutyCycle, this.#frequencyHz) : this.#line.write(1)
  }

  #off(): Promise<void> {
    return isPwmLine(this.#line) ? this.#line.pwm(0, this.#frequencyHz) : this.#line.write(0)
  }
}

function checkTone(tone: BeepTone): void {
  if (!Number.isFinite(tone.onMs) || tone.onMs <= 0 || !Number.isFinite(tone.offMs) || tone.offMs < 0) {
    throw new TypeError(`a tone needs onMs > 0 and offMs >= 0 (got onMs ${String(tone.onMs)}, offMs ${String(tone.offMs)})`)
  }
}
