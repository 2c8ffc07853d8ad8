/** Doctor's text output: one line per check, `fix:` on the next, every line within 80 columns. Pure. */
import type { CheckResult } from './check-result.js'

export const WIDTH = 80
const NAME_WIDTH = 8
/** Status (4) + space + name + space: where summaries and continuation lines start. */
const INDENT = ' '.repeat(4 + 1 + NAME_WIDTH + 1)

/** Words of `text` on lines of at most `width` columns; the first starts after `first`, the rest after `rest`. */
export function wrap(text: string, first: string, rest: string, width = WIDTH): string[] {
  const lines: string[] = []
  let line = first
  let empty = true
  const flush = () => {
    lines.push(line)
    line = rest
    empty = true
  }
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    // A word too long for any line is cut rather than let through (paths under /dev/serial/by-id).
    let piece = word
    while (piece !== '') {
      const room = width - line.length - (empty ? 0 : 1)
      if (piece.length <= room) {
        line += (empty ? '' : ' ') + piece
        empty = false
        piece = ''
      } else if (!empty) flush()
      else {
        line += piece.slice(0, room)
        piece = piece.slice(room)
        flush()
      }
    }
  }
  if (!empty || lines.length === 0) lines.push(line)
  return lines
}

export function formatChecks(results: readonly CheckResult[]): string {
  const lines: string[] = []
  for (const result of results) {
    const head = `${result.status.padEnd(4)} ${result.check.padEnd(NAME_WIDTH)} `
    lines.push(...wrap(result.summary, head, INDENT))
    for (const detail of result.details ?? []) lines.push(...wrap(detail, `${INDENT}- `, `${INDENT}  `))
    if (result.fix !== undefined) lines.push(...wrap(result.fix, `${INDENT}fix: `, `${INDENT}     `))
  }
  const count = (status: CheckResult['status']) => results.filter((result) => result.status === status).length
  lines.push(`${count('pass')} pass, ${count('warn')} warn, ${count('fail')} fail`)
  return lines.join('\n')
}
