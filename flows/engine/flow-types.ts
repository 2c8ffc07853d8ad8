/**
 * The types of a declarative flow: one public-service procedure, written as YAML data and run by
 * FlowSession. Nothing in a flow is code: no expressions to evaluate, no functions, only steps that
 * name their successors, texts with `{{variables}}`, effects by name, and branch conditions written
 * as data (flows/engine/conditions.ts). The keys, their types and limits are defined once, in
 * flows/engine/flow-file-schema.ts; the build writes them as the JSON Schema flows/flow.schema.json,
 * from which editors complete and check a flow (first line of a flow file:
 * `# yaml-language-server: $schema=./flow.schema.json`). This comment says what the keys mean; it names
 * each limit by its constant, whose value docs/flows.md ("Limits") lists, generated from the constants.
 *
 * ## Flow file format (one flow per `*.yaml` / `*.yml` file)
 *
 * ```yaml
 * id: security-feedback          # [a-z0-9-]+, unique among loaded flows
 * version: 1                     # integer >= 1; goes with every submission
 * title: { vi: "Phản ánh an ninh trật tự", en: "Security and order feedback" }
 * short_title: { vi: "Phản ánh ANTT", en: "Security report" }   # optional; fits the display's title row
 * menu_order: 10                 # optional integer in MENU_ORDER; the menu lists flows by it, then by id (flows without it last)
 * start: identify                # the first step
 * steps:                         # step ids: [a-z][a-z0-9_-]*
 *   identify: { kind: scan_id, accept: [cccd_qr, mrz], text: {vi, en}, timeout_s: 60, next: topic, on_timeout: gone }
 *   topic:    { kind: choose, text: {vi, en}, save_as: topic, timeout_s: 60,
 *               options: [ { value: theft, label: {vi, en}, next: phone }, ... ] }     # 1..MAX_OPTIONS options
 *   phone:    { kind: input, text: {vi, en}, save_as: phone, mode: digits, min_length: 0, max_length: 10,
 *               pattern: "^(0\\d{9})?$", invalid_text: {vi, en}, empty_label: {vi, en},
 *               timeout_s: 60, next: confirm }
 *   confirm:  { kind: show, text: {vi, en}, timeout_s: 60, next: send }                 # waits for ok
 *   send:     { kind: submit, fields: [topic, phone], identity: [id_number, name], legal_basis: public_task,
 *               text: {vi, en}, next: receipt, on_error: failed }
 *   receipt:  { kind: print, template: [ ...receipt lines... ], next: done, on_error: no_receipt }
 *   done:     { kind: end, outcome: completed, text: {vi, en} }
 *   # and, for procedures that talk to central or take payment:
 *   lookup:   { kind: request, method: bill.lookup, body: { customer: "{{customer.value}}" }, save_as: bill,
 *               reply: { found: boolean, status: [paid, unpaid], amount: { type: integer, min: 0 }, id: string },
 *               timeout_s: 10, retries: 2, text: {vi, en}, next: check, on_error: offline, on_timeout: offline }
 *   check:    { kind: branch, cases: [ { when: { "==": ["{{bill.status}}", unpaid] }, next: pay } ], otherwise: paid }
 *   pay:      { kind: pay_qr, bin: "{{bill.bin}}", account: "{{bill.account}}", amount: "{{bill.amount}}",
 *               purpose: "Tien nuoc {{bill.id}}", template: [ ..., { kind: qr, data: "{{payment.qr}}" } ],
 *               next: paying, on_error: no_slip }
 *   paying:   { kind: wait_for, event: payment.confirmed, match: { bill: "{{bill.id}}", amount: "{{bill.amount}}" },
 *               save_as: paid, fields: { bill: string, amount: integer, paidAt: string },
 *               text: {vi, en}, timeout_s: 300, next: thanks, on_timeout: not_paid }
 * ```
 *
 * Step kinds. Waiting steps (scan_id, choose, input, show, consent) require `timeout_s` (seconds, > 0, at most
 * MAX_TIMEOUT_S, as for every step with a `timeout_s`); their
 * optional `on_timeout` names the step to go to, and without it a timeout ends the session with
 * outcome `timed_out`. Any key restarts the waiting step's countdown.
 * - `scan_id`: waits for an identity document whose source is in `accept` (chip, cccd_qr, mrz, nfc, wiegand), then
 *   goes to `next`. An identity presented before the step (or given to the session) satisfies it at once.
 * - `choose`: shows the options numbered from 1; a digit picks one and goes to that option's `next`;
 *   `0` turns the page when they do not fit. `save_as` (optional) keeps the choice. Instead of
 *   `options`, `options_from: { list: slots.slots, value: id, label: {vi, en}, next }` makes one
 *   option per item of a reply's list (a field declared `{ type: list, items: {...} }`), `label`
 *   filled per item with `{{item.field}}`, the item's `value` field saved; nine are numbered at a time
 *   and `0` after the last page shows the next nine. `on_empty` (required with it) is where an empty
 *   list goes. An option may carry `when: <condition>` (as a branch case's): it is offered only
 *   while that holds, so one step can list the details that fit an earlier answer without a step per
 *   answer (step ids go into events; the answer must not). A step whose options carry `when` keeps
 *   at least one option without it, so it always has something to offer. Up to MAX_WRITTEN_OPTIONS
 *   are written; those offered are numbered nine at a time, as a list's.
 * - `input`: keys append (up to `max_length`, itself at most MAX_INPUT_LENGTH); `ok` checks `min_length`..`max_length` and `pattern`
 *   (a regular expression, tested against the whole typed text as written; anchor it), saves the text
 *   under `save_as` and goes to `next`. A failed check shows `invalid_text` for INVALID_NOTICE_MS or until
 *   the next key, then asks again from an empty field. `empty_label` (optional) is what `{{name}}` shows when the
 *   resident left the field empty. `mode`: `digits` (numbers: phone, amounts) or `text` (codes and
 *   references). The keypad has digit keys only, so both modes take digits; `text` differs only in its
 *   built-in "not valid" wording, and leaves room for letters by multi-tap later without a format change.
 * - `show`: shows `text`; `ok` goes to `next`.
 * - `consent`: asks the resident to agree that the identity fields the submits after it declare go
 *   to `recipient` (`{ vi: "ngân hàng", en: "the bank" }`, a template). The screen is made from those
 *   declarations with the names of flows/engine/identity-fields.ts: "Gửi cho ngân hàng: số CCCD, họ
 *   tên, ... OK: đồng ý, Trở lại: không", paged when it does not fit; `ok` reads on to the next page
 *   and agrees on the last one, `back` refuses (back to the previous waiting step). A hand-written
 *   `text` may replace the sentence; `station flows check` refuses it unless it names exactly the
 *   fields sent (FLOW_CONSENT_MISMATCH).
 * - `submit`: sends `fields` (saved answers or replies) and the identity fields listed in `identity`
 *   (`[id_number, name, birth_date, sex, address]`, any of them; nothing else of the identity) to
 *   central through the outbox; success sets `{{reference}}` and goes to `next`, failure to
 *   `on_error` (required). Optional `text` is shown while it runs. `legal_basis` says why identity may
 *   go: `consent` (default: a consent step comes before it on every path), `contract` or `public_task`
 *   (docs/privacy.md).
 * - `print`: prints `template` (receipt lines, below); success goes to `next`, failure to `on_error`
 *   (required). Optional `text` is shown while it runs.
 * - `request`: calls central (MQTT 5 request/response) with `method` and `body` (string values are
 *   templates), waiting up to `timeout_s` per attempt and trying again up to `retries` (0..MAX_RETRIES)
 *   times after a timeout or an error (after an error, once RETRY_PAUSE_MS has passed). `reply` (required) declares the reply's shape (below); a reply that
 *   fits is saved under `save_as` with its declared fields only, read as `{{bill.amount}}`. A reply
 *   that does not fit fails the request at once (no retry: central answered, and would answer the
 *   same): event `effect.failed` with code `E_REPLY_INVALID`, the `field` and the `problem`, never
 *   the value, and the step goes to `on_error`. When every attempt failed it goes to `on_timeout` if
 *   the last attempt timed out and the step has one, else to `on_error` (required). Optional `text`
 *   is shown while it runs. With `identity: [id_number]` the body also carries the resident's ID
 *   number as `personalId` (after a scan_id; the keys of identity-fields.ts), so central can answer
 *   only for that resident (tracking a dossier); the number itself is still never available to texts.
 * - `pay_qr`: builds a VietQR payment payload (drivers/payment/vietqr.ts) from `bin`, `account`,
 *   `amount` (whole VND) and optional `purpose`, all templates; sets `{{payment.qr}}` and
 *   `{{payment.amount}}`, prints `template` and goes to `next`. A payload that cannot be built (say, a
 *   reply with no amount) or a failed print goes to `on_error` (required).
 * - `wait_for`: waits up to `timeout_s` for an inbound `event` (e.g. `payment.confirmed`) whose fields
 *   equal `match` (values are templates, compared as text), saves its fields under `save_as` (optional)
 *   like a reply, and goes to `next`. `fields` declares the event's shape like a request's `reply`
 *   (required with `save_as`). A notification that does not fit, or whose declared non-text fields
 *   (an amount) differ from `match`, is not accepted: event `effect.failed` (code `E_EVENT_INVALID`
 *   or `E_EVENT_MISMATCH`, with the `field`), and the step keeps waiting until its deadline (after
 *   MAX_REFUSED_EVENTS refusals the wait fails). A timeout goes to `on_timeout` (required); a failure of the wait itself goes to `on_error`, or to
 *   `on_timeout` without one. Optional `text` is shown meanwhile. With `leave: { text, next }`, back
 *   does not abandon the wait: it shows `text` (a question) while the wait goes on; ok then goes to
 *   `next`, back again returns to the waiting text, and an event that comes meanwhile still counts.
 * - `branch`: goes to the `next` of the first of `cases` whose `when` holds, else to `otherwise`
 *   (required). Conditions are data: see flows/engine/conditions.ts.
 * - `end`: shows `text` and ends the session with `outcome`: completed, cancelled or failed.
 *
 * Keys: `back` goes back to the previous waiting step, and on the first waiting step cancels the
 * session (outcome `cancelled`); in an input step with typed digits it first erases one. During a
 * `request` or `wait_for` it abandons the call or the wait the same way. Once a submit, a print or a
 * pay_qr has run there is no way back across it: `back` then cancels, or after an accepted submit does
 * nothing.
 *
 * Texts are `{ vi, en }` (both required). They may interpolate `{{name}}`:
 * - a saved answer: `{{topic}}` is a choice's label in the session language (an input's typed text, or
 *   its `empty_label` when empty); `{{topic.value}}` is the raw value (option value or typed text);
 * - a reply's field: `{{bill.amount}}` (a `request` or `wait_for` save_as; only replies have fields,
 *   and only the fields its shape declares);
 * - `{{reference}}` (after a submit), `{{identity.masked}}` (after a scan_id, e.g. 079*******01),
 *   `{{payment.qr}}` and `{{payment.amount}}` (after a pay_qr),
 *   `{{station.id}}`, `{{station.site}}`, `{{station.agency}}` (config `station.*`), `{{date}}` and
 *   `{{time}}` (Asia/Ho_Chi_Minh, dd/mm/yyyy and HH:MM).
 * Raw identity fields are never available to texts, request bodies or conditions.
 *
 * Reply shapes (`reply` of a request, `fields` of a wait_for; flows/engine/reply-shape.ts) map each field
 * central sends to what it must be. Compact forms: `string`, `integer`, `number`, `boolean`, a trailing
 * `?` for optional (`string?`), or a list of texts for an enumeration (`[paid, unpaid]`). Full form:
 * ```yaml
 * status:   { type: string, enum: [paid, unpaid], optional: true, required_when: { found: true } }
 * id:       { type: string, max_length: 40, pattern: "^[A-Z0-9-]+$", example: EL-2601-0001 }
 * amount:   { type: integer, min: 0, max: 100000000 }   # number: any finite number; min/max optional
 * slots:    { type: list, max_items: 50, items: { id: string, time: string, doctor: string? } }
 * ```
 * - A `list` is a JSON array of objects, each checked against `items` (plain fields only) and cut to
 *   them; at most `max_items` (default 50). Only a choose step's `options_from` reads a list.
 * - Every field is required unless `optional: true`; null counts as absent. `required_when` makes a
 *   field required only when another field of the same shape has the given value (a found bill has an
 *   amount; a bill not found need not).
 * - Strings are checked like a resident's input: at most `max_length` characters (default
 *   DEFAULT_MAX_LENGTH, at most MAX_MAX_LENGTH), no control characters (newlines and tabs included) or bidi overrides, then `enum` and
 *   `pattern` (whole text, as written: anchor it). A `pattern` needs an `example` that fits it, from
 *   which `station flows test` builds replies.
 * - `integer` is a whole JSON number, `boolean` JSON true/false only (the text "true" is refused).
 * - Fields not declared are dropped: templates, conditions and submissions never see them, and
 *   `station flows check` refuses `{{bill.x}}` when no shape saved as `bill` declares `x`
 *   (FLOW_UNDECLARED_FIELD). A request without `reply` is refused (FLOW_NO_REPLY_SHAPE).
 *
 * Receipt lines (`template` of a print step) mirror drivers/printer/receipt.ts, keys in snake_case:
 * - `{ kind: text, text: {vi, en} | "plain {{reference}}", align?: left|center|right, bold?: bool, size?: normal|double }`
 * - `{ kind: qr, data: "{{reference}}", module_dots?: QR_MODULE_DOTS }` · `{ kind: barcode, data: "..." }`
 * - `{ kind: rule }` · `{ kind: feed, lines: FEED_LINES }`
 * A plain-string text is language-neutral; `data` is always a plain string.
 */
