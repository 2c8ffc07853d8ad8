import t from 'tap'
import { crc16CcittFalse, formatCrc16 } from '../../../drivers/payment/crc16-ccitt.js'

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)

t.test('gives the catalogue check value 0x29B1 for "123456789"', async (t) => {
  t.equal(crc16CcittFalse(ascii('123456789')), 0x29b1)
})

t.test('returns the initial value for no data and differs for a single changed byte', async (t) => {
  t.equal(crc16CcittFalse(new Uint8Array()), 0xffff)
  t.not(crc16CcittFalse(ascii('123456788')), 0x29b1)
})

t.test('matches the CRCs of the VietQR examples in docs/protocols.md 8.2', async (t) => {
  const body = '00020101021138600010A00000072701300006970415011697041500000000180208QRIBFTTC53037045802VN6304'
  t.equal(formatCrc16(crc16CcittFalse(ascii(body))), 'DE6F')
})

t.test('formats as four uppercase hex digits', async (t) => {
  t.equal(formatCrc16(0x29b1), '29B1')
  t.equal(formatCrc16(0x0bb2), '0BB2')
  t.equal(formatCrc16(0), '0000')
})
