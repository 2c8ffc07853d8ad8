/**
 * `{{variable}}` in flow texts: finding references (for the validator) and filling them in (for the
 * session). Deliberately tiny: a name and one optional `.field`, no expressions, no filters.
 */

/** `{{ name }}` with optional spaces; anything between the braces is the name as written. */
const REFERENCE = /\{\{\s*([^{}]*?)\s*\}\}/g

/** An answer name (`save_as`): lower case, digits and underscores, starting with a letter. */
export const ANSWER_NAME = /^[a-z][a-z0-9_]*$/

/** A field of a reply (`{{bill.amount}}`): a JSON member name as central writes them. */
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Names the engine owns; a `save_as` may not take them. */
export const RESERVED_NAMES: readonly string[] = ['station', 'date', 'time', 'reference', 'identity', 'payment', 'language', 'flow', 'item']

/** In the label of a choose step's `options_from`, `{{item.field}}` is a field of the list item the option stands for. */
export const ITEM_NAME = 'item'

/** Always available: the station's id, site and agency (config `station.*`) and the time (Asia/Ho_Chi_Minh). */
export const BUILTINS: readonly string[] = ['station.id', 'station.site', 'station.agency', 'date', 'time']

/** The fields a pay_qr step sets under `payment`. */
export const PAYMENT_FIELDS: readonly string[] = ['qr', 'amount']

/**
 * What a variable needs before it can be used:
 * - `builtin`: always available (`station.id`, `station.site`, `station.agency`, `date`, `time`);
 * - `set`: available once something has set `name`: an answer or a reply (`field` when one is
 *   written: `value` for an answer's raw value, any field of a reply), `reference` (a submit),
 *   `identity` (a scan_id) or `payment` (a pay_qr). Whether `name` is an answer or a reply is for the
 *   validator to say: only it sees the whole flow;
 * - `invalid`: not a variable at all; `reason` says why.
 */
export type VariableNeed =
  | { kind: 'builtin' }
  | { kind: 'set'; name: string; field?: string }
  | { kind: 'invalid'; reason: string }

/** Classifies a reference as written between the braces. */
export function variableNeed(reference: string): VariableNeed {
  if (BUILTINS.includes(reference)) return { kind: 'builtin' }
  if (reference === 'reference') return { kind: 'set', name: 'reference' }
  if (reference === 'identity.masked') return { kind: 'set', name: 'identity' }
  if (reference === 'identity' || reference.startsWith('identity.')) {
    return { kind: 'invalid', reason: 'only {{identity.masked}} is available; raw identity fields never are' }
  }
  const [base = '', field, ...rest] = reference.split('.')
  if (base === 'payment') {
    return field !== undefined && rest.length === 0 && PAYMENT_FIELDS.includes(field)
      ? { kind: 'set', name: 'payment', field }
      : { kind: 'invalid', reason: 'a pay_qr step sets {{payment.qr}} and {{payment.amount}} only' }
  }
  if (!ANSWER_NAME.test(base) || rest.length > 0 || (field !== undefined && !FIELD_NAME.test(field))) {
    return { kind: 'invalid', reason: 'not a variable: use {{answer}}, {{answer.value}}, {{reply.field}} or a built-in' }
  }
  if (RESERVED_NAMES.includes(base)) return { kind: 'invalid', reason: `unknown built-in '${reference}'` }
  return field === undefined ? { kind: 'set', name: base } : { kind: 'set', name: base, field }
}

/** Every `{{…}}` reference in `text`, as written (trimmed), in order. */
export function templateReferences(text: string): string[] {
  return Array.from(text.matchAll(REFERENCE), (match) => match[1] ?? '')
}

/** Replaces each `{{…}}` with `resolve(name)`; an unresolved name becomes ''. */
export function interpolate(text: string, resolve: (reference: string) => string | undefined): string {
  return text.replace(REFERENCE, (_match, reference: string) => resolve(reference) ?? '')
}
