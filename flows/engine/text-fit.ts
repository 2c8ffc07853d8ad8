/**
 * FLOW_TEXT_TOO_LONG: finds screen texts that cannot fit the display whatever the variables hold.
 * Each text is wrapped as the display's renderScreen wraps it, with every `{{variable}}` left empty (its
 * fixed parts only), so a text reported here is too long for every resident. Texts with variables
 * may still overflow at run time; paging screens cope, and the other texts keep variables short.
 * Pure.
 */
import type { Diagnostic } from './diagnostic.js'
import type { DraftFlow, DraftScreenText } from './flow-read.js'
import type { LocalizedText } from './flow-types.js'
import { wrapText } from './render-screen.js'
import { interpolate } from './template.js'

/** A character display's size. */
export interface DisplaySize {
  cols: number
  rows: number
}

/** The display the station runs: a 20x4 HD44780 module. */
export const DEFAULT_DISPLAY: DisplaySize = { cols: 20, rows: 4 }

/** Diagnostics for the title row and every screen text of `draft` that cannot fit `display`. */
export function checkTextFit(draft: DraftFlow, display: DisplaySize, file: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const title = draft.displayTitle
  if (title) {
    for (const language of ['vi', 'en'] as const) {
      const width = Array.from(fixedParts(title.text[language])).length
      if (width > display.cols) {
        diagnostics.push({
          code: 'FLOW_TEXT_TOO_LONG',
          severity: 'error',
          message: `${title.field}.${language}: ${width} columns; the title row has ${display.cols}${title.field === 'title' ? ' (add a short_title)' : ''}`,
          file,
          line: title.line,
        })
        break
      }
    }
  }
  for (const step of draft.steps.values()) {
    for (const screen of step.screens) {
      const problem = overflow(screen, display)
      if (problem === undefined) continue
      diagnostics.push({
        code: 'FLOW_TEXT_TOO_LONG',
        severity: screen.pageable ? 'warning' : 'error',
        message: `steps.${step.id}.${screen.field}.${problem.language}: needs ${problem.rows} rows; the screen has ${problem.room}` +
          (screen.pageable ? ' (the resident must press 0 to read the rest)' : ' and cannot turn pages'),
        file,
        line: screen.line,
        step: step.id,
      })
    }
  }
  return diagnostics
}

/** The first language whose text needs more rows than its screen has under the title. */
function overflow(screen: DraftScreenText, display: DisplaySize): { language: keyof LocalizedText; rows: number; room: number } | undefined {
  const room = display.rows - 1 - (screen.inputRow ? 1 : 0)
  for (const language of ['vi', 'en'] as const) {
    // Laid out as renderScreen lays out a body: one row per wrapped line.
    const rows = wrapText(fixedParts(screen.text[language]), display.cols).length
    if (rows > room) return { language, rows, room }
  }
  return undefined
}

function fixedParts(text: string): string {
  return interpolate(text, () => '')
}
