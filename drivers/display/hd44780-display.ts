import type { Clock } from '../../runtime/core/clock.js'
import { isStationError, messageOf } from '../../runtime/core/errors.js'
import type { Health, HealthState } from '../../runtime/core/health.js'
import type { DisplayConfig } from './display-options.js'
import { checkAddress } from '../i2c/i2c-address.js'
import type { I2cBus } from '../i2c/i2c-bus.js'
import type { Display } from './display.js'
import {
  DEFAULT_PCF8574_MAPPING,
  displayText,
  encodeByte,
  encodeIdle,
  initSequence,
  setCursorCommand,
  type Pcf8574Mapping,
} from './hd44780-codec.js'
import {
  CLEAR_DELAY_MS,
  CLEAR_DISPLAY,
  POWER_UP_DELAY_MS,
  SET_CGRAM_ADDRESS,
  SET_DDRAM_ADDRESS,
} from './hd44780-instructions.js'
import { glyphDisplayText, VIETNAMESE_GLYPHS } from './vietnamese-glyphs.js'

/** What the driver needs to run. */
export interface Hd44780DisplayDeps {
  bus: I2cBus
  clock: Clock
}

/**
 * What the 8 CGRAM user glyphs hold: 'none' leaves them unused and folds all text to ASCII;
 * 'vietnamese' loads VIETNAMESE_GLYPHS (ă â ê ô ơ ư đ Đ) and shows those letters with them.
 */
export type DisplayGlyphs = 'none' | 'vietnamese'

const GLYPH_SETS: readonly DisplayGlyphs[] = ['none', 'vietnamese']

/** Where the display is and what it looks like; `config.hardware.display` fits. */
export interface Hd44780DisplayConfig extends Pick<DisplayConfig, 'address'> {
  /** Characters per row and rows; the driver takes any geometry, the config only the ones in use. */
  cols: number
  rows: number
  /** Backpack wiring; default DEFAULT_PCF8574_MAPPING. */
  mapping?: Pcf8574Mapping
  /** CGRAM glyphs; default 'none', which sends exactly the bytes of a driver without glyphs. */
  glyphs?: DisplayGlyphs | undefined
}

/**
 * An HD44780 character LCD on a PCF8574 backpack. Rewrites only rows whose text changed, one I2C
 * transaction per row (the PCF8574 takes any number of port bytes in one write). Operations run one
 * at a time. After any bus failure the next operation re-runs the initialisation, which resynchronises
 * the controller however many nibbles it missed (docs/protocols.md 4.2), and redraws every row. With
 * `glyphs: 'vietnamese'` each initialisation also loads the 8 CGRAM glyphs and rows are encoded with
 * glyphDisplayText, so ă â ê ô ơ ư đ Đ keep their shape (without tone marks).
 */
export class Hd44780Display implements Display {
  #bus: I2cBus
  #clock: Clock
  #address: number
  #cols: number
  #rows: number
  #mapping: Pcf8574Mapping
  #glyphs: DisplayGlyphs
  #queue: Promise<unknown> = Promise.resolve()
  /** What each row shows now; undefined when unknown (before init, after a failure). */
  #shown: Array<string | undefined>
  #needsInit = true
  #state: HealthState = 'stopped'
  #lastError: { message: string; code?: string } | undefined

  constructor(deps: Hd44780DisplayDeps, config: Hd44780DisplayConfig) {
    checkAddress(config.address)
    const maxCols = config.rows === 2 ? 40 : config.rows === 4 ? 20 : 0
    if (maxCols === 0) throw new TypeError(`rows must be 2 or 4 (got ${config.rows})`)
    if (!Number.isInteger(config.cols) || config.cols < 1 || config.cols > maxCols) {
      throw new TypeError(`cols must be an integer 1..${maxCols} for ${config.rows} rows (got ${config.cols})`)
    }
    const glyphs = config.glyphs ?? 'none'
    if (!GLYPH_SETS.includes(glyphs)) {
      throw new TypeError(`glyphs must be ${GLYPH_SETS.join(' or ')} (got ${String(glyphs)})`)
    }
    this.#glyphs = glyphs
    this.#bus = deps.bus
    this.#clock = deps.clock
    this.#address = config.address
    this.#cols = config.cols
    this.#rows = config.rows
    this.#mapping = config.mapping ?? DEFAULT_PCF8574_MAPPING
    this.#shown = new Array<string | undefined>(config.rows).fill(undefined)
  }

