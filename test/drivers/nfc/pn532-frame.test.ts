import t, { type Test } from 'tap'
import { formatHexBytes, parseHexBytes } from '../../../drivers/nfc/hex-bytes.js'
import { parseFirmwareVersion, parseInListPassiveTarget } from '../../../drivers/nfc/pn532-commands.js'
import {
  ACK_FRAME,
  createPn532FrameSplitter,
  decodeFrame,
  decodeI2cRead,
  decodeI2cStatus,
  encodeCommand,
  encodeFrame,
  ERROR_FRAME,
  HSU_WAKEUP,
  NACK_FRAME,
  type Pn532SplitResult,
} from '../../../drivers/nfc/pn532-frame.js'
import { SimPn532, SimPn532Hsu } from '../../../drivers/nfc/sim-pn532.js'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import { vectorsFor, type Vector } from '../../support/vectors.js'

/** The repo's vectors, overlaid by the shared copy when present (test/support/vectors.ts). */
const vectors = vectorsFor('pn532')

const hex = (text: unknown): Uint8Array => parseHexBytes(String(text))

/** What the simulated chip sends back over HSU for `bytes`, collected until the line is quiet. */
async function hsuAnswer(bytes: Uint8Array): Promise<string> {
  const { host, device } = SimSerialLink.pair('/dev/sim-pn532')
  new SimPn532Hsu(new SimPn532(), device)
  const received: number[] = []
  host.onData((chunk) => received.push(...chunk))
  await host.write(bytes)
  for (let tick = 0; tick < 10; tick++) await new Promise<void>((resolve) => setImmediate(resolve))
  return formatHexBytes(Uint8Array.from(received))
}

/** Runs one vector through the codec its input shape names; an unknown shape fails the test. */
async function checkVector(t: Test, vector: Vector): Promise<void> {
  const { input, expected } = vector
  if (typeof input['cmd'] === 'string') {
    t.equal(input['tfi'], 'D4', 'commands are host → PN532')
    const frame = encodeCommand(hex(input['cmd'])[0] ?? -1, hex(input['params']))
    t.equal(formatHexBytes(frame), expected['frame'])
    t.strictSame(decodeFrame(frame), { type: 'DATA', tfi: 0xd4, data: hex(`${input['cmd']} ${input['params']}`) })
  } else if (typeof input['frame'] === 'string') {
    const bytes = hex(input['frame'])
    if (!vector.valid) {
      t.throws(() => decodeFrame(bytes), { code: 'E_CODEC_INVALID', message: String(expected['error']) })
      return
    }
    const frame = decodeFrame(bytes)
    if (frame.type !== 'DATA') {
      t.strictSame(frame, expected)
    } else if (frame.data[0] === 0x03) {
      t.strictSame(parseFirmwareVersion(frame.data), expected)
    } else if (frame.data[0] === 0x4b) {
      t.strictSame(parseInListPassiveTarget(frame.data), expected)
    } else {
      t.fail(`no parser for response code ${frame.data[0]}`)
    }
  } else if (typeof input['i2c_read'] === 'string') {
    const read = decodeI2cRead(hex(input['i2c_read']))
    t.equal(read.ready, expected['ready'])
    if (read.ready) t.equal(read.frame.type, expected['frame'])
  } else if (typeof input['bytes'] === 'string') {
    t.equal(await hsuAnswer(hex(input['bytes'])), expected['expect'])
  } else {
    t.fail(`unknown pn532 vector shape: ${vector.name}`)
  }
}

t.test('every pn532 vector holds for its codec', async (t) => {
  t.ok(vectors.length >= 13, 'vectors loaded')
  for (const vector of vectors) {
    t.test(vector.name, async (t) => checkVector(t, vector))
  }
})

t.test('the fixed frames and the HSU wake-up are the bytes of docs/protocols.md 2.1–2.2', async (t) => {
  t.equal(formatHexBytes(ACK_FRAME), '00 00 FF 00 FF 00')
  t.equal(formatHexBytes(NACK_FRAME), '00 00 FF FF 00 00')
  t.equal(formatHexBytes(ERROR_FRAME), '00 00 FF 01 FF 7F 81 00')
  t.equal(formatHexBytes(HSU_WAKEUP), `55 55${' 00'.repeat(14)}`)
  const wakeVector = vectors.find((vector) => vector.name === 'hsu_wakeup_then_SAMConfiguration')
  const wakeThenFrame = formatHexBytes(Uint8Array.from([...HSU_WAKEUP, ...encodeCommand(0x14, Uint8Array.of(0x01))]))
  t.equal(wakeThenFrame, wakeVector?.input['bytes'], 'wake-up + frame is the vector input')
})

