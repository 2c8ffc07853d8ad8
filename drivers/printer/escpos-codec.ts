/**
 * Pure ESC/POS encoders: single commands (ops), QR and CODE128 symbols, the cut, and whole receipts
 * (docs/protocols.md 1.2-1.3). No I/O; invalid arguments throw StationError E_CODEC_INVALID.
 */
import { StationError } from '../../runtime/core/errors.js'
import {
  BARCODE_CODE128,
  BARCODE_MODULE_MAX,
  BARCODE_MODULE_MIN,
  CUT_FEED,
  ESC,
  ESC_AT,
  ESC_E,
  ESC_MINUS,
  ESC_a,
  ESC_d,
  ESC_t,
  FS,
  FS_PERIOD,
  GS,
  GS_EXCLAMATION,
  GS_H,
  GS_LPAREN,
  GS_LPAREN_k,
  GS_V,
  GS_h,
  GS_k,
  GS_w,
  HRI_POSITION,
  JUSTIFICATION,
  LF,
  QR_CN,
  QR_ECC,
  QR_FN,
  QR_M,
  QR_MODEL,
  QR_MODULE_DOTS_MAX,
  QR_MODULE_DOTS_MIN,
  QR_STORE_LENGTH_MAX,
} from './escpos-commands.js'
import { encodePrinterText, wrapText } from './printer-text.js'
import type { PrinterProfile } from './printer-profile.js'
import type { Align, Receipt, ReceiptLine } from './receipt.js'

export type CutMode = 'partial' | 'full'

/** One ESC/POS command or piece of text, as data. */
export type EscPosOp =
  /** ESC @: reset modes and code table. */
  | { op: 'init' }
  /** FS .: leave Kanji/Chinese mode so bytes >= 0x80 are single-byte characters. */
  | { op: 'cancel-kanji' }
  /** ESC t n. */
  | { op: 'code-table'; table: number }
  /** ESC a n; takes effect only at the start of a line. */
  | { op: 'align'; align: Align }
  /** ESC E n. */
  | { op: 'bold'; on: boolean }
  /** ESC - n. */
  | { op: 'underline'; dots: 0 | 1 | 2 }
  /** GS ! n; each scale 1..8. */
  | { op: 'size'; width: number; height: number }
  /** Printable ASCII (0x20..0x7e) only. */
  | { op: 'text'; text: string }
  /** Text already encoded for the active code table; must not contain control bytes. */
  | { op: 'text-bytes'; bytes: Uint8Array }
  /** LF: print the line buffer and feed one line. */
  | { op: 'lf' }
  /** ESC d n: print and feed n lines (0..255). */
  | { op: 'feed'; lines: number }
  /** GS V m n (Function B): feed to the cutter plus n units (0..255), then cut. */
  | { op: 'cut'; mode: CutMode; feedUnits: number }

export type QrEcc = keyof typeof QR_ECC

export interface QrOptions {
  /** 1 or 2; default 2. */
  model?: 1 | 2
  /** Module size in dots, 1..16; default 6 (4-6 scans well on 80 mm, docs/protocols.md 1.3). */
  moduleDots?: number
  /** Error correction level; default 'M' (15 %). */
  ecc?: QrEcc
}

export interface Code128Options {
  /** Bar height in dots, 1..255; default 80. */
  heightDots?: number
  /** Module (narrow bar) width in dots, 2..6; default 2. */
  moduleWidth?: number
  /** Where the human-readable text goes; default 'below'. */
  hri?: keyof typeof HRI_POSITION
}

const DEFAULT_QR_MODULE_DOTS = 6
const DEFAULT_BARCODE_HEIGHT_DOTS = 80
const DEFAULT_BARCODE_MODULE_WIDTH = 2
const MAX_BYTE = 0xff
const utf8 = new TextEncoder()

function invalid(message: string, context: Record<string, string | number | boolean>): StationError {
  return new StationError('E_CODEC_INVALID', message, context)
}

