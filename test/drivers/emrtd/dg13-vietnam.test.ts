import t from 'tap'
import { encodeTlv } from '../../../drivers/emrtd/ber-tlv.js'
import { refusalReason } from '../../../drivers/emrtd/chip-errors.js'
import { integer, oid, printableString, sequence, set, utf8String } from '../../../drivers/emrtd/der-builder.js'
import { parseDg13, parseDg13Date } from '../../../drivers/emrtd/dg13-vietnam.js'
import { buildDg13 } from '../../../drivers/emrtd/sim-card-files.js'

t.test('fields are keyed by number: an absent field is absent, order does not matter', async (t) => {
  const dg13 = parseDg13(buildDg13(new Map<number, string | readonly string[]>([[12, 'Không thời hạn'], [2, 'Lê Thị Hoa'], [1, '001190000123'], [14, ['Phạm Văn Minh']]])))
  t.equal(dg13.personalNumber, '001190000123')
  t.equal(dg13.fullName, 'Lê Thị Hoa')
  t.same(dg13.expiry, { raw: 'Không thời hạn', iso: undefined })
  t.equal(dg13.spouseName, 'Phạm Văn Minh')
  t.equal(dg13.religion, undefined)
  t.notOk('religion' in dg13)
})

t.test('PrintableString values, a missing SET wrapper and unknown objects are tolerated', async (t) => {
  const bytes = encodeTlv(0x6d, sequence(integer(1), oid('1.0.10646.1.0.8'), sequence(integer(1), printableString('001190000123')), encodeTlv(0x04, Uint8Array.of(1)), sequence(integer(4), utf8String('Nữ'))))
  const dg13 = parseDg13(bytes)
  t.equal(dg13.personalNumber, '001190000123')
  t.equal(dg13.sex, 'Nữ')
})

t.test('decomposed text comes out NFC', async (t) => {
  const dg13 = parseDg13(buildDg13(new Map([[2, 'Tra\u0302\u0300n']])))
  t.equal(dg13.fullName, 'Trần')
})

t.test('dates: dd/mm/yyyy, ddmmyyyy, yyyy-mm-dd; impossible dates have no ISO form', async (t) => {
  t.equal(parseDg13Date('15/01/2003').iso, '2003-01-15')
  t.equal(parseDg13Date('15012003').iso, '2003-01-15')
  t.equal(parseDg13Date('2003-01-15').iso, '2003-01-15')
  t.equal(parseDg13Date('31/02/2003').iso, undefined)
})

t.test('a file that is not DG13 is file_invalid', async (t) => {
  t.equal(refusalReason(catchError(() => parseDg13(set()))), 'file_invalid')
  t.equal(refusalReason(catchError(() => parseDg13(Uint8Array.of(0x6d, 0x05, 0x30)))), 'file_invalid')
})

function catchError(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}