  /** Waits out the power-up time, initialises the controller (about 60 ms), blanks the screen. */
  start(): Promise<void> {
    return this.#serial(async () => {
      await this.#guard(() => this.#init())
    })
  }

  show(rows: readonly string[]): Promise<void> {
    const wanted = Array.from({ length: this.#rows }, (_, row) => this.#fit(rows[row] ?? ''))
    const draw = async () => {
      if (this.#needsInit) await this.#init()
      for (let row = 0; row < this.#rows; row++) {
        const text = wanted[row] ?? ''
        if (this.#shown[row] === text) continue
        this.#shown[row] = undefined
        await this.#bus.write(this.#address, this.#rowBytes(row, text))
        this.#shown[row] = text
      }
    }
    return this.#serial(async () => {
      try {
        await this.#guard(draw)
      } catch {
        // A failed write may have reached the controller in part (some nibbles latched), so repeating
        // it as it was could leave the 4-bit interface a nibble out of step. Initialise again, which
        // resynchronises it, and redraw once before giving up (the bus under a display must not retry).
        await this.#guard(draw)
      }
    })
  }

  /** Blanks the screen (backlight stays on). Rejects like `show`. */
  clear(): Promise<void> {
    return this.#serial(() =>
      this.#guard(async () => {
        if (this.#needsInit) {
          await this.#init()
          return
        }
        await this.#bus.write(this.#address, encodeByte(CLEAR_DISPLAY, this.#command()))
        await this.#clock.sleep(CLEAR_DELAY_MS)
        this.#shown.fill(' '.repeat(this.#cols))
      }),
    )
  }

  /** Blanks the screen and turns the backlight off, as far as the bus allows. Idempotent; never rejects. */
  stop(): Promise<void> {
    return this.#serial(async () => {
      if (this.#state === 'stopped') return
      if (!this.#needsInit) {
        try {
          await this.#bus.write(this.#address, encodeByte(CLEAR_DISPLAY, this.#command()))
          await this.#clock.sleep(CLEAR_DELAY_MS)
          await this.#bus.write(this.#address, encodeIdle(false, this.#mapping))
        } catch (error) {
          this.#record(error)
        }
      }
      this.#needsInit = true
      this.#shown.fill(undefined)
      this.#state = 'stopped'
    })
  }

  /** `faulty` after a failed operation, until the next one succeeds; lastError says what failed. */
  health(): Health {
    const health: Health = { state: this.#state }
    if (this.#lastError !== undefined) {
      health.lastError = this.#lastError.message
      if (this.#lastError.code !== undefined) health.lastErrorCode = this.#lastError.code
    }
    return health
  }

  async #init(): Promise<void> {
    this.#state = 'starting'
    this.#shown.fill(undefined)
    await this.#clock.sleep(POWER_UP_DELAY_MS)
    for (const step of initSequence(true, this.#mapping)) {
      await this.#bus.write(this.#address, step.bytes)
      if (step.delayAfterMs > 0) await this.#clock.sleep(step.delayAfterMs)
    }
    // CGRAM survives Clear but not a power loss, and after a bus error we cannot know which it was,
    // so every initialisation loads the glyphs again.
    if (this.#glyphs === 'vietnamese') await this.#uploadGlyphs()
    // The sequence ends with Clear, so every row is blank now.
    this.#shown.fill(' '.repeat(this.#cols))
    this.#needsInit = false
  }

  /** Runs an operation that talks to the display, keeping health and the resync flag up to date. */
  async #guard(operation: () => Promise<void>): Promise<void> {
    try {
      await operation()
      this.#state = 'ok'
    } catch (error) {
      this.#needsInit = true
      this.#shown.fill(undefined)
      this.#state = 'faulty'
      this.#record(error)
      throw error
    }
  }

  #record(error: unknown): void {
    this.#lastError = isStationError(error) ? { message: error.message, code: error.code } : { message: messageOf(error) }
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation)
    this.#queue = result.catch(() => undefined)
    return result
  }

  /**
   * One I2C write per glyph: Set CGRAM address 0x40 | slot << 3, then its 8 rows as data
   * (docs/protocols.md 4.3). The last write ends with Set DDRAM address 0, because data written after a
   * CGRAM address goes to CGRAM; row writes set their own address anyway, this keeps the controller
   * in the state the initialisation left it.
   */
  async #uploadGlyphs(): Promise<void> {
    const data = { rs: true, backlight: true, mapping: this.#mapping }
    for (const [slot, glyph] of VIETNAMESE_GLYPHS.entries()) {
      const last = slot === VIETNAMESE_GLYPHS.length - 1
      const bytes = new Uint8Array(4 * (1 + glyph.rows.length + (last ? 1 : 0)))
      bytes.set(encodeByte(SET_CGRAM_ADDRESS | (slot << 3), this.#command()), 0)
      for (const [index, row] of glyph.rows.entries()) bytes.set(encodeByte(row, data), 4 * (index + 1))
      if (last) bytes.set(encodeByte(SET_DDRAM_ADDRESS, this.#command()), 4 * (glyph.rows.length + 1))
      await this.#bus.write(this.#address, bytes)
    }
  }

  /** The row as display cells: every character of the result is one cell (a ROM code or a glyph slot). */
  #fit(text: string): string {
    const cells = this.#glyphs === 'vietnamese' ? glyphDisplayText(text) : displayText(text)
    return cells.slice(0, this.#cols).padEnd(this.#cols, ' ')
  }

  #command(): { rs: boolean; backlight: boolean; mapping: Pcf8574Mapping } {
    return { rs: false, backlight: true, mapping: this.#mapping }
  }

  /** Set DDRAM address to the row's first cell, then every character: 4 expander bytes each. */
  #rowBytes(row: number, text: string): Uint8Array {
    const data = { rs: true, backlight: true, mapping: this.#mapping }
    const bytes = new Uint8Array(4 * (text.length + 1))
    bytes.set(encodeByte(setCursorCommand(this.#cols, this.#rows, row, 0), this.#command()), 0)
    for (let index = 0; index < text.length; index++) {
      bytes.set(encodeByte(text.charCodeAt(index), data), 4 * (index + 1))
    }
    return bytes
  }
}
