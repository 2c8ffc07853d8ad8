/**
 * The short code a resident reads off the screen and receipt to follow up a submission, and types
 * back on the keypad to track it (flows/track-dossier.yaml). Derived from the submission id (a
 * random UUID), so it is the same wherever the id travels: central finds a submission by it.
 * Twelve digits in three groups of four (`0123-4567-8901`): the keypad has digit keys only, so a
 * code with letters could be printed but never typed (docs/flows.md, "Reference codes").
 */

/** Digits in a reference code: 40 bits of the id taken modulo 10^12 (one in 10^7 odds of a clash among 500 ids). */
const DIGITS = 12n

export function referenceFromId(id: string): string {
  const hex = id.replace(/[^0-9a-f]/gi, '').slice(0, 10).padEnd(10, '0')
  const digits = (BigInt(`0x${hex}`) % 10n ** DIGITS).toString().padStart(Number(DIGITS), '0')
  return `${digits.slice(0, 4)}-${digits.slice(4, 8)}-${digits.slice(8)}`
}

/** A reference as typed or printed, digits only (`012345678901`); '' when it holds none. */
export function referenceDigits(text: string): string {
  return text.replace(/\D/g, '')
}
