/**
 * Pure encoding for an HD44780 character LCD behind a PCF8574 I2C expander (docs/protocols.md 4): which
 * expander bytes carry a command or a character in 4-bit mode, the initialisation sequence, cursor
 * addresses, and the text the A00 character ROM can show.
 */
import { StationError } from '../../runtime/core/errors.js'
import { foldToAscii } from '../text/vietnamese.js'
import {
  CLEAR_DELAY_MS,
  CLEAR_DISPLAY,
  DISPLAY_CONTROL,
  DISPLAY_ON,
  ENTRY_INCREMENT,
  ENTRY_MODE_SET,
  FUNCTION_2LINE,
  FUNCTION_SET,
  SET_DDRAM_ADDRESS,
} from './hd44780-instructions.js'

/**
 * Which PCF8574 port bit (0..7) drives each LCD signal. Backpacks differ, so this is configuration
 * (docs/protocols.md 4.1); all eight values must be distinct.
 */
export interface Pcf8574Mapping {
  readonly rs: number
  readonly rw: number
  readonly e: number
  /** Backlight transistor. */
  readonly bl: number
  readonly d4: number
  readonly d5: number
  readonly d6: number
  readonly d7: number
  /** true when a low BL bit turns the backlight on (some boards); default false. */
  readonly blActiveLow?: boolean
}

/** The common "LCM1602/YwRobot" wiring: P0 RS, P1 RW, P2 E, P3 backlight, P4..P7 D4..D7 (docs/protocols.md 4.1). */
export const DEFAULT_PCF8574_MAPPING: Pcf8574Mapping = Object.freeze({
  rs: 0,
  rw: 1,
  e: 2,
  bl: 3,
  d4: 4,
  d5: 5,
  d6: 6,
  d7: 7,
  blActiveLow: false,
})

/** How to send one byte. */
export interface EncodeOptions {
  /** false: instruction register (command); true: data register (character). */
  readonly rs: boolean
  readonly backlight: boolean
  /** Default DEFAULT_PCF8574_MAPPING. */
  readonly mapping?: Pcf8574Mapping
}

/** The LCD signals one expander byte sets. */
export interface ExpanderPins {
  readonly rs: boolean
  readonly rw: boolean
  readonly e: boolean
  readonly backlight: boolean
  /** D7..D4 as a 4-bit number. */
  readonly nibble: number
}

/** One step of the initialisation: write `bytes` in one I2C transaction, then wait `delayAfterMs`. */
export interface InitStep {
  readonly bytes: Uint8Array
  readonly delayAfterMs: number
}

const MAPPING_KEYS = ['rs', 'rw', 'e', 'bl', 'd4', 'd5', 'd6', 'd7'] as const

/** Throws E_CODEC_INVALID unless the mapping uses eight distinct bits 0..7. */
export function checkMapping(mapping: Pcf8574Mapping): void {
  const bits = MAPPING_KEYS.map((key) => mapping[key])
  const valid = bits.every((bit) => Number.isInteger(bit) && bit >= 0 && bit <= 7) && new Set(bits).size === 8
  if (!valid) {
    throw new StationError('E_CODEC_INVALID', 'PCF8574 mapping must use eight distinct bits 0..7', {
      mapping: MAPPING_KEYS.map((key) => `${key}=${mapping[key]}`).join(' '),
    })
  }
}

/** The expander byte for a nibble with E low (`e` false) or high. */
function expanderByte(nibble: number, e: boolean, options: EncodeOptions): number {
  const mapping = options.mapping ?? DEFAULT_PCF8574_MAPPING
  const backlightBit = options.backlight !== (mapping.blActiveLow ?? false)
  let byte = 0
  if (nibble & 0x1) byte |= 1 << mapping.d4
  if (nibble & 0x2) byte |= 1 << mapping.d5
  if (nibble & 0x4) byte |= 1 << mapping.d6
  if (nibble & 0x8) byte |= 1 << mapping.d7
  if (options.rs) byte |= 1 << mapping.rs
  if (e) byte |= 1 << mapping.e
  if (backlightBit) byte |= 1 << mapping.bl
  // RW stays 0: these drivers only write, and never read the busy flag (docs/protocols.md 4.1).
  return byte
}

/** The two expander bytes that latch one nibble: E high, then E low (the falling edge latches). */
export function encodeNibble(nibble: number, options: EncodeOptions): Uint8Array {
  if (!Number.isInteger(nibble) || nibble < 0 || nibble > 0xf) {
    throw new StationError('E_CODEC_INVALID', 'nibble must be 0x0..0xf', { nibble })
  }
  checkMapping(options.mapping ?? DEFAULT_PCF8574_MAPPING)
  return Uint8Array.of(expanderByte(nibble, true, options), expanderByte(nibble, false, options))
}

/** The four expander bytes that send `value` in 4-bit mode, high nibble first (docs/protocols.md 4.1). */
export function encodeByte(value: number, options: EncodeOptions): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new StationError('E_CODEC_INVALID', 'byte must be 0x00..0xff', { value })
  }
  const bytes = new Uint8Array(4)
  bytes.set(encodeNibble(value >> 4, options), 0)
  bytes.set(encodeNibble(value & 0xf, options), 2)
  return bytes
}

/** The expander byte that only sets the backlight, with E low so nothing is latched. */
export function encodeIdle(backlight: boolean, mapping: Pcf8574Mapping = DEFAULT_PCF8574_MAPPING): Uint8Array {
  checkMapping(mapping)
  return Uint8Array.of(expanderByte(0, false, { rs: false, backlight, mapping }))
}