t.test('encodes the other computed frames of docs/protocols.md 2.3', async (t) => {
  t.equal(formatHexBytes(encodeCommand(0x32, hex('05 FF 01 02'))), '00 00 FF 06 FA D4 32 05 FF 01 02 F3 00')
  t.equal(
    formatHexBytes(encodeCommand(0x40, hex('01 00 A4 04 0C 07 A0 00 00 02 47 10 01'))),
    '00 00 FF 0F F1 D4 40 01 00 A4 04 0C 07 A0 00 00 02 47 10 01 36 00',
  )
  t.equal(formatHexBytes(encodeFrame(0xd5, hex('03 32 01 06 07'))), '00 00 FF 06 FA D5 03 32 01 06 07 E8 00')
})

t.test('uses the normal frame up to 254 data bytes and the extended frame above', async (t) => {
  const normal = encodeCommand(0x40, new Uint8Array(253).fill(0x11))
  t.strictSame([...normal.subarray(0, 5)], [0x00, 0x00, 0xff, 0xff, 0x01], 'LEN 255, LCS 01')
  t.equal(normal.length, 5 + 255 + 2)
  const extended = encodeCommand(0x40, new Uint8Array(254).fill(0x11))
  t.strictSame([...extended.subarray(0, 8)], [0x00, 0x00, 0xff, 0xff, 0xff, 0x01, 0x00, 0xff], 'LENM 01 LENL 00 LCS FF')
  t.equal(extended.length, 8 + 256 + 2)
  for (const frame of [normal, extended]) {
    const decoded = decodeFrame(frame)
    t.equal(decoded.type === 'DATA' ? decoded.data.length : -1, frame === normal ? 254 : 255)
  }
  t.throws(() => encodeCommand(0x40, new Uint8Array(264)), { code: 'E_CODEC_INVALID' }, 'over 265 bytes with TFI')
  t.throws(() => encodeFrame(0xd4, new Uint8Array(0)), { code: 'E_CODEC_INVALID' }, 'no command code')
  t.throws(() => encodeCommand(0x100, new Uint8Array(0)), TypeError)
  t.throws(() => encodeFrame(-1, Uint8Array.of(2)), TypeError)
})

t.test('decodes frames with long preambles and postambles, and rejects what is not one frame', async (t) => {
  t.strictSame(decodeFrame(hex('00 00 00 00 FF 00 FF 00 00 00')), { type: 'ACK' })
  t.strictSame(decodeFrame(hex('00 FF 00 FF')), { type: 'ACK' }, 'no preamble or postamble')
  t.strictSame(decodeFrame(hex('00 00 FF 02 FE D5 15 16')), { type: 'DATA', tfi: 0xd5, data: hex('15') })
  t.throws(() => decodeFrame(hex('00 00 FF 02 FE D5 15 17 00')), { code: 'E_CODEC_INVALID', message: 'DCS mismatch' })
  t.throws(() => decodeFrame(hex('FF 00 FF 00')), { message: /start code/ }, 'no 00 before FF')
  t.throws(() => decodeFrame(hex('00 00 12')), { message: /start code/ })
  t.throws(() => decodeFrame(hex('00 00 FF 06 FA D5 03 32')), { message: /truncated/ })
  t.throws(() => decodeFrame(hex('00 00 FF 02 FE D5 15 16 00 7E')), { message: /trailing/, context: { offset: 9 } })
  t.throws(() => decodeFrame(hex('00 00 FF 02 FE AA 15 41 00')), { message: /TFI 0xAA/ })
  t.throws(() => decodeFrame(hex('00 00 FF 01 FF D5 2B 00')), { message: /no command code/ })
  t.throws(() => decodeFrame(hex('00 00 FF 00 00 00')), { message: /length is 0/ })
  t.throws(() => decodeFrame(new Uint8Array(0)), { code: 'E_CODEC_INVALID' })
})

t.test('decodes extended frames and checks their length checksum', async (t) => {
  const data = new Uint8Array(300 - 45).fill(0x22)
  data[0] = 0x41
  const frame = encodeFrame(0xd5, data)
  const decoded = decodeFrame(frame)
  t.equal(decoded.type === 'DATA' ? decoded.data.length : -1, data.length)
  const badLcs = Uint8Array.from(frame)
  badLcs[7] = (badLcs[7] ?? 0) ^ 0x01
  t.throws(() => decodeFrame(badLcs), { message: 'LCS mismatch' })
  t.throws(() => decodeFrame(hex('00 00 FF FF FF 01 10 EF D5 00 00')), { message: /extended frame length/ }, 'LEN 272 > 265')
})

