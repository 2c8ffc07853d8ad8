/**
 * The limits table of docs/flows.md ("Limits"), written from the constants the schema and the session
 * machine use, so no limit is written twice: the prose at the top of flow-types.ts and in docs/flows.md
 * names the constant, this table gives its value. `npm run build` rewrites the block between
 * `<!-- flow limits -->` and `<!-- end flow limits -->`; a test fails when the doc is stale.
 */
import { FEED_LINES, MAX_INPUT_LENGTH, MAX_OPTIONS, MAX_RETRIES, MAX_WRITTEN_OPTIONS, MAX_TIMEOUT_S, MENU_ORDER, QR_MODULE_DOTS } from './flow-file-schema.js'
import { DEFAULT_MAX_LENGTH, MAX_MAX_LENGTH } from './reply-shape.js'
import { INVALID_NOTICE_MS, MAX_REFUSED_EVENTS, RETRY_PAUSE_MS } from './session-machine.js'

interface FlowLimit {
  /** The constant, as the prose names it. */
  readonly name: string
  /** Where it applies, in the flow file's words. */
  readonly applies: string
  readonly value: string
}

const range = ({ min, max }: { readonly min: number; readonly max: number }): string => `${min}–${max}`

export const FLOW_LIMITS: readonly FlowLimit[] = [
  { name: 'MAX_TIMEOUT_S', applies: '`timeout_s` of any step (seconds, more than 0)', value: `at most ${MAX_TIMEOUT_S}` },
  { name: 'MAX_RETRIES', applies: '`retries` of a request', value: `0–${MAX_RETRIES}` },
  { name: 'MAX_OPTIONS', applies: 'options of a choose step numbered at once (one digit key each; 0 turns the page, then to the next ones)', value: `1–${MAX_OPTIONS}` },
  { name: 'MAX_WRITTEN_OPTIONS', applies: '`options` written in a choose step (those whose `when` holds are offered)', value: `1–${MAX_WRITTEN_OPTIONS}` },
  { name: 'MAX_INPUT_LENGTH', applies: '`min_length`, `max_length` of an input step', value: `at most ${MAX_INPUT_LENGTH}` },
  { name: 'MENU_ORDER', applies: '`menu_order`', value: range(MENU_ORDER) },
  { name: 'QR_MODULE_DOTS', applies: '`module_dots` of a qr receipt line', value: range(QR_MODULE_DOTS) },
  { name: 'FEED_LINES', applies: '`lines` of a feed receipt line', value: range(FEED_LINES) },
  { name: 'DEFAULT_MAX_LENGTH', applies: '`max_length` of a string reply field when not given', value: `${DEFAULT_MAX_LENGTH}` },
  { name: 'MAX_MAX_LENGTH', applies: '`max_length` of a string reply field', value: `at most ${MAX_MAX_LENGTH}` },
  { name: 'INVALID_NOTICE_MS', applies: 'how long `invalid_text` stays unless a key comes first (ms)', value: `${INVALID_NOTICE_MS}` },
  { name: 'RETRY_PAUSE_MS', applies: 'pause before a request tries again after an error (ms)', value: `${RETRY_PAUSE_MS}` },
  { name: 'MAX_REFUSED_EVENTS', applies: 'notifications a `wait_for` refuses before the wait fails', value: `${MAX_REFUSED_EVENTS}` },
]

/** The markdown table of every limit, in the order above. */
export function flowLimitsTable(): string {
  return ['| limit | applies to | value |', '|---|---|---|', ...FLOW_LIMITS.map((limit) => `| \`${limit.name}\` | ${limit.applies} | ${limit.value} |`)].join('\n')
}

const BLOCK = /(<!-- flow limits -->\n)[\s\S]*?(<!-- end flow limits -->)/

/** The doc with its limits block rewritten from the constants; a doc without the block is an error. */
export function withFlowLimits(doc: string): string {
  if (!BLOCK.test(doc)) throw new Error('docs/flows.md has no <!-- flow limits --> block')
  return doc.replace(BLOCK, (_match, open: string, close: string) => `${open}${flowLimitsTable()}\n${close}`)
}
