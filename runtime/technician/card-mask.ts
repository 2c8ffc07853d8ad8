import type { CardPresented } from '../bus/events.js'
import { identityFromCard } from '../kiosk/identity-from-card.js'

/** Digits (or hex) left visible at the end of a masked number, as on the test screen: ********0001. */
const VISIBLE_TAIL = 4

/** Every character but the last four replaced with '*'. */
export function maskNumber(value: string): string {
  const clean = value.replace(/[\s:]/g, '')
  if (clean.length <= VISIBLE_TAIL) return '*'.repeat(clean.length)
  return '*'.repeat(clean.length - VISIBLE_TAIL) + clean.slice(-VISIBLE_TAIL)
}

export type CardTestResult = { kind: string; masked: string } | { unreadable: string }

/**
 * What the card test shows a technician: the kind of card and its number masked, nothing else
 * (no name, no birth date; docs/privacy.md). A card the kiosk would refuse shows the refusal's
 * reason, which never quotes the card.
 */
export function cardTestResult(card: CardPresented, today: Date): CardTestResult {
  const read = identityFromCard(card, today)
  if (!read.ok) return { unreadable: read.reason }
  const identity = read.identity
  const number = identity.personalId ?? identity.cardUid ?? ''
  return { kind: identity.source, masked: number.length > 0 ? maskNumber(number) : '(no number)' }
}
