import t from 'tap'
import { identityFromCard, type CardResult } from '../../../runtime/kiosk/identity-from-card.js'

// A synthetic resident (fictitious; every CCCD check passes), and the same person's MRZ (docs/protocols.md 6.2).
const ID_NUMBER = '079203000001'
const QR = `${ID_NUMBER}|025000001|Nguyễn Văn An|15082003|Nam|12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh|20042021`
const MRZ = ['IDVNM2030000018079203000001<<8', '0308153M2808152VNM<<<<<<<<<<<6', 'NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<'].join('\r\n')
const TODAY = new Date(Date.UTC(2026, 0, 1, 5))

/** What a refusal may carry: no run of six or more digits (an ID number, a birth date). */
const DIGIT_RUN = /\d{6,}/

function refused(result: CardResult): { reason: string; code: string } {
  if (result.ok) throw new Error('expected the card to be refused')
  return result
}

t.test('a valid CCCD QR gives the full identity from the card', async (t) => {
  const result = identityFromCard({ kind: 'cccd', text: QR }, TODAY)
  t.same(result, {
    ok: true,
    identity: {
      source: 'cccd_qr',
      personalId: ID_NUMBER,
      name: 'Nguyễn Văn An',
      birthDate: '2003-08-15',
      sex: 'male',
      address: '12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh',
    },
  })
})

t.test('a valid Vietnamese MRZ gives the personal number, the folded name, the birth date and the sex', async (t) => {
  const result = identityFromCard({ kind: 'mrz', text: MRZ }, TODAY)
  t.same(result, { ok: true, identity: { source: 'mrz', personalId: ID_NUMBER, name: 'NGUYEN VAN AN', birthDate: '2003-08-15', sex: 'male', expiryDate: '2028-08-15' } })
})

t.test('an MRZ of another state (no Vietnamese personal number) is refused as not a citizen card', async (t) => {
  const specimen = ['I<UTOD231458907<<<<<<<<<<<<<<<', '7408122F1204159UTO<<<<<<<<<<<6', 'ERIKSSON<<ANNA<MARIA<<<<<<<<<<'].join('\n')
  const result = identityFromCard({ kind: 'mrz', text: specimen }, TODAY)
  t.has(refused(result), { reason: 'not a Vietnamese citizen identity card', code: 'E_CARD_INVALID' })
})

t.test('an NFC card gives its UID and no personal id', async (t) => {
  const result = identityFromCard({ kind: 'nfc', text: '04A224E2C85A80' }, TODAY)
  t.same(result, { ok: true, identity: { source: 'nfc', personalId: null, cardUid: '04A224E2C85A80' } })
})

t.test('a Wiegand card gives its card number as hex and no personal id', async (t) => {
  const result = identityFromCard({ kind: 'wiegand', text: '7B3039' }, TODAY)
  t.same(result, { ok: true, identity: { source: 'wiegand', personalId: null, cardUid: '7B3039' } })
})

t.test('an unknown read is refused as not an identity document', async (t) => {
  const result = refused(identityFromCard({ kind: 'unknown', text: '123456789012' }, TODAY))
  t.equal(result.code, 'E_CARD_INVALID')
  t.equal(result.reason, 'not an identity document')
})

t.test('a QR whose birth year disagrees with the ID digits is refused with the failed check', async (t) => {
  const bad = `${ID_NUMBER}|025000001|Nguyễn Văn An|15082004|Nam|12 Lê Lợi, Quận 1|20042021`
  const result = refused(identityFromCard({ kind: 'cccd', text: bad }, TODAY))
  t.equal(result.code, 'E_CARD_INVALID')
  t.match(result.reason, /birth year mismatch/)
  t.notMatch(result.reason, DIGIT_RUN)
})

t.test('a broken MRZ is refused with the codec error code', async (t) => {
  const result = refused(identityFromCard({ kind: 'mrz', text: MRZ.replace('<<8', '<<7') }, TODAY))
  t.equal(result.code, 'E_CARD_INVALID')
  t.match(result.reason, /check digit/)
  const short = refused(identityFromCard({ kind: 'mrz', text: 'IDVNM2030000018079203000001<<8' }, TODAY))
  t.match(short.reason, /3 lines/)
})

t.test('refusal reasons never carry a digit run of six or more, even when the codec quotes the input', async (t) => {
  const cards = [
    // The QR codec quotes a malformed date; a run of 8 digits must not get through.
    `${ID_NUMBER}|025000001|Nguyễn Văn An|31022003|Nam|12 Lê Lợi|20042021`,
    `${ID_NUMBER}|025000001|Nguyễn Văn An|15082003|Nam|12 Lê Lợi|31132021`,
    `${ID_NUMBER}|025000001|Nguyễn Văn An|150820031|Nam|12 Lê Lợi|20042021`,
    '12345678901|025000001|Nguyễn Văn An|15082003|Nam|12 Lê Lợi|20042021',
    `${ID_NUMBER}|25000001|Nguyễn Văn An|15082003|Nam|12 Lê Lợi|20042021`,
    `${ID_NUMBER}|025000001|Nguyễn Văn An|15082003|Nữ|12 Lê Lợi|20042021`,
    ID_NUMBER,
  ]
  for (const text of cards) {
    const result = refused(identityFromCard({ kind: 'cccd', text }, TODAY))
    t.notMatch(result.reason, DIGIT_RUN, result.reason)
    t.ok(result.reason.length <= 120, 'reasons are short')
  }
  const mrzCards = [MRZ.replace('0308153', '0308143'), MRZ.replace('NGUYEN', 'nguyen'), `${MRZ}\nEXTRA<<LINE`]
  for (const text of mrzCards) {
    const result = refused(identityFromCard({ kind: 'mrz', text }, TODAY))
    t.notMatch(result.reason, DIGIT_RUN, result.reason)
  }
})

t.test('a birth date written with separators in the date field is not quoted back', async (t) => {
  const result = refused(identityFromCard({ kind: 'cccd', text: `${ID_NUMBER}|025000001|Nguyễn Văn An|15/08/2003|Nam|12 Lê Lợi|20042021` }, TODAY))
  t.notMatch(result.reason, /15\D?08\D?2003/)
  t.match(result.reason, /invalid date/)
})

t.test('a name pushed into the date field by a stray separator is not quoted back', async (t) => {
  const result = refused(identityFromCard({ kind: 'cccd', text: `${ID_NUMBER}|025000001|Nguyễn|Văn An|15082003|Nam|12 Lê Lợi|20042021` }, TODAY))
  t.notMatch(result.reason, /Văn|An\b/)
  t.notMatch(result.reason, DIGIT_RUN)
})
