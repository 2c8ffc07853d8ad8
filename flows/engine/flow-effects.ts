/**
 * The devices a flow session acts on, as the session runner (session-runner.ts) calls them and the
 * facade (flow-session.ts) takes them from its owner. A file of its own so that neither of those two
 * imports the other (docs/architecture.md, "Layers": no import cycles).
 */
import type { Receipt } from '../../drivers/printer/receipt.js'
import type { FlowValue } from './flow-types.js'
import type { Screen } from './screen.js'

/** What a session does to the world. The owner wires these to the display, printer, outbox and event stream. */
export interface FlowEffects {
  /** Replaces what the resident sees. */
  show(screen: Screen): void
  /** Resolves when printed; rejects (StationError E_PRINTER_*) when it could not print. */
  print(receipt: Receipt): Promise<void>
  /**
   * Stores a submission durably; resolves only once it is safe to tell the resident "received".
   * `data` holds personal data when the step asks for identity.
   */
  submit(request: { flow: string; flowVersion: number; data: Record<string, unknown> }): Promise<{ id: string; reference: string }>
  /** Something happened, for central and the technician. Never personal data: no answers, no identity. */
  event(type: string, fields: Record<string, string | number | boolean>): void
  /**
   * Optional: calls central (MQTT 5 request/response) and resolves with its reply, a JSON object.
   * `timeoutMs` is how long the session waits for this attempt (it keeps its own timer too);
   * `signal` aborts when the resident leaves the step, the session ends, or the attempt timed out.
   * Rejects with a StationError; E_DEVICE_TIMEOUT (or an error named TimeoutError) counts as a
   * timeout, anything else as an error. A station without it fails request steps to `on_error`.
   */
  request?(method: string, body: Record<string, FlowValue>, options: { timeoutMs: number; signal: AbortSignal }): Promise<unknown>
  /**
   * Optional: resolves with the fields of the first inbound `event` whose fields equal `match`
   * (compared as text). `signal` aborts as for `request`. A station without it fails wait_for steps
   * to their `on_error` (else `on_timeout`). The session passes only the match fields its step
   * declares as text (or all, without a declared shape): a notification carries an amount as a JSON
   * number, so the session compares the other declared fields itself, and calls again, for the time
   * left, after a notification it does not accept.
   */
  waitFor?(event: string, match: Record<string, FlowValue>, options: { timeoutMs: number; signal: AbortSignal }): Promise<Record<string, unknown>>
}
