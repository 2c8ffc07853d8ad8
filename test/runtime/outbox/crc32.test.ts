import { randomBytes } from 'node:crypto'
import { crc32 as zlibCrc32 } from 'node:zlib'
import t from 'tap'
import { crc32, CRC32_IS_NATIVE, tableCrc32 } from '../../../runtime/outbox/crc32.js'

t.test('gives the CRC-32/ISO-HDLC check value for "123456789", table and native alike', async (t) => {
  const check = new TextEncoder().encode('123456789')
  t.equal(tableCrc32(check), 0xcbf43926)
  t.equal(crc32(check), 0xcbf43926)
})

t.test('is 0 for no bytes and unsigned for every input', async (t) => {
  for (const fn of [tableCrc32, crc32]) {
    t.equal(fn(new Uint8Array(0)), 0)
    t.equal(fn(new Uint8Array([0xff, 0xff, 0xff, 0xff])), 0xffffffff)
  }
})

t.test('the table agrees with zlib, and crc32 with the table, on random inputs and subarray views', async (t) => {
  for (let i = 0; i < 50; i++) {
    const bytes = randomBytes(1 + i * 37)
    const view = bytes.subarray(1)
    t.equal(tableCrc32(bytes), zlibCrc32(bytes))
    t.equal(tableCrc32(view), zlibCrc32(view))
    t.equal(crc32(bytes), tableCrc32(bytes))
    t.equal(crc32(view), tableCrc32(view))
  }
})

t.test('uses zlib.crc32 where this Node has it', async (t) => {
  t.equal(CRC32_IS_NATIVE, typeof zlibCrc32 === 'function')
})