/** What one expander byte drives on the LCD pins (for simulators and diagnostics). */
export function decodeExpanderByte(byte: number, mapping: Pcf8574Mapping = DEFAULT_PCF8574_MAPPING): ExpanderPins {
  if (!Number.isInteger(byte) || byte < 0 || byte > 0xff) {
    throw new StationError('E_CODEC_INVALID', 'expander byte must be 0x00..0xff', { byte })
  }
  checkMapping(mapping)
  const bit = (n: number): boolean => ((byte >> n) & 1) === 1
  return {
    rs: bit(mapping.rs),
    rw: bit(mapping.rw),
    e: bit(mapping.e),
    backlight: bit(mapping.bl) !== (mapping.blActiveLow ?? false),
    nibble: (bit(mapping.d4) ? 1 : 0) | (bit(mapping.d5) ? 2 : 0) | (bit(mapping.d6) ? 4 : 0) | (bit(mapping.d7) ? 8 : 0),
  }
}

/**
 * Initialisation by instruction (HD44780U Figure 24; docs/protocols.md 4.2), which works from any state,
 * including a controller left mid-byte in 4-bit mode. The caller first waits POWER_UP_DELAY_MS if
 * the LCD may just have been powered. Delays are the data sheet's minimums rounded up to whole
 * milliseconds: 4.1 ms → 5, 100 µs → 1, Clear 1.52 ms → 2.
 * Ends with: 4-bit, 2 lines, 5x8 font (0x28); display off (0x08); clear (0x01); increment, no
 * shift (0x06); display on, no cursor, no blink (0x0C).
 */
export function initSequence(backlight: boolean, mapping: Pcf8574Mapping = DEFAULT_PCF8574_MAPPING): InitStep[] {
  const options: EncodeOptions = { rs: false, backlight, mapping }
  const nibble = (value: number, delayAfterMs: number): InitStep => ({
    bytes: encodeNibble(value, options),
    delayAfterMs,
  })
  const command = (value: number, delayAfterMs = 0): InitStep => ({ bytes: encodeByte(value, options), delayAfterMs })
  return [
    nibble(0x3, 5),
    nibble(0x3, 1),
    nibble(0x3, 1),
    nibble(0x2, 0),
    command(FUNCTION_SET | FUNCTION_2LINE),
    command(DISPLAY_CONTROL),
    command(CLEAR_DISPLAY, CLEAR_DELAY_MS),
    command(ENTRY_MODE_SET | ENTRY_INCREMENT),
    command(DISPLAY_CONTROL | DISPLAY_ON),
  ]
}

/**
 * DDRAM address of (row, col) (docs/protocols.md 4.3): rows 0 and 1 start at 0x00 and 0x40; on 4-row
 * modules rows 2 and 3 continue lines 1 and 2 at 0x00 + cols and 0x40 + cols (0x14/0x54 on a 20x4).
 * Supported geometries: 2 rows of up to 40 columns, 4 rows of up to 20 (the driver always sets N = 2 lines).
 * Throws E_CODEC_INVALID for an unsupported geometry or a position outside it, rather than writing
 * into DDRAM that is not on screen.
 */
export function ddramAddress(cols: number, rows: number, row: number, col: number): number {
  const maxCols = rows === 2 ? 40 : rows === 4 ? 20 : 0
  if (!Number.isInteger(cols) || cols < 1 || cols > maxCols) {
    throw new StationError('E_CODEC_INVALID', `unsupported display geometry ${cols}x${rows}`, { cols, rows })
  }
  if (!Number.isInteger(row) || row < 0 || row >= rows) {
    throw new StationError('E_CODEC_INVALID', `row out of range for ${cols}x${rows}`, { cols, rows, row, col })
  }
  if (!Number.isInteger(col) || col < 0 || col >= cols) {
    throw new StationError('E_CODEC_INVALID', `column out of range for ${cols}x${rows}`, { cols, rows, row, col })
  }
  const lineBase = row % 2 === 0 ? 0x00 : 0x40
  const offset = row >= 2 ? cols : 0
  return lineBase + offset + col
}

/** The Set DDRAM address instruction for (row, col): 0x80 | address (20x4 row 3 col 5 → 0xD9). */
export function setCursorCommand(cols: number, rows: number, row: number, col: number): number {
  return SET_DDRAM_ADDRESS | ddramAddress(cols, rows, row, col)
}

/** Characters the A00 ROM prints as something else: 0x5C is ¥ and 0x7E is → (docs/protocols.md 4.4). */
const A00_SUBSTITUTES: Readonly<Record<string, string>> = { '\\': '/', '~': '-' }

/**
 * Text as the A00 character ROM can show it: Vietnamese and other accents folded to ASCII
 * ("Xin chào, công dân" → "Xin chao, cong dan"), `\` → `/`, `~` → `-`, control characters → space,
 * anything else unprintable → `?`. One output character per display cell; no padding or truncation.
 */
export function displayText(text: string): string {
  let shown = ''
  for (const char of foldToAscii(text)) {
    const code = char.charCodeAt(0)
    if (code < 0x20) shown += ' '
    else if (code > 0x7d) shown += A00_SUBSTITUTES[char] ?? '?'
    else shown += A00_SUBSTITUTES[char] ?? char
  }
  return shown
}
