/**
 * One identity model and one set of checks, whatever the source (docs/identity.md): the same person, or
 * the same fault, given to the QR path and to the MRZ path is accepted or refused alike, for the same
 * reason. Synthetic people only.
 */
import t from 'tap'
import { parseCccdQr } from '../../../drivers/identity/cccd.js'
import { checkCitizen, citizenFromTd1 } from '../../../drivers/identity/citizen-identity.js'
import { parseTd1, splitMrzText } from '../../../drivers/identity/mrz.js'
import { cccdMrz, type Td1Holder } from '../../support/td1.js'

const TODAY = new Date(2026, 0, 1)

interface Person {
  id: string
  name: string
  /** ddmmyyyy, as the QR writes it */
  dob: string
  sex: 'Nam' | 'Nữ'
  expiry: string
}

const AN: Person = { id: '079203000001', name: 'Nguyễn Văn An', dob: '15082003', sex: 'Nam', expiry: '280815' }

function qrOf(p: Person): string {
  return `${p.id}|025000001|${p.name}|${p.dob}|${p.sex}|12 Lê Lợi, Quận 1, TP. Hồ Chí Minh|20042021`
}

function mrzOf(p: Person, over: Partial<Td1Holder> = {}): string {
  const [surname = '', ...given] = p.name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toUpperCase()
    .split(' ')
  return cccdMrz({
    personalId: p.id,
    birth: p.dob.slice(6, 8) + p.dob.slice(2, 4) + p.dob.slice(0, 2),
    sex: p.sex === 'Nam' ? 'M' : 'F',
    expiry: p.expiry,
    surname,
    given: given.join(' '),
    ...over,
  })
}

/** The refusal reason of one source, or 'accepted'. */
function outcome(read: () => unknown): string {
  try {
    read()
    return 'accepted'
  } catch (error) {
    return (error as Error).message
  }
}

const viaQr = (p: Person) => outcome(() => parseCccdQr(qrOf(p), TODAY))
const viaMrz = (p: Person, over: Partial<Td1Holder> = {}) => outcome(() => citizenFromTd1(parseTd1(splitMrzText(mrzOf(p, over)), TODAY), TODAY))

t.test('the same person is the same identity from the QR and from the MRZ, birth date included', async (t) => {
  const fromQr = parseCccdQr(qrOf(AN), TODAY)
  const fromMrz = citizenFromTd1(parseTd1(splitMrzText(mrzOf(AN)), TODAY), TODAY)
  t.equal(fromMrz.personalId, fromQr.id)
  t.equal(fromMrz.birthDate, fromQr.dob, 'the MRZ keeps the birth date, with the century the number encodes')
  t.equal(fromMrz.sex, fromQr.sex)
  t.equal(fromMrz.name, 'NGUYEN VAN AN')
  t.equal(fromMrz.expiry, '2028-08-15', 'the expiry the card states')
})

t.test('a fault one source refuses, every source refuses, with the same reason', async (t) => {
  const faults: Array<[string, Person, RegExp]> = [
    ['birth year disagrees with ID digits 4-6', { ...AN, dob: '15082004' }, /birth year mismatch with ID digits 4-6/],
    ['sex disagrees with ID digit 4', { ...AN, sex: 'Nữ' }, /sex mismatch with ID digit 4/],
    ['unknown province code', { ...AN, id: '999203000001' }, /unknown province code 999/],
    ['a woman whose number says a man', { ...AN, sex: 'Nữ', name: 'Nguyễn Thị An' }, /sex mismatch with ID digit 4/],
  ]
  for (const [what, person, reason] of faults) {
    const qr = viaQr(person)
    const mrz = viaMrz(person)
    t.match(qr, reason, `${what}: the QR is refused`)
    t.equal(mrz, qr, `${what}: the MRZ is refused for the same reason`)
  }
  t.equal(viaQr(AN), 'accepted')
  t.equal(viaMrz(AN), 'accepted')
})

t.test('an expired card is refused; a card valid until today is not', async (t) => {
  t.equal(viaMrz({ ...AN, expiry: '251231' }), 'card has expired')
  t.equal(viaMrz({ ...AN, expiry: '260101' }), 'accepted', 'the expiry day itself is still valid')
  t.equal(
    outcome(() => checkCitizen({ personalId: AN.id, name: 'Nguyễn Văn An', birthDate: '2003-08-15', sex: 'male', expiry: '2025-12-31' }, TODAY)),
    'card has expired',
    'the same rule for any source that states an expiry (the chip)',
  )
})

t.test('an MRZ that is not a Vietnamese citizen card is refused with its reason', async (t) => {
  const specimen = ['I<UTOD231458907<<<<<<<<<<<<<<<', '7408122F1204159UTO<<<<<<<<<<<6', 'ERIKSSON<<ANNA<MARIA<<<<<<<<<<'].join('\n')
  t.equal(outcome(() => citizenFromTd1(parseTd1(splitMrzText(specimen), TODAY), TODAY)), 'not a Vietnamese citizen identity card')
  t.equal(viaMrz(AN, { issuer: 'UTO' }), 'not a Vietnamese citizen identity card')
})

t.test('names that no card carries are refused from either source', async (t) => {
  const bad: Array<[string, string]> = [
    ['an ESC sequence', 'Nguyễn \u001b[31mVăn An'],
    ['a NUL', 'Nguyễn\u0000 Văn An'],
    ['a BEL', 'Nguyễn Văn An\u0007'],
    ['a bidi override', 'Nguyễn \u202eVăn An'],
    ['a zero-width space', 'Nguyễn\u200b Văn An'],
    ['stacked combining marks', 'Nguyễn Va' + '\u0301'.repeat(300) + 'n An'],
    ['digits', 'Nguyễn Văn An 2'],
  ]
  for (const [what, name] of bad) {
    t.match(viaQr({ ...AN, name }), /^name /, `${what}: refused`)
  }
  t.equal(outcome(() => checkCitizen({ personalId: AN.id, name: 'NGUYEN\u0007 VAN AN', birthDate: '2003-08-15', sex: 'male' }, TODAY)), 'name holds control or invisible characters')
})

t.test('what a reader delivers is normalised: trimmed, single spaces, NFC', async (t) => {
  const decomposed = 'Nguye\u0302\u0303n  Va\u0306n An'
  const record = parseCccdQr(`   ${qrOf({ ...AN, name: decomposed })}\r\n`, TODAY)
  t.equal(record.name, 'Nguyễn Văn An')
  t.equal(record.name, record.name.normalize('NFC'))
})
