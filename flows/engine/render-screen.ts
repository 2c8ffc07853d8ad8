/**
 * Lays a Screen out on a character display: title on row 0, then the body word-wrapped, the numbered
 * options and the hint, split into pages, and the input on the last row. Pure.
 *
 * Widths are counted in Unicode code points of the NFC string: the display driver folds Vietnamese to
 * ASCII one character for one (drivers/text/vietnamese.ts), so a precomposed "ễ" takes one cell.
 */
import type { Screen } from './screen.js'

export interface ScreenGeometry {
  /** Characters per row (20 on a 2004 module). */
  cols: number
  /** Rows (4 on a 2004 module). */
  rows: number
  /** 0-based page; clamped to the pages there are. */
  page: number
}

/** Prefix of the input row. */
const INPUT_PROMPT = '> '
/** Options wrap under their label, past the "1 " number. */
const OPTION_INDENT = '  '

/** Returns exactly `rows` strings of exactly `cols` code points, and how many pages the content takes. */
export function renderScreen(screen: Screen, geometry: ScreenGeometry): { rows: string[]; pageCount: number } {
  const cols = Math.max(1, Math.floor(geometry.cols))
  const rows = Math.max(1, Math.floor(geometry.rows))
  const hasInput = screen.input !== undefined && rows >= 2
  const contentRows = rows - 1 - (hasInput ? 1 : 0)
  const pages = contentRows > 0 ? paginate(contentBlocks(screen, cols), contentRows) : [[]]
  const pageCount = pages.length
  const page = Math.min(Math.max(0, Math.floor(geometry.page)), pageCount - 1)

  const out: string[] = [titleRow(nfc(screen.title), cols, pageCount > 1 ? `${page + 1}/${pageCount}` : '')]
  for (const line of pages[page] ?? []) out.push(pad(line, cols))
  while (out.length < rows - (hasInput ? 1 : 0)) out.push(pad('', cols))
  if (hasInput) out.push(pad(INPUT_PROMPT + tail(nfc(screen.input ?? ''), cols - INPUT_PROMPT.length), cols))
  return { rows: out.slice(0, rows).map((row) => pad(row, cols)), pageCount }
}

/** Splits `text` into lines of at most `cols` code points, breaking at spaces and inside over-long words. */
export function wrapText(text: string, cols: number): string[] {
  const lines: string[] = []
  for (const paragraph of nfc(text).split('\n')) {
    let line: string[] = []
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      let chars = Array.from(word)
      if (line.length > 0 && line.length + 1 + chars.length <= cols) {
        line.push(' ', ...chars)
        continue
      }
      if (line.length > 0) lines.push(line.join(''))
      while (chars.length > cols) {
        lines.push(chars.slice(0, cols).join(''))
        chars = chars.slice(cols)
      }
      line = chars
    }
    lines.push(line.join(''))
  }
  return lines
}

/**
 * The content as blocks of lines. A block is kept on one page when it fits on one: each body line is
 * its own block (prose flows freely), each option one block (its wrapped lines stay together).
 */
function contentBlocks(screen: Screen, cols: number): string[][] {
  const blocks: string[][] = []
  if (screen.body !== '') for (const line of wrapText(screen.body, cols)) blocks.push([line])
  for (const [index, label] of (screen.options ?? []).entries()) {
    const number = `${index + 1} `
    const lines = wrapText(label, Math.max(1, cols - number.length))
    blocks.push(lines.map((line, i) => (i === 0 ? number : OPTION_INDENT.slice(0, number.length)) + line))
  }
  if (screen.hint !== undefined && screen.hint !== '') blocks.push(wrapText(screen.hint, cols))
  return blocks
}

function paginate(blocks: string[][], perPage: number): string[][] {
  const pages: string[][] = [[]]
  for (const block of blocks) {
    let current = pages[pages.length - 1] ?? []
    if (current.length > 0 && current.length + block.length > perPage && block.length <= perPage) {
      current = []
      pages.push(current)
    }
    for (const line of block) {
      if (current.length >= perPage) {
        current = []
        pages.push(current)
      }
      current.push(line)
    }
  }
  return pages
}

/** Title left, page marker right ("2/3"), the title cut short to make room. */
function titleRow(title: string, cols: number, marker: string): string {
  if (marker === '' || marker.length + 1 > cols) return pad(head(title, cols), cols)
  const room = cols - marker.length - 1
  return pad(head(title, room), room) + ' ' + marker
}

function nfc(text: string): string {
  return text.normalize('NFC')
}

function head(text: string, cols: number): string {
  return Array.from(text).slice(0, Math.max(0, cols)).join('')
}

/** The end of `text` that fits: typing keeps the newest characters in view. */
function tail(text: string, cols: number): string {
  const chars = Array.from(text)
  return chars.slice(Math.max(0, chars.length - Math.max(0, cols))).join('')
}

function pad(text: string, cols: number): string {
  const chars = Array.from(text).slice(0, cols)
  return chars.join('') + ' '.repeat(cols - chars.length)
}
