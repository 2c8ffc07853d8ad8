import t from 'tap'
import { formatHexBytes, parseHexBytes } from '../../../drivers/nfc/hex-bytes.js'
import {
  commandName,
  decodePn532ForCli,
  getFirmwareVersion,
  inListPassiveTarget,
  inRelease,
  isRandomUid,
  parseFirmwareVersion,
  parseInListPassiveTarget,
  rfConfigurationMaxRetries,
  SAM_MODE,
  samConfiguration,
  type Pn532Command,
} from '../../../drivers/nfc/pn532-commands.js'
import { encodeCommand, encodeFrame } from '../../../drivers/nfc/pn532-frame.js'
import { vectorsFor } from '../../support/vectors.js'

const hex = parseHexBytes
const frameOf = (command: Pn532Command): string => formatHexBytes(encodeCommand(command.code, command.params))

t.test('builders give the frames of docs/protocols.md 2.3 and the vectors', async (t) => {
  t.equal(frameOf(getFirmwareVersion()), '00 00 FF 02 FE D4 02 2A 00')
  t.equal(frameOf(samConfiguration(SAM_MODE.normal, 0x14, true)), '00 00 FF 05 FB D4 14 01 14 01 02 00')
  t.equal(frameOf(samConfiguration(SAM_MODE.normal)), '00 00 FF 05 FB D4 14 01 14 01 02 00', 'defaults as Adafruit')
  t.equal(frameOf(samConfiguration(SAM_MODE.virtualCard, 0x00, false)), '00 00 FF 05 FB D4 14 02 00 00 16 00')
  t.equal(frameOf(rfConfigurationMaxRetries(0xff, 0x01, 0x02)), '00 00 FF 06 FA D4 32 05 FF 01 02 F3 00')
  t.equal(frameOf(inListPassiveTarget(1, 0x00)), '00 00 FF 04 FC D4 4A 01 00 E1 00')
  t.equal(frameOf(inRelease(0)), '00 00 FF 03 FD D4 52 00 DA 00')
})

t.test('builders refuse parameters out of range with a TypeError naming them', async (t) => {
  t.throws(() => samConfiguration(0), { name: 'TypeError', message: /mode/ })
  t.throws(() => samConfiguration(5), TypeError)
  t.throws(() => samConfiguration(1, 256), { message: /timeout50Ms/ })
  t.throws(() => rfConfigurationMaxRetries(0xff, 0x01, 0x100), { message: /mxRtyPassiveActivation/ })
  t.throws(() => rfConfigurationMaxRetries(-1, 0, 0), { message: /mxRtyAtr/ })
  t.throws(() => rfConfigurationMaxRetries(0, 1.5, 0), { message: /mxRtyPsl/ })
  t.throws(() => inListPassiveTarget(3, 0), { message: /maxTg/ })
  t.throws(() => inListPassiveTarget(1, 5), { message: /brTy/ })
  t.throws(() => inRelease(300), { message: /tg/ })
})

t.test('names commands as the manual does', async (t) => {
  t.equal(commandName(0x4a), 'InListPassiveTarget')
  t.equal(commandName(0x14), 'SAMConfiguration')
  t.equal(commandName(0x7e), '0x7E')
})

t.test('parses the firmware version of a PN532 and of other ICs', async (t) => {
  t.strictSame(parseFirmwareVersion(hex('03 32 01 06 07')), {
    ic: '0x32 (PN532)',
    ver: 1,
    rev: 6,
    support: '0x07 (ISO14443A|ISO14443B|ISO18092)',
  })
  t.strictSame(parseFirmwareVersion(hex('03 33 02 07 05')), {
    ic: '0x33 (PN533)',
    ver: 2,
    rev: 7,
    support: '0x05 (ISO14443A|ISO18092)',
  })
  t.match(parseFirmwareVersion(hex('03 99 01 00 00')), { ic: '0x99 (unknown)', support: '0x00 (none)' })
  t.throws(() => parseFirmwareVersion(hex('03 32 01 06')), { code: 'E_CODEC_INVALID', message: /5 bytes/ })
  t.throws(() => parseFirmwareVersion(hex('15')), { code: 'E_CODEC_INVALID', context: { byte: 0x15 } })
  t.throws(() => parseFirmwareVersion(new Uint8Array(0)), { code: 'E_CODEC_INVALID' })
})

t.test('parses an NTAG with a 7-byte UID and an ISO 14443-4 card with its ATS', async (t) => {
  t.strictSame(parseInListPassiveTarget(hex('4B 01 01 00 44 00 07 04 A2 24 E2 C8 5A 80')), {
    nbTg: 1,
    tg: 1,
    atqa: '0x0044',
    sak: '0x00',
    uid: '04 A2 24 E2 C8 5A 80',
    ats: null,
  })
  t.strictSame(parseInListPassiveTarget(hex('4B 01 01 00 04 20 04 08 12 34 56 05 78 80 70 02')), {
    nbTg: 1,
    tg: 1,
    atqa: '0x0004',
    sak: '0x20',
    uid: '08 12 34 56',
    ats: '05 78 80 70 02',
  })
})

