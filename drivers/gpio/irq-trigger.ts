/**
 * A chip's interrupt output (MPR121 IRQ, FT6x36 INT) as its driver uses it: the line is opened when
 * the driver starts, each matching edge calls `onEdge` (the driver reads the chip), and the line is
 * released when the driver stops. Which edge means "read me" is the chip's business, so the driver
 * names it.
 */
import type { GpioEdge, GpioLine, Unwatch } from './gpio-line.js'

/** With an IRQ line, the poll only catches a missed edge or a stuck line (docs/config.md, keypad IRQ). */
export const DEFAULT_IRQ_SAFETY_POLL_MS = 1000

/**
 * Opens the interrupt line as an input reporting `edge` (the station picks the backend and the BCM
 * number; the driver, which edges its chip needs).
 */
export type OpenIrqLine = (edge: GpioEdge) => Promise<GpioLine>

export class IrqTrigger {
  #openLine: OpenIrqLine
  #edge: GpioEdge
  #line: GpioLine | null = null
  #unwatch: Unwatch | null = null

  constructor(openLine: OpenIrqLine, edge: GpioEdge) {
    this.#openLine = openLine
    this.#edge = edge
  }

  /** Opens the line and watches it. Rejects as the line's open does. Idempotent while open. */
  async start(onEdge: () => void): Promise<void> {
    if (this.#line !== null) return
    const line = await this.#openLine(this.#edge)
    this.#line = line
    this.#unwatch = line.watch(this.#edge, () => onEdge())
  }

  /** Stops watching and releases the line; idempotent. Rejects only when the release fails. */
  async stop(): Promise<void> {
    this.#unwatch?.()
    this.#unwatch = null
    const line = this.#line
    this.#line = null
    await line?.close()
  }
}
