/**
 * A Wiegand card reader at the far end of two simulated GPIO lines: presents frames as low pulses on
 * DATA0/DATA1 of a SimGpioChip with reader-like timing (50 µs pulses every 2 ms, docs/protocols.md 5.1) and
 * explicit ticks, so a WiegandReader on the same chip sees what it would see through pigpio.
 */
import type { SimGpioChip } from '../gpio/sim-gpio.js'
import { toTickUs } from '../gpio/gpio-tick.js'
import { encodeWiegand26, encodeWiegand34 } from './wiegand-codec.js'

/** Options for `SimWiegandReader`. */
export interface SimWiegandReaderOptions {
  chip: SimGpioChip
  /** Line number of DATA0 on the chip. */
  d0: number
  /** Line number of DATA1 on the chip. */
  d1: number
  /** Low time of each pulse; default 50 µs (typical reader, SIA range 20–100 µs). */
  pulseWidthUs?: number
  /** Start-to-start time between pulses; default 2000 µs (typical 1–2 ms, SIA range 200 µs–20 ms). */
  pulseIntervalUs?: number
  /** Quiet time inserted before each frame; default 100 ms, well above any frame gap. */
  frameGapUs?: number
  /** Tick of the first pulse; e.g. 2^32 − 10_000 to make a frame cross the tick wrap. Default 0. */
  startTickUs?: number
}

/** Options for one `present` call, overriding the reader's timing. */
export interface PresentOptions {
  pulseIntervalUs?: number
  /** Tick of this frame's first pulse (instead of continuing after the previous frame). */
  startTickUs?: number
}

/** The simulated reader. Both lines idle high (pulled up) from construction on. */
export class SimWiegandReader {
  #chip: SimGpioChip
  #d0: number
  #d1: number
  #pulseWidthUs: number
  #pulseIntervalUs: number
  #frameGapUs: number
  #nextTickUs: number

  constructor(options: SimWiegandReaderOptions) {
    this.#chip = options.chip
    this.#d0 = options.d0
    this.#d1 = options.d1
    this.#pulseWidthUs = options.pulseWidthUs ?? 50
    this.#pulseIntervalUs = options.pulseIntervalUs ?? 2000
    this.#frameGapUs = options.frameGapUs ?? 100_000
    if (this.#pulseWidthUs >= this.#pulseIntervalUs) {
      throw new TypeError(`pulseWidthUs (${this.#pulseWidthUs}) must be shorter than pulseIntervalUs (${this.#pulseIntervalUs})`)
    }
    this.#nextTickUs = toTickUs(options.startTickUs ?? 0)
    const idleTickUs = toTickUs(this.#nextTickUs - this.#frameGapUs)
    this.#chip.drive(this.#d0, 1, idleTickUs)
    this.#chip.drive(this.#d1, 1, idleTickUs)
  }

  /** Tick at which the next frame's first pulse will start, unless `present` is given one. */
  get nextTickUs(): number {
    return this.#nextTickUs
  }

  /**
   * Sends `frame` as pulses: `0` on DATA0, `1` on DATA1, and `*` on both lines at once (a fault real
   * readers never produce, to test rejection). Any length is allowed, so short or long bursts can be sent.
   * Throws a TypeError for other characters.
   */
  present(frame: string, options: PresentOptions = {}): void {
    if (!/^[01*]*$/.test(frame)) throw new TypeError(`frame must contain only 0, 1 and * (got ${JSON.stringify(frame)})`)
    const intervalUs = options.pulseIntervalUs ?? this.#pulseIntervalUs
    let tickUs = toTickUs(options.startTickUs ?? this.#nextTickUs)
    for (const symbol of frame) {
      const lines = symbol === '0' ? [this.#d0] : symbol === '1' ? [this.#d1] : [this.#d0, this.#d1]
      for (const line of lines) this.#chip.drive(line, 0, tickUs)
      for (const line of lines) this.#chip.drive(line, 1, tickUs + this.#pulseWidthUs)
      tickUs = toTickUs(tickUs + intervalUs)
    }
    this.#nextTickUs = toTickUs(tickUs - intervalUs + this.#frameGapUs)
  }

  /** Presents a 26-bit (H10301) card: facility 0–255, card 0–65535. */
  presentCard26(facility: number, card: number, options: PresentOptions = {}): void {
    this.present(encodeWiegand26(facility, card), options)
  }

  /** Presents a 34-bit card: facility 0–65535, card 0–65535. */
  presentCard34(facility: number, card: number, options: PresentOptions = {}): void {
    this.present(encodeWiegand34(facility, card), options)
  }
}