t.test('with two targets returns the first and checks both', async (t) => {
  const data = hex('4B 02 01 00 04 08 04 DE AD BE EF 02 00 44 00 07 04 01 02 03 04 05 06')
  t.match(parseInListPassiveTarget(data), { nbTg: 2, tg: 1, uid: 'DE AD BE EF' })
  t.throws(() => parseInListPassiveTarget(data.subarray(0, data.length - 1)), { message: /truncated/ })
})

t.test('refuses InListPassiveTarget responses that do not add up', async (t) => {
  const bad = (text: string, message: RegExp) =>
    t.throws(() => parseInListPassiveTarget(hex(text)), { code: 'E_CODEC_INVALID', message }, text)
  bad('4B 03', /NbTg/)
  bad('4B', /NbTg/)
  bad('03 00', /response code/)
  bad('4B 01 01 00 04 08 05 DE AD BE EF 00', /NFCID1 length/)
  bad('4B 01 01 00 04 08 04 DE AD BE', /truncated/)
  bad('4B 01 01 00 04', /truncated/)
  bad('4B 01 01 00 04 08 04 DE AD BE EF 99', /after its targets/)
  bad('4B 00 01', /after its targets/)
  bad('4B 01 01 00 04 20 04 08 12 34 56', /ATS missing/)
  bad('4B 01 01 00 04 20 04 08 12 34 56 05 78 80', /ATS missing/)
  bad('4B 01 01 00 04 20 04 08 12 34 56 00', /ATS missing/)
})

t.test('a 4-byte UID starting 0x08 is random; other UIDs are not', async (t) => {
  t.equal(isRandomUid('08 12 34 56'), true)
  t.equal(isRandomUid('08123456'), true)
  t.equal(isRandomUid(hex('08 12 34 56')), true)
  t.equal(isRandomUid('DE AD BE EF'), false)
  t.equal(isRandomUid('08 12 34 56 78 9A BC'), false, '7-byte UIDs start with the manufacturer')
  t.equal(isRandomUid('04 08 12 34'), false)
})

t.test('the CLI decoder returns the vector shape for every valid pn532 vector frame', async (t) => {
  for (const vector of vectorsFor('pn532')) {
    if (!vector.valid) {
      t.throws(() => decodePn532ForCli(String(vector.input['frame'])), { message: String(vector.expected['error']) })
    } else if (typeof vector.input['frame'] === 'string') {
      t.strictSame(decodePn532ForCli(vector.input['frame']), vector.expected, vector.name)
    } else if (typeof vector.input['i2c_read'] === 'string') {
      const text = vector.input['i2c_read']
      t.strictSame(decodePn532ForCli(text.startsWith('00') ? `i2c ${text}` : text), vector.expected, vector.name)
    }
  }
})

t.test('the CLI decoder explains commands, the HSU wake-up and other responses', async (t) => {
  t.strictSame(decodePn532ForCli('00 00 FF 04 FC D4 4A 01 00 E1 00'), {
    tfi: 'D4',
    cmd: '4A',
    command: 'InListPassiveTarget',
    params: '01 00',
  })
  t.strictSame(
    decodePn532ForCli('55 55 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 FF 03 FD D4 14 01 17 00'),
    { wakeup: true, tfi: 'D4', cmd: '14', command: 'SAMConfiguration', params: '01' },
  )
  t.strictSame(decodePn532ForCli('0000FF02FED5151600'), { tfi: 'D5', code: '15', response: 'SAMConfiguration', data: '' })
  t.strictSame(decodePn532ForCli('00 00 FF 03 FD D5 53 00 D8 00'), { tfi: 'D5', code: '53', response: 'InRelease', data: '00' })
  t.strictSame(decodePn532ForCli(formatHexBytes(encodeFrame(0xd5, hex('44 01')))), {
    tfi: 'D5',
    code: '44',
    response: 'unknown',
    data: '01',
  })
  t.strictSame(decodePn532ForCli('01 00 00 FF 03 FD D5 4B 00 E0 00 00 00'), { ready: true, frame: { nbTg: 0 } })
  t.strictSame(decodePn532ForCli('I2C 01 00 00 FF FF 00 00'), { ready: true, frame: 'NACK' })
  t.strictSame(decodePn532ForCli('0x00 0x00 0xFF 0x00 0xFF 0x00'), { type: 'ACK' })
})

t.test('the CLI decoder throws on input that is not a frame', async (t) => {
  t.throws(() => decodePn532ForCli(''), { code: 'E_CODEC_INVALID' })
  t.throws(() => decodePn532ForCli('00 00 FG'), { code: 'E_CODEC_INVALID', message: /hex digit/ })
  t.throws(() => decodePn532ForCli('00 00 F'), { code: 'E_CODEC_INVALID', message: /odd/ })
  t.throws(() => decodePn532ForCli('00 00 FF 02 FE D5 15 17 00'), { message: 'DCS mismatch' })
  t.throws(() => decodePn532ForCli(formatHexBytes(encodeFrame(0xd5, hex('03 32 01')))), { message: /5 bytes/ })
  t.throws(() => decodePn532ForCli('02 00 00 FF 00 FF 00'), { message: /start code/ })
})