function checkInt(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer in ${min}..${max}`, { [name]: value })
  }
  return value
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** Encodes one op. */
export function encodeOp(op: EscPosOp): Uint8Array {
  switch (op.op) {
    case 'init':
      return Uint8Array.of(ESC, ESC_AT)
    case 'cancel-kanji':
      return Uint8Array.of(FS, FS_PERIOD)
    case 'code-table':
      return Uint8Array.of(ESC, ESC_t, checkInt(op.table, 0, MAX_BYTE, 'codeTable'))
    case 'align':
      return Uint8Array.of(ESC, ESC_a, JUSTIFICATION[op.align])
    case 'bold':
      return Uint8Array.of(ESC, ESC_E, op.on ? 1 : 0)
    case 'underline':
      return Uint8Array.of(ESC, ESC_MINUS, checkInt(op.dots, 0, 2, 'underlineDots'))
    case 'size': {
      // GS ! n: bits 4-6 = width-1, bits 0-2 = height-1 (docs/protocols.md 1.2).
      const width = checkInt(op.width, 1, 8, 'widthScale')
      const height = checkInt(op.height, 1, 8, 'heightScale')
      return Uint8Array.of(GS, GS_EXCLAMATION, ((width - 1) << 4) | (height - 1))
    }
    case 'text': {
      const bytes = new Uint8Array(op.text.length)
      for (let index = 0; index < op.text.length; index++) {
        const code = op.text.charCodeAt(index)
        if (code < 0x20 || code > 0x7e) throw invalid('text op takes printable ASCII only', { offset: index, charCode: code })
        bytes[index] = code
      }
      return bytes
    }
    case 'text-bytes': {
      const bad = op.bytes.findIndex((byte) => byte < 0x20 || byte === 0x7f)
      if (bad >= 0) throw invalid('text bytes must not contain control bytes', { offset: bad, byte: op.bytes[bad] ?? -1 })
      return Uint8Array.from(op.bytes)
    }
    case 'lf':
      return Uint8Array.of(LF)
    case 'feed':
      return Uint8Array.of(ESC, ESC_d, checkInt(op.lines, 0, MAX_BYTE, 'feedLines'))
    case 'cut':
      return encodeCut(op.mode, op.feedUnits)
  }
}

/** Encodes ops in order. */
export function encodeOps(ops: readonly EscPosOp[]): Uint8Array {
  return concatBytes(ops.map(encodeOp))
}

/** GS V m n, Function B: m = 65 full / 66 partial, after feeding to the cutting position plus `feedUnits`. */
export function encodeCut(mode: CutMode, feedUnits = 0): Uint8Array {
  return Uint8Array.of(GS, GS_V, CUT_FEED[mode], checkInt(feedUnits, 0, MAX_BYTE, 'feedUnits'))
}

function qrFunction(parameters: readonly number[]): Uint8Array {
  // GS ( k pL pH cn fn …: pL/pH count the bytes after pH, i.e. cn plus `parameters` (fn first).
  const length = 1 + parameters.length
  return Uint8Array.of(GS, GS_LPAREN, GS_LPAREN_k, length & 0xff, length >> 8, QR_CN, ...parameters)
}

/**
 * QR fn 180 "store data": `1D 28 6B pL pH 31 50 30 d1…dk` with pL + pH·256 = k + 3, split as
 * pL = (k+3) & 0xFF, pH = (k+3) >> 8 (docs/protocols.md 1.3; the `% 255` variant is a known bug).
 */
export function encodeQrStore(data: Uint8Array): Uint8Array {
  const length = data.length + 3
  if (data.length < 1 || length > QR_STORE_LENGTH_MAX) {
    throw invalid(`QR data must be 1..${QR_STORE_LENGTH_MAX - 3} bytes`, { length: data.length })
  }
  const header = Uint8Array.of(GS, GS_LPAREN, GS_LPAREN_k, length & 0xff, length >> 8, QR_CN, QR_FN.storeData, QR_M)
  return concatBytes([header, data])
}

/**
 * A QR symbol: select model (fn 165), module size (fn 167), error correction (fn 169), store data
 * (fn 180) and print (fn 181). A string is stored as UTF-8.
 */
export function encodeQr(data: string | Uint8Array, options: QrOptions = {}): Uint8Array {
  const model = options.model ?? 2
  const moduleDots = checkInt(options.moduleDots ?? DEFAULT_QR_MODULE_DOTS, QR_MODULE_DOTS_MIN, QR_MODULE_DOTS_MAX, 'moduleDots')
  const ecc = options.ecc ?? 'M'
  if (!(model in QR_MODEL)) throw invalid('QR model must be 1 or 2', { model })
  if (!(ecc in QR_ECC)) throw invalid('QR error correction must be L, M, Q or H', { ecc })
  const bytes = typeof data === 'string' ? utf8.encode(data) : data
  return concatBytes([
    qrFunction([QR_FN.selectModel, QR_MODEL[model], 0]),
    qrFunction([QR_FN.setModuleSize, moduleDots]),
    qrFunction([QR_FN.setErrorCorrection, QR_ECC[ecc]]),
    encodeQrStore(bytes),
    qrFunction([QR_FN.printSymbol, QR_M]),
  ])
}

/**
 * A CODE128 barcode in code set B: GS h, GS w, GS H, then GS k Function B (m = 73) whose data starts
 * with the `{B` selector, counted in n (docs/protocols.md 1.3). A `{` in the data is sent as `{{`, the
 * reference's escape for the brace that otherwise starts a selector.
 */
export function encodeCode128(data: string, options: Code128Options = {}): Uint8Array {
  const heightDots = checkInt(options.heightDots ?? DEFAULT_BARCODE_HEIGHT_DOTS, 1, MAX_BYTE, 'heightDots')
  const moduleWidth = checkInt(options.moduleWidth ?? DEFAULT_BARCODE_MODULE_WIDTH, BARCODE_MODULE_MIN, BARCODE_MODULE_MAX, 'moduleWidth')
  const hri = options.hri ?? 'below'
  if (!(hri in HRI_POSITION)) throw invalid('HRI position must be none, above, below or both', { hri })
  if (data.length === 0) throw invalid('CODE128 data must not be empty', { length: 0 })
  const symbols: number[] = [0x7b, 0x42] // "{B"
  for (let index = 0; index < data.length; index++) {
    const code = data.charCodeAt(index)
    if (code < 0x20 || code > 0x7e) throw invalid('CODE128 code set B takes printable ASCII only', { offset: index, charCode: code })
    symbols.push(code)
    if (code === 0x7b) symbols.push(code)
  }
  if (symbols.length > MAX_BYTE) throw invalid('CODE128 data is too long for GS k', { length: data.length })
  return Uint8Array.of(
    GS, GS_h, heightDots,
    GS, GS_w, moduleWidth,
    GS, GS_H, HRI_POSITION[hri],
    GS, GS_k, BARCODE_CODE128, symbols.length, ...symbols,
  )
}

interface PrintState {
  align: Align
  bold: boolean
  double: boolean
}

function stateOps(from: PrintState, to: PrintState): EscPosOp[] {
  const ops: EscPosOp[] = []
  if (from.align !== to.align) ops.push({ op: 'align', align: to.align })
  if (from.bold !== to.bold) ops.push({ op: 'bold', on: to.bold })
  if (from.double !== to.double) ops.push({ op: 'size', width: to.double ? 2 : 1, height: to.double ? 2 : 1 })
  return ops
}

function checkProfile(profile: PrinterProfile): void {
  checkInt(profile.lineWidthChars, 1, MAX_BYTE, 'lineWidthChars')
  if (profile.codepage !== 'ascii') checkInt(profile.codeTable, 0, MAX_BYTE, 'codeTable')
}

/**
 * A whole receipt: ESC @, FS . (Chinese firmwares boot in Kanji mode and ESC @ may restore it), ESC t for a
 * code page, then the lines, then a partial cut. Alignment, bold and size are set before the first byte of
 * each line, since ESC a is ignored mid-line (docs/protocols.md 1.2). Text is word-wrapped to the line width
 * (half for double size); QR symbols and barcodes are centred.
 */
export function encodeReceipt(receipt: Receipt, profile: PrinterProfile): Uint8Array {
  checkProfile(profile)
  const parts: Uint8Array[] = [encodeOp({ op: 'init' }), encodeOp({ op: 'cancel-kanji' })]
  if (profile.codepage !== 'ascii') parts.push(encodeOp({ op: 'code-table', table: profile.codeTable }))
  let state: PrintState = { align: 'left', bold: false, double: false }
  const moveTo = (next: PrintState): void => {
    parts.push(encodeOps(stateOps(state, next)))
    state = next
  }
  for (const line of receipt.lines) {
    encodeLine(line, profile, state, moveTo, parts)
  }
  parts.push(encodeCut('partial', 0))
  return concatBytes(parts)
}

function encodeLine(
  line: ReceiptLine,
  profile: PrinterProfile,
  state: PrintState,
  moveTo: (next: PrintState) => void,
  parts: Uint8Array[],
): void {
  switch (line.kind) {
    case 'text': {
      const double = line.size === 'double'
      moveTo({ align: line.align ?? 'left', bold: line.bold ?? false, double })
      const widthCells = double ? Math.max(1, Math.floor(profile.lineWidthChars / 2)) : profile.lineWidthChars
      const cellsOf = (text: string): number => encodePrinterText(text, profile.codepage).length
      for (const wrapped of wrapText(line.text, widthCells, cellsOf)) {
        parts.push(encodeOp({ op: 'text-bytes', bytes: encodePrinterText(wrapped, profile.codepage) }), encodeOp({ op: 'lf' }))
      }
      return
    }
    case 'qr':
      moveTo({ ...state, align: 'center' })
      parts.push(encodeQr(line.data, { model: 2, moduleDots: line.moduleDots ?? DEFAULT_QR_MODULE_DOTS, ecc: 'M' }))
      return
    case 'barcode':
      moveTo({ ...state, align: 'center' })
      parts.push(encodeCode128(line.data))
      return
    case 'rule':
      moveTo({ ...state, double: false })
      parts.push(encodeOp({ op: 'text', text: '-'.repeat(profile.lineWidthChars) }), encodeOp({ op: 'lf' }))
      return
    case 'feed': {
      let left = checkInt(line.lines, 0, Number.MAX_SAFE_INTEGER, 'feedLines')
      while (left > 0) {
        const lines = Math.min(left, MAX_BYTE)
        parts.push(encodeOp({ op: 'feed', lines }))
        left -= lines
      }
      return
    }
  }
}
