import { execFileSync } from 'node:child_process'
import t from 'tap'
import { encodeCp1258, encodeTcvn3, foldToAscii, looksLikeMojibake } from '../../../drivers/text/vietnamese.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1 ')

/** All 134 non-ASCII Vietnamese letters: 12 vowels × 6 tones in both cases, minus plain ASCII, plus đ/Đ. */
function vietnameseLetters(): string[] {
  const tones = ['', '\u0300', '\u0301', '\u0303', '\u0309', '\u0323']
  const letters = ['đ', 'Đ']
  for (const base of 'aăâeêioôơuưy') {
    for (const tone of tones) {
      const lower = (base + tone).normalize('NFC')
      if (lower.charCodeAt(0) >= 0x80) letters.push(lower, lower.toUpperCase())
    }
  }
  return letters
}

function iconv(target: string, text: string): Buffer | undefined {
  try {
    return execFileSync('iconv', ['-f', 'UTF-8', '-t', target], { input: text })
  } catch {
    return undefined
  }
}

t.test('folds Vietnamese to ASCII, including đ and Đ which have no decomposition', async (t) => {
  t.equal(foldToAscii('Nguyễn Văn Đức, Phường Bến Thành'), 'Nguyen Van Duc, Phuong Ben Thanh')
  t.equal(foldToAscii('Ủng hộ lũ lụt'), 'Ung ho lu lut')
  t.equal(foldToAscii(vietnameseLetters().join('')).replace(/[a-z]/gi, ''), '')
})

t.test('folds other letters and typographic punctuation sensibly and marks the rest with ?', async (t) => {
  t.equal(foldToAscii('Straße Øre Łódź “quoted” – 10 ₫ …'), 'Strasse Ore Lodz "quoted" - 10 d ...')
  t.equal(foldToAscii('ＡＢＣ\u00a0ﬁ'), 'ABC fi')
  t.equal(foldToAscii('東京 😀'), '?? ?')
  t.equal(foldToAscii('plain ASCII stays\n'), 'plain ASCII stays\n')
})

t.test('encodes CP1258 with precomposed bases and tone marks as combining bytes', async (t) => {
  t.equal(hex(encodeCp1258('Việt Nam')), '56 69 EA F2 74 20 4E 61 6D')
  t.equal(hex(encodeCp1258('Hồ Chí Minh')), '48 F4 CC 20 43 68 ED 20 4D 69 6E 68')
  t.equal(hex(encodeCp1258('Đà Nẵng')), 'D0 E0 20 4E E3 DE 6E 67')
})

t.test('encodes CP1258 from decomposed input the same as from precomposed input', async (t) => {
  t.strictSame(encodeCp1258('Việt Nam'.normalize('NFD')), encodeCp1258('Việt Nam'))
})

t.test('encodes characters CP1258 lacks as their ASCII folding or ?', async (t) => {
  t.equal(hex(encodeCp1258('ā€東')), '61 80 3F')
})

t.test('encodes the TCVN-3 lowercase table', async (t) => {
  t.equal(hex(encodeTcvn3('tiếng việt')), '74 69 D5 6E 67 20 76 69 D6 74')
  t.equal(hex(encodeTcvn3('hồ chí minh')), '68 E5 20 63 68 DD 20 6D 69 6E 68')
  t.equal(hex(encodeTcvn3('ă â ê ô ơ ư đ á')), 'A8 20 A9 20 AA 20 AB 20 AC 20 AD 20 AE 20 B8')
})

t.test('encodes untoned TCVN-3 capitals as such and toned capitals as their lowercase glyph', async (t) => {
  t.equal(hex(encodeTcvn3('Đà Nẵng')), 'A7 B5 20 4E BD 6E 67')
  t.equal(hex(encodeTcvn3('VIỆT')), '56 49 D6 54')
  t.equal(hex(encodeTcvn3('Ă€東')), 'A1 3F 3F')
})

const iconvMissing = iconv('CP1258', 'a') === undefined || iconv('TCVN', 'a') === undefined

t.test('matches glibc iconv for every Vietnamese letter', { skip: iconvMissing && 'glibc iconv is not installed' }, async (t) => {
  const letters = vietnameseLetters()
  // One iconv run per code page: letters joined by LF, which neither code page uses for a letter.
  const cp1258 = iconv('CP1258', letters.join('\n')) ?? Buffer.alloc(0)
  // glibc's TCVN is the VN1 superset; only the lowercase letters and the seven untoned capitals are TCVN-3.
  const tcvnLetters = letters.filter((letter) => letter === letter.toLowerCase() || 'ĂÂÊÔƠƯĐ'.includes(letter))
  const tcvn = iconv('TCVN', tcvnLetters.join('\n')) ?? Buffer.alloc(0)
  t.equal(letters.length, 134)
  t.strictSame(letters.map((letter) => hex(encodeCp1258(letter))), splitLines(cp1258))
  t.strictSame(tcvnLetters.map((letter) => hex(encodeTcvn3(letter))), splitLines(tcvn))
})

function splitLines(bytes: Buffer): string[] {
  return bytes.toString('latin1').split('\n').map((line) => hex(Buffer.from(line, 'latin1')))
}

t.test('detects UTF-8 text that was decoded as Windows-1252', async (t) => {
  t.equal(looksLikeMojibake('Nguyá»…n VÄƒn An'), true)
  // The same bytes read as Latin-1 give C1 controls where Windows-1252 has … and ƒ.
  t.equal(looksLikeMojibake(Buffer.from('Nguyễn Văn An', 'utf8').toString('latin1')), true)
  t.equal(looksLikeMojibake('Nguyễn Văn An'), false)
  t.equal(looksLikeMojibake('Lê Hà'), false, 'Windows-1252 letters that are not valid UTF-8 bytes')
  t.equal(looksLikeMojibake('Tran Van B'), false)
})
