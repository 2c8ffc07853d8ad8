import t from 'tap'
import { encodeFrame, FRAME_HEADER_BYTES, scanFrames } from '../../../runtime/outbox/journal-frame.js'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((part) => [...part]))

t.test('frames a payload as big-endian length, big-endian CRC-32, then the payload', async (t) => {
  const frame = encodeFrame(utf8('123456789'))
  // Length 9, CRC-32/ISO-HDLC of "123456789" = 0xCBF43926.
  t.strictSame([...frame.subarray(0, FRAME_HEADER_BYTES)], [0, 0, 0, 9, 0xcb, 0xf4, 0x39, 0x26])
  t.strictSame(new TextDecoder().decode(frame.subarray(FRAME_HEADER_BYTES)), '123456789')
})

t.test('refuses an empty payload with E_CODEC_INVALID', async (t) => {
  t.throws(() => encodeFrame(new Uint8Array(0)), { code: 'E_CODEC_INVALID' })
})

t.test('reads back consecutive frames with their offsets and a clean end', async (t) => {
  const a = encodeFrame(utf8('{"a":1}'))
  const b = encodeFrame(utf8('"second"'))
  const scan = scanFrames(concat(a, b))
  t.equal(scan.end, 'clean')
  t.equal(scan.goodBytes, a.length + b.length)
  t.strictSame(scan.frames.map((frame) => new TextDecoder().decode(frame.payload)), ['{"a":1}', '"second"'])
  t.strictSame(scan.frames.map((frame) => frame.offsetBytes), [0, a.length])
  t.strictSame(scan.frames.map((frame) => frame.frameBytes), [a.length, b.length])
})

t.test('calls an empty input clean', async (t) => {
  t.strictSame(scanFrames(new Uint8Array(0)), { frames: [], goodBytes: 0, end: 'clean' })
})

t.test('calls a short header, a short payload, or a bad CRC in the last frame a torn tail', async (t) => {
  const good = encodeFrame(utf8('{"ok":true}'))
  const last = encodeFrame(utf8('{"last":true}'))
  const badCrc = last.slice()
  badCrc[badCrc.length - 1] = (badCrc[badCrc.length - 1] ?? 0) ^ 0x01
  for (const [name, tail] of [
    ['short header', last.subarray(0, 5)],
    ['short payload', last.subarray(0, last.length - 3)],
    ['bad CRC at the end', badCrc],
    ['zero fill', new Uint8Array(40)],
    ['garbage whose length runs past the end', utf8('garbage that is not a frame')],
  ] as const) {
    const scan = scanFrames(concat(good, tail))
    t.equal(scan.end, 'torn', name)
    t.equal(scan.goodBytes, good.length, name)
    t.equal(scan.frames.length, 1, name)
  }
})

t.test('calls a bad frame with data after it corrupt and stops there', async (t) => {
  const first = encodeFrame(utf8('{"n":1}'))
  const second = encodeFrame(utf8('{"n":2}')).slice()
  second[FRAME_HEADER_BYTES] = (second[FRAME_HEADER_BYTES] ?? 0) ^ 0x20
  const third = encodeFrame(utf8('{"n":3}'))
  const scan = scanFrames(concat(first, second, third))
  t.equal(scan.end, 'corrupt')
  t.equal(scan.goodBytes, first.length)
  t.equal(scan.frames.length, 1)
})

t.test('treats a zero length with data after it as corrupt, not as an empty record', async (t) => {
  const good = encodeFrame(utf8('{}'))
  const scan = scanFrames(concat(good, new Uint8Array(8), good))
  t.equal(scan.end, 'corrupt')
  t.equal(scan.goodBytes, good.length)
})