import type { ReceiptLine } from '../../drivers/printer/receipt.js'
import type { Condition } from './conditions.js'
import { END_OUTCOMES, INPUT_MODES, STEP_KINDS, WAITING_KINDS, type LEGAL_BASES } from './flow-file-schema.js'
import type { IdentitySource } from './identity.js'
import type { IdentityField } from './identity-fields.js'
import type { ReplyShape } from './reply-shape.js'

/** A text in both station languages. Both are required; either may use `{{variables}}`. */
export interface LocalizedText {
  readonly vi: string
  readonly en: string
}

/** How a session ended. `timed_out`: a waiting step ran out of time with no `on_timeout`, or the owner gave up. */
export type Outcome = EndOutcome | 'timed_out'

/** The outcomes an `end` step may declare. */
export type EndOutcome = (typeof END_OUTCOMES)[number]

/** Fields every step has. */
interface StepCommon {
  /** The step's key under `steps`. */
  readonly id: string
}

/** Fields of the steps that wait for the resident. */
interface WaitingCommon extends StepCommon {
  /** What the display shows under the title. */
  readonly text: LocalizedText
  /** How long the step waits (seconds, > 0); any key restarts the countdown. */
  readonly timeoutS: number
  /** Where a timeout goes; absent: end the session with outcome `timed_out`. */
  readonly onTimeout?: string
}

