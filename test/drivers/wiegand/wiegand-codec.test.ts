import t from 'tap'
import { decodeWiegand, encodeWiegand26, encodeWiegand34, type WiegandBit } from '../../../drivers/wiegand/wiegand-codec.js'

function codecError(message: RegExp): { code: string; message: RegExp } {
  return { code: 'E_CODEC_INVALID', message }
}

const flip = (frame: string, index: number): string => frame.slice(0, index) + (frame[index] === '1' ? '0' : '1') + frame.slice(index + 1)

t.test('decodes the worked 26-bit example of docs/protocols.md 5.2', async (t) => {
  t.strictSame(decodeWiegand('11101010000011011100000010'), { bits: 26, facility: 212, card: 7041, raw_hex: 'D41B81' })
})

t.test('decodes a frame given as an array of bits', async (t) => {
  const bits = Array.from('1100010011101010000011011100000011', (bit) => Number(bit) as WiegandBit)
  t.strictSame(decodeWiegand(bits), { bits: 34, facility: 35284, card: 7041, raw_hex: '89D41B81' })
})

t.test('pads raw_hex to the full data width', async (t) => {
  t.equal(decodeWiegand(encodeWiegand26(0, 1)).raw_hex, '000001')
  t.equal(decodeWiegand(encodeWiegand34(0, 0)).raw_hex, '00000000')
})

t.test('checks the even parity of the first half and the odd parity of the second', async (t) => {
  const frame = '11101010000011011100000010'
  t.throws(() => decodeWiegand(flip(frame, 0)), codecError(/even parity failed/))
  t.throws(() => decodeWiegand(flip(frame, 12)), codecError(/even parity failed/), 'last bit of the first half')
  t.throws(() => decodeWiegand(flip(frame, 13)), codecError(/odd parity failed/), 'first bit of the second half')
  t.throws(() => decodeWiegand(flip(frame, 25)), codecError(/odd parity failed/))
  const frame34 = encodeWiegand34(35284, 7041)
  t.throws(() => decodeWiegand(flip(frame34, 16)), codecError(/even parity failed/))
  t.throws(() => decodeWiegand(flip(frame34, 17)), codecError(/odd parity failed/))
})

t.test('rejects lengths other than 26 and 34, and characters other than 0 and 1', async (t) => {
  for (const length of [0, 4, 8, 25, 27, 33, 35, 37]) {
    t.throws(() => decodeWiegand('0'.repeat(length)), codecError(new RegExp(`unsupported Wiegand length ${length}`)))
  }
  t.throws(() => decodeWiegand('1110101000001101110000001x'), codecError(/only 0 and 1/))
})

t.test('encodes frames that decode back to the same numbers', async (t) => {
  t.equal(encodeWiegand26(212, 7041), '11101010000011011100000010')
  t.equal(encodeWiegand26(1, 1), '10000000100000000000000010')
  t.equal(encodeWiegand34(35284, 7041), '1100010011101010000011011100000011')
  for (const [facility, card] of [[0, 0], [255, 65535], [128, 32768], [17, 4242]] as const) {
    t.match(decodeWiegand(encodeWiegand26(facility, card)), { bits: 26, facility, card })
    t.match(decodeWiegand(encodeWiegand34(facility * 257, card)), { bits: 34, facility: facility * 257, card })
  }
})

t.test('refuses to encode numbers that do not fit the format', async (t) => {
  t.throws(() => encodeWiegand26(256, 1), codecError(/facility must be an integer from 0 to 255/))
  t.throws(() => encodeWiegand26(1, 65536), codecError(/card must be an integer from 0 to 65535/))
  t.throws(() => encodeWiegand34(65536, 1), codecError(/facility/))
  t.throws(() => encodeWiegand34(-1, 1), codecError(/facility/))
  t.throws(() => encodeWiegand26(1.5, 1), codecError(/facility/))
})
