import t from 'tap'
import { PROVINCE_CODES, provinceName } from '../../../drivers/identity/province-codes.js'

t.test('holds the 63 province codes of Thông tư 07/2016 as 3-digit strings', async (t) => {
  const codes = Object.keys(PROVINCE_CODES)
  t.equal(codes.length, 63)
  t.ok(codes.every((code) => /^\d{3}$/.test(code)))
  t.equal(codes[0], '001')
  t.equal(codes.at(-1), '096')
})

t.test('names known codes and nothing else', async (t) => {
  t.equal(provinceName('079'), 'Hồ Chí Minh')
  t.equal(provinceName('048'), 'Đà Nẵng')
  t.equal(provinceName('001'), 'Hà Nội')
  t.equal(provinceName('003'), undefined, 'codes are not contiguous')
  t.equal(provinceName('79'), undefined)
  t.equal(provinceName('toString'), undefined, 'inherited names are not codes')
})

t.test('cannot be changed at run time', async (t) => {
  t.ok(Object.isFrozen(PROVINCE_CODES))
})