/** Waits for an identity document. */
export interface ScanIdStep extends WaitingCommon {
  readonly kind: 'scan_id'
  /** Sources accepted here; at least one. */
  readonly accept: readonly IdentitySource[]
  readonly next: string
}

/** One numbered choice of a `choose` step. */
export interface ChooseOption {
  /** What is saved and submitted (`{{name.value}}`). */
  readonly value: string
  /** What the resident reads (`{{name}}`). */
  readonly label: LocalizedText
  readonly next: string
  /** Offered only while this holds (a detail list that depends on an earlier answer); absent: always. */
  readonly when?: Condition
}

/** Options made from a reply's list: one per item, the item's `value` field saved, `label` filled from the item. */
export interface OptionsFrom {
  /** The `save_as` of the request whose reply holds the list. */
  readonly record: string
  /** The reply's list field (declared `{ type: list, items }`). */
  readonly field: string
  /** The item field saved as the choice's value. */
  readonly value: string
  /** Per item; `{{item.field}}` reads the item's fields. */
  readonly label: LocalizedText
  readonly next: string
}

/** Shows numbered options; a digit picks one. */
export interface ChooseStep extends WaitingCommon {
  readonly kind: 'choose'
  /** Answer name under which the choice is kept; absent: a pure menu. */
  readonly saveAs?: string
  /** 1..MAX_OPTIONS options, picked with the digit keys from 1 in this order; empty when the options come from a list. */
  readonly options: readonly ChooseOption[]
  /** Options from a reply's list, nine at a time (key 0 turns to the next nine after the last page). */
  readonly optionsFrom?: OptionsFrom
  /** Where an empty list goes (required with optionsFrom). */
  readonly onEmpty?: string
}