t.test('an I2C read is busy unless its status byte is 0x01, and other status values are refused', async (t) => {
  t.strictSame(decodeI2cRead(hex('00 DE AD')), { ready: false })
  t.strictSame(decodeI2cRead(hex('01 00 00 FF 02 FE D5 15 16 00 FF FF FF')), {
    ready: true,
    frame: { type: 'DATA', tfi: 0xd5, data: hex('15') },
  }, 'bytes after the frame are ignored')
  t.throws(() => decodeI2cRead(hex('01 00 00 FF 02 FE D5 15 00')), { message: 'DCS mismatch' })
  t.throws(() => decodeI2cRead(hex('80 00 00 FF 00 FF 00')), { code: 'E_CODEC_INVALID', context: { byte: 0x80 } })
  t.throws(() => decodeI2cRead(new Uint8Array(0)), { code: 'E_CODEC_INVALID' })
  t.equal(decodeI2cStatus(0x01), true)
  t.equal(decodeI2cStatus(0x00), false)
  t.throws(() => decodeI2cStatus(0xff))
})

/** Frames as hex, garbage as `!reason/byteCount`. */
function describe(results: Pn532SplitResult[]): string[] {
  return results.map((result) =>
    result.kind === 'frame' ? formatHexBytes(result.bytes) : `!${result.reason}/${result.byteCount}`,
  )
}

const RESPONSE = '00 FF 06 FA D5 03 32 01 06 07 E8'

t.test('the splitter finds a frame split across chunks, byte by byte', async (t) => {
  const splitter = createPn532FrameSplitter()
  const bytes = hex(`00 00 ${RESPONSE} 00`)
  const found: string[] = []
  for (const byte of bytes) found.push(...describe(splitter.push(Uint8Array.of(byte))))
  t.strictSame(found, [RESPONSE])
  t.equal(splitter.pendingBytes, 1, 'the postamble 00 is kept: it may start the next start code')
})

t.test('the splitter finds two frames in one chunk, ACK first', async (t) => {
  const splitter = createPn532FrameSplitter()
  t.strictSame(describe(splitter.push(hex(`00 00 FF 00 FF 00 00 ${RESPONSE} 00`))), ['00 FF 00 FF', RESPONSE])
})

t.test('the splitter skips leading garbage and long zero runs, reporting only non-zero bytes', async (t) => {
  const splitter = createPn532FrameSplitter()
  t.strictSame(describe(splitter.push(hex('55 55 00 00 00 00 00 00'))), ['!stray bytes/7'])
  t.strictSame(describe(splitter.push(hex(`00 00 00 ${RESPONSE}`))), [RESPONSE], 'zero runs are preamble')
  t.strictSame(describe(splitter.push(hex(`13 37 ${RESPONSE}`))), ['!stray bytes/2', RESPONSE])
  t.strictSame(describe(splitter.push(hex('42 FF 10'))), ['!stray bytes/3'], 'nothing held without a possible start')
  t.equal(splitter.pendingBytes, 0)
})

t.test('after a bad checksum the splitter drops that frame and still finds the good one after it', async (t) => {
  const splitter = createPn532FrameSplitter()
  t.strictSame(describe(splitter.push(hex(`00 00 FF 02 FE D5 15 17 00 ${RESPONSE}`))), ['!DCS mismatch/7', RESPONSE])
  t.strictSame(
    describe(splitter.push(hex(`00 00 FF 02 FD D5 15 16 00 ${RESPONSE}`))),
    ['!LCS mismatch/2', '!stray bytes/6', RESPONSE],
    'bad LCS: resync right after the start code; the rest of that frame is stray',
  )
  t.strictSame(describe(splitter.push(hex(`00 FF 00 00 ${RESPONSE}`))), ['!bad length/2', RESPONSE], 'LEN 0 is only the ACK')
})

t.test('the splitter handles NACK and extended frames, and reset drops a partial frame', async (t) => {
  const splitter = createPn532FrameSplitter()
  t.strictSame(describe(splitter.push(NACK_FRAME)), ['00 FF FF 00'])
  const extended = encodeCommand(0x40, new Uint8Array(260).fill(0x33))
  const halves = [extended.subarray(0, 6), extended.subarray(6, 100), extended.subarray(100)]
  const found = halves.flatMap((half) => splitter.push(half))
  t.equal(found.length, 1)
  t.equal(found[0]?.kind === 'frame' ? found[0].bytes.length : 0, extended.length - 2, 'from 00 FF through DCS')
  t.strictSame(describe(splitter.push(hex('00 FF FF FF 00 00 00'))), ['!bad length/2', '!stray bytes/4'], 'extended LEN 0')
  splitter.reset()
  t.strictSame(describe(splitter.push(hex('00 FF FF FF 01 00 00'))), ['!LCS mismatch/2', '!stray bytes/4'])
  splitter.reset()
  splitter.push(hex('00 00 FF 06 FA D5 03'))
  t.ok(splitter.pendingBytes > 0)
  splitter.reset()
  t.equal(splitter.pendingBytes, 0)
  t.strictSame(describe(splitter.push(hex('32 01 06 07 E8 00'))), ['!stray bytes/5'], 'the rest of a flushed frame is garbage')
})
