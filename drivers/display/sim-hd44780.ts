/**
 * A chip-level model of an HD44780 LCD behind a PCF8574 backpack, for sim mode and driver tests.
 * It sees only expander bytes, latches a nibble on each E falling edge, and follows the controller's
 * rules, so a driver that skips the initialisation, sends nibbles out of step or ignores execution
 * times gets the same garbage or blank screen a real module would show.
 */
import type { Clock } from '../../runtime/core/clock.js'
import type { I2cDevice } from '../i2c/i2c-bus.js'
import { decodeExpanderByte, DEFAULT_PCF8574_MAPPING, type ExpanderPins, type Pcf8574Mapping } from './hd44780-codec.js'
import {
  CLEAR_DISPLAY,
  CLEAR_EXECUTION_MS,
  CURSOR_ON,
  CURSOR_SHIFT,
  DISPLAY_CONTROL,
  DISPLAY_ON,
  BLINK_ON,
  ENTRY_INCREMENT,
  ENTRY_MODE_SET,
  ENTRY_SHIFT,
  FUNCTION_2LINE,
  FUNCTION_8BIT,
  FUNCTION_SET,
  RETURN_HOME,
  SET_CGRAM_ADDRESS,
  SET_DDRAM_ADDRESS,
  SHIFT_DISPLAY,
  SHIFT_RIGHT,
} from './hd44780-instructions.js'
import { vietnameseGlyphLetter } from './vietnamese-glyphs.js'

/** Options of the simulated module. */
export interface SimHd44780Options {
  /** Columns of the glass; default 20. */
  cols?: number
  /** Rows of the glass, 2 or 4; default 4. */
  rows?: number
  /** How the backpack wires the expander; default DEFAULT_PCF8574_MAPPING. */
  mapping?: Pcf8574Mapping
  /**
   * With a clock the module keeps the data sheet's timing: instructions that arrive while it is
   * busy (40 ms after power-up, 1.52 ms after Clear/Home, 4.1 ms after the first 8-bit function set)
   * are lost. Without one it is never busy.
   */
  clock?: Clock
}

/** One I2C byte at 100 kHz: 8 data bits + ACK = 90 µs (docs/protocols.md 4.1); bytes cannot arrive faster. */
const BYTE_TIME_MS = 0.09
/** Power-up: no instruction is accepted for 40 ms after VCC reaches 2.7 V (HD44780U Figure 24). */
const POWER_UP_BUSY_MS = 40
/** Figure 24: wait > 4.1 ms after the first 8-bit function set, > 100 µs after the second. */
const FIRST_FUNCTION_SET_MS = 4.1
const NEXT_FUNCTION_SET_MS = 0.1
/** Table 6: most instructions 37 µs, data writes 37 + 4 µs at fosc = 270 kHz. */
const INSTRUCTION_MS = 0.037
const DATA_WRITE_MS = 0.041

/** DDRAM is 80 cells: one line of 0x00–0x4F, or two of 0x00–0x27 and 0x40–0x67 (HD44780U "DDRAM"). */
const LINE2_BASE = 0x40
const TWO_LINE_LENGTH = 40
const ONE_LINE_LENGTH = 80

/** A00 ROM 0xE0–0xFF (HD44780U Table 4), as the nearest single Unicode character. */
const A00_HIGH = 'αäβεμσρg√¹jˣ¢£ñöpqθ∞ΩüΣπxy千万円÷ █'

/** Shown for a CGRAM glyph whose pixels are not a letter this simulator knows. */
const UNKNOWN_GLYPH = '▒'

/**
 * What the A00 ROM shows for a character code (docs/protocols.md 4.4). Codes 0x00-0x0F are the 8 CGRAM
 * user glyphs (0x08-0x0F mirror 0x00-0x07); `userGlyph` says what the pixels of a slot show.
 */