/** How an input step reads keys; both take digits (the keypad has nothing else), see the format above. */
export type InputMode = (typeof INPUT_MODES)[number]

export { END_OUTCOMES, INPUT_MODES, STEP_KINDS, WAITING_KINDS }

/** Collects typed digits. */
export interface InputStep extends WaitingCommon {
  readonly kind: 'input'
  readonly saveAs: string
  /** `digits` or `text`; only the built-in "not valid" wording differs for now. */
  readonly mode: InputMode
  /** Shortest accepted text (characters, >= 0; default 0). */
  readonly minLength: number
  /** Longest text; further digits are ignored (characters, >= 1, >= minLength). */
  readonly maxLength: number
  /** Regular expression (Unicode mode) the whole text must match; anchor it with ^ and $. */
  readonly pattern?: string
  /** Shown after a failed check; absent: a built-in "not valid" text. */
  readonly invalidText?: LocalizedText
  /** What `{{name}}` shows when the text is empty. */
  readonly emptyLabel?: LocalizedText
  readonly next: string
}

/** Shows a text until `ok`. */
export interface ShowStep extends WaitingCommon {
  readonly kind: 'show'
  readonly next: string
}

/** Asks the resident to agree that the identity fields the submissions after it send go to `recipient`. */
export interface ConsentStep extends WaitingCommon {
  readonly kind: 'consent'
  /** Who receives them, as it reads after "Gửi cho" / "Send to"; a template. */
  readonly recipient: LocalizedText
  /**
   * What the resident agrees to: the identity fields of every submit reachable from this step, and
   * whether they send answers too. Worked out by the validator from those submits (flow-validate.ts).
   */
  readonly fields: readonly IdentityField[]
  readonly withAnswers: boolean
  /** The sentence the screen shows: `ownText`, or made from `fields` (consent.ts). */
  readonly text: LocalizedText
  /** The flow's hand-written sentence, when it has one. */
  readonly ownText?: LocalizedText
  readonly next: string
}

