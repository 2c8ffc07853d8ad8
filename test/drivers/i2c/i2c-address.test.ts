import t from 'tap'
import { checkAddress, checkLength, checkRegister, formatAddress } from '../../../drivers/i2c/i2c-address.js'

t.test('accepts every 7-bit device address and rejects reserved ones, naming the argument', async (t) => {
  for (const address of [0x03, 0x27, 0x5a, 0x77]) t.doesNotThrow(() => checkAddress(address))
  for (const address of [0x00, 0x02, 0x78, 0x7f, 0x80, -1, 0x27 + 0.5, Number.NaN]) {
    t.throws(() => checkAddress(address), TypeError)
  }
  t.throws(() => checkAddress(0x78), { name: 'TypeError', message: /address .*got 120/ })
})

t.test('accepts register numbers 0x00..0xff only', async (t) => {
  t.doesNotThrow(() => checkRegister(0))
  t.doesNotThrow(() => checkRegister(0xff))
  t.throws(() => checkRegister(0x100), { name: 'TypeError', message: /register .*got 256/ })
  t.throws(() => checkRegister(1.5), TypeError)
})

t.test('accepts lengths from 1 to the given maximum', async (t) => {
  t.doesNotThrow(() => checkLength(1))
  t.doesNotThrow(() => checkLength(32, 32))
  t.throws(() => checkLength(0), { name: 'TypeError', message: /length .*got 0/ })
  t.throws(() => checkLength(33, 32), { message: /1\.\.32 \(got 33\)/ })
})

t.test('formats addresses the way i2cdetect prints them', async (t) => {
  t.equal(formatAddress(0x5a), '0x5a')
  t.equal(formatAddress(0x3), '0x03')
})
