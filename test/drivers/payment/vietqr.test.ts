import t from 'tap'
import { crc16CcittFalse, formatCrc16 } from '../../../drivers/payment/crc16-ccitt.js'
import { buildVietQr, encodePurposeTlv, parseVietQr } from '../../../drivers/payment/vietqr.js'

const DYNAMIC =
  '00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA53037045405500005802VN62260822THANH TOAN HOA DON 123630467F6'
const ACCOUNT_INFO = '38570010A00000072701270006970436011300110012345670208QRIBFTTA'

function codecError(message: RegExp): { code: string; message: RegExp } {
  return { code: 'E_CODEC_INVALID', message }
}

/** Appends 6304 and a correct CRC, so that only the structure under test is wrong. */
function withCrc(body: string): string {
  return `${body}6304${formatCrc16(crc16CcittFalse(new TextEncoder().encode(`${body}6304`)))}`
}

t.test('builds the dynamic account transfer of docs/protocols.md 8.2', async (t) => {
  t.equal(buildVietQr({ bin: '970436', account: '0011001234567', amount: 50000, purpose: 'THANH TOAN HOA DON 123' }), DYNAMIC)
  t.equal(buildVietQr({ bin: '970436', account: '0011001234567', amount: '50000', purpose: 'THANH TOAN HOA DON 123' }), DYNAMIC)
})

t.test('builds a static QR without amount and chooses the card service for a card', async (t) => {
  t.equal(
    buildVietQr({ bin: '970415', card: '9704150000000018' }),
    '00020101021138600010A00000072701300006970415011697041500000000180208QRIBFTTC53037045802VN6304DE6F',
  )
})

t.test('round-trips bill number, purpose and a service override through the parser', async (t) => {
  const payload = buildVietQr({ bin: '970403', account: 'ABC123', amount: 1, purpose: '  Học phí   tháng 9 ', billNumber: 'HD-2025/09', service: 'QRIBFTTC' })
  t.match(parseVietQr(payload), {
    pointOfInitiation: 'dynamic',
    bin: '970403',
    account: 'ABC123',
    service: 'QRIBFTTC',
    amount: '1',
    purpose: 'Hoc phi thang 9',
    billNumber: 'HD-2025/09',
  })
})

t.test('folds the purpose to ASCII and cuts it to 25 characters', async (t) => {
  t.strictSame(encodePurposeTlv('Ủng hộ lũ lụt'), { purpose_sent: 'Ung ho lu lut', tlv: '0813Ung ho lu lut' })
  t.strictSame(encodePurposeTlv('Thanh toán tiền điện tháng 09 năm 2025'), {
    purpose_sent: 'Thanh toan tien dien than',
    tlv: '0825Thanh toan tien dien than',
  })
  t.strictSame(encodePurposeTlv('   '), { purpose_sent: '', tlv: '' })
  t.notMatch(buildVietQr({ bin: '970436', account: '1', purpose: ' ' }), /5802VN62/, 'an empty purpose leaves tag 62 out')
})

t.test('refuses requests the format cannot carry', async (t) => {
  t.throws(() => buildVietQr({ bin: '97043', account: '1' }), codecError(/BIN must be 6 digits/))
  t.throws(() => buildVietQr({ bin: '970436' }), codecError(/exactly one of account and card/))
  t.throws(() => buildVietQr({ bin: '970436', account: '1', card: '2' }), codecError(/exactly one of account and card/))
  t.throws(() => buildVietQr({ bin: '970436', account: '12345678901234567890' }), codecError(/account/))
  t.throws(() => buildVietQr({ bin: '970436', card: '9704-15' }), codecError(/card/))
  t.throws(() => buildVietQr({ bin: '970436', account: '1', service: 'qribftta' }), codecError(/service code/))
  t.throws(() => buildVietQr({ bin: '970436', account: '1', billNumber: 'Hóa đơn' }), codecError(/bill number/))
  for (const amount of [0, -5, 1.5, '50.000', '50,000', '000', '12345678901234']) {
    t.throws(() => buildVietQr({ bin: '970436', account: '1', amount }), codecError(/amount/), String(amount))
  }
})

t.test('parses the dynamic example and accepts a lower-case CRC and a trailing CRLF', async (t) => {
  const expected = {
    pointOfInitiation: 'dynamic',
    bin: '970436',
    service: 'QRIBFTTA',
    amount: '50000',
    purpose: 'THANH TOAN HOA DON 123',
    crc: '67F6',
    account: '0011001234567',
  }
  t.strictSame(parseVietQr(DYNAMIC), expected)
  t.strictSame(parseVietQr(`${DYNAMIC.slice(0, -4)}67f6\r\n`), expected)
})

