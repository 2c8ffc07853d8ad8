import t from 'tap'
import { encodeFrame, frameCrcMatches, FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, plausiblePayloadBytes } from '../../../runtime/outbox/journal-frame.js'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

t.test('frames a payload as big-endian length, big-endian CRC-32, then the payload', async (t) => {
  const frame = encodeFrame(utf8('123456789'))
  // Length 9, CRC-32/ISO-HDLC of "123456789" = 0xCBF43926.
  t.strictSame([...frame.subarray(0, FRAME_HEADER_BYTES)], [0, 0, 0, 9, 0xcb, 0xf4, 0x39, 0x26])
  t.strictSame(new TextDecoder().decode(frame.subarray(FRAME_HEADER_BYTES)), '123456789')
})

t.test('refuses an empty payload with E_CODEC_INVALID', async (t) => {
  t.throws(() => encodeFrame(new Uint8Array(0)), { code: 'E_CODEC_INVALID' })
})

t.test('a frame carries the CRC of its payload; one flipped bit anywhere breaks it', async (t) => {
  const frame = encodeFrame(utf8('{"n":1}'))
  t.ok(frameCrcMatches(frame))
  for (let at = 4; at < frame.length; at++) {
    const bad = Buffer.from(frame)
    bad[at] = (bad[at] as number) ^ 0x04
    t.notOk(frameCrcMatches(bad), `bit flipped at byte ${at}`)
  }
})

t.test('a length of 0 or over 16 MiB is implausible', async (t) => {
  const header = Buffer.alloc(FRAME_HEADER_BYTES)
  t.equal(plausiblePayloadBytes(header), null)
  header.writeUInt32BE(MAX_PAYLOAD_BYTES + 1, 0)
  t.equal(plausiblePayloadBytes(header), null)
  header.writeUInt32BE(MAX_PAYLOAD_BYTES, 0)
  t.equal(plausiblePayloadBytes(header), MAX_PAYLOAD_BYTES)
  // A flipped high bit of a small length is past the bound.
  header.writeUInt32BE(0x80000000 + 1200, 0)
  t.equal(plausiblePayloadBytes(header), null)
})
