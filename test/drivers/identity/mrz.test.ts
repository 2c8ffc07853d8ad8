import t from 'tap'
import { mrzCheckDigit, parseTd1, splitMrzText } from '../../../drivers/identity/mrz.js'

// Lines below were generated and their check digits computed by an independent Python implementation.
const SPECIMEN = ['I<UTOD231458907<<<<<<<<<<<<<<<', '7408122F1204159UTO<<<<<<<<<<<6', 'ERIKSSON<<ANNA<MARIA<<<<<<<<<<']
const VNM = ['IDVNM2030000018079203000001<<8', '0308153M2808152VNM<<<<<<<<<<<6', 'NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<']
const TODAY = new Date(2025, 5, 1)

function cardError(message: RegExp): { code: string; message: RegExp } {
  return { code: 'E_CARD_INVALID', message }
}

t.test('computes ICAO check digits for the worked examples of docs/protocols.md 6.1', async (t) => {
  t.equal(mrzCheckDigit('L898902C3'), 6)
  t.equal(mrzCheckDigit('123456BB'), 5)
  t.equal(mrzCheckDigit('D23145890'), 7)
  t.equal(mrzCheckDigit('740812'), 2)
  t.equal(mrzCheckDigit('120415'), 9)
  t.equal(mrzCheckDigit('<<<'), 0)
  t.throws(() => mrzCheckDigit('abc'), cardError(/invalid MRZ character/))
})

t.test('parses the ICAO specimen into its fields', async (t) => {
  t.strictSame(parseTd1(SPECIMEN, TODAY), {
    docCode: 'I',
    issuer: 'UTO',
    docNumber: 'D23145890',
    optional1: '',
    birth: '740812',
    sex: 'F',
    expiry: '120415',
    nationality: 'UTO',
    optional2: '',
    surname: 'ERIKSSON',
    given: 'ANNA MARIA',
  })
})

t.test('adds the 12-digit personal number for Vietnamese cards only', async (t) => {
  t.equal(parseTd1(VNM).personalNumber, '079203000001')
  t.notOk('personalNumber' in parseTd1(SPECIMEN))
})

t.test('strips fillers from short issuer codes and accepts an unspecified sex', async (t) => {
  const record = parseTd1(['I<D<<AB12345671<<<<<<<<<<<<<<<', '8501019<3012316D<<<<<<<<<<<<<2', 'MUSTERMANN<<ERIKA<<<<<<<<<<<<<'])
  t.match(record, { issuer: 'D', nationality: 'D', sex: '<', docNumber: 'AB1234567', surname: 'MUSTERMANN', given: 'ERIKA' })
})

t.test('reads a document number longer than 9 characters from optional data 1', async (t) => {
  const record = parseTd1(['I<UTOD23145890<1233<<<<<<<<<<<', '7408122F1204159UTO<<<<<<<<<<<2', SPECIMEN[2] ?? ''])
  t.equal(record.docNumber, 'D23145890123')
  t.equal(record.optional1, '')
})

t.test('splits MRZ text joined by CRLF, CR or LF, ignoring blank lines', async (t) => {
  for (const separator of ['\r\n', '\r', '\n']) {
    t.strictSame(splitMrzText(SPECIMEN.join(separator) + separator), SPECIMEN, JSON.stringify(separator))
  }
  t.equal(parseTd1(splitMrzText(`\r\n${VNM.join('\r\n')}\r\n\r\n`)).docNumber, '203000001')
  t.throws(() => splitMrzText(SPECIMEN.slice(0, 2).join('\n')), cardError(/3 lines, got 2/))
})

t.test('trims CR/LF around each line before checking its length', async (t) => {
  t.equal(parseTd1(SPECIMEN.map((line) => `${line}\r\n`)).surname, 'ERIKSSON')
})

t.test('rejects lines that are not exactly 30 characters', async (t) => {
  t.throws(() => parseTd1([`${SPECIMEN[0]}<`, SPECIMEN[1] ?? '', SPECIMEN[2] ?? '']), cardError(/line length on line 1: 31/))
  t.throws(() => parseTd1(SPECIMEN.slice(0, 2)), cardError(/3 lines/))
})

t.test('rejects lower case instead of correcting it', async (t) => {
  t.throws(() => parseTd1([SPECIMEN[0] ?? '', SPECIMEN[1] ?? '', 'eriksson<<anna<maria<<<<<<<<<<']), cardError(/invalid character on line 3 at position 1/))
})

t.test('checks each of the four check digits', async (t) => {
  const [line1 = '', line2 = '', line3 = ''] = SPECIMEN
  const withChar = (line: string, position: number, char: string): string => line.slice(0, position - 1) + char + line.slice(position)
  t.throws(() => parseTd1([withChar(line1, 15, '8'), line2, line3]), cardError(/document number check digit/))
  t.throws(() => parseTd1([line1, withChar(line2, 7, '3'), line3]), cardError(/birth date check digit/))
  t.throws(() => parseTd1([line1, withChar(line2, 15, '1'), line3]), cardError(/expiry date check digit/))
  t.throws(() => parseTd1([line1, withChar(line2, 30, '7'), line3]), cardError(/composite check digit/))
  // Every field digit still matches here: only the composite digit catches the changed optional data.
  t.throws(() => parseTd1([withChar(line1, 20, 'X'), line2, line3]), cardError(/composite check digit/))
  t.throws(() => parseTd1([line1, withChar(line2, 7, '<'), line3]), cardError(/birth date check digit/))
})

t.test('rejects calendar dates that do not exist even when every digit matches', async (t) => {
  const line1 = SPECIMEN[0] ?? ''
  const line3 = SPECIMEN[2] ?? ''
  t.throws(() => parseTd1([line1, '7402315F1204159UTO<<<<<<<<<<<2', line3]), cardError(/invalid birth date/))
  t.throws(() => parseTd1([line1, '7408122F1213153UTO<<<<<<<<<<<2', line3]), cardError(/invalid expiry date/))
})

t.test('resolves the birth century from today before checking a 29 February', async (t) => {
  const leapDay = [SPECIMEN[0] ?? '', '0002299M3002289UTO<<<<<<<<<<<6', SPECIMEN[2] ?? '']
  t.equal(parseTd1(leapDay, TODAY).birth, '000229', '2000-02-29 exists')
  t.throws(() => parseTd1(leapDay, new Date(1999, 0, 1)), cardError(/invalid birth date/), '1900 was not a leap year')
})

t.test('rejects a sex other than M, F, < or X', async (t) => {
  // Sex is outside every check digit, so only the explicit check can catch it.
  t.throws(() => parseTd1([SPECIMEN[0] ?? '', '7408122Q1204159UTO<<<<<<<<<<<6', SPECIMEN[2] ?? '']), cardError(/invalid sex/))
})

t.test('keeps personal data out of the error context', async (t) => {
  try {
    parseTd1([SPECIMEN[0] ?? '', '7408123F1204159UTO<<<<<<<<<<<6', SPECIMEN[2] ?? ''])
    t.fail('should throw')
  } catch (error) {
    t.strictSame((error as { context: unknown }).context, { line: 2, position: 7 })
  }
})
