/**
 * What the resident should see, already in their language and with variables filled in. The display
 * owner lays it out with renderScreen (flows/engine/render-screen.ts).
 */
export interface Screen {
  /** Top row; truncated to fit. */
  title: string
  /** Word-wrapped under the title; '\n' forces a line break; '' for none. */
  body: string
  /** Numbered 1.. in order after the body (`1 Label`); key n picks option n. */
  options?: string[]
  /** Typed text, echoed on the last row; present (even '') on screens that take input. */
  input?: string
  /** A short extra line after the body and options (e.g. "OK: continue"). */
  hint?: string
  /** Shown at the right of the title row of a screen that fits one page (a countdown: "9:45"). */
  marker?: string
  /** Which page to show when the content takes more than one (0-based; default 0; key 0 turns pages). */
  page?: number
}
