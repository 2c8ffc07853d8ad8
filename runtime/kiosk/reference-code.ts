/**
 * The short code a resident reads off the screen and receipt to follow up a submission. Derived
 * from the submission id (a random UUID), so it is the same wherever the id travels. Crockford
 * base32 (no I, L, O, U) avoids letters that read like digits on a 5x8 character cell.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

export function referenceFromId(id: string): string {
  const hex = id.replace(/[^0-9a-f]/gi, '').slice(0, 10).padEnd(10, '0')
  let value = BigInt(`0x${hex}`)
  let code = ''
  for (let i = 0; i < 8; i++) {
    code = ALPHABET[Number(value & 31n)] + code
    value >>= 5n
  }
  return `${code.slice(0, 4)}-${code.slice(4)}`
}
