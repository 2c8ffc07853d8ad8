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
  /**
   * What the title row says on every page when the content takes more than one, in the resident's
   * language ("0: thêm" / "0: more"); absent: the page number ("2/3").
   */
  more?: string
}

/** Prefix of the input row. */
const INPUT_PROMPT = '> '
/** Options wrap under their label, past the "1 " number. */
const OPTION_INDENT = '  '

export interface RenderedScreen {
  /** Exactly `rows` strings of exactly `cols` code points. */
  rows: string[]
  /** How many pages the content takes (key 0 turns them). */
  pageCount: number
  /** The 0-based page each option (by index) is on: a key for an option on another page picks nothing. */
  optionPages: number[]
}

/**
 * Lays `screen` out on the page asked for (clamped to the pages there are). A screen taking more than
 * one page says so on the title row of every page: `geometry.more` ("0: thêm"), else "2/3"
 * (docs/flows.md, "The panel").
 */
export function renderScreen(screen: Screen, geometry: ScreenGeometry): RenderedScreen {
  const cols = Math.max(1, Math.floor(geometry.cols))
  const rows = Math.max(1, Math.floor(geometry.rows))
  const hasInput = screen.input !== undefined && rows >= 2
  const contentRows = rows - 1 - (hasInput ? 1 : 0)
  const blocks = contentBlocks(screen, cols)
  const pages: Page[] = contentRows > 0 ? paginate(blocks, contentRows) : [{ lines: [], options: [] }]
  const pageCount = pages.length
  const page = Math.min(Math.max(0, Math.floor(geometry.page)), pageCount - 1)

  const marker = pageCount > 1 ? (geometry.more ?? `${page + 1}/${pageCount}`) : (screen.marker ?? '')
  const out: string[] = [titleRow(nfc(screen.title), cols, nfc(marker))]
  for (const line of pages[page]?.lines ?? []) out.push(pad(line, cols))
  while (out.length < rows - (hasInput ? 1 : 0)) out.push(pad('', cols))
  if (hasInput) out.push(pad(INPUT_PROMPT + tail(nfc(screen.input ?? ''), cols - INPUT_PROMPT.length), cols))
  const optionPages: number[] = []
  pages.forEach((content, index) => {
    for (const option of content.options) optionPages[option] = index
  })
  return { rows: out.slice(0, rows).map((row) => pad(row, cols)), pageCount, optionPages }
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
interface Block {
  lines: string[]
  /** The option this block is (its index), if it is one. */
  option?: number
}

interface Page {
  lines: string[]
  /** Options whose first line is on this page. */
  options: number[]
}

function contentBlocks(screen: Screen, cols: number): Block[] {
  const blocks: Block[] = []
  if (screen.body !== '') for (const line of wrapText(screen.body, cols)) blocks.push({ lines: [line] })
  for (const [index, label] of (screen.options ?? []).entries()) {
    const number = `${index + 1} `
    const lines = wrapText(label, Math.max(1, cols - number.length))
    blocks.push({ lines: lines.map((line, i) => (i === 0 ? number : OPTION_INDENT.slice(0, number.length)) + line), option: index })
  }
  if (screen.hint !== undefined && screen.hint !== '') blocks.push({ lines: wrapText(screen.hint, cols) })
  return blocks
}

function paginate(blocks: Block[], perPage: number): Page[] {
  const pages: Page[] = [{ lines: [], options: [] }]
  const newPage = (): Page => {
    const page: Page = { lines: [], options: [] }
    pages.push(page)
    return page
  }
  for (const block of blocks) {
    let current = pages[pages.length - 1] as Page
    if (current.lines.length > 0 && current.lines.length + block.lines.length > perPage && block.lines.length <= perPage) current = newPage()
    block.lines.forEach((line, index) => {
      if (current.lines.length >= perPage) current = newPage()
      if (index === 0 && block.option !== undefined) current.options.push(block.option)
      current.lines.push(line)
    })
  }
  return pages
}

/** Title left, marker right ("0: thêm", a countdown), the title cut short to make room. */
function titleRow(title: string, cols: number, marker: string): string {
  const width = Array.from(marker).length
  if (marker === '' || width + 1 > cols) return pad(head(title, cols), cols)
  const room = cols - width - 1
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
