import { randomBytes } from 'node:crypto'
import { crc32 as zlibCrc32 } from 'node:zlib'
import t from 'tap'
import { crc32 } from '../../../runtime/outbox/crc32.js'

t.test('gives the CRC-32/ISO-HDLC check value for "123456789"', async (t) => {
  t.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926)
})

t.test('is 0 for no bytes and unsigned for every input', async (t) => {
  t.equal(crc32(new Uint8Array(0)), 0)
  t.equal(crc32(new Uint8Array([0xff, 0xff, 0xff, 0xff])), 0xffffffff)
})

t.test('agrees with zlib on random inputs, including subarray views', async (t) => {
  for (let i = 0; i < 50; i++) {
    const bytes = randomBytes(1 + i * 37)
    t.equal(crc32(bytes), zlibCrc32(bytes))
    const view = bytes.subarray(1)
    t.equal(crc32(view), zlibCrc32(view))
  }
})
