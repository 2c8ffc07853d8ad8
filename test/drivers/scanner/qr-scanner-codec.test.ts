import t from 'tap'
import { classifyScan, createScanSplitter, isMrzLine, type SplitResult } from '../../../drivers/scanner/qr-scanner-codec.js'

const encoder = new TextEncoder()
const bytes = (text: string) => encoder.encode(text)
const line = (text: string): SplitResult => ({ kind: 'line', text })

// Synthetic person from docs/protocols.md 7.1; not a real resident.
const CCCD_QR =
  '079203000001|025000001|Nguyễn Văn An|15082003|Nam|12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh|20042021'
// Synthetic TD1 MRZ from docs/protocols.md 6.2.
const MRZ = ['IDVNM2030000018079203000001<<8', '0308153M2808152VNM<<<<<<<<<<<6', 'NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<']

function feed(chunks: Uint8Array[], maxLength = 64): SplitResult[] {
  const splitter = createScanSplitter({ maxLength })
  return chunks.flatMap((chunk) => splitter.push(chunk))
}

t.test('ends a scan at CR, at LF and at CR LF, counting CR LF once', async (t) => {
  const table: Array<[string, string, SplitResult[]]> = [
    ['CR', 'ABC\r', [line('ABC')]],
    ['LF', 'ABC\n', [line('ABC')]],
    ['CR LF', 'ABC\r\n', [line('ABC')]],
    ['CR LF between two scans', 'ABC\r\nDEF\r\n', [line('ABC'), line('DEF')]],
    ['LF CR is two terminators around nothing', 'ABC\n\rDEF\n', [line('ABC'), line('DEF')]],
    ['empty lines are skipped', '\r\n\r\n\nABC\r\r\n', [line('ABC')]],
    ['no terminator yet', 'ABC', []],
  ]
  for (const [name, input, expected] of table) t.strictSame(feed([bytes(input)]), expected, name)
})

t.test('joins a scan split across chunks, including a CR LF split between chunks', async (t) => {
  t.strictSame(feed([bytes('0792'), bytes('03000001|x'), bytes('\r'), bytes('\nNEXT\n')]), [line('079203000001|x'), line('NEXT')])
})

t.test('returns two scans that arrive in one chunk, in order', async (t) => {
  t.strictSame(feed([bytes('FIRST\r\nSECOND\r\nTHI')]), [line('FIRST'), line('SECOND')])
})

t.test('decodes Vietnamese UTF-8 split in the middle of a character', async (t) => {
  const encoded = bytes(`${CCCD_QR}\r\n`)
  const splitAt = encoded.indexOf(0xbb) // a continuation byte of 'ễ' (E1 BB 85)
  t.ok(splitAt > 0 && (encoded[splitAt - 1] ?? 0) >= 0xc0, 'the split falls inside a multi-byte character')
  const results = feed([encoded.slice(0, splitAt), encoded.slice(splitAt)], 512)
  t.strictSame(results, [line(CCCD_QR)])
  // One byte at a time is the worst case a UART can deliver.
  t.strictSame(feed([...encoded].map((byte) => Uint8Array.of(byte)), 512), [line(CCCD_QR)])
})

t.test('reports invalid UTF-8 as garbage without its bytes, and keeps going', async (t) => {
  const invalid = Uint8Array.of(0x41, 0xc3, 0x28, 0x0d, 0x0a) // C3 must be followed by a continuation byte
  const results = feed([invalid, bytes('OK\r\n')])
  t.equal(results.length, 2)
  t.match(results[0], { kind: 'garbage', reason: /UTF-8/ })
  t.strictSame(results[1], line('OK'))
  t.notMatch(JSON.stringify(results[0]), /A/, 'the reason carries none of the bytes')
})

t.test('reports a line longer than maxLength once and resyncs at the next terminator', async (t) => {
  const splitter = createScanSplitter({ maxLength: 8 })
  t.strictSame(splitter.push(bytes('12345678\r\n')), [line('12345678')], 'exactly maxLength bytes is a scan')
  const results = splitter.push(bytes('123456789ABCDEF'))
  t.strictSame(results, [{ kind: 'garbage', reason: 'scan longer than 8 bytes without a line end' }])
  t.equal(splitter.pendingBytes, 0, 'the long line is not buffered')
  t.equal(splitter.inLine, true, 'still inside the long line')
  t.strictSame(splitter.push(bytes('GHIJKLMNOPQ')), [], 'more of the same line is skipped silently')
  t.strictSame(splitter.push(bytes('XYZ\r\nGOOD\r\n')), [line('GOOD')])
  t.equal(splitter.inLine, false)
})

t.test('dropPartial forgets a half line and says whether it was unreported', async (t) => {
  const splitter = createScanSplitter({ maxLength: 4 })
  splitter.push(bytes('07920'))
  t.equal(splitter.dropPartial(), false, 'an over-long line was already reported')
  splitter.push(bytes('HALF'))
  t.equal(splitter.pendingBytes, 4)
  t.equal(splitter.dropPartial(), true)
  t.equal(splitter.pendingBytes, 0)
  t.strictSame(splitter.push(bytes('NEW\n')), [line('NEW')], 'the dropped bytes do not leak into the next scan')
})

t.test('refuses a maxLength that is not a positive integer', async (t) => {
  t.throws(() => createScanSplitter({ maxLength: 0 }), TypeError)
  t.throws(() => createScanSplitter({ maxLength: 2.5 }), TypeError)
})

t.test('classifies CCCD QR lines, joined MRZ lines and anything else', async (t) => {
  const table: Array<[string, string, ReturnType<typeof classifyScan>]> = [
    ['CCCD QR line', CCCD_QR, 'cccd'],
    ['CCCD with an empty old ID field', '079203000001||Nguyễn Văn An|15082003|Nam|x|20042021', 'cccd'],
    ['CCCD QR with leading spaces (the parser trims them)', `   ${CCCD_QR}`, 'cccd'],
    ['CCCD QR with a trailing CRLF', `${CCCD_QR}\r\n`, 'cccd'],
    ['three MRZ lines joined by CRLF', MRZ.join('\r\n'), 'mrz'],
    ['12 digits but no separator', '079203000001', 'unknown'],
    ['separator but 11 digits', '07920300000|025000001', 'unknown'],
    ['leading letter', 'A79203000001|x', 'unknown'],
    ['three MRZ lines', MRZ.join('\n'), 'mrz'],
    ['two MRZ lines', MRZ.slice(0, 2).join('\n'), 'unknown'],
    ['one MRZ line', MRZ[0] ?? '', 'unknown'],
    ['MRZ with a 29-character line', [MRZ[0], MRZ[1], (MRZ[2] ?? '').slice(0, 29)].join('\n'), 'unknown'],
    ['MRZ with lower case', MRZ.join('\n').toLowerCase(), 'unknown'],
    ['VietQR payload', '00020101021238570010A00000072701270006970436', 'unknown'],
    ['empty', '', 'unknown'],
  ]
  for (const [name, text, expected] of table) t.equal(classifyScan(text), expected, name)
})

t.test('recognises one MRZ line by length and alphabet', async (t) => {
  t.equal(isMrzLine(MRZ[1] ?? ''), true)
  t.equal(isMrzLine('I<UTOD231458907<<<<<<<<<<<<<<<'), true)
  t.equal(isMrzLine('I<UTOD231458907<<<<<<<<<<<<<<'), false, '29 characters')
  t.equal(isMrzLine('I<UTOD231458907<<<<<<<<<<<<<<<<'), false, '31 characters')
  t.equal(isMrzLine('I<UTOD231458907<<<<<<<<<<<<< <'), false, 'space')
})
