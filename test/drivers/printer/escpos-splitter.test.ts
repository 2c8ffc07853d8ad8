import t from 'tap'
import { EscPosSplitter, isCutToken, splitEscPos, type EscPosToken } from '../../../drivers/printer/escpos-splitter.js'

function shapes(tokens: readonly EscPosToken[]): string[] {
  return tokens.map((token) =>
    token.kind === 'control' ? `ctl:${token.byte}` : `${token.kind}:${Array.from(token.bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`,
  )
}

t.test('splits text, control bytes and commands with their parameter lengths', async (t) => {
  const bytes = Uint8Array.of(0x1b, 0x40, 0x1b, 0x61, 0x01, 0x41, 0x42, 0x0a, 0x1d, 0x56, 0x42, 0x00, 0x1d, 0x56, 0x01)
  const { tokens, consumed } = splitEscPos(bytes)
  t.equal(consumed, bytes.length)
  t.strictSame(shapes(tokens), ['command:1b40', 'command:1b6101', 'text:4142', 'ctl:10', 'command:1d564200', 'command:1d5601'])
  t.strictSame(tokens.map(isCutToken), [false, false, false, false, true, true])
})

t.test('knows the variable-length commands: GS ( k, GS k both functions, GS v 0, ESC *', async (t) => {
  const bytes = Uint8Array.of(
    ...[0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x50, 0x30, 0x0a], // QR store of one byte that is LF
    ...[0x1d, 0x6b, 0x04, 0x41, 0x42, 0x00], // GS k Function A CODE39 "AB"
    ...[0x1d, 0x6b, 0x49, 0x03, 0x7b, 0x42, 0x0a], // GS k Function B, n = 3
    ...[0x1d, 0x76, 0x30, 0x00, 0x02, 0x00, 0x02, 0x00, 0x10, 0x04, 0x01, 0xff], // 2 bytes x 2 rows
    ...[0x1b, 0x2a, 0x21, 0x01, 0x00, 0x1b, 0x1b, 0x1b], // 24-dot, one column = 3 bytes
    0x41,
  )
  const { tokens } = splitEscPos(bytes)
  t.strictSame(
    tokens.map((token) => (token.kind === 'text' ? 'text' : token.kind === 'command' ? token.bytes.length : 'ctl')),
    [9, 6, 7, 12, 8, 'text'],
  )
})

t.test('real-time DLE commands are whole tokens; a lone DLE is a control byte', async (t) => {
  const { tokens } = splitEscPos(Uint8Array.of(0x10, 0x04, 0x01, 0x10, 0x05, 0x02, 0x10, 0x41))
  t.strictSame(shapes(tokens), ['command:100401', 'command:100502', 'ctl:16', 'text:41'])
})

t.test('stops before an incomplete command and reports how much it consumed', async (t) => {
  const { tokens, consumed } = splitEscPos(Uint8Array.of(0x41, 0x1d, 0x28, 0x6b, 0x05, 0x00, 0x31))
  t.strictSame(shapes(tokens), ['text:41'])
  t.equal(consumed, 1)
})

t.test('an unknown ESC command throws E_CODEC_INVALID with its offset', async (t) => {
  t.throws(() => splitEscPos(Uint8Array.of(0x41, 0x1b, 0x01)), { code: 'E_CODEC_INVALID', context: { offset: 1, byte: 0x01 } })
  t.throws(() => splitEscPos(Uint8Array.of(0x1d, 0x56, 0x07)), { code: 'E_CODEC_INVALID', message: /malformed/ })
})

t.test('the stream splitter joins a command split across chunks, byte by byte', async (t) => {
  const splitter = new EscPosSplitter()
  const bytes = Uint8Array.of(0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x50, 0x30, 0x51, 0x0a)
  const seen: EscPosToken[] = []
  for (const byte of bytes) seen.push(...splitter.push(Uint8Array.of(byte)).tokens)
  t.strictSame(shapes(seen), ['command:1d286b0400315030' + '51', 'ctl:10'])
  t.equal(splitter.pendingBytes, 0)
  t.equal(seen[1]?.offset, 9, 'offsets count from the start of the stream')
})

t.test('the stream splitter reports a bad command, skips its prefix and keeps going', async (t) => {
  const splitter = new EscPosSplitter()
  const { tokens, errors } = splitter.push(Uint8Array.of(0x41, 0x1b, 0x01, 0x42, 0x0a))
  t.equal(errors.length, 1)
  t.equal(errors[0]?.code, 'E_CODEC_INVALID')
  t.strictSame(shapes(tokens), ['text:41', 'ctl:1', 'text:42', 'ctl:10'])
  splitter.push(Uint8Array.of(0x1b))
  t.equal(splitter.pendingBytes, 1)
  splitter.reset()
  t.equal(splitter.pendingBytes, 0)
})
