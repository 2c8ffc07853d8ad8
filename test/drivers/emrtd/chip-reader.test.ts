import { randomBytes } from 'node:crypto'
import t from 'tap'
import { refusalReason } from '../../../drivers/emrtd/chip-errors.js'
import { readChip, type ChipReadRequest } from '../../../drivers/emrtd/chip-reader.js'
import { verifyPassiveAuthentication } from '../../../drivers/emrtd/passive-authentication.js'
import { buildSimCccd, type SimCccdHolder } from '../../../drivers/emrtd/sim-cccd.js'
import { SimChip, type SimChipCard } from '../../../drivers/emrtd/sim-chip.js'
import { makeTestIssuer } from '../../../drivers/emrtd/sim-issuer.js'
import { parseTd1 } from '../../../drivers/identity/mrz.js'

const NOW = new Date('2026-06-01T00:00:00Z')
const issuer = makeTestIssuer({ now: NOW })
const holder: SimCccdHolder = {
  personalNumber: '079203000001',
  birth: '030115',
  sex: 'M',
  expiry: '280115',
  surname: 'NGUYEN',
  given: 'VAN AN',
  details: new Map<number, string | readonly string[]>([
    [2, 'Nguye\u0302\u0303n Va\u0306n An'],
    [3, '15/01/2003'],
    [4, 'Nam'],
    [9, 'Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh'],
    [12, '15/01/2028'],
    [13, ['Nguyễn Văn Bình', 'Trần Thị Cúc']],
  ]),
}
const card = buildSimCccd(holder, issuer)
const random = (length: number) => new Uint8Array(randomBytes(length))
const chipFor = (overrides: Partial<SimChipCard> = {}) => new SimChip({ ...card, ...overrides }, random)
const request = (overrides: Partial<ChipReadRequest> = {}): ChipReadRequest => ({ can: '000001', randomBytes: random, ...overrides })

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    return refusalReason(error) ?? String(error)
  }
}

t.test('PACE with the CAN reads EF.COM, DG1, DG13 and EF.SOD, and the read passes passive authentication', async (t) => {
  const chip = chipFor()
  const read = await readChip(chip.transceive, request())
  t.equal(read.access, 'pace-can')
  t.same(read.com.dataGroups, [1, 13])
  const td1 = parseTd1(read.dg1?.lines ?? [], NOW)
  t.equal(td1.personalNumber, holder.personalNumber)
  t.equal(td1.docNumber, '203000001')
  t.equal(read.dg13?.personalNumber, holder.personalNumber)
  t.equal(read.dg13?.fullName, 'Nguyễn Văn An', 'DG13 text is NFC-normalised')
  t.equal(read.dg13?.fullName?.length, 'Nguyễn Văn An'.normalize('NFC').length)
  t.same(read.dg13?.birth, { raw: '15/01/2003', iso: '2003-01-15' })
  t.equal(read.dg13?.motherName, 'Trần Thị Cúc')
  t.same(read.raw.dataGroups.get(13), card.dataGroups.get(13), 'raw bytes as on the chip')
  const result = verifyPassiveAuthentication({ sod: read.raw.sod, dataGroups: read.raw.dataGroups, cscaCertificates: [issuer.csca.der], validAt: NOW })
  t.same(result.dataGroups, [1, 13])
})

t.test('PACE with the MRZ when no CAN is given', async (t) => {
  const read = await readChip(chipFor().transceive, request({ can: undefined, mrz: card.mrz }))
  t.equal(read.access, 'pace-mrz')
})

t.test('a chip without EF.CardAccess is read with BAC and 3DES secure messaging', async (t) => {
  const read = await readChip(chipFor({ cardAccess: undefined }).transceive, request({ mrz: card.mrz }))
  t.equal(read.access, 'bac')
  t.equal(read.dg13?.personalNumber, holder.personalNumber)
})

t.test('a wrong CAN is access_denied; with the MRZ at hand the reader falls back to BAC', async (t) => {
  t.equal(await refusal(readChip(chipFor().transceive, request({ can: '123456' }))), 'access_denied')
  const read = await readChip(chipFor().transceive, request({ can: '123456', mrz: card.mrz }))
  t.equal(read.access, 'bac')
  t.equal(await refusal(readChip(chipFor().transceive, request({ can: '123456', mrz: card.mrz, bacFallback: false }))), 'access_denied')
})

t.test('a wrong MRZ key on a BAC-only chip is access_denied', async (t) => {
  const wrong = { ...card.mrz, birth: '030116' }
  t.equal(await refusal(readChip(chipFor({ cardAccess: undefined }).transceive, request({ can: undefined, mrz: wrong }))), 'access_denied')
})

t.test('a card pulled away mid-read is card_lost', async (t) => {
  for (const after of [3, 9, 14]) {
    const chip = chipFor()
    chip.removeAfter(after)
    t.equal(await refusal(readChip(chip.transceive, request())), 'card_lost', `after ${after} APDUs`)
  }
})

t.test('small reads: every READ BINARY asks at most maxReadBytes', async (t) => {
  const chip = chipFor()
  const read = await readChip(chip.transceive, request({ maxReadBytes: 16 }))
  t.same(read.raw.sod, card.sod)
  t.ok(chip.apduCount > card.sod.length / 16, `${chip.apduCount} APDUs`)
})

t.test('a tampered data group on the chip is refused by passive authentication as dg_hash_mismatch', async (t) => {
  const dg13 = (card.dataGroups.get(13) ?? new Uint8Array()).slice()
  dg13[dg13.length - 2] = 0x41
  const read = await readChip(chipFor({ dataGroups: new Map(card.dataGroups).set(13, dg13) }).transceive, request())
  let reason: string | undefined
  try {
    verifyPassiveAuthentication({ sod: read.raw.sod, dataGroups: read.raw.dataGroups, cscaCertificates: [issuer.csca.der], validAt: NOW })
  } catch (error) {
    reason = refusalReason(error)
  }
  t.equal(reason, 'dg_hash_mismatch')
})
