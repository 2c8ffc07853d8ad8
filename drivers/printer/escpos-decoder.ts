/**
 * Reads an ESC/POS byte stream the way a printer does and returns what a person would see on the
 * paper: text lines with their alignment, emphasis and size, QR and barcode payloads, and cuts.
 * Used by the simulated printer and by `station sim receipt`. Pure.
 */
import { StationError } from '../../runtime/core/errors.js'
import {
  BARCODE_CODE128,
  ESC,
  ESC_AT,
  ESC_E,
  ESC_EXCLAMATION,
  ESC_a,
  ESC_d,
  ESC_t,
  FF,
  GS,
  GS_EXCLAMATION,
  GS_LPAREN,
  GS_LPAREN_k,
  GS_V,
  GS_k,
  HT,
  LF,
  QR_CN,
  QR_FN,
} from './escpos-commands.js'
import { splitEscPos, type EscPosToken } from './escpos-splitter.js'
import type { CutMode } from './escpos-codec.js'
import { decodePrinterText } from './printer-text.js'
import type { PrinterProfile } from './printer-profile.js'
import type { Align } from './receipt.js'

/** Character size: 'normal' (1×1), 'double' (2×2), or `<width>x<height>` for other GS ! scales. */
export type DecodedTextSize = 'normal' | 'double' | `${number}x${number}`

/** A printed line of text. Attributes are those in effect at the line's first character. */
export interface DecodedTextLine {
  text: string
  align: Align
  bold: boolean
  size: DecodedTextSize
}

/** One thing on the paper, top to bottom. */
export type DecodedLine =
  | DecodedTextLine
  /** A QR symbol; its stored data read as UTF-8. */
  | { qr: string }
  /** A linear barcode's data (CODE128 selectors removed). */
  | { barcode: string }
  /** The paper was cut here. */
  | { cut: CutMode }

export interface DecodedEscPos {
  lines: DecodedLine[]
  /** Number of cuts, partial or full. */
  cuts: number
}

const ALIGN_BY_VALUE: Readonly<Record<number, Align>> = { 0: 'left', 1: 'center', 2: 'right', 48: 'left', 49: 'center', 50: 'right' }
/** GS V m values that cut fully; the partial ones are 1, 49, 66, 98, 104 (Epson GS V). */
const FULL_CUT_MODES: ReadonlySet<number> = new Set([0, 48, 65, 97, 103])
const ESC_i = 0x69
const ESC_m = 0x6d
const CODE128_BRACE = 0x7b
const utf8 = new TextDecoder('utf-8')

/** The printer's state while reading the stream: modes, code table, the line being filled, the stored QR. */
class PaperModel {
  readonly lines: DecodedLine[] = []
  cuts = 0
  readonly #profile: PrinterProfile
  #align: Align = 'left'
  #bold = false
  #widthScale = 1
  #heightScale = 1
  #codeTable = 0
  #qrData: Uint8Array | undefined
  /** Text of the current line decoded so far, its undecoded bytes, and the cells it fills. */
  #lineText = ''
  #lineBytes: number[] = []
  #lineCells = 0
  #lineStyle: Omit<DecodedTextLine, 'text'> | undefined

  constructor(profile: PrinterProfile) {
    this.#profile = profile
  }

  apply(token: EscPosToken): void {
    if (token.kind === 'text') {
      for (const byte of token.bytes) this.#addByte(byte)
    } else if (token.kind === 'control') {
      this.#control(token.byte)
    } else {
      this.#command(token.bytes)
    }
  }

  #style(): Omit<DecodedTextLine, 'text'> {
    const size: DecodedTextSize =
      this.#widthScale === 1 && this.#heightScale === 1
        ? 'normal'
        : this.#widthScale === 2 && this.#heightScale === 2
          ? 'double'
          : `${this.#widthScale}x${this.#heightScale}`
    return { align: this.#align, bold: this.#bold, size }
  }

