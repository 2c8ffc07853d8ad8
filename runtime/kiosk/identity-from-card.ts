import { parseCccdQr } from '../../drivers/identity/cccd.js'
import { citizenFromTd1 } from '../../drivers/identity/citizen-identity.js'
import { parseTd1, splitMrzText } from '../../drivers/identity/mrz.js'
import type { Identity } from '../../flows/engine/identity.js'
import { isStationError, messageOf } from '../core/errors.js'
import type { CardPresented } from '../bus/events.js'

/**
 * A card read, or why it was refused. `reason` is safe to log and send; `chipReason` is a chip's
 * refusal code (drivers/emrtd/chip-errors.ts: `dg_hash_mismatch`, `csca_unknown` …), when the chip's
 * reading or passive authentication refused it rather than the identity checks.
 */
export type CardResult = { ok: true; identity: Identity } | { ok: false; reason: string; code: string; chipReason?: string }

/**
 * Turns what a reader delivered into an Identity, or a reason the card was refused. The reason
 * is safe to log and send to central: it names the failed check, never the card's content.
 */
export function identityFromCard(card: CardPresented, today: Date): CardResult {
  try {
    if (card.kind === 'cccd') {
      const record = parseCccdQr(card.text, today)
      return {
        ok: true,
        identity: {
          source: 'cccd_qr',
          personalId: record.id,
          name: record.name,
          birthDate: record.dob,
          sex: record.sex,
          address: record.address,
        },
      }
    }
    if (card.kind === 'mrz') {
      // The same checks as the QR (drivers/identity/citizen-identity.ts): a card one source refuses,
      // every source refuses, for the same reason.
      const record = citizenFromTd1(parseTd1(splitMrzText(card.text), today), today)
      return {
        ok: true,
        identity: {
          source: 'mrz',
          personalId: record.personalId,
          name: record.name,
          birthDate: record.birthDate,
          sex: record.sex,
          ...(record.expiry === null ? {} : { expiryDate: record.expiry }),
        },
      }
    }
    if (card.kind === 'nfc') {
      return { ok: true, identity: { source: 'nfc', personalId: null, cardUid: card.text } }
    }
    if (card.kind === 'wiegand') {
      return { ok: true, identity: { source: 'wiegand', personalId: null, cardUid: card.text } }
    }
    return { ok: false, reason: 'not an identity document', code: 'E_CARD_INVALID' }
  } catch (error) {
    return {
      ok: false,
      reason: safeReason(error),
      code: isStationError(error) ? error.code : 'E_CARD_INVALID',
    }
  }
}

/** Codec messages describe the failed rule; strip anything digit-heavy in case one quotes input. */
export function safeReason(error: unknown): string {
  return (
    messageOf(error)
      // The QR codec quotes a malformed date field verbatim: a birth date with separators, or (after a
      // stray '|') part of the name or address. The check's name is enough.
      .replace(/^(invalid date)\b.*$/su, '$1')
      // Six or more digits, even split by spaces, dots, slashes or dashes, may be an ID number or a date.
      .replace(/\d(?:[\s./-]*\d){5,}/g, '<digits>')
      .slice(0, 120)
  )
}
