import t from 'tap'
import { bacKeySeed, mrzInformation } from '../../../drivers/emrtd/access-keys.js'
import { encodeCommand, parseCommand, parseResponse } from '../../../drivers/emrtd/apdu.js'
import { bacKeys, bacKeysFromSeed, externalAuthenticateCommand, finishBac, GET_CHALLENGE, performBac } from '../../../drivers/emrtd/bac.js'
import { fromHex, toHex } from '../../../drivers/emrtd/bytes.js'
import { refusalReason } from '../../../drivers/emrtd/chip-errors.js'
import { sha1 } from '../../../drivers/emrtd/kdf.js'
import { unwrapResponse, wrapCommand, type SmSession } from '../../../drivers/emrtd/secure-messaging.js'
import { mrzCheckDigit } from '../../../drivers/identity/mrz.js'
import { emrtdVector, emrtdVectors, field } from '../../support/emrtd-vectors.js'

t.test('every vector names its source', async (t) => {
  for (const vector of emrtdVectors()) t.match(vector.source, /ICAO Doc 9303 Part 11/, vector.name)
})

t.test('D.1: MRZ_information and check digits', async (t) => {
  const { input, expected } = emrtdVector('bac_mrz_information_d1')
  const key = { documentNumber: field(input, 'document_number'), birth: field(input, 'birth'), expiry: field(input, 'expiry') }
  t.equal(mrzCheckDigit(key.documentNumber), expected['document_number_check_digit'])
  t.equal(mrzCheckDigit(key.birth), expected['birth_check_digit'])
  t.equal(mrzCheckDigit(key.expiry), expected['expiry_check_digit'])
  t.equal(mrzInformation(key), expected['mrz_information'])
  t.equal(mrzInformation({ ...key, documentNumber: 'L898902C' }), expected['mrz_information'], 'a short number is padded with <')
})

t.test('D.1/D.2: K_seed, K_enc and K_mac with parity', async (t) => {
  const { input, expected } = emrtdVector('bac_keys_d1')
  const information = new TextEncoder().encode(field(input, 'mrz_information'))
  t.equal(toHex(sha1(information)), expected['sha1'])
  const seed = bacKeySeed({ documentNumber: 'L898902C<', birth: '690806', expiry: '940623' })
  t.equal(toHex(seed), expected['k_seed'])
  const keys = bacKeysFromSeed(seed)
  t.equal(toHex(keys.kEnc), expected['k_enc'])
  t.equal(toHex(keys.kMac), expected['k_mac'])
})

function d3Inputs(input: Readonly<Record<string, unknown>>) {
  return {
    keys: { kEnc: fromHex(field(input, 'k_enc')), kMac: fromHex(field(input, 'k_mac')) },
    rndIc: fromHex(field(input, 'rnd_ic')),
    rndIfd: fromHex(field(input, 'rnd_ifd')),
    kIfd: fromHex(field(input, 'k_ifd')),
  }
}

t.test('D.3: GET CHALLENGE and EXTERNAL AUTHENTICATE', async (t) => {
  const { input, expected } = emrtdVector('bac_external_authenticate_d3')
  const { keys, rndIc, rndIfd, kIfd } = d3Inputs(input)
  t.equal(toHex(encodeCommand(GET_CHALLENGE)), expected['get_challenge_apdu'])
  const command = externalAuthenticateCommand(keys, rndIc, rndIfd, kIfd)
  t.equal(toHex(command.data?.subarray(0, 32) ?? new Uint8Array()), expected['e_ifd'])
  t.equal(toHex(command.data?.subarray(32) ?? new Uint8Array()), expected['m_ifd'])
  t.equal(toHex(encodeCommand(command)), expected['external_authenticate_apdu'])
})