function a00Glyph(code: number, userGlyph: (slot: number) => string): string {
  if (code < 0x10) return userGlyph(code & 0x07)
  if (code < 0x20) return ' '
  if (code === 0x5c) return '¥'
  if (code === 0x7e) return '→'
  if (code === 0x7f) return '←'
  if (code < 0x80) return String.fromCharCode(code)
  if (code >= 0xa1 && code <= 0xdf) return String.fromCharCode(0xff61 + code - 0xa1) // half-width katakana
  if (code >= 0xe0) return A00_HIGH[code - 0xe0] ?? ' '
  return ' '
}

/** A 20x4 (or other) HD44780 module with a PCF8574 backpack, seen from the I2C bus. */
export class SimHd44780Pcf8574 implements I2cDevice {
  readonly cols: number
  readonly rowCount: number
  /** Instructions and characters dropped because they arrived while the controller was busy. */
  lostInstructions = 0
  #mapping: Pcf8574Mapping
  #clock: Clock | undefined
  #port = 0xff
  #eightBit = true
  #pendingHigh: number | undefined
  #ddram = new Uint8Array(0x80)
  #cgram = new Uint8Array(0x40)
  #addressCounter = 0
  #cgramSelected = false
  #increment = true
  #shiftOnWrite = false
  #displayOn = false
  #cursorOn = false
  #blinkOn = false
  #twoLine = false
  #displayShift = 0
  #busyUntilMs = 0
  /** Virtual time of the bus: clock time plus the time the bytes themselves took (see #advanceBusTime). */
  #busTimeMs = 0
  #lastClockMs = 0
  #functionSets8bit = 0
  #initialised = false

  constructor(options: SimHd44780Options = {}) {
    this.cols = options.cols ?? 20
    this.rowCount = options.rows ?? 4
    if (this.rowCount !== 2 && this.rowCount !== 4) throw new TypeError(`rows must be 2 or 4 (got ${this.rowCount})`)
    const maxCols = this.rowCount === 2 ? 40 : 20
    if (!Number.isInteger(this.cols) || this.cols < 1 || this.cols > maxCols) {
      throw new TypeError(`cols must be an integer 1..${maxCols} for ${this.rowCount} rows (got ${this.cols})`)
    }
    this.#mapping = options.mapping ?? DEFAULT_PCF8574_MAPPING
    this.#clock = options.clock
    this.powerCycle()
  }

  /**
   * Power off and on: the state of the HD44780U internal reset (display cleared, 8-bit interface,
   * 1 line, display off, increment) and the PCF8574 power-on state (all pins high).
   */
  powerCycle(): void {
    this.#port = 0xff
    this.#eightBit = true
    this.#pendingHigh = undefined
    this.#ddram.fill(0x20)
    this.#cgram.fill(0)
    this.#addressCounter = 0
    this.#cgramSelected = false
    this.#increment = true
    this.#shiftOnWrite = false
    this.#displayOn = false
    this.#cursorOn = false
    this.#blinkOn = false
    this.#twoLine = false
    this.#displayShift = 0
    this.#functionSets8bit = 0
    this.#initialised = false
    const nowMs = this.#clock?.now() ?? 0
    this.#busTimeMs = nowMs
    this.#lastClockMs = nowMs
    this.#busyUntilMs = nowMs + POWER_UP_BUSY_MS
  }

