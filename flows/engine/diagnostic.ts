/** What the flow checks report: one coded problem at one place in one file. */

/**
 * Stable codes; tools and tests match on these, never on messages.
 * - FLOW_SCHEMA: shape or type error, YAML syntax error, unknown step kind, unknown key.
 * - FLOW_UNKNOWN_TARGET: `start`, `next`, `on_timeout`, `on_error` or an option's `next` names no step.
 * - FLOW_UNREACHABLE: a step cannot be reached from `start` (warning).
 * - FLOW_NO_TIMEOUT: a waiting step has no `timeout_s`.
 * - FLOW_NO_FAILURE_PATH: a submit or print step has no `on_error`.
 * - FLOW_MISSING_TRANSLATION: a text lacks `vi` or `en` (or is not a `{vi, en}` object).
 * - FLOW_UNDEFINED_VARIABLE: `{{x}}`, a submit field, or `identity: true` uses something no step
 *   before it can have set, and that is not a built-in.
 * - FLOW_NO_END: no `end` step can be reached from `start`.
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
