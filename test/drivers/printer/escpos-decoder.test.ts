import t from 'tap'
import { encodeReceipt } from '../../../drivers/printer/escpos-codec.js'
import { decodeEscPos, renderPaper, type DecodedLine } from '../../../drivers/printer/escpos-decoder.js'
import type { PrinterProfile } from '../../../drivers/printer/printer-profile.js'
import type { Receipt } from '../../../drivers/printer/receipt.js'

const ASCII_32: PrinterProfile = { codepage: 'ascii', codeTable: 0, lineWidthChars: 32 }

/** A receipt whose text every code page can carry exactly (TCVN-3 has no toned capitals). */
const VIETNAMESE_RECEIPT: Receipt = {
  lines: [
    { kind: 'text', text: 'Trung tâm Phục vụ hành chính công', align: 'center', bold: true, size: 'double' },
    { kind: 'rule' },
    { kind: 'text', text: 'Họ tên: Nguyễn Văn Đức, phường Bến Thành, thành phố Hồ Chí Minh' },
    { kind: 'text', text: 'Mã hồ sơ: HS-2026-0042', align: 'right' },
    { kind: 'qr', data: 'https://dichvucong.gov.vn/tra-cuu?ma=HS-2026-0042' },
    { kind: 'barcode', data: 'HS-2026-0042' },
    { kind: 'feed', lines: 2 },
    { kind: 'text', text: 'Cảm ơn quý khách', align: 'center' },
  ],
}

function texts(lines: readonly DecodedLine[]): string[] {
  return lines.flatMap((line) => ('text' in line ? [line.text] : []))
}

function joinedWords(lines: readonly DecodedLine[]): string {
  return texts(lines).join(' ').replace(/\s+/gu, ' ').trim()
}

for (const [codepage, codeTable] of [
  ['cp1258', 52],
  ['tcvn3', 30],
] as const) {
  t.test(`a Vietnamese receipt survives encode and decode in ${codepage}`, async (t) => {
    const profile: PrinterProfile = { codepage, codeTable, lineWidthChars: 32 }
    const decoded = decodeEscPos(encodeReceipt(VIETNAMESE_RECEIPT, profile), profile)
    t.equal(decoded.cuts, 1)
    const words = joinedWords(decoded.lines)
    for (const line of VIETNAMESE_RECEIPT.lines) {
      if (line.kind === 'text') t.ok(words.includes(line.text), `text "${line.text}" is on the paper`)
    }
    t.ok(decoded.lines.some((line) => 'qr' in line && line.qr === 'https://dichvucong.gov.vn/tra-cuu?ma=HS-2026-0042'))
    t.ok(decoded.lines.some((line) => 'barcode' in line && line.barcode === 'HS-2026-0042'))
    t.strictSame(decoded.lines.at(-1), { cut: 'partial' })
    const title = decoded.lines[0]
    t.match(title, { align: 'center', bold: true, size: 'double' })
    t.ok(decoded.lines.some((line) => 'text' in line && line.text === '-'.repeat(32) && line.size === 'normal'), 'rule spans the paper')
    t.match(decoded.lines.find((line) => 'text' in line && line.text.startsWith('Mã hồ sơ')), { align: 'right', bold: false })
  })
}

t.test('the same receipt in ascii comes back folded, with no lines wider than the paper', async (t) => {
  const decoded = decodeEscPos(encodeReceipt(VIETNAMESE_RECEIPT, ASCII_32), ASCII_32)
  t.ok(joinedWords(decoded.lines).includes('Ho ten: Nguyen Van Duc, phuong Ben Thanh, thanh pho Ho Chi Minh'))
  for (const line of decoded.lines) {
    if ('text' in line) t.ok(line.text.length * (line.size === 'double' ? 2 : 1) <= 32, `"${line.text}" fits`)
  }
})

t.test('ESC a in the middle of a line is ignored, as on the printer; at a line start it holds until changed', async (t) => {
  const bytes = Uint8Array.of(0x41, 0x1b, 0x61, 0x02, 0x42, 0x0a, 0x43, 0x0a, 0x1b, 0x61, 0x32, 0x44, 0x0a, 0x45, 0x0a)
  const { lines } = decodeEscPos(bytes, ASCII_32)
  t.strictSame(lines, [
    { text: 'AB', align: 'left', bold: false, size: 'normal' },
    { text: 'C', align: 'left', bold: false, size: 'normal' },
    { text: 'D', align: 'right', bold: false, size: 'normal' },
    { text: 'E', align: 'right', bold: false, size: 'normal' },
  ])
})