  /** Each byte sets all eight expander pins; a falling edge on E latches D7..D4 and RS. */
  write(bytes: Uint8Array): void {
    for (const byte of bytes) {
      const atMs = this.#advanceBusTime()
      const before = decodeExpanderByte(this.#port, this.#mapping)
      const after = decodeExpanderByte(byte, this.#mapping)
      this.#port = byte
      // The data sheet latches on E's falling edge; data and RS are the ones held while E was high.
      if (before.e && !after.e) this.#latch(before, atMs)
    }
  }

  /** A PCF8574 read returns the pin levels, which are the last byte written (quasi-bidirectional port). */
  read(length: number): Uint8Array {
    return new Uint8Array(length).fill(this.#port)
  }

  /** What a person sees: one string of `cols` characters per row; all blank when the display is off. */
  rows(): string[] {
    const blank = ' '.repeat(this.cols)
    if (!this.#displayOn) return Array.from({ length: this.rowCount }, () => blank)
    return Array.from({ length: this.rowCount }, (_, row) => {
      const line = row % 2
      if (!this.#twoLine && line === 1) return blank // 1-line mode drives only the first line's commons
      const lineLength = this.#twoLine ? TWO_LINE_LENGTH : ONE_LINE_LENGTH
      const start = row >= 2 ? this.cols : 0
      let text = ''
      for (let col = 0; col < this.cols; col++) {
        const position = (((start + col + this.#displayShift) % lineLength) + lineLength) % lineLength
        text += a00Glyph(this.#ddram[(line === 1 ? LINE2_BASE : 0) + position] ?? 0x20, (slot) => this.#userGlyph(slot))
      }
      return text
    })
  }

  /** The 8 CGRAM bytes of user glyph `slot` (0..7), top row first; a copy. */
  cgramSlot(slot: number): Uint8Array {
    if (!Number.isInteger(slot) || slot < 0 || slot > 7) throw new RangeError(`CGRAM slot must be 0..7 (got ${slot})`)
    return this.#cgram.slice(slot * 8, slot * 8 + 8)
  }

  /** Backlight as driven by the expander's BL pin; on at power-up, since PCF8574 pins start high. */
  get backlight(): boolean {
    return decodeExpanderByte(this.#port, this.#mapping).backlight
  }

  /**
   * True once the controller has been initialised by instruction since power-up: an 8-bit function
   * set (0x3 nibble) directly followed by the switch to 4-bit (0x2 nibble) while in 8-bit mode.
   */
  get initialised(): boolean {
    return this.#initialised
  }

  get displayOn(): boolean {
    return this.#displayOn
  }

  get cursorVisible(): boolean {
    return this.#displayOn && (this.#cursorOn || this.#blinkOn)
  }

  /**
   * A user glyph read the way a camera on the glass would: the slot's pixels are matched against the
   * Vietnamese glyph table, so a letter appears only if the driver uploaded exactly that bitmap and
   * wrote the right slot code; anything else (empty or stale CGRAM, a wrong bitmap) is '▒'.
   */
  #userGlyph(slot: number): string {
    return vietnameseGlyphLetter(this.cgramSlot(slot)) ?? UNKNOWN_GLYPH
  }

  /**
   * When the next byte arrives. A simulated clock does not move while bytes are sent, so the bus
   * keeps its own time: every byte adds BYTE_TIME_MS, and time the clock moved since the last byte
   * (a driver's sleep) is added after that, because a real sleep starts once the write has finished.
   */
  #advanceBusTime(): number {
    if (this.#clock === undefined) return 0
    const nowMs = this.#clock.now()
    this.#busTimeMs += Math.max(0, nowMs - this.#lastClockMs) + BYTE_TIME_MS
    this.#lastClockMs = nowMs
    return this.#busTimeMs
  }

  #latch(pins: ExpanderPins, atMs: number): void {
    if (pins.rw) {
      // A read cycle writes nothing, but in 4-bit mode it still uses up one nibble.
      if (!this.#eightBit) this.#pendingHigh = this.#pendingHigh === undefined ? 0 : undefined
      return
    }
    if (this.#eightBit) {
      // The backpack wires only D7..D4; D3..D0 read as 0 in 8-bit mode.
      this.#execute(pins.nibble << 4, pins.rs, atMs)
      return
    }
    if (this.#pendingHigh === undefined) {
      this.#pendingHigh = pins.nibble
      return
    }
    const value = (this.#pendingHigh << 4) | pins.nibble
    this.#pendingHigh = undefined
    this.#execute(value, pins.rs, atMs)
  }

  #execute(value: number, rs: boolean, atMs: number): void {
    if (this.#clock !== undefined && atMs < this.#busyUntilMs) {
      this.lostInstructions += 1
      return
    }
    const isFunctionSet = !rs && value >= FUNCTION_SET && value < SET_CGRAM_ADDRESS
    const executionMs = rs ? this.#writeData(value) : this.#instruction(value)
    if (!isFunctionSet) this.#functionSets8bit = 0
    this.#busyUntilMs = atMs + executionMs
  }

  #writeData(value: number): number {
    if (this.#cgramSelected) {
      this.#cgram[this.#addressCounter & 0x3f] = value
      this.#addressCounter = (this.#addressCounter + (this.#increment ? 1 : -1)) & 0x3f
      return DATA_WRITE_MS
    }
    this.#ddram[this.#addressCounter] = value
    this.#addressCounter = this.#nextDdramAddress(this.#addressCounter, this.#increment)
    if (this.#shiftOnWrite) this.#displayShift += this.#increment ? 1 : -1
    return DATA_WRITE_MS
  }

  /** Runs one instruction (HD44780U Table 6); returns its execution time. */
  #instruction(value: number): number {
    if (value & SET_DDRAM_ADDRESS) {
      this.#addressCounter = value & 0x7f
      this.#cgramSelected = false
    } else if (value & SET_CGRAM_ADDRESS) {
      this.#addressCounter = value & 0x3f
      this.#cgramSelected = true
    } else if (value & FUNCTION_SET) {
      return this.#functionSet(value)
    } else if (value & CURSOR_SHIFT) {
      const right = (value & SHIFT_RIGHT) !== 0
      if (value & SHIFT_DISPLAY) this.#displayShift += right ? -1 : 1
      else this.#addressCounter = this.#nextDdramAddress(this.#addressCounter, right)
    } else if (value & DISPLAY_CONTROL) {
      this.#displayOn = (value & DISPLAY_ON) !== 0
      this.#cursorOn = (value & CURSOR_ON) !== 0
      this.#blinkOn = (value & BLINK_ON) !== 0
    } else if (value & ENTRY_MODE_SET) {
      this.#increment = (value & ENTRY_INCREMENT) !== 0
      this.#shiftOnWrite = (value & ENTRY_SHIFT) !== 0
    } else if (value & RETURN_HOME) {
      this.#addressCounter = 0
      this.#cgramSelected = false
      this.#displayShift = 0
      return CLEAR_EXECUTION_MS
    } else if (value & CLEAR_DISPLAY) {
      this.#ddram.fill(0x20)
      this.#addressCounter = 0
      this.#cgramSelected = false
      this.#displayShift = 0
      this.#increment = true
      return CLEAR_EXECUTION_MS
    }
    return INSTRUCTION_MS
  }

  #functionSet(value: number): number {
    const eightBit = (value & FUNCTION_8BIT) !== 0
    const wasEightBit = this.#eightBit
    const previous8bitSets = this.#functionSets8bit
    if (!eightBit && wasEightBit && previous8bitSets >= 1) this.#initialised = true
    this.#functionSets8bit = eightBit ? previous8bitSets + 1 : 0
    this.#eightBit = eightBit
    this.#pendingHigh = undefined
    this.#twoLine = (value & FUNCTION_2LINE) !== 0
    if (!eightBit || !wasEightBit) return INSTRUCTION_MS
    // Figure 24's waits after the 8-bit function sets of the initialisation.
    return previous8bitSets === 0 ? FIRST_FUNCTION_SET_MS : NEXT_FUNCTION_SET_MS
  }

  /** Address counter step in DDRAM: 0x27 → 0x40 and 0x67 → 0x00 with two lines, 0x4F → 0x00 with one. */
  #nextDdramAddress(address: number, increment: boolean): number {
    if (this.#twoLine) {
      if (increment) return address === 0x27 ? 0x40 : address === 0x67 ? 0x00 : (address + 1) & 0x7f
      return address === 0x40 ? 0x27 : address === 0x00 ? 0x67 : (address - 1) & 0x7f
    }
    if (increment) return address >= 0x4f ? 0x00 : address + 1
    return address === 0x00 ? 0x4f : address - 1
  }
}
