/**
 * How the virtual station fits its terminal (pure: sizes in, sizes out). A frame wider than the
 * terminal wraps, and one as tall as it scrolls; either way ink can no longer erase the previous
 * frame and redraws below it (the header repeats). So every line is cut or wrapped to the width
 * here, and the printer roll gets only the rows left over.
 */

/** The display box: 20 LCD columns, padding and border. */
export const DISPLAY_BOX_COLS = 24
/** Between the display and the roll when side by side. */
export const COLUMN_GAP = 2
/** Border and padding around the roll's lines. */
const ROLL_FRAME_COLS = 4
/** Terminal size assumed when the output is no terminal (docs: 80x24 is the smallest supported). */
export const FALLBACK_COLUMNS = 80
export const FALLBACK_ROWS = 24

/** Breaks `text` at spaces into lines of at most `width` characters; a longer word is cut. */
export function wrapWords(text: string, width: number): string[] {
  const max = Math.max(1, width)
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ').filter((part) => part !== '')) {
    let rest = word
    while ([...rest].length > max) {
      if (line !== '') {
        lines.push(line)
        line = ''
      }
      lines.push([...rest].slice(0, max).join(''))
      rest = [...rest].slice(max).join('')
    }
    if (line === '') line = rest
    else if ([...line].length + 1 + [...rest].length <= max) line = `${line} ${rest}`
    else {
      lines.push(line)
      line = rest
    }
  }
  if (line !== '') lines.push(line)
  return lines.length > 0 ? lines : ['']
}

/**
 * Items joined by ' · ' into lines of at most `width`: a line breaks between items, never inside
 * one ("outbox: 2 waiting" stays whole), unless an item alone is wider than a line.
 */
export function packItems(items: readonly string[], width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const item of items) {
    const pieces = [...item].length > width ? wrapWords(item, width) : [item]
    for (const piece of pieces) {
      const joined = line === '' ? piece : `${line} · ${piece}`
      if ([...joined].length <= width) line = joined
      else {
        lines.push(line)
        line = piece
      }
    }
  }
  lines.push(line)
  return lines
}

/** `text` cut to `width` characters, the last one an ellipsis when something was cut. */
export function truncate(text: string, width: number): string {
  const characters = [...text]
  if (characters.length <= width) return text
  if (width <= 1) return characters.slice(0, Math.max(0, width)).join('')
  return `${characters.slice(0, width - 1).join('')}…`
}

export interface ConsoleLayout {
  /** Roll beside the display (wide terminals) or under it. */
  sideBySide: boolean
  /** Width of the roll's box, border included. */
  rollBoxCols: number
  /** Lines of paper the roll shows (at least 1). */
  rollLines: number
  help: string[]
  status: string[]
}

export interface LayoutInput {
  columns: number
  rows: number
  /** Width of the receipt paper in characters (hardware.printer.lineWidthChars). */
  paperCols: number
  help: readonly string[]
  status: readonly string[]
}

/**
 * Lines of the frame besides the roll's paper: header, display label and box, help, status, the
 * message line (always kept, so a note does not push the frame taller) and one spare row so the
 * frame never reaches the terminal's last row.
 */
export function consoleLayout(input: LayoutInput): ConsoleLayout {
  const columns = Math.max(1, input.columns)
  const rollBoxWide = input.paperCols + ROLL_FRAME_COLS
  const sideBySide = columns >= DISPLAY_BOX_COLS + COLUMN_GAP + rollBoxWide
  const rollBoxCols = Math.min(rollBoxWide, columns)
  const help = packItems(input.help, columns)
  const status = packItems(input.status, columns)
  const header = 1
  const displayBlock = 1 + 6 // label, 4 rows in a border
  const rollFrame = 1 + 2 // label, border
  const below = help.length + status.length + 1 + 1
  const rollLines = sideBySide
    ? input.rows - header - rollFrame - below
    : input.rows - header - displayBlock - rollFrame - below
  return { sideBySide, rollBoxCols, rollLines: Math.max(1, rollLines), help, status }
}

/**
 * The part of the receipt that fits in `lines`, `scrolledUp` lines above its end (0 = the end,
 * where the reference code is). A line says how much is hidden above or below.
 */
export function rollWindow(paper: readonly string[], lines: number, scrolledUp: number): { shown: string[]; maxScroll: number } {
  if (paper.length <= lines) return { shown: [...paper], maxScroll: 0 }
  // One line for each "more" marker that is needed; the paper gets the rest.
  const room = Math.max(1, lines - 2)
  const maxScroll = paper.length - room
  const scroll = Math.min(Math.max(0, scrolledUp), maxScroll)
  const end = paper.length - scroll
  const start = end - room
  const above = start
  const belowCount = paper.length - end
  return {
    shown: [
      ...(lines >= 2 ? [above > 0 ? `↑ ${above} more (↑/↓ scroll)` : ''] : []),
      ...paper.slice(start, end),
      ...(lines >= 3 ? [belowCount > 0 ? `↓ ${belowCount} more` : ''] : []),
    ],
    maxScroll,
  }
}
