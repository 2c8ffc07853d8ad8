import { randomBytes } from 'node:crypto'
import t from 'tap'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { refusalReason } from '../../../drivers/emrtd/chip-errors.js'
import { readChip } from '../../../drivers/emrtd/chip-reader.js'
import { verifyPassiveAuthentication } from '../../../drivers/emrtd/passive-authentication.js'
import { buildSimCccd } from '../../../drivers/emrtd/sim-cccd.js'
import { SimChip } from '../../../drivers/emrtd/sim-chip.js'
import { makeTestIssuer } from '../../../drivers/emrtd/sim-issuer.js'
import { pn532ApduTransceive } from '../../../drivers/nfc/pn532-apdu-transceive.js'
import { BRTY, inListPassiveTarget } from '../../../drivers/nfc/pn532-commands.js'
import { Pn532I2cTransport } from '../../../drivers/nfc/pn532-i2c-transport.js'
import { Pn532HsuTransport } from '../../../drivers/nfc/pn532-hsu-transport.js'
import { SimPn532, SimPn532Hsu, SimPn532I2c } from '../../../drivers/nfc/sim-pn532.js'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import { systemClock } from '../../../runtime/core/clock.js'

const NOW = new Date('2026-06-01T00:00:00Z')
/**
 * Deadlines on the real clock: the simulated chip answers at once, but a test machine busy with other
 * suites can delay a timer past the transport's 50 ms ACK default.
 */
const LOADED_MACHINE_MS = 10_000
const random = (length: number) => new Uint8Array(randomBytes(length))
const issuer = makeTestIssuer({ now: NOW })
const card = buildSimCccd({ personalNumber: '001190000123', birth: '900101', sex: 'F', expiry: '300101', surname: 'LE', given: 'THI HOA' }, issuer)

/** The real I2C transport over the simulated PN532 with a simulated CCCD in its field. */
function rig() {
  const bus = new SimI2cBus()
  const pn532 = new SimPn532()
  bus.attach(0x24, new SimPn532I2c(pn532))
  // A protected answer is up to 252 bytes; the default 64-byte response read is for UIDs only.
  const transport = new Pn532I2cTransport(bus, { clock: systemClock, statusPollMs: 1, responseReadBytes: 270, ackTimeoutMs: LOADED_MACHINE_MS })
  const chip = new SimChip(card, random)
  pn532.presentCard({ uid: '08 12 34 56', atqa: '00 04', sak: '20', ats: '05 78 80 70 02', apdu: chip.answer })
  return { transport, pn532, chip }
}

t.test('a simulated CCCD behind the simulated PN532 over I2C is read and passively authenticated', async (t) => {
  const { transport, pn532 } = rig()
  const target = await transport.exchange(inListPassiveTarget(1, BRTY.iso14443a106), { timeoutMs: LOADED_MACHINE_MS })
  t.equal(target[1], 1, 'one target')
  const read = await readChip(pn532ApduTransceive(transport, { tg: 1, timeoutMs: LOADED_MACHINE_MS }), { can: '000123', randomBytes: random })
  t.equal(read.access, 'pace-can')
  t.ok(pn532.commands.some((command) => command.name === 'InDataExchange'))
  t.same(verifyPassiveAuthentication({ sod: read.raw.sod, dataGroups: read.raw.dataGroups, cscaCertificates: [issuer.csca.der], validAt: NOW }).dataGroups, [1, 13])
})

t.test('the card taken off the simulated PN532 mid-read is card_lost', async (t) => {
  const { transport, chip } = rig()
  chip.removeAfter(10)
  const error = await readChip(pn532ApduTransceive(transport, { tg: 1, timeoutMs: LOADED_MACHINE_MS }), { can: '000123', randomBytes: random }).catch((caught: unknown) => caught)
  t.equal(refusalReason(error), 'card_lost')
})

t.test('a wrong CAN through the simulated PN532 is access_denied', async (t) => {
  const { transport } = rig()
  const error = await readChip(pn532ApduTransceive(transport, { tg: 1, timeoutMs: LOADED_MACHINE_MS }), { can: '999999', randomBytes: random }).catch((caught: unknown) => caught)
  t.equal(refusalReason(error), 'access_denied')
})

t.test('an answer longer than one DataIn comes in MI pieces and is put back together', async (t) => {
  const bus = new SimI2cBus()
  const pn532 = new SimPn532()
  bus.attach(0x24, new SimPn532I2c(pn532))
  const transport = new Pn532I2cTransport(bus, { clock: systemClock, statusPollMs: 1, responseReadBytes: 280, ackTimeoutMs: LOADED_MACHINE_MS })
  const long = Uint8Array.from({ length: 400 }, (_, index) => index & 0xff)
  pn532.presentCard({ uid: '08 12 34 56', sak: '20', ats: '05 78 80 70 02', apdu: () => long })
  const answer = await pn532ApduTransceive(transport, { tg: 1, timeoutMs: LOADED_MACHINE_MS })(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x00))
  t.same(answer, long)
  t.same(pn532.commands.filter((command) => command.name === 'InDataExchange').map((command) => command.params.length), [6, 1])
})

t.test('over HSU with the transport as the station opens it, a chip answer of a full frame arrives whole', async (t) => {
  const { host, device } = SimSerialLink.pair('/dev/serial0')
  const pn532 = new SimPn532()
  new SimPn532Hsu(pn532, device)
  const transport = new Pn532HsuTransport(host, { clock: systemClock })
  t.teardown(() => transport.close())
  // Out of LowVbat first, as the reader's start does.
  await transport.exchange({ code: 0x14, params: Uint8Array.of(0x01, 0x14, 0x01) }, { timeoutMs: LOADED_MACHINE_MS })
  const chip = new SimChip(card, random)
  pn532.presentCard({ uid: '08 12 34 56', atqa: '00 04', sak: '20', ats: '05 78 80 70 02', apdu: chip.answer })
  await transport.exchange(inListPassiveTarget(1, BRTY.iso14443a106), { timeoutMs: LOADED_MACHINE_MS })
  const read = await readChip(pn532ApduTransceive(transport, { tg: 1, timeoutMs: LOADED_MACHINE_MS }), { can: '000123', randomBytes: random })
  t.equal(read.access, 'pace-can')
  t.same(verifyPassiveAuthentication({ sod: read.raw.sod, dataGroups: read.raw.dataGroups, cscaCertificates: [issuer.csca.der], validAt: NOW }).dataGroups, [1, 13])
})