t.test('a line longer than the paper wraps by itself; ESC d n prints n lines; unterminated text is not printed', async (t) => {
  const profile: PrinterProfile = { codepage: 'ascii', codeTable: 0, lineWidthChars: 4 }
  const bytes = Uint8Array.of(...Buffer.from('ABCDEF'), 0x0a, ...Buffer.from('GH'), 0x1b, 0x64, 0x02, ...Buffer.from('lost'))
  t.strictSame(texts(decodeEscPos(bytes, profile).lines), ['ABCD', 'EF', 'GH', ''])
})

t.test('ESC @ clears the line buffer and modes; ESC ! and GS ! set emphasis and size', async (t) => {
  const bytes = Uint8Array.of(
    ...[0x1b, 0x21, 0x38, 0x41, 0x0a], // ESC ! emphasized + double height + double width
    ...[0x1d, 0x21, 0x21, 0x42, 0x0a], // GS ! 3 wide x 2 high
    ...[0x43, 0x1b, 0x40, 0x44, 0x0a], // C is discarded by ESC @
  )
  t.strictSame(decodeEscPos(bytes, ASCII_32).lines, [
    { text: 'A', align: 'left', bold: true, size: 'double' },
    { text: 'B', align: 'left', bold: true, size: '3x2' },
    { text: 'D', align: 'left', bold: false, size: 'normal' },
  ])
})

t.test('high bytes decode only under the profile code table, otherwise as U+FFFD', async (t) => {
  const profile: PrinterProfile = { codepage: 'cp1258', codeTable: 52, lineWidthChars: 32 }
  const withTable = Uint8Array.of(0x1b, 0x74, 52, 0x56, 0x69, 0xea, 0xf2, 0x74, 0x0a)
  t.strictSame(texts(decodeEscPos(withTable, profile).lines), ['Việt'])
  const withoutTable = Uint8Array.of(0x56, 0x69, 0xea, 0xf2, 0x74, 0x0a)
  t.strictSame(texts(decodeEscPos(withoutTable, profile).lines), ['Vi\ufffd\ufffdt'])
})

t.test('full and partial cuts, Function A barcodes and CODE128 code sets decode', async (t) => {
  const bytes = Uint8Array.of(
    ...[0x1d, 0x6b, 0x04, 0x41, 0x31, 0x00], // CODE39 "A1"
    ...[0x1d, 0x6b, 0x49, 0x08, 0x7b, 0x42, 0x4e, 0x7b, 0x7b, 0x7b, 0x43, 0x05], // {B N {{ {C 05
    ...[0x1d, 0x56, 0x00],
    ...[0x1b, 0x69],
  )
  const decoded = decodeEscPos(bytes, ASCII_32)
  t.strictSame(decoded.lines, [{ barcode: 'A1' }, { barcode: 'N{05' }, { cut: 'full' }, { cut: 'full' }])
  t.equal(decoded.cuts, 2)
})

t.test('a QR print without stored data prints nothing; real-time and unknown-but-sized commands are skipped', async (t) => {
  const bytes = Uint8Array.of(
    ...[0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30],
    ...[0x10, 0x04, 0x01, 0x1b, 0x70, 0x00, 0x19, 0xfa, 0x1d, 0x42, 0x01],
    ...Buffer.from('ok'),
    0x0a,
  )
  t.strictSame(texts(decodeEscPos(bytes, ASCII_32).lines), ['ok'])
})

t.test('a stream that ends inside a command, or holds an unknown one, is refused', async (t) => {
  t.throws(() => decodeEscPos(Uint8Array.of(0x41, 0x1d, 0x28, 0x6b, 0x10), ASCII_32), { code: 'E_CODEC_INVALID', context: { offset: 1 } })
  t.throws(() => decodeEscPos(Uint8Array.of(0x1c, 0x7f), ASCII_32), { code: 'E_CODEC_INVALID' })
})

t.test('renderPaper aligns text by printed cells and draws symbols and cuts', async (t) => {
  const lines: DecodedLine[] = [
    { text: 'LEFT', align: 'left', bold: false, size: 'normal' },
    { text: 'MID', align: 'center', bold: true, size: 'normal' },
    { text: 'RIGHT', align: 'right', bold: false, size: 'normal' },
    { text: 'BIG', align: 'center', bold: false, size: 'double' },
    { text: '', align: 'center', bold: false, size: 'normal' },
    { qr: 'https://x.vn' },
    { barcode: 'VN123' },
    { cut: 'partial' },
  ]
  t.strictSame(renderPaper({ lines, cuts: 1 }, 12), [
    'LEFT',
    '    MID',
    '       RIGHT',
    '   BIG',
    '',
    '[QR] https://x.vn',
    '[BARCODE] VN123',
    '✂ - - - - -',
  ])
  t.strictSame(renderPaper(lines.slice(0, 1), 12), ['LEFT'], 'takes a bare line list too')
})
