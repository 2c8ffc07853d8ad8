import t from 'tap'
import { encodeResponse, parseCommand } from '../../../drivers/emrtd/apdu.js'
import type { ChannelResponse } from '../../../drivers/emrtd/chip-channel.js'
import { refusalReason } from '../../../drivers/emrtd/chip-errors.js'
import { maxReadBytes, protectedResponseBytes, readFile } from '../../../drivers/emrtd/file-reader.js'
import type { CommandApdu } from '../../../drivers/emrtd/apdu.js'

t.test('protected READ BINARY answer sizes (docs/emrtd.md, "Reading")', async (t) => {
  const table: Array<[number, number]> = [[4, 27], [160, 188], [223, 244], [224, 252], [232, 260], [248, 277]]
  for (const [le, bytes] of table) t.equal(protectedResponseBytes(le, '3des'), bytes, `3DES Le ${le}`)
  t.equal(protectedResponseBytes(223, 'aes'), 244)
  t.equal(protectedResponseBytes(224, 'aes'), 260, 'AES pads 224 to 240')
  t.equal(maxReadBytes('3des'), 223)
  t.equal(maxReadBytes('aes'), 223)
  t.equal(maxReadBytes('aes', 200), 175)
})

/** A file server over plain send: the file, and a list of status words to answer READ BINARY with first. */
function fileServer(file: Uint8Array, quirks: ReadonlyMap<number, number> = new Map()) {
  const reads: CommandApdu[] = []
  const send = async (command: CommandApdu): Promise<ChannelResponse> => {
    if (command.ins === 0xa4) return { data: new Uint8Array(0), sw: 0x9000, authenticated: true }
    const quirk = quirks.get(reads.length)
    reads.push(command)
    if (quirk !== undefined) return { data: new Uint8Array(0), sw: quirk, authenticated: true }
    const offset = (command.p1 << 8) | command.p2
    const data = file.slice(offset, offset + (command.le ?? 256))
    return { data, sw: data.length < (command.le ?? 256) ? 0x6282 : 0x9000, authenticated: true }
  }
  return { send, reads }
}

const file = Uint8Array.from([0x77, 0x82, 0x01, 0x2c, ...Array.from({ length: 300 }, (_, i) => i & 0xff)])

t.test('reads a 304-byte file in pieces, the first of 4 bytes', async (t) => {
  const server = fileServer(file)
  t.same(await readFile(server.send, 0x011d, 223), file)
  t.same(server.reads.map((read) => read.le), [4, 223, 77])
})

t.test('6Cxx retries with the exact length; 6700 steps Le down', async (t) => {
  const server = fileServer(file, new Map([[1, 0x6c64], [3, 0x6700]]))
  t.same(await readFile(server.send, 0x011d, 223), file)
  t.same(server.reads.map((read) => read.le), [4, 223, 100, 200, 160, 40])
})

t.test('a file that ends before its length is file_invalid; 6A82 is file_missing', async (t) => {
  const short = fileServer(file.subarray(0, 100))
  t.equal(refusalReason(await readFile(short.send, 0x011d, 223).catch((error: unknown) => error)), 'file_invalid')
  const missing = async (): Promise<ChannelResponse> => ({ data: new Uint8Array(0), sw: 0x6a82, authenticated: false })
  t.equal(refusalReason(await readFile(missing, 0x010b, 223).catch((error: unknown) => error)), 'file_missing')
  t.ok(encodeResponse({ data: new Uint8Array(0), sw: 0x9000 }).length === 2 && parseCommand(Uint8Array.of(0, 0xb0, 0, 0, 4)).le === 4)
})
