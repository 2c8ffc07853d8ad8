import type { KeyName } from '../../config/schema.js'
import type { CardPresented } from '../bus/events.js'
import type { Clock, TimerHandle } from '../core/clock.js'
import type { HardwareTest } from '../tui/tui-snapshot.js'
import { cardTestResult, type CardTestResult } from './card-mask.js'

/** A key test ends by itself after this long without a key, so a forgotten one gives the keypad back. */
export const KEY_TEST_IDLE_MS = 20_000
/** How long the card test waits for a card, and then shows what it read. */
export const CARD_TEST_WAIT_MS = 30_000
export const CARD_RESULT_SHOW_MS = 30_000
/** How long the display test pattern stays before the resident's screen comes back. */
export const DISPLAY_TEST_MS = 5_000
/** Keys shown by the key test, newest last. */
const KEY_TEST_SHOWN = 24

export interface HardwareTestDeps {
  clock: Clock
  /** Paints rows on the display now (the display device). */
  paint(rows: string[]): void
  cols: number
  rows: number
}

type Running =
  | { kind: 'keys'; keys: KeyName[]; endsAtMs: number }
  | { kind: 'card'; result: CardTestResult | null; endsAtMs: number }
  | { kind: 'display'; endsAtMs: number }

/**
 * The technician's device tests (`station tui`, docs/operations.md "Technician"): while one runs,
 * keys or cards go to the test instead of the kiosk, or the display shows a test pattern and the
 * kiosk's screen is kept to be painted again afterwards. One test at a time; starting one ends
 * the other. Each ends by itself.
 */
export class HardwareTests {
  readonly #deps: HardwareTestDeps
  #running: Running | null = null
  #timer: TimerHandle | null = null
  #kioskRows: string[] = []

  constructor(deps: HardwareTestDeps) {
    this.#deps = deps
  }

  /** The kiosk's screen goes through here: held back while the test pattern shows. */
  kioskShows(rows: string[]): void {
    this.#kioskRows = rows
    if (this.#running?.kind !== 'display') this.#deps.paint(rows)
  }

  startKeys(): void {
    this.#begin({ kind: 'keys', keys: [], endsAtMs: this.#deps.clock.now() + KEY_TEST_IDLE_MS })
  }

  startCard(): void {
    this.#begin({ kind: 'card', result: null, endsAtMs: this.#deps.clock.now() + CARD_TEST_WAIT_MS })
  }

  startDisplay(): void {
    this.#begin({ kind: 'display', endsAtMs: this.#deps.clock.now() + DISPLAY_TEST_MS })
    this.#deps.paint(testPattern(this.#deps.cols, this.#deps.rows))
  }

  /** Ends whatever test runs; the display gets the kiosk's screen back. */
  stop(): void {
    const was = this.#running
    this.#running = null
    if (this.#timer) this.#deps.clock.clearTimeout(this.#timer)
    this.#timer = null
    if (was?.kind === 'display') this.#deps.paint(this.#kioskRows)
  }

  /** True when the key test took the key (the kiosk must not see it). */
  takeKey(key: KeyName): boolean {
    const running = this.#running
    if (running?.kind !== 'keys') return false
    running.keys = [...running.keys, key].slice(-KEY_TEST_SHOWN)
    running.endsAtMs = this.#deps.clock.now() + KEY_TEST_IDLE_MS
    this.#arm(KEY_TEST_IDLE_MS)
    return true
  }

  /** True when the card test took the card: the kiosk does not start a session with it. */
  takeCard(card: CardPresented): boolean {
    return this.#cardResult(() => cardTestResult(card, new Date(this.#deps.clock.now())))
  }

  /** A reader delivered garbage while the card test waits: the test shows why. */
  takeUnreadable(reason: string): boolean {
    return this.#cardResult(() => ({ unreadable: reason }))
  }

  current(): HardwareTest | null {
    const running = this.#running
    if (!running) return null
    const endsInS = Math.max(0, Math.ceil((running.endsAtMs - this.#deps.clock.now()) / 1000))
    if (running.kind === 'keys') return { kind: 'keys', keys: [...running.keys], endsInS }
    if (running.kind === 'card') return { kind: 'card', endsInS, result: running.result }
    return { kind: 'display', endsInS }
  }

  #cardResult(read: () => CardTestResult): boolean {
    const running = this.#running
    if (running?.kind !== 'card' || running.result !== null) return false
    running.result = read()
    running.endsAtMs = this.#deps.clock.now() + CARD_RESULT_SHOW_MS
    this.#arm(CARD_RESULT_SHOW_MS)
    return true
  }

  #begin(next: Running): void {
    this.stop()
    this.#running = next
    this.#arm(next.endsAtMs - this.#deps.clock.now())
  }

  #arm(delayMs: number): void {
    if (this.#timer) this.#deps.clock.clearTimeout(this.#timer)
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = null
      this.stop()
    }, delayMs)
  }
}

/** Every cell lit in turn: a title row, then full rows of '#' and of digits, so a dead segment shows. */
export function testPattern(cols: number, rows: number): string[] {
  const title = ' TEST PATTERN '
  const pad = Math.max(0, cols - title.length)
  const lines: string[] = [('*'.repeat(Math.floor(pad / 2)) + title + '*'.repeat(Math.ceil(pad / 2))).slice(0, cols)]
  for (let row = 1; row < rows; row++) {
    lines.push(row % 2 === 1 ? '#'.repeat(cols) : '0123456789'.repeat(Math.ceil(cols / 10)).slice(0, cols))
  }
  return lines
}
