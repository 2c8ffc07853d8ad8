import t from 'tap'
import { decodeChipApdu } from '../../../drivers/emrtd/apdu-decoder.js'
import { describeStatusWord } from '../../../drivers/emrtd/status-words.js'
import { emrtdVector, field } from '../../support/emrtd-vectors.js'

t.test('plain commands of the BAC worked example', async (t) => {
  t.match(decodeChipApdu('> 0084000008'), { instruction: 'GET CHALLENGE', le: 8, secureMessaging: false })
  t.match(decodeChipApdu('00A4040C07A0000002471001'), { instruction: 'SELECT', application: 'eMRTD LDS1' })
  t.match(decodeChipApdu('> 00 A4 02 0C 02 01 1C'), { instruction: 'SELECT', file: '011C EF.CardAccess' })
  t.match(decodeChipApdu('> 00B09E0004'), { instruction: 'READ BINARY', file: 'SFI 1E', offset: 0, le: 4 })
  t.match(decodeChipApdu('> 0022C1A40F800A04007F00070202040202830102'), { pace: 'set up PACE with the CAN' })
  t.match(decodeChipApdu('> 10860000027C0000'), { instruction: 'GENERAL AUTHENTICATE', chained: true, pace: 'ask for the encrypted nonce' })
})

t.test('protected command and response of Appendix D.4', async (t) => {
  const { expected, input } = emrtdVector('sm_read_binary_d4')
  t.match(decodeChipApdu(`> ${field(expected, 'protected_apdu')}`), {
    instruction: 'READ BINARY',
    secureMessaging: true,
    objects: ['DO97 Le 4', 'DO8E MAC (8 bytes)'],
  })
  t.match(decodeChipApdu(`< ${field(input, 'response_apdu')}`), {
    sw: '9000',
    objects: ['DO87 encrypted data (9 bytes)', 'DO99 status 9000', 'DO8E MAC (8 bytes)'],
  })
})

t.test('status words a technician meets', async (t) => {
  t.match(decodeChipApdu('< 6300'), { status: 'authentication_failed' })
  t.match(decodeChipApdu('< 6988'), { status: 'sm_objects_incorrect' })
  t.match(decodeChipApdu('< 6A82'), { status: 'file_not_found' })
  t.match(decodeChipApdu('< 6D00'), { status: 'ins_not_supported' })
  t.match(describeStatusWord(0x6c10), { name: 'wrong_le', meaning: /exactly 16 bytes/ })
  t.match(describeStatusWord(0x63c2), { name: 'retries_left', meaning: /2 tries left/ })
  t.match(describeStatusWord(0x6123), { name: 'more_data' })
  t.match(describeStatusWord(0x1234), { name: 'unknown' })
})

t.test('text that is not hex is E_CODEC_INVALID', async (t) => {
  t.throws(() => decodeChipApdu('> zz'), { code: 'E_CODEC_INVALID' })
  t.throws(() => decodeChipApdu('< 90'), { code: 'E_CODEC_INVALID' })
})