/** Why a submission may carry identity data (docs/privacy.md). */
export type LegalBasis = (typeof LEGAL_BASES)[number]

/** Hands the answers (and the identity fields it declares) to the outbox. */
export interface SubmitStep extends StepCommon {
  readonly kind: 'submit'
  /** Saved answers to send, by name. */
  readonly fields: readonly string[]
  /** The identity fields that go with the submission, and nothing else of the identity; empty: none. */
  readonly identity: readonly IdentityField[]
  /** `consent` (default): a consent step comes before it on every path. */
  readonly legalBasis: LegalBasis
  /** Shown while the submission is being stored; absent: a built-in "please wait". */
  readonly text?: LocalizedText
  readonly next: string
  readonly onError: string
}

/** A receipt line as written in a flow: a text line's `text` may be localized, and every string may use variables. */
export type ReceiptLineTemplate =
  | (Omit<Extract<ReceiptLine, { kind: 'text' }>, 'text'> & { readonly text: LocalizedText | string })
  | Exclude<ReceiptLine, { kind: 'text' }>

/** Prints a receipt. */
export interface PrintStep extends StepCommon {
  readonly kind: 'print'
  readonly template: readonly ReceiptLineTemplate[]
  /** Shown while printing; absent: a built-in "printing". */
  readonly text?: LocalizedText
  readonly next: string
  readonly onError: string
}

/** A value sent in a request body or matched against an event; strings are templates. */
export type FlowValue = string | number | boolean

