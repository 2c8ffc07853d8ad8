import type { Clock, TimerHandle } from '../../runtime/core/clock.js'
import type { SerialLink, Unsubscribe } from '../serial/serial-link.js'
import {
  classifyScan,
  createScanSplitter,
  isMrzLine,
  MRZ_LINE_COUNT,
  type ScanKind,
  type ScanSplitter,
  type SplitResult,
} from './qr-scanner-codec.js'

/** One document read. `text` is personal data: hand it to the CCCD/MRZ codec, never to a logger. */
export interface Scan {
  kind: ScanKind
  /** The scanned line as decoded UTF-8, terminator removed; for `mrz`, the three lines joined by '\n'. */
  text: string
}

/** Options for `SerialQrScanner`. */
export interface SerialQrScannerOptions {
  clock: Clock
  /** An unterminated line is dropped as garbage after this long without a byte; default 300 ms. */
  partialTimeoutMs?: number
  /** Three MRZ lines must arrive within this long, first to last; default 500 ms. */
  mrzWindowMs?: number
  /** An identical scan is ignored until this long has passed without it; default 2000 ms. */
  holdMs?: number
  /** Longest line in bytes; default 1024 (a CCCD QR line is about 150 bytes). */
  maxLength?: number
}

/**
 * A QR/MRZ scanner in USB-CDC or UART mode over any SerialLink. Emits one `Scan` per document:
 * a CCCD QR line, three MRZ lines combined, or anything else as `unknown`. Damaged input (invalid
 * UTF-8, over-long or half lines, an MRZ missing lines) goes to `onGarbage` with a reason that never
 * contains the bytes. A scanner in continuous mode repeats while the card is held, so a scan
 * identical to the previous one is ignored until `holdMs` passes without it.
 * Does not parse CCCD or MRZ fields, and does not own the link (stop leaves it open).
 */
export class SerialQrScanner {
  #link: SerialLink
  #clock: Clock
  #partialTimeoutMs: number
  #mrzWindowMs: number
  #holdMs: number
  #maxLength: number
  #splitter: ScanSplitter
  #unsubscribeData: Unsubscribe | undefined
  #partialTimer: TimerHandle | undefined
  #mrzLines: string[] = []
  #mrzTimer: TimerHandle | undefined
  #lastText: string | undefined
  #holdTimer: TimerHandle | undefined
  #scanListeners = new Set<(scan: Scan) => void>()
  #garbageListeners = new Set<(reason: string) => void>()

  constructor(link: SerialLink, options: SerialQrScannerOptions) {
    this.#link = link
    this.#clock = options.clock
    this.#partialTimeoutMs = options.partialTimeoutMs ?? 300
    this.#mrzWindowMs = options.mrzWindowMs ?? 500
    this.#holdMs = options.holdMs ?? 2000
    this.#maxLength = options.maxLength ?? 1024
    this.#splitter = createScanSplitter({ maxLength: this.#maxLength })
  }

  /** Starts listening to the link. Idempotent; does no I/O. */
  start(): void {
    if (this.#unsubscribeData) return
    this.#unsubscribeData = this.#link.onData((chunk) => this.#onData(chunk))
  }

  /** Stops listening and forgets any half line, pending MRZ lines and the last scan. Idempotent. */
  stop(): void {
    this.#unsubscribeData?.()
    this.#unsubscribeData = undefined
    this.#clearTimer(this.#partialTimer)
    this.#clearTimer(this.#mrzTimer)
    this.#clearTimer(this.#holdTimer)
    this.#partialTimer = this.#mrzTimer = this.#holdTimer = undefined
    this.#splitter.dropPartial()
    this.#mrzLines = []
    this.#lastText = undefined
  }

  onScan(listener: (scan: Scan) => void): Unsubscribe {
    this.#scanListeners.add(listener)
    return () => this.#scanListeners.delete(listener)
  }

  /** `reason` is operator-facing text; it never includes scanned bytes or text. */
  onGarbage(listener: (reason: string) => void): Unsubscribe {
    this.#garbageListeners.add(listener)
    return () => this.#garbageListeners.delete(listener)
  }

  #onData(chunk: Uint8Array): void {
    const results = this.#splitter.push(chunk)
    this.#clearTimer(this.#partialTimer)
    this.#partialTimer = undefined
    if (this.#splitter.inLine) {
      this.#partialTimer = this.#clock.setTimeout(() => this.#onPartialTimeout(), this.#partialTimeoutMs)
    }
    for (const result of results) this.#onSplit(result)
  }

  #onPartialTimeout(): void {
    this.#partialTimer = undefined
    // false when the line was already reported as over-long: then this only ends the skipping.
    if (this.#splitter.dropPartial()) {
      this.#emitGarbage(`partial scan: no line end within ${this.#partialTimeoutMs} ms`)
    }
  }

  #onSplit(result: SplitResult): void {
    if (result.kind === 'garbage') {
      this.#abandonMrz()
      this.#emitGarbage(result.reason)
      return
    }
    // What the scanner delivers is normalised once, here: surrounding spaces trimmed, text in NFC
    // (docs/identity.md, "Text"), so every later check sees the same text whatever the scanner sent.
    const text = result.text.trim().normalize('NFC')
    if (isMrzLine(text)) {
      this.#addMrzLine(text)
      return
    }
    this.#abandonMrz()
    this.#emitScan({ kind: classifyScan(text), text })
  }

  #addMrzLine(line: string): void {
    if (this.#mrzLines.length === 0) {
      this.#mrzTimer = this.#clock.setTimeout(() => {
        this.#mrzTimer = undefined
        this.#abandonMrz()
      }, this.#mrzWindowMs)
    }
    this.#mrzLines.push(line)
    if (this.#mrzLines.length < MRZ_LINE_COUNT) return
    this.#clearTimer(this.#mrzTimer)
    this.#mrzTimer = undefined
    const text = this.#mrzLines.join('\n')
    this.#mrzLines = []
    this.#emitScan({ kind: 'mrz', text })
  }

  /** An MRZ read that stopped short is a failed read, like half a QR code. */
  #abandonMrz(): void {
    const count = this.#mrzLines.length
    if (count === 0) return
    this.#clearTimer(this.#mrzTimer)
    this.#mrzTimer = undefined
    this.#mrzLines = []
    this.#emitGarbage(`incomplete MRZ: ${count} of ${MRZ_LINE_COUNT} lines within ${this.#mrzWindowMs} ms`)
  }

  #emitScan(scan: Scan): void {
    const repeated = scan.text === this.#lastText
    // The hold slides: a card held in front of a continuous-mode scanner stays one scan.
    this.#clearTimer(this.#holdTimer)
    this.#lastText = scan.text
    this.#holdTimer = this.#clock.setTimeout(() => {
      // Also keeps identity data in memory no longer than needed.
      this.#holdTimer = undefined
      this.#lastText = undefined
    }, this.#holdMs)
    if (repeated) return
    for (const listener of this.#scanListeners) listener(scan)
  }

  #emitGarbage(reason: string): void {
    for (const listener of this.#garbageListeners) listener(reason)
  }

  #clearTimer(handle: TimerHandle | undefined): void {
    if (handle) this.#clock.clearTimeout(handle)
  }
}
