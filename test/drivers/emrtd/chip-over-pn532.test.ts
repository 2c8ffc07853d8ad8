import { randomBytes } from 'node:crypto'
import t from 'tap'
import { refusalReason } from '../../../drivers/emrtd/chip-errors.js'
import { readChip } from '../../../drivers/emrtd/chip-reader.js'
import { verifyPassiveAuthentication } from '../../../drivers/emrtd/passive-authentication.js'
import { buildSimCccd } from '../../../drivers/emrtd/sim-cccd.js'
import { SimChip } from '../../../drivers/emrtd/sim-chip.js'
import { makeTestIssuer } from '../../../drivers/emrtd/sim-issuer.js'
import { pn532ApduTransceive } from '../../../drivers/nfc/pn532-apdu-transceive.js'
import type { Pn532Transport } from '../../../drivers/nfc/pn532-transport.js'

const NOW = new Date('2026-06-01T00:00:00Z')
const random = (length: number) => new Uint8Array(randomBytes(length))
const issuer = makeTestIssuer({ now: NOW })
const card = buildSimCccd({ personalNumber: '001190000123', birth: '900101', sex: 'F', expiry: '300101', surname: 'LE', given: 'THI HOA' }, issuer)

/**
 * InDataExchange as the PN532 does it in front of a card: `40 Tg APDU` goes to the card; its answer comes
 * back in pieces of `pieceBytes` with status 0x40 (MI) until the last; `40 Tg` fetches the next piece.
 * A card that stops answering is status 0x01 (timeout).
 */
function pn532InFrontOf(chip: SimChip, pieceBytes: number): { transport: Pn532Transport; exchanges: () => number } {
  let pending: Uint8Array = new Uint8Array(0)
  let count = 0
  const transport: Pn532Transport = {
    description: 'PN532 in front of a simulated chip',
    exchange: async (command) => {
      count++
      if (command.params.length > 1) {
        try {
          pending = await chip.transceive(command.params.subarray(1))
        } catch {
          return Uint8Array.of(0x41, 0x01)
        }
      }
      const piece = pending.subarray(0, pieceBytes)
      pending = pending.subarray(pieceBytes)
      return Uint8Array.of(0x41, pending.length > 0 ? 0x40 : 0x00, ...piece)
    },
  }
  return { transport, exchanges: () => count }
}

t.test('the chip read through InDataExchange with MI continuation verifies end to end', async (t) => {
  const chip = new SimChip(card, random)
  const pn532 = pn532InFrontOf(chip, 64)
  const read = await readChip(pn532ApduTransceive(pn532.transport, { tg: 1, timeoutMs: 1000 }), { can: '000123', randomBytes: random })
  t.equal(read.access, 'pace-can')
  t.ok(pn532.exchanges() > chip.apduCount, 'long answers came in several InDataExchange pieces')
  const result = verifyPassiveAuthentication({ sod: read.raw.sod, dataGroups: read.raw.dataGroups, cscaCertificates: [issuer.csca.der], validAt: NOW })
  t.same(result.dataGroups, [1, 13])
})

t.test('a card pulled away behind the PN532 is card_lost', async (t) => {
  const chip = new SimChip(card, random)
  chip.removeAfter(12)
  const pn532 = pn532InFrontOf(chip, 64)
  const error = await readChip(pn532ApduTransceive(pn532.transport, { tg: 1, timeoutMs: 1000 }), { can: '000123', randomBytes: random }).catch((caught: unknown) => caught)
  t.equal(refusalReason(error), 'card_lost')
})