/** Calls central and keeps the reply. */
export interface RequestStep extends StepCommon {
  readonly kind: 'request'
  /** Dotted method name, e.g. `bill.lookup`. */
  readonly method: string
  /** Top-level fields of the request; string values are templates filled at run time. */
  readonly body: Readonly<Record<string, FlowValue>>
  /** Identity fields that go in the body under their submission keys (`id_number` as `personalId`), so central answers only for that resident; never in a text. */
  readonly identity?: readonly IdentityField[]
  /** Name under which the reply (a JSON object) is kept; its fields read as `{{name.field}}`. */
  readonly saveAs: string
  /** What the reply must be; a reply that does not fit fails the request (E_REPLY_INVALID). */
  readonly reply: ReplyShape
  /** How long one attempt may take (seconds, > 0). */
  readonly timeoutS: number
  /** Further attempts after a timeout or an error (0..MAX_RETRIES). */
  readonly retries: number
  /** Shown while it runs; absent: a built-in "please wait". */
  readonly text?: LocalizedText
  readonly next: string
  /** Where a failure goes, and a timeout when there is no `onTimeout`. */
  readonly onError: string
  readonly onTimeout?: string
}

/** Builds a VietQR payment payload and prints it. */
export interface PayQrStep extends StepCommon {
  readonly kind: 'pay_qr'
  /** Template giving the 6-digit beneficiary bank BIN. */
  readonly bin: string
  /** Template giving the beneficiary account. */
  readonly account: string
  /** Template giving the amount in whole VND. */
  readonly amount: string
  /** Template giving the purpose of transaction (folded to ASCII, cut to 25 characters). */
  readonly purpose?: string
  readonly template: readonly ReceiptLineTemplate[]
  /** Shown while printing; absent: a built-in "printing". */
  readonly text?: LocalizedText
  readonly next: string
  readonly onError: string
}

/** Waits for an inbound event, such as a payment confirmation. */
export interface WaitForStep extends StepCommon {
  readonly kind: 'wait_for'
  /** Dotted event name, e.g. `payment.confirmed`. */
  readonly event: string
  /** Fields the event must carry with these values; string values are templates. */
  readonly match: Readonly<Record<string, FlowValue>>
  /** Name under which the event's fields are kept, like a reply. */
  readonly saveAs?: string
  /** What the event's fields must be (required with `saveAs`); a notification that does not fit is not accepted. */
  readonly fields?: ReplyShape
  /** Shown while waiting; absent: a built-in "waiting for confirmation". */
  readonly text?: LocalizedText
  /** How long to wait (seconds, > 0). */
  readonly timeoutS: number
  readonly next: string
  readonly onTimeout: string
  /** Where a failure of the wait itself goes; absent: `onTimeout`. */
  readonly onError?: string
  /** Back asks `text` while the wait goes on; ok then goes to `next` (a payment still waited for: the pay-later slip). */
  readonly leave?: { readonly text: LocalizedText; readonly next: string }
}

/** One case of a branch. */
export interface BranchCase {
  readonly when: Condition
  readonly next: string
}

/** Goes to the first case whose condition holds, else to `otherwise`. */
export interface BranchStep extends StepCommon {
  readonly kind: 'branch'
  /** At least one; tried in order. */
  readonly cases: readonly BranchCase[]
  readonly otherwise: string
}

/** Ends the session. */
export interface EndStep extends StepCommon {
  readonly kind: 'end'
  readonly outcome: EndOutcome
  readonly text: LocalizedText
}

export type Step =
  | ScanIdStep
  | ChooseStep
  | InputStep
  | ShowStep
  | ConsentStep
  | SubmitStep
  | PrintStep
  | RequestStep
  | PayQrStep
  | WaitForStep
  | BranchStep
  | EndStep

export type StepKind = Step['kind']

/** Steps that wait for the resident (and so have a timeout and take part in `back`). */
export type WaitingStep = ScanIdStep | ChooseStep | InputStep | ShowStep | ConsentStep


export function isWaitingStep(step: Step): step is WaitingStep {
  return (WAITING_KINDS as readonly string[]).includes(step.kind)
}

/** A validated flow (see flow-validate.ts). Steps keep the file's order. */
export interface FlowDefinition {
  /** [a-z0-9-]+ */
  readonly id: string
  /** Integer >= 1. */
  readonly version: number
  readonly title: LocalizedText
  /** For the display's title row when the title is too long; absent: `title`. */
  readonly shortTitle?: LocalizedText
  /** Place in the station's menu (within MENU_ORDER, ascending; ties by id); absent: after every flow that has one. */
  readonly menuOrder?: number
  /** Id of the first step. */
  readonly start: string
  readonly steps: ReadonlyMap<string, Step>
}
