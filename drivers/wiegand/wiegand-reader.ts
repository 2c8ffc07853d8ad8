/**
 * A Wiegand card reader on two GPIO inputs (docs/protocols.md 5): collects the falling edges of DATA0 ("0")
 * and DATA1 ("1") with their ticks, ends a frame after a quiet gap, validates it and decodes it with the
 * codec. Time between pulses comes from the edge ticks (modulo 2^32), the end of a frame from the Clock.
 *
 * Transport matters (docs/protocols.md 5.3): use pigpio (Pi 0–4) or the GPIO character device, whose edges
 * carry kernel/DMA timestamps and are queued in order. The onoff (sysfs) fallback reads the level and
 * stamps the tick only when its callback runs, often after the 50 µs pulse is over: bits are lost or
 * merged under load (24/25-bit frames, parity errors, which this reader reports as garbage), and its
 * late ticks can make two pulses look closer than they were, which the both-lines check then rejects.
 */
import type { Clock, TimerHandle } from '../../runtime/core/clock.js'
import { isStationError } from '../../runtime/core/errors.js'
import type { GpioLine, Unwatch } from '../gpio/gpio-line.js'
import { tickDiffUs } from '../gpio/gpio-tick.js'
import { decodeWiegand, type WiegandBit, type WiegandCard } from './wiegand-codec.js'

/** Options for `WiegandReader`. */
export interface WiegandReaderOptions {
  /** DATA0 (green): a low pulse is a 0. */
  d0: GpioLine
  /** DATA1 (white): a low pulse is a 1. */
  d1: GpioLine
  clock: Clock
  /**
   * A frame ends after this long without a pulse; default 25 ms. SIA readers may pause up to 20 ms
   * between bits, so keep it above 20 ms and at least 3× the reader's bit interval (docs/protocols.md 5.1).
   */
  frameGapMs?: number
  /** Frame lengths to accept; default [26, 34]. Others are garbage (docs/protocols.md 5.3 "Validation"). */
  lengths?: readonly (26 | 34)[]
  /** The same card read again within this long of its last read counts once; default 2000 ms. */
  holdMs?: number
  /**
   * Pulses closer together than this are not separate bits; default 200 µs, the SIA minimum pulse
   * interval Tpi (docs/protocols.md 5.1). On different lines they mean both lines pulsed at once.
   */
  minIntervalUs?: number
}

/** Longest burst kept; anything longer is noise, and the cap bounds memory. */
const MAX_FRAME_BITS = 64

/**
 * Emits `onCard` once per valid frame of a configured length (de-duplicated within `holdMs`) and
 * `onGarbage` with a reason for anything else. Does not own its lines: `stop` leaves them open.
 */
export class WiegandReader {
  #d0: GpioLine
  #d1: GpioLine
  #clock: Clock
  #frameGapMs: number
  #lengths: ReadonlySet<number>
  #holdMs: number
  #minIntervalUs: number
  #unwatch: Unwatch[] = []
  #bits: WiegandBit[] = []
  #count = 0
  #lastTickUs = 0
  #lastLine: WiegandBit = 0
  #fault: string | undefined
  #gapTimer: TimerHandle | undefined
  #lastCard: { key: string; atMs: number } | undefined
  #cardListeners = new Set<(card: WiegandCard) => void>()
  #garbageListeners = new Set<(reason: string) => void>()

  constructor(options: WiegandReaderOptions) {
    this.#d0 = options.d0
    this.#d1 = options.d1
    this.#clock = options.clock
    this.#frameGapMs = options.frameGapMs ?? 25
    this.#lengths = new Set(options.lengths ?? [26, 34])
    this.#holdMs = options.holdMs ?? 2000
    this.#minIntervalUs = options.minIntervalUs ?? 200
    if (!(this.#frameGapMs > 0)) throw new TypeError(`frameGapMs must be positive (got ${String(options.frameGapMs)})`)
  }

  /** Starts watching both lines. Idempotent. Throws what the lines' `watch` throws. */
  start(): void {
    if (this.#unwatch.length > 0) return
    this.#unwatch = [
      this.#d0.watch('falling', (_level, tickUs) => this.#onPulse(0, tickUs)),
      this.#d1.watch('falling', (_level, tickUs) => this.#onPulse(1, tickUs)),
    ]
  }

  /** Stops watching, drops a half-received frame and forgets the last card. Idempotent. */
  stop(): void {
    for (const unwatch of this.#unwatch) unwatch()
    this.#unwatch = []
    this.#clearGapTimer()
    this.#resetFrame()
    this.#lastCard = undefined
  }

  /** One call per card presented. */
  onCard(listener: (card: WiegandCard) => void): () => void {
    this.#cardListeners.add(listener)
    return () => this.#cardListeners.delete(listener)
  }

  /** A burst that is not a valid frame; `reason` says why and never contains the bits. */
  onGarbage(listener: (reason: string) => void): () => void {
    this.#garbageListeners.add(listener)
    return () => this.#garbageListeners.delete(listener)
  }

  #onPulse(line: WiegandBit, tickUs: number): void {
    if (this.#count > 0) {
      const intervalUs = tickDiffUs(tickUs, this.#lastTickUs)
      if (intervalUs >= this.#frameGapMs * 1000) {
        // Queued edges (pigpio) can arrive in a burst before the gap timer runs: the ticks show the gap.
        this.#endFrame()
      } else if (intervalUs < this.#minIntervalUs) {
        this.#fault ??=
          line === this.#lastLine
            ? `pulses ${intervalUs} µs apart, below ${this.#minIntervalUs} µs`
            : 'both lines pulsed at once'
      }
    }
    if (this.#bits.length < MAX_FRAME_BITS) this.#bits.push(line)
    this.#count++
    this.#lastTickUs = tickUs
    this.#lastLine = line
    this.#clearGapTimer()
    this.#gapTimer = this.#clock.setTimeout(() => {
      this.#gapTimer = undefined
      this.#endFrame()
    }, this.#frameGapMs)
  }

  #endFrame(): void {
    this.#clearGapTimer()
    const bits = this.#bits
    const count = this.#count
    const fault = this.#fault
    this.#resetFrame()
    if (fault !== undefined) return this.#emitGarbage(`${count}-bit burst rejected: ${fault}`)
    if (!this.#lengths.has(count)) {
      return this.#emitGarbage(`${count}-bit burst: not a configured length (${[...this.#lengths].join(', ')})`)
    }
    let card: WiegandCard
    try {
      card = decodeWiegand(bits)
    } catch (error) {
      if (!isStationError(error)) throw error
      return this.#emitGarbage(`${count}-bit frame rejected: ${error.message}`)
    }
    this.#emitCard(card)
  }

  #emitCard(card: WiegandCard): void {
    const key = `${card.bits}:${card.raw_hex}`
    const nowMs = this.#clock.now()
    const repeated = this.#lastCard?.key === key && nowMs - this.#lastCard.atMs < this.#holdMs
    // The hold slides, so a card left on a reader that repeats its frame stays one read.
    this.#lastCard = { key, atMs: nowMs }
    if (repeated) return
    for (const listener of this.#cardListeners) listener(card)
  }

  #emitGarbage(reason: string): void {
    for (const listener of this.#garbageListeners) listener(reason)
  }

  #resetFrame(): void {
    this.#bits = []
    this.#count = 0
    this.#fault = undefined
  }

  #clearGapTimer(): void {
    if (this.#gapTimer) this.#clock.clearTimeout(this.#gapTimer)
    this.#gapTimer = undefined
  }
}