t.test('D.3: the chip answer gives the session keys and SSC', async (t) => {
  const { input, expected } = emrtdVector('bac_session_d3')
  const { keys, rndIc, rndIfd, kIfd } = d3Inputs(input)
  const response = parseResponse(fromHex(field(input, 'response_apdu')))
  const session = finishBac(keys, response.data, rndIc, rndIfd, kIfd)
  t.equal(toHex(session.ksEnc), expected['ks_enc'])
  t.equal(toHex(session.ksMac), expected['ks_mac'])
  t.equal(toHex(session.ssc), expected['ssc'])
  const tampered = response.data.slice()
  tampered[3] = (tampered[3] ?? 0) ^ 1
  t.throws(() => finishBac(keys, tampered, rndIc, rndIfd, kIfd), 'a flipped bit fails the MAC')
  t.throws(() => finishBac(keys, response.data, rndIc, kIfd.subarray(0, 8), kIfd), 'a wrong RND.IFD echo is refused')
})

t.test('D.3 over transceive: performBac sends the worked-example APDUs', async (t) => {
  const { input, expected } = emrtdVector('bac_session_d3')
  const sent: string[] = []
  const answers = ['4608F919887022129000', field(input, 'response_apdu')]
  const transceive = async (apdu: Uint8Array) => {
    sent.push(toHex(apdu))
    return fromHex(answers.shift() ?? '6F00')
  }
  const random = [fromHex(field(input, 'rnd_ifd')), fromHex(field(input, 'k_ifd'))]
  const session = await performBac(transceive, { documentNumber: 'L898902C<', birth: '690806', expiry: '940623' }, () => random.shift() ?? new Uint8Array())
  t.equal(sent[1], emrtdVector('bac_external_authenticate_d3').expected['external_authenticate_apdu'])
  t.equal(toHex(session.ssc), expected['ssc'])
})

t.test('BAC with a wrong MRZ key is refused as access_denied', async (t) => {
  const transceive = async (apdu: Uint8Array) => fromHex(apdu[1] === 0x84 ? '4608F919887022129000' : '6300')
  const error = await performBac(transceive, bacKeysArgs(), () => new Uint8Array(16)).catch((caught: unknown) => caught)
  t.equal(refusalReason(error), 'access_denied')
})

t.test('a different expiry gives different BAC keys', async (t) => {
  t.not(toHex(bacKeys(bacKeysArgs()).kEnc), emrtdVector('bac_keys_d1').expected['k_enc'])
})

function bacKeysArgs() {
  return { documentNumber: 'L898902C<', birth: '690806', expiry: '940624' }
}

for (const name of ['sm_select_ef_com_d4', 'sm_read_binary_d4']) {
  t.test(`D.4: ${name}`, async (t) => {
    const { input, expected } = emrtdVector(name)
    const session: SmSession = {
      cipher: '3des',
      ksEnc: fromHex(field(input, 'ks_enc')),
      ksMac: fromHex(field(input, 'ks_mac')),
      ssc: fromHex(field(input, 'ssc')),
    }
    const apdu = fromHex(field(input, 'apdu'))
    const wrapped = wrapCommand(session, parseCommand(apdu))
    t.equal(toHex(wrapped.apdu), expected['protected_apdu'])
    const opened = unwrapResponse(session, wrapped.ssc, fromHex(field(input, 'response_apdu')))
    t.equal(toHex(opened.data), expected['data'])
    t.equal(opened.sw.toString(16).toUpperCase(), expected['sw'])
    t.ok(opened.authenticated)
    t.equal(toHex(opened.ssc), expected['ssc_after'])
    const forged = fromHex(field(input, 'response_apdu'))
    forged[forged.length - 3] = (forged[forged.length - 3] ?? 0) ^ 1
    t.equal(refusalReason(tryUnwrap(() => unwrapResponse(session, wrapped.ssc, forged))), 'sm_broken', 'a forged MAC is refused')
  })
}

function tryUnwrap(run: () => unknown): unknown {
  try {
    return run()
  } catch (error) {
    return error
  }
}
