/**
 * Consent that matches what is sent (docs/privacy.md, "What a submission carries"): the consent
 * screen's text, made from the identity fields the submissions after it declare, and the reading of
 * a hand-written consent text for the fields it names, which the flow check compares with the same
 * declaration (FLOW_CONSENT_MISMATCH, consent-check.ts). Pure.
 */
import type { LocalizedText } from './flow-types.js'
import { IDENTITY_FIELD_CATALOGUE, IDENTITY_FIELDS, VAGUE_IDENTITY_MENTIONS, type IdentityField } from './identity-fields.js'
import { interpolate } from './template.js'

type Language = keyof LocalizedText

/** What the resident does on a consent screen; the same on every consent step, so it is the station's. */
export const CONSENT_PROMPT: LocalizedText = { vi: 'OK: đồng ý\nTrở lại: không', en: 'OK: I agree\nBack: no' }

/** "a, b và c" / "a, b and c". */
function listed(items: readonly string[], language: Language): string {
  const and = language === 'vi' ? ' và ' : ' and '
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')}${and}${items[items.length - 1] ?? ''}`
}

/**
 * The consent sentence for `fields` going to `recipient` (a template, filled by the caller), in the
 * catalogue's order; `withAnswers` adds what the resident chose and typed, which goes too.
 */
export function consentSentence(fields: readonly IdentityField[], recipient: LocalizedText, withAnswers: boolean): LocalizedText {
  const sentence = (language: Language): string => {
    const names = IDENTITY_FIELDS.filter((field) => fields.includes(field)).map((field) => IDENTITY_FIELD_CATALOGUE[field].label[language])
    if (withAnswers) names.push(language === 'vi' ? 'thông tin vừa nhập' : 'what you entered')
    const what = listed(names, language)
    return language === 'vi' ? `Gửi cho ${recipient.vi}: ${what}.` : `Send to ${recipient.en}: ${what}.`
  }
  return { vi: sentence('vi'), en: sentence('en') }
}

/** `text` as compared: `{{variables}}` left out, NFC, lower case, runs of spaces as one. */
function comparable(text: string): string {
  return interpolate(text, () => ' ').normalize('NFC').toLowerCase().replace(/\s+/gu, ' ')
}

/** Whether `phrase` stands in `text` as words (not inside a longer word: "name" is not in "username"). */
function hasPhrase(text: string, phrase: string): boolean {
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&').replace(/ /gu, '\\s+')
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u').test(text)
}

/** What a hand-written text says about identity: the catalogue fields it names, and whether it uses a vague wording. */
export function fieldsNamedIn(text: string, language: Language): { fields: IdentityField[]; vague: boolean } {
  const plain = comparable(text)
  const fields = IDENTITY_FIELDS.filter((field) => IDENTITY_FIELD_CATALOGUE[field].mentions[language].some((mention) => hasPhrase(plain, mention)))
  return { fields, vague: VAGUE_IDENTITY_MENTIONS[language].some((mention) => hasPhrase(plain, mention)) }
}

/** How a hand-written text differs from the fields sent: named too few, or named some that are not sent. */
export function consentDifference(text: string, language: Language, sent: readonly IdentityField[]): { missing: IdentityField[]; extra: IdentityField[]; vague: boolean } {
  const named = fieldsNamedIn(text, language)
  return {
    missing: IDENTITY_FIELDS.filter((field) => sent.includes(field) && !named.fields.includes(field)),
    extra: named.fields.filter((field) => !sent.includes(field)),
    vague: named.vague,
  }
}