  get #lineEmpty(): boolean {
    return this.#lineStyle === undefined
  }

  #addByte(byte: number): void {
    // A full line prints by itself when the next character arrives (Epson: "when the line is full").
    if (!this.#lineEmpty && this.#lineCells + this.#widthScale > this.#profile.lineWidthChars) this.#printLine()
    this.#lineStyle ??= this.#style()
    this.#lineBytes.push(byte)
    this.#lineCells += this.#widthScale
  }

  /** Decodes pending line bytes with the code table they were sent under. */
  #decodePending(): void {
    if (this.#lineBytes.length === 0) return
    const { codepage, codeTable } = this.#profile
    const tableMatches = codepage !== 'ascii' && this.#codeTable === codeTable
    this.#lineText += decodePrinterText(Uint8Array.from(this.#lineBytes), tableMatches ? codepage : 'ascii')
    this.#lineBytes = []
  }

  /** LF: prints the line (an empty one is a blank line) and feeds. */
  #printLine(): void {
    this.#decodePending()
    this.lines.push({ text: this.#lineText, ...(this.#lineStyle ?? this.#style()) })
    this.#clearLine()
  }

  /** Prints the line only if it has something on it (before a symbol or a cut). */
  #flushLine(): void {
    if (!this.#lineEmpty) this.#printLine()
  }

  #clearLine(): void {
    this.#lineText = ''
    this.#lineBytes = []
    this.#lineCells = 0
    this.#lineStyle = undefined
  }

  #control(byte: number): void {
    if (byte === LF) this.#printLine()
    else if (byte === HT) this.#addByte(0x20)
    else if (byte === FF) this.#flushLine()
    // CR, CAN, NUL, a lone DLE …: ignored in standard mode.
  }

  #command(bytes: Uint8Array): void {
    const [prefix, command, n = 0] = bytes
    if (prefix === ESC) {
      if (command === ESC_AT) this.#reset()
      else if (command === ESC_a) {
        // Only honoured at the start of a line (docs/protocols.md 1.2).
        if (this.#lineEmpty) this.#align = ALIGN_BY_VALUE[n] ?? this.#align
      } else if (command === ESC_E) this.#bold = (n & 1) === 1
      else if (command === ESC_EXCLAMATION) {
        this.#bold = (n & 0x08) !== 0
        this.#heightScale = n & 0x10 ? 2 : 1
        this.#widthScale = n & 0x20 ? 2 : 1
      } else if (command === ESC_d) for (let line = 0; line < n; line++) this.#printLine()
      else if (command === 0x4a) this.#flushLine() // ESC J: print and feed n dots
      else if (command === ESC_t) {
        this.#decodePending()
        this.#codeTable = n
      } else if (command === ESC_i) this.#cut('full')
      else if (command === ESC_m) this.#cut('partial')
    } else if (prefix === GS) {
      if (command === GS_EXCLAMATION) {
        this.#widthScale = ((n >> 4) & 0x07) + 1
        this.#heightScale = (n & 0x07) + 1
      } else if (command === GS_V) this.#cut(FULL_CUT_MODES.has(n) ? 'full' : 'partial')
      else if (command === GS_LPAREN) this.#symbolFunction(bytes)
      else if (command === GS_k) this.#barcode(bytes)
    }
    // FS and DLE commands, and the rest of ESC/GS, change nothing a reader of the paper would see.
  }

  #reset(): void {
    // ESC @ clears the print buffer as well as the modes.
    this.#clearLine()
    this.#align = 'left'
    this.#bold = false
    this.#widthScale = 1
    this.#heightScale = 1
    this.#codeTable = 0
    this.#qrData = undefined
  }

  #cut(mode: CutMode): void {
    this.#flushLine()
    this.lines.push({ cut: mode })
    this.cuts++
  }

  /** GS ( k pL pH cn fn …: QR store (fn 180) and print (fn 181); other symbols are skipped. */
  #symbolFunction(bytes: Uint8Array): void {
    const [, , kind, , , cn, fn] = bytes
    if (kind !== GS_LPAREN_k || cn !== QR_CN) return
    if (fn === QR_FN.storeData) this.#qrData = bytes.slice(8)
    else if (fn === QR_FN.printSymbol && this.#qrData) {
      this.#flushLine()
      this.lines.push({ qr: utf8.decode(this.#qrData) })
    }
  }

  /** GS k m …: Function A (m 0..6, data to NUL) or Function B (m >= 65, n, data). */
  #barcode(bytes: Uint8Array): void {
    const m = bytes[2] ?? 0
    const data = m <= 6 ? bytes.slice(3, -1) : bytes.slice(4)
    this.#flushLine()
    this.lines.push({ barcode: m === BARCODE_CODE128 ? decodeCode128Data(data) : String.fromCharCode(...data) })
  }
}

/**
 * CODE128 data as sent in GS k: `{A`/`{B`/`{C` select a code set, `{S` shifts, `{1`..`{4` are FNC
 * codes and `{{` is a literal brace. In code set C each byte is a number 0..99 printed as two digits.
 */
function decodeCode128Data(data: Uint8Array): string {
  let text = ''
  let codeSet = 'B'
  for (let index = 0; index < data.length; index++) {
    const byte = data[index] ?? 0
    if (byte === CODE128_BRACE) {
      const next = data[index + 1] ?? 0
      index++
      if (next === CODE128_BRACE) text += '{'
      else if (next === 0x41 || next === 0x42 || next === 0x43) codeSet = String.fromCharCode(next)
      continue
    }
    text += codeSet === 'C' ? String(byte).padStart(2, '0') : String.fromCharCode(byte)
  }
  return text
}

/**
 * Decodes a whole stream. Text past `profile.lineWidthChars` cells wraps as on the printer; text left
 * without a LF at the end is not printed, as on the printer. Throws E_CODEC_INVALID for an unknown
 * command or a stream that ends inside a command.
 */
export function decodeEscPos(bytes: Uint8Array, profile: PrinterProfile): DecodedEscPos {
  const { tokens, consumed } = splitEscPos(bytes)
  if (consumed < bytes.length) {
    throw new StationError('E_CODEC_INVALID', 'ESC/POS stream ends inside a command', { offset: consumed, byte: bytes[consumed] ?? -1 })
  }
  const paper = new PaperModel(profile)
  for (const token of tokens) paper.apply(token)
  return { lines: paper.lines, cuts: paper.cuts }
}

const CUT_MARK = '✂'

function scaleOf(size: DecodedTextSize): number {
  if (size === 'normal') return 1
  if (size === 'double') return 2
  return Number.parseInt(size, 10) || 1
}

/**
 * The printed roll as plain text, one string per line: text padded for its alignment (a double-width
 * character counts as two cells), `[QR] <payload>`, `[BARCODE] <data>`, and `✂ - - -` across the paper at a cut.
 */
export function renderPaper(decoded: DecodedEscPos | readonly DecodedLine[], widthChars: number): string[] {
  const lines = 'lines' in decoded ? decoded.lines : decoded
  return lines.map((line) => {
    if ('qr' in line) return `[QR] ${line.qr}`
    if ('barcode' in line) return `[BARCODE] ${line.barcode}`
    if ('cut' in line) {
      let mark = CUT_MARK
      while (mark.length + 2 <= widthChars) mark += ' -'
      return mark
    }
    if (line.text === '') return ''
    const cells = [...line.text].length * scaleOf(line.size)
    const free = Math.max(0, widthChars - cells)
    const pad = line.align === 'center' ? Math.floor(free / 2) : line.align === 'right' ? free : 0
    return ' '.repeat(pad) + line.text
  })
}
