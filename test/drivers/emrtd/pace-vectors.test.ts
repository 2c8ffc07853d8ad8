import { createECDH } from 'node:crypto'
import t from 'tap'
import { encodeCommand, parseCommand } from '../../../drivers/emrtd/apdu.js'
import { pacePasswordBytes, type PacePassword } from '../../../drivers/emrtd/access-keys.js'
import { BrainpoolP256r1, decodePoint, encodePoint, xCoordinate } from '../../../drivers/emrtd/brainpool-p256r1.js'
import { bytesToBigint, fromHex, toHex, uintBytes } from '../../../drivers/emrtd/bytes.js'
import { parseCardAccess, supportedPaceInfo } from '../../../drivers/emrtd/card-access.js'
import { refusalReason } from '../../../drivers/emrtd/chip-errors.js'
import {
  authenticationToken,
  decryptNonce,
  mapGenerator,
  mseSetAtCommand,
  paceKeyPi,
  paceSession,
  performPace,
} from '../../../drivers/emrtd/pace.js'
import { emrtdVector, field } from '../../support/emrtd-vectors.js'

const vector = emrtdVector('pace_gm_ecdh_g1')
const input = vector.input
const expected = vector.expected
const mrz = input['mrz'] as Record<string, string>
const password: PacePassword = {
  kind: 'mrz',
  mrz: { documentNumber: mrz['document_number'] ?? '', birth: mrz['birth'] ?? '', expiry: mrz['expiry'] ?? '' },
}
const scalar = (key: string) => bytesToBigint(fromHex(field(input, key)))
const point = (key: string) => decodePoint(fromHex(field(expected, key)))

t.test('the brainpoolP256r1 constants agree with OpenSSL', async (t) => {
  const ecdh = createECDH('brainpoolP256r1')
  ecdh.generateKeys()
  const ours = BrainpoolP256r1.BASE.multiply(bytesToBigint(new Uint8Array(ecdh.getPrivateKey())))
  t.equal(toHex(encodePoint(ours)), toHex(new Uint8Array(ecdh.getPublicKey())))
})

t.test('G.1: EF.CardAccess offers ECDH-GM-AES-128 on parameter 13', async (t) => {
  const info = supportedPaceInfo(parseCardAccess(fromHex(field(input, 'card_access'))))
  t.same(info, { oid: expected['pace_oid'], version: 2, parameterId: expected['parameter_id'] })
  if (info === undefined) return
  t.equal(toHex(encodeCommand(mseSetAtCommand(info, 1, false))), expected['mse_set_at_apdu'])
})

t.test('G.1: password, K_pi and nonce', async (t) => {
  t.equal(toHex(pacePasswordBytes(password)), expected['password_hash'])
  t.equal(toHex(paceKeyPi(password)), expected['k_pi'])
  t.equal(toHex(decryptNonce(paceKeyPi(password), fromHex(field(input, 'encrypted_nonce')))), expected['nonce'])
})

t.test('G.1: generic mapping, key agreement, session keys and tokens', async (t) => {
  const G = BrainpoolP256r1.BASE
  t.equal(toHex(encodePoint(G.multiply(scalar('terminal_private')))), expected['terminal_public'])
  t.equal(toHex(encodePoint(G.multiply(scalar('chip_private')))), expected['chip_public'])
  const shared = point('chip_public').multiply(scalar('terminal_private'))
  t.equal(toHex(encodePoint(shared)), expected['mapping_shared_point'])
  const generator = mapGenerator(fromHex(field(expected, 'nonce')), shared)
  t.equal(toHex(encodePoint(generator)), expected['mapped_generator'])
  t.equal(toHex(encodePoint(generator.multiply(scalar('terminal_ephemeral_private')))), expected['terminal_ephemeral_public'])
  t.equal(toHex(encodePoint(generator.multiply(scalar('chip_ephemeral_private')))), expected['chip_ephemeral_public'])
  const secret = xCoordinate(point('chip_ephemeral_public').multiply(scalar('terminal_ephemeral_private')))
  t.equal(toHex(secret), expected['shared_secret'])
  const session = paceSession(secret)
  t.equal(toHex(session.ksEnc), expected['ks_enc'])
  t.equal(toHex(session.ksMac), expected['ks_mac'])
  const oid = field(expected, 'pace_oid')
  t.equal(toHex(authenticationToken(session.ksMac, oid, point('chip_ephemeral_public'))), expected['terminal_token'])
  t.equal(toHex(authenticationToken(session.ksMac, oid, point('terminal_ephemeral_public'))), expected['chip_token'])
})

/** The worked example's chip answers, in order; the terminal's private keys come out of `randomBytes`. */
function scriptedChip(sent: string[]) {
  const answers = ['9000', ...(expected['general_authenticate_responses'] as string[])]
  const transceive = async (apdu: Uint8Array) => {
    sent.push(toHex(apdu))
    return fromHex(answers.shift() ?? '6F00')
  }
  // scalarFromBytes maps b to (b mod (n-1)) + 1, so k - 1 draws k.
  const keys = [scalar('terminal_private'), scalar('terminal_ephemeral_private')].map((k) => uintBytes(k - 1n, 40))
  return { transceive, randomBytes: () => keys.shift() ?? new Uint8Array(40) }
}

t.test('G.1 over transceive: performPace sends the worked-example APDUs and ends with its session', async (t) => {
  const info = supportedPaceInfo(parseCardAccess(fromHex(field(input, 'card_access'))))
  if (info === undefined) return t.fail('no PACEInfo')
  const sent: string[] = []
  const chip = scriptedChip(sent)
  const session = await performPace(chip.transceive, info, password, chip.randomBytes)
  t.same(sent, [expected['mse_set_at_apdu'], ...(expected['general_authenticate_apdus'] as string[])])
  t.equal(toHex(session.ksEnc), expected['ks_enc'])
  t.equal(toHex(session.ssc), '00'.repeat(16), 'AES SSC starts at zero')
  t.equal(parseCommand(fromHex(sent[4] ?? '')).cla, 0x00, 'the last GENERAL AUTHENTICATE is not chained')
})

t.test('G.1 with a wrong password: the chip token fails and PACE is access_denied', async (t) => {
  const info = supportedPaceInfo(parseCardAccess(fromHex(field(input, 'card_access'))))
  if (info === undefined) return t.fail('no PACEInfo')
  const chip = scriptedChip([])
  const wrong: PacePassword = { kind: 'can', can: '123456' }
  const error = await performPace(chip.transceive, info, wrong, chip.randomBytes).catch((caught: unknown) => caught)
  t.equal(refusalReason(error), 'access_denied')
})
