/**
 * The text a card can carry: what a reader delivers for a name or an address is trimmed, its runs of
 * spaces collapsed and put in NFC; text no card could carry is refused (docs/identity.md, "Text").
 * Pure. Refusals are `E_CARD_INVALID` and name the rule, never the text.
 */
import { StationError } from '../../runtime/core/errors.js'
import { looksLikeMojibake } from '../text/vietnamese.js'

/** The longest name and address a CCCD prints (the card's own fields are far shorter). */
export const MAX_NAME_CHARS = 100
export const MAX_ADDRESS_CHARS = 250
/**
 * After NFC a Vietnamese letter carries at most two marks (ệ is e + circumflex + dot below, and NFC
 * composes both); a third in a row is stacking, never writing.
 */
const MAX_MARKS_IN_A_ROW = 2

/** A name: letters with their marks, spaces, and the hyphen and apostrophe of some transliterations. */
const NAME_CHARACTERS = /^[\p{L}\p{M} '\-]*$/u
/** An address: letters, marks, digits, spaces and the punctuation addresses use. */
const ADDRESS_CHARACTERS = /^[\p{L}\p{M}\p{Nd} ,.'/()\-:;#&]*$/u
/** Controls (NUL, BEL, ESC...), format characters (bidi overrides, zero-width), private use, unassigned. */
const NEVER_ON_A_CARD = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\u2028\u2029]/u
const LONE_SURROGATE = /[\ud800-\udfff]/u
const STACKED_MARKS = new RegExp(`\\p{M}{${MAX_MARKS_IN_A_ROW + 1},}`, 'u')

export type CardTextKind = 'name' | 'address'

/**
 * `raw` as a card carries it, or `E_CARD_INVALID` naming what no card carries. `field` is where the
 * text came from (a QR field number, or a data group), for the error's context.
 */
export function cardText(raw: string, kind: CardTextKind, context: Readonly<Record<string, number | string>> = {}): string {
  const refuse = (rule: string) => new StationError('E_CARD_INVALID', `${kind} ${rule}`, { ...context })
  if (raw.includes('\ufffd') || LONE_SURROGATE.test(raw)) throw refuse('is not valid UTF-8 (replacement character from the scanner)')
  if (looksLikeMojibake(raw)) throw refuse('looks like UTF-8 decoded with the wrong charset (scanner charset setting)')
  if (NEVER_ON_A_CARD.test(raw)) throw refuse('holds control or invisible characters')
  const text = raw.normalize('NFC').trim().replace(/ {2,}/g, ' ')
  if (STACKED_MARKS.test(text)) throw refuse('stacks combining marks')
  if (!(kind === 'name' ? NAME_CHARACTERS : ADDRESS_CHARACTERS).test(text)) throw refuse('holds characters no card prints')
  const max = kind === 'name' ? MAX_NAME_CHARS : MAX_ADDRESS_CHARS
  if (Array.from(text).length > max) throw refuse(`is longer than ${max} characters`)
  if (kind === 'name' && !/\p{L}/u.test(text)) throw refuse('is empty')
  return text
}
