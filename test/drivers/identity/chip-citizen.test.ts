/**
 * The chip is one more identity source with the same checks (docs/identity.md): a simulated CCCD chip
 * (real PACE, secure messaging and a SOD signed by a test CSCA) read with `readChip` and checked by
 * `citizenFromChip` is accepted or refused as its QR is, for the same reason; an expired chip is refused
 * as an expired MRZ is; passive authentication comes first. Synthetic people only.
 */
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { readChip } from '../../../drivers/emrtd/chip-reader.js'
import { refusalReason } from '../../../drivers/emrtd/chip-errors.js'
import { buildSimCccd } from '../../../drivers/emrtd/sim-cccd.js'
import { simChipCardFromQr, simHolderFromQr } from '../../../drivers/emrtd/sim-cccd-from-qr.js'
import { SimChip, type SimChipCard } from '../../../drivers/emrtd/sim-chip.js'
import { makeTestIssuer } from '../../../drivers/emrtd/sim-issuer.js'
import { parseCccdQr } from '../../../drivers/identity/cccd.js'
import { citizenFromChip } from '../../../drivers/identity/chip-citizen.js'

const TODAY = new Date(2026, 0, 1)
const random = (length: number) => new Uint8Array(randomBytes(length))
const issuer = makeTestIssuer({ now: TODAY })
const AN = '079203000001|025000001|Nguyễn Văn An|15082003|Nam|12 Lê Lợi, Quận 1, TP. Hồ Chí Minh|20042021'

async function viaChip(card: SimChipCard, can = card.can): Promise<string> {
  try {
    const read = await readChip(new SimChip(card, random).transceive, { can, randomBytes: random })
    citizenFromChip(read, [issuer.csca.der], TODAY)
    return 'accepted'
  } catch (error) {
    return refusalReason(error) ?? (error as Error).message
  }
}

function viaQr(qr: string): string {
  try {
    parseCccdQr(qr, TODAY)
    return 'accepted'
  } catch (error) {
    return (error as Error).message
  }
}

t.test('a genuine chip gives the identity DG13 carries, with the expiry DG1 states', async (t) => {
  const read = await readChip(new SimChip(simChipCardFromQr(AN, issuer, TODAY), random).transceive, { can: '000001', randomBytes: random })
  const citizen = citizenFromChip(read, [issuer.csca.der], TODAY)
  t.equal(citizen.personalId, '079203000001')
  t.equal(citizen.name, 'Nguyễn Văn An', 'with its diacritics, from DG13')
  t.equal(citizen.birthDate, '2003-08-15')
  t.equal(citizen.sex, 'male')
  t.equal(citizen.address, '12 Lê Lợi, Quận 1, TP. Hồ Chí Minh')
  t.equal(citizen.issued, '2021-04-20')
  t.equal(citizen.expiry, '2028-08-15', 'the next renewal age, 25')
})

t.test('a fault the QR refuses, the chip refuses, with the same reason', async (t) => {
  const faults: Array<[string, string]> = [
    ['birth year disagrees with ID digits 4-6', AN.replace('15082003', '15082004')],
    ['sex disagrees with ID digit 4', AN.replace('|Nam|', '|Nữ|')],
    ['unknown province code', AN.replace('079203000001', '999203000001')],
    ['a name no card carries', AN.replace('Nguyễn Văn An', 'Nguyễn Văn\u202eAn')],
  ]
  for (const [what, qr] of faults) {
    const reason = viaQr(qr)
    t.not(reason, 'accepted', `${what}: the QR is refused`)
    t.equal(await viaChip(simChipCardFromQr(qr, issuer, TODAY)), reason, `${what}: the chip is refused for the same reason`)
  }
  t.equal(await viaChip(simChipCardFromQr(AN, issuer, TODAY)), 'accepted')
})

t.test('an expired chip is refused as an expired MRZ is; the expiry day itself is still valid', async (t) => {
  const holder = simHolderFromQr(AN)
  t.equal(await viaChip(buildSimCccd({ ...holder, expiry: '251231' }, issuer)), 'card has expired')
  t.equal(await viaChip(buildSimCccd({ ...holder, expiry: '260101' }, issuer)), 'accepted')
})

t.test('passive authentication comes before the identity checks, and DG1 and DG13 must agree', async (t) => {
  const bad = AN.replace('15082003', '15082004')
  t.equal(await viaChip(simChipCardFromQr(bad, issuer, TODAY, { tamper: 'dg13' })), 'dg_hash_mismatch', 'altered data is refused as altered, whatever it says')
  t.equal(await viaChip(simChipCardFromQr(AN, issuer, TODAY, { unknownCsca: true })), 'csca_unknown')
  t.equal(await viaChip(simChipCardFromQr(AN, issuer, TODAY, { wrongCan: true }), '000001'), 'access_denied')
  const holder = simHolderFromQr(AN)
  const mixed = buildSimCccd({ ...holder, details: new Map([...(holder.details ?? new Map()), [1, '079203000002']]) }, issuer)
  t.equal(await viaChip(mixed), "the chip's data groups name different numbers")
})
