/** What the flow checks report: one coded problem at one place in one file. */

/**
 * Stable codes; tools and tests match on these, never on messages.
 * - FLOW_SCHEMA: shape or type error, YAML syntax error, unknown step kind, unknown key.
 * - FLOW_UNKNOWN_TARGET: `start`, `next`, `on_timeout`, `on_error`, `otherwise`, or an option's or a
 *   case's `next` names no step.
 * - FLOW_UNREACHABLE: a step cannot be reached from `start` (warning).
 * - FLOW_NO_TIMEOUT: a step that waits (for the resident, a reply or an event) has no `timeout_s`.
 * - FLOW_NO_FAILURE_PATH: a submit, print, request or pay_qr step has no `on_error`, or a wait_for
 *   step no `on_timeout`.
 * - FLOW_MISSING_TRANSLATION: a text lacks `vi` or `en` (or is not a `{vi, en}` object).
 * - FLOW_UNDEFINED_VARIABLE: `{{x}}`, a submit field, or a submit's `identity` list uses something no step
 *   before it can have set, and that is not a built-in.
 * - FLOW_NO_END: no `end` step can be reached from `start`.
 * - FLOW_TEXT_TOO_LONG: a screen text cannot fit the display (20x4 unless told) even with every
 *   `{{variable}}` empty: a title row over 20 columns, or a text needing more rows than its screen
 *   has. An error where the resident cannot turn pages (end, input, effect texts, the title), a
 *   warning where key 0 pages (show, scan_id, choose).
 * - FLOW_CAPABILITY: the flow needs what the station says it lacks: a request method, an effect
 *   (request, waitFor, print) or an identity source no scan_id alternative covers.
 * - FLOW_BAD_CONDITION: a branch condition that the condition language refuses (unknown operator,
 *   wrong number of values, a nested operator as a value).
 * - FLOW_NO_REPLY_SHAPE: a request step has no `reply`, or a wait_for step with `save_as` no `fields`:
 *   what central sends must be declared before a flow may act on it.
 * - FLOW_UNDECLARED_FIELD: `{{reply.field}}` (a text, a condition, a value) names a field that no
 *   declared shape of that reply has; it could only ever be empty.
 * - FLOW_CONSENT_MISMATCH: the consent asked for and the identity sent disagree: a submit that sends
 *   identity on consent with a path to it that passes no consent step, a consent step with nothing
 *   after it that sends identity, or a hand-written consent text (a consent step's `text`, a show
 *   step's text that names identity fields) that leaves out a field sent or names one not sent
 *   (flows/engine/consent-check.ts).
 */
export type DiagnosticCode =
  | 'FLOW_SCHEMA'
  | 'FLOW_UNKNOWN_TARGET'
  | 'FLOW_UNREACHABLE'
  | 'FLOW_NO_TIMEOUT'
  | 'FLOW_NO_FAILURE_PATH'
  | 'FLOW_MISSING_TRANSLATION'
  | 'FLOW_UNDEFINED_VARIABLE'
  | 'FLOW_NO_END'
  | 'FLOW_TEXT_TOO_LONG'
  | 'FLOW_CAPABILITY'
  | 'FLOW_BAD_CONDITION'
  | 'FLOW_NO_REPLY_SHAPE'
  | 'FLOW_UNDECLARED_FIELD'
  | 'FLOW_CONSENT_MISMATCH'

/** One problem found in a flow file. A flow with any `error` is not loaded; warnings are advice. */
export interface Diagnostic {
  code: DiagnosticCode
  severity: 'error' | 'warning'
  /** Readable explanation; quotes names from the file, never resident data. */
  message: string
  /** The file name given to parseFlow (or the path loadFlowsDir read). */
  file: string
  /** 1-based line of the offending node (1 when the problem concerns the whole file). */
  line: number
  /** The step concerned, when there is one. */
  step?: string
}
