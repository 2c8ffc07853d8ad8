import t from 'tap'
import { parseCccdQr } from '../../../drivers/identity/cccd.js'
import { decodePersonalId, isPersonalId, maskPersonalId } from '../../../drivers/identity/personal-id.js'
import { StationError } from '../../../runtime/core/errors.js'

// Synthetic people only.
const HCM_MALE = '079203000001|025000001|Nguyễn Văn An|15082003|Nam|12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh|20042021'
const HANOI_FEMALE = '001185000123||Trần Thị Bình|02031985|Nữ|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|10102021'
const TODAY = new Date(2025, 5, 1)

function cardError(message: RegExp): { code: string; message: RegExp } {
  return { code: 'E_CARD_INVALID', message }
}

/** Replaces field `index` (0-based) of a QR line. */
function withField(qr: string, index: number, value: string): string {
  const fields = qr.split('|')
  fields[index] = value
  return fields.join('|')
}

t.test('decodes a woman born in the 1900s with no old ID number', async (t) => {
  t.strictSame(parseCccdQr(HANOI_FEMALE, TODAY), {
    id: '001185000123',
    oldId: null,
    name: 'Trần Thị Bình',
    dob: '1985-03-02',
    sex: 'female',
    address: 'Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội',
    issued: '2021-10-10',
    idDecoded: { province: '001', sex: 'female', century: 1900, birthYear: 1985, serial: '000123' },
  })
})

t.test('trims a trailing CRLF and surrounding whitespace added by the scanner', async (t) => {
  t.equal(parseCccdQr(` ${HCM_MALE}\r\n`, TODAY).issued, '2021-04-20')
})

t.test('accepts more than 7 fields and ignores the extras', async (t) => {
  const record = parseCccdQr(`${HCM_MALE}|extra field`, TODAY)
  t.equal(record.issued, '2021-04-20')
  t.equal(record.address, '12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh')
})

t.test('rejects a payload with fewer than 7 fields', async (t) => {
  t.throws(() => parseCccdQr(HCM_MALE.split('|').slice(0, 6).join('|'), TODAY), cardError(/at least 7 fields.*got 6/))
})

t.test('rejects malformed numbers', async (t) => {
  t.throws(() => parseCccdQr(withField(HCM_MALE, 0, '79203000001'), TODAY), cardError(/12 digits/))
  t.throws(() => parseCccdQr(withField(HCM_MALE, 1, '02500000'), TODAY), cardError(/old ID number/))
})

t.test('rejects an unknown province unless the policy allows it, then warns', async (t) => {
  const abroad = withField(HCM_MALE, 0, '003203000001')
  t.throws(() => parseCccdQr(abroad, TODAY), cardError(/unknown province code 003/))
  const record = parseCccdQr(abroad, TODAY, { allowUnknownProvince: true })
  t.strictSame(record.idDecoded.warnings, ['unknown province code 003'])
})

t.test('checks the dates are on the calendar and in order', async (t) => {
  t.throws(() => parseCccdQr(withField(HCM_MALE, 3, '31022003'), TODAY), cardError(/invalid date 31022003/))
  t.throws(() => parseCccdQr(withField(HCM_MALE, 6, '2004202'), TODAY), cardError(/invalid date/))
  t.throws(() => parseCccdQr(withField(HCM_MALE, 6, '20042002'), TODAY), cardError(/birth is after the issue date/))
  t.throws(() => parseCccdQr(HCM_MALE, new Date(2021, 3, 19)), cardError(/issue date is in the future/))
  t.equal(parseCccdQr(HCM_MALE, new Date(2021, 3, 20)).issued, '2021-04-20', 'issued today is fine')
  t.equal(parseCccdQr(withField(withField(HCM_MALE, 0, '079200000001'), 3, '29022000'), TODAY).dob, '2000-02-29')
})

t.test('checks birth year and sex against the number', async (t) => {
  t.throws(() => parseCccdQr(withField(HCM_MALE, 3, '15082004'), TODAY), cardError(/birth year mismatch with ID digits 4-6/))
  t.throws(() => parseCccdQr(withField(HCM_MALE, 4, 'Nữ'), TODAY), cardError(/sex mismatch with ID digit 4/))
  t.throws(() => parseCccdQr(withField(HCM_MALE, 4, 'M'), TODAY), cardError(/sex field must be Nam or Nữ/))
  t.throws(() => parseCccdQr(withField(HCM_MALE, 4, 'constructor'), TODAY), cardError(/sex field must be Nam or Nữ/))
  t.equal(parseCccdQr(withField(HANOI_FEMALE, 4, 'Nữ'.normalize('NFD')), TODAY).sex, 'female', 'NFD sex field')
})

t.test('rejects text damaged by a wrong scanner charset and normalises the rest to NFC', async (t) => {
  t.throws(() => parseCccdQr(withField(HCM_MALE, 2, 'Nguyá»…n VÄƒn An'), TODAY), cardError(/wrong charset/))
  t.throws(() => parseCccdQr(withField(HCM_MALE, 2, 'Nguy\ufffdn Van An'), TODAY), cardError(/not valid UTF-8/))
  t.throws(() => parseCccdQr(withField(HCM_MALE, 2, ''), TODAY), cardError(/name is empty/))
  t.equal(parseCccdQr(withField(HCM_MALE, 2, 'Nguyễn Văn An'.normalize('NFD')), TODAY).name, 'Nguyễn Văn An')
})

t.test('never puts the number or the name in the error context', async (t) => {
  const failures = [
    withField(HCM_MALE, 3, '15082004'),
    withField(HCM_MALE, 1, 'x'),
    withField(HCM_MALE, 2, 'Nguyá»…n VÄƒn An'),
    withField(HCM_MALE, 0, '003203000001'),
  ]
  for (const qr of failures) {
    try {
      parseCccdQr(qr, TODAY)
      t.fail('should throw')
    } catch (error) {
      t.type(error, StationError)
      const context = JSON.stringify((error as StationError).context)
      t.notMatch(context, /203000001|Nguy/, context)
    }
  }
})

t.test('decodes every century and sex digit of a personal number', async (t) => {
  t.strictSame(decodePersonalId('048305000003'), { province: '048', sex: 'female', century: 2000, birthYear: 2005, serial: '000003' })
  t.match(decodePersonalId('079099000001'), { sex: 'male', century: 1900, birthYear: 1999 })
  t.match(decodePersonalId('079550000001'), { sex: 'female', century: 2100, birthYear: 2150 })
  t.match(decodePersonalId('079899000001'), { sex: 'male', century: 2300, birthYear: 2399 })
  t.throws(() => decodePersonalId('04830500000'), cardError(/12 digits/))
  t.throws(() => decodePersonalId('003305000003'), cardError(/unknown province/))
})

t.test('recognises a personal number only with 12 digits and a known province', async (t) => {
  t.equal(isPersonalId('079203000001'), true)
  t.equal(isPersonalId('003203000001'), false)
  t.equal(isPersonalId('79203000001'), false)
  t.equal(isPersonalId('079203000001 '), false)
})

t.test('masks all but the first 3 and last 2 digits', async (t) => {
  t.equal(maskPersonalId('079203000001'), '079*******01')
  t.equal(maskPersonalId('025000001'), '025****01')
  t.equal(maskPersonalId('12345'), '*****')
})
