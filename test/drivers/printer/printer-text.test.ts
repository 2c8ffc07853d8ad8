import t from 'tap'
import { decodePrinterText, encodePrinterText, wrapText } from '../../../drivers/printer/printer-text.js'

const byLength = (text: string): number => text.length

t.test('wraps at spaces, keeps words whole, and splits only words longer than a line', async (t) => {
  t.strictSame(wrapText('the quick brown fox', 10, byLength), ['the quick', 'brown fox'])
  t.strictSame(wrapText('abcdefghijklmnop xy', 6, byLength), ['abcdef', 'ghijkl', 'mnop', 'xy'])
  t.strictSame(wrapText('exactly10c', 10, byLength), ['exactly10c'])
})

t.test('newlines start new lines, empty text is one empty line, and spaces at a wrap point are dropped', async (t) => {
  t.strictSame(wrapText('a\nb', 10, byLength), ['a', 'b'])
  t.strictSame(wrapText('', 10, byLength), [''])
  t.strictSame(wrapText('aaaa    bbbb', 5, byLength), ['aaaa', 'bbbb'])
})

t.test('measures CP1258 text in printed cells, one per byte, and never splits a letter from its tone byte', async (t) => {
  const cells = (text: string): number => encodePrinterText(text, 'cp1258').length
  t.equal(cells('Việt'), 5)
  t.strictSame(wrapText('Việt Nam', 7, cells), ['Việt', 'Nam'])
  t.strictSame(wrapText('ệệệ', 4, cells), ['ệệ', 'ệ'])
})

t.test('control characters become spaces in every code page', async (t) => {
  for (const codepage of ['ascii', 'cp1258', 'tcvn3'] as const) {
    const bytes = encodePrinterText('a\u001bb\u0010c\u0085d', codepage)
    t.strictSame(Array.from(bytes), [0x61, 0x20, 0x62, 0x20, 0x63, 0x20, 0x64], codepage)
  }
})

t.test('ascii folds Vietnamese; the code pages decode back to the same Unicode text', async (t) => {
  t.equal(Buffer.from(encodePrinterText('Đà Nẵng', 'ascii')).toString('latin1'), 'Da Nang')
  const text = 'Hồ Chí Minh, Đà Nẵng, tiếng việt'
  t.equal(decodePrinterText(encodePrinterText(text, 'cp1258'), 'cp1258'), text)
  t.equal(decodePrinterText(encodePrinterText(text, 'tcvn3'), 'tcvn3'), text)
})

t.test('TCVN-3 prints toned capitals as their lowercase letter, and unknown high bytes decode to U+FFFD', async (t) => {
  t.equal(decodePrinterText(encodePrinterText('ĐẤT VIỆT', 'tcvn3'), 'tcvn3'), 'ĐấT VIệT')
  t.equal(decodePrinterText(Uint8Array.of(0x41, 0x80), 'tcvn3'), 'A\ufffd')
  t.equal(decodePrinterText(Uint8Array.of(0x41, 0xe9), 'ascii'), 'A\ufffd')
})