t.test('reports the computed CRC on a mismatch', async (t) => {
  t.throws(() => parseVietQr(`${DYNAMIC.slice(0, -4)}67F7`), codecError(/^CRC mismatch: computed 67F6$/))
  t.throws(() => parseVietQr(DYNAMIC.slice(0, -8)), codecError(/must end with the CRC object/))
})

t.test('rejects a non-numeric length field even under a valid CRC', async (t) => {
  t.throws(() => parseVietQr(withCrc('000201010212385A0010A000000727')), codecError(/invalid length of 38 at offset 14/))
  t.throws(() => parseVietQr(withCrc('00020101001238570010')), codecError(/invalid length of 01 at offset 8/), 'length 00')
})

t.test('rejects truncated data objects even under a valid CRC', async (t) => {
  t.throws(() => parseVietQr(withCrc('00020101021238990010A000000727')), codecError(/truncated value of 38/))
  t.throws(
    () => parseVietQr(withCrc(`000201010212${ACCOUNT_INFO}53037045802VN62060801X9`)),
    codecError(/truncated data object header at offset 5 in template 62/),
  )
})

t.test('rejects repeated and malformed ids', async (t) => {
  t.throws(() => parseVietQr(withCrc(`000201010212${ACCOUNT_INFO}530370453037045802VN`)), codecError(/repeated data object 53/))
  t.throws(() => parseVietQr(withCrc(`000201010212${ACCOUNT_INFO}53037045802VNX10100`)), codecError(/invalid data object id/))
})

t.test('applies the semantic rules of docs/protocols.md 8.3', async (t) => {
  const cases: Array<[string, RegExp]> = [
    [`000200010212${ACCOUNT_INFO}53037045802VN`, /payload format indicator/],
    [`010212000201${ACCOUNT_INFO}53037045802VN`, /payload format indicator/],
    [`000201010222${ACCOUNT_INFO}53037045802VN`, /point of initiation/],
    [`0002010108toString${ACCOUNT_INFO}53037045802VN`, /point of initiation/],
    ['00020101021253037045802VN', /missing NAPAS merchant account information/],
    [`000201010212${ACCOUNT_INFO.replace('A000000727', 'A000000728')}53037045802VN`, /NAPAS GUID/],
    [`000201010212${ACCOUNT_INFO.replace('0006970436', '00069704X6')}53037045802VN`, /BIN/],
    [`00020101021238400010A000000727011000069704360208QRIBFTTA53037045802VN`, /missing account or merchant ID/],
    [`000201010212${ACCOUNT_INFO}53038405802VN`, /currency must be 704 \(VND\)/],
    [`000201010212${ACCOUNT_INFO}5303704540650.0005802VN`, /amount \(54\) must be digits only/],
    [`000201010212${ACCOUNT_INFO}53037045802US`, /country code \(58\) must be VN/],
    [`000201010212${ACCOUNT_INFO}520358153037045802VN`, /merchant category code/],
  ]
  for (const [body, message] of cases) t.throws(() => parseVietQr(withCrc(body)), codecError(message), String(message))
})

t.test('requires the CRC object to be the last data object', async (t) => {
  // Template 62 is long enough to swallow "6304" and the CRC: the text ends right, the structure does not.
  const payload = withCrc(`000201010212${ACCOUNT_INFO}53037045802VN62140810AB`)
  t.match(payload, /62140810AB6304[0-9A-F]{4}$/)
  t.throws(() => parseVietQr(payload), codecError(/CRC object \(63\) must be last/))
})

t.test('rejects payloads longer than 512 characters', async (t) => {
  t.throws(() => parseVietQr(withCrc(`000201010212${'0'.repeat(520)}`)), codecError(/longer than 512/))
})

t.test('reads the merchant (QR push) form with MCC, name and city', async (t) => {
  t.strictSame(
    parseVietQr('00020101021138480010A00000072701300006970403011621129950446040255204581253037045802VN5910PHUONG CAC6005HANOI62110307NPS686963045802'),
    {
      pointOfInitiation: 'static',
      bin: '970403',
      service: null,
      amount: null,
      purpose: null,
      crc: '5802',
      merchantId: '2112995044604025',
      mcc: '5812',
      merchantName: 'PHUONG CAC',
      merchantCity: 'HANOI',
    },
  )
})
