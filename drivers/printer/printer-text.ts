/**
 * Receipt text in a printer's single-byte code page: encoding (through ../text/vietnamese.js), decoding
 * back to Unicode for the simulator and `sim receipt`, and word-wrapping measured in printed cells.
 */
import { encodeCp1258, encodeTcvn3, foldToAscii } from '../text/vietnamese.js'
import type { PrinterCodepage } from './printer-profile.js'

const QUESTION_MARK = 0x3f
const SPACE = ' '
/** C0 controls, DEL and C1 controls: in text they would be read as printer commands (an ESC or DLE in a name). */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/gu

/**
 * Encodes one line of text for `codepage`: control characters become spaces first, so text can never
 * inject a command; the code page's encoder then handles letters (ASCII folding for 'ascii').
 * Every byte of the result is printable (>= 0x20, not 0x7f): one printed cell per byte.
 */
export function encodePrinterText(text: string, codepage: PrinterCodepage): Uint8Array {
  const clean = text.replace(CONTROL_CHARACTERS, SPACE)
  const bytes =
    codepage === 'cp1258'
      ? encodeCp1258(clean)
      : codepage === 'tcvn3'
        ? encodeTcvn3(clean)
        : Uint8Array.from(foldToAscii(clean), (char) => char.charCodeAt(0))
  // The encoders are not ours; keep the no-control-bytes promise even if one of them changes.
  return bytes.map((byte) => (byte < 0x20 || byte === 0x7f ? QUESTION_MARK : byte))
}

const cp1258Decoder = new TextDecoder('windows-1258')
let tcvn3Letters: Map<number, string> | undefined

/**
 * Decodes printed bytes back to Unicode (NFC). CP1258 uses the WHATWG windows-1258 table, so its combining
 * tone bytes join the letter before them. TCVN-3 bytes map to the letters our encoder sends there.
 * Bytes with no meaning in the code page become U+FFFD.
 */
export function decodePrinterText(bytes: Uint8Array, codepage: PrinterCodepage): string {
  if (codepage === 'cp1258') return cp1258Decoder.decode(bytes).normalize('NFC')
  let text = ''
  for (const byte of bytes) {
    if (byte < 0x80) text += String.fromCharCode(byte)
    else text += codepage === 'tcvn3' ? (tcvn3Table().get(byte) ?? '\ufffd') : '\ufffd'
  }
  return text
}

/**
 * The TCVN-3 reverse table, built once from `encodeTcvn3` over every Vietnamese letter so that decoding
 * always agrees with encoding. Lowercase goes first: toned capitals are sent as their lowercase letter.
 */
function tcvn3Table(): Map<number, string> {
  if (tcvn3Letters) return tcvn3Letters
  const table = new Map<number, string>()
  const tones = ['', '\u0300', '\u0301', '\u0303', '\u0309', '\u0323']
  const lower = [...'aăâeêioôơuưy'].flatMap((base) => tones.map((tone) => (base + tone).normalize('NFC')))
  for (const letter of [...lower, 'đ', ...lower.map((l) => l.toUpperCase()), 'Đ']) {
    const encoded = encodeTcvn3(letter)
    const byte = encoded[0]
    if (encoded.length === 1 && byte !== undefined && byte >= 0x80 && !table.has(byte)) table.set(byte, letter)
  }
  tcvn3Letters = table
  return table
}

/**
 * Word-wraps `text` into lines of at most `widthCells` printed cells, as measured by `cellsOf` (the
 * encoded byte count: a CP1258 tone byte takes its own cell on most firmwares, docs/protocols.md 1.5).
 * Breaks at spaces; a word longer than a line is split between characters, never inside one.
 * Newlines start new lines; empty text gives one empty line.
 */
export function wrapText(text: string, widthCells: number, cellsOf: (text: string) => number): string[] {
  const lines: string[] = []
  for (const paragraph of text.split(/\r?\n/u)) {
    let line = ''
    let started = false
    let wrapped = false
    for (const word of paragraph.split(SPACE)) {
      // Spaces at a wrap point are dropped, as a typesetter would; leading spaces of a paragraph stay.
      if (wrapped && !started && word === '') continue
      const candidate = started ? `${line}${SPACE}${word}` : word
      if (cellsOf(candidate) <= widthCells) {
        line = candidate
        started = true
        continue
      }
      if (started) lines.push(line.trimEnd())
      wrapped = true
      if (word === '') {
        line = ''
        started = false
        continue
      }
      const pieces = splitLongWord(word, widthCells, cellsOf)
      lines.push(...pieces.slice(0, -1))
      line = pieces.at(-1) ?? ''
      started = true
    }
    lines.push(line.trimEnd())
  }
  return lines
}

function splitLongWord(word: string, widthCells: number, cellsOf: (text: string) => number): string[] {
  const pieces: string[] = []
  let piece = ''
  for (const char of word.normalize('NFC')) {
    if (piece !== '' && cellsOf(piece + char) > widthCells) {
      pieces.push(piece)
      piece = ''
    }
    piece += char
  }
  pieces.push(piece)
  return pieces
}
