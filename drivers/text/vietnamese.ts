/**
 * Vietnamese text at the edges of the station: ASCII folding (LCD, VietQR purpose), the two single-byte
 * printer code pages Windows-1258 and TCVN-3 (docs/protocols.md 1.5 and 4.4), and detection of text that a
 * scanner decoded with the wrong charset (7.3). Pure functions.
 */

/**
 * Non-ASCII characters that survive compatibility decomposition (NFKD) but still have an obvious ASCII
 * reading. đ/Đ matter most: Unicode gives them no decomposition, so stripping marks alone leaves them.
 */
const EXTRA_FOLDS: Readonly<Record<string, string>> = {
  'đ': 'd', 'Đ': 'D', 'ð': 'd', 'Ð': 'D', 'ø': 'o', 'Ø': 'O', 'ł': 'l', 'Ł': 'L', 'ı': 'i',
  'ß': 'ss', 'æ': 'ae', 'Æ': 'AE', 'œ': 'oe', 'Œ': 'OE', 'þ': 'th', 'Þ': 'TH',
  '‘': "'", '’': "'", '‚': "'", '‹': "'", '›': "'", '“': '"', '”': '"', '„': '"', '«': '"', '»': '"',
  '–': '-', '—': '-', '−': '-', '•': '*', '×': 'x', '₫': 'd',
}

const COMBINING_MARK = /\p{M}/u

/**
 * Folds text to printable ASCII: decomposes (NFKD, so that compatibility forms such as `…`, full-width
 * letters and no-break spaces fold too), drops combining marks, maps đ→d, Đ→D and a few other letters,
 * and replaces anything left outside ASCII with `?`. "Nguyễn Văn Đức" → "Nguyen Van Duc".
 */
export function foldToAscii(text: string): string {
  let folded = ''
  for (const char of text.normalize('NFKD')) {
    if (COMBINING_MARK.test(char)) continue
    if (char.charCodeAt(0) < 0x80) folded += char
    else folded += EXTRA_FOLDS[char] ?? '?'
  }
  return folded
}

/**
 * Windows-1258 bytes 0x80..0xFF as Unicode code points, generated from glibc `iconv -f CP1258`;
 * 0xfffd marks the nine undefined bytes.
 */
const CP1258_HIGH: readonly number[] = [
  0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, // 0x80
  0x02c6, 0x2030, 0xfffd, 0x2039, 0x0152, 0xfffd, 0xfffd, 0xfffd, // 0x88
  0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, // 0x90
  0x02dc, 0x2122, 0xfffd, 0x203a, 0x0153, 0xfffd, 0xfffd, 0x0178, // 0x98
  0x00a0, 0x00a1, 0x00a2, 0x00a3, 0x00a4, 0x00a5, 0x00a6, 0x00a7, // 0xa0
  0x00a8, 0x00a9, 0x00aa, 0x00ab, 0x00ac, 0x00ad, 0x00ae, 0x00af, // 0xa8
  0x00b0, 0x00b1, 0x00b2, 0x00b3, 0x00b4, 0x00b5, 0x00b6, 0x00b7, // 0xb0
  0x00b8, 0x00b9, 0x00ba, 0x00bb, 0x00bc, 0x00bd, 0x00be, 0x00bf, // 0xb8
  0x00c0, 0x00c1, 0x00c2, 0x0102, 0x00c4, 0x00c5, 0x00c6, 0x00c7, // 0xc0
  0x00c8, 0x00c9, 0x00ca, 0x00cb, 0x0300, 0x00cd, 0x00ce, 0x00cf, // 0xc8 (0xcc = combining grave)
  0x0110, 0x00d1, 0x0309, 0x00d3, 0x00d4, 0x01a0, 0x00d6, 0x00d7, // 0xd0 (0xd2 = combining hook above)
  0x00d8, 0x00d9, 0x00da, 0x00db, 0x00dc, 0x01af, 0x0303, 0x00df, // 0xd8 (0xde = combining tilde)
  0x00e0, 0x00e1, 0x00e2, 0x0103, 0x00e4, 0x00e5, 0x00e6, 0x00e7, // 0xe0
  0x00e8, 0x00e9, 0x00ea, 0x00eb, 0x0301, 0x00ed, 0x00ee, 0x00ef, // 0xe8 (0xec = combining acute)
  0x0111, 0x00f1, 0x0323, 0x00f3, 0x00f4, 0x01a1, 0x00f6, 0x00f7, // 0xf0 (0xf2 = combining dot below)
  0x00f8, 0x00f9, 0x00fa, 0x00fb, 0x00fc, 0x01b0, 0x20ab, 0x00ff, // 0xf8
]

const CP1258_BYTE_OF = new Map<number, number>(
  CP1258_HIGH.flatMap((codePoint, index) => (codePoint === 0xfffd ? [] : [[codePoint, 0x80 + index] as const])),
)

/** The five Vietnamese tone marks, which CP1258 can only carry as combining bytes after the letter. */
const TONE_MARKS: ReadonlySet<string> = new Set(['\u0300', '\u0301', '\u0303', '\u0309', '\u0323'])

const QUESTION_MARK = 0x3f

/**
 * Encodes text as Windows-1258, the way glibc iconv does: a letter CP1258 holds precomposed (á, à, ê, ơ, đ …)
 * is one byte; otherwise the letter is split into its base (with circumflex, breve or horn kept) and its tone
 * mark, which follows as a combining byte (0xcc grave, 0xec acute, 0xde tilde, 0xd2 hook, 0xf2 dot below).
 * "Việt" → `56 69 EA F2 74`. Other characters fold to ASCII; anything left becomes `?`.
 * Returns only the text bytes; selecting the code table (ESC t) is the printer codec's job.
 */
export function encodeCp1258(text: string): Uint8Array {
  const bytes: number[] = []
  for (const char of text.normalize('NFC')) {
    const direct = singleByte(char, CP1258_BYTE_OF)
    if (direct !== undefined) {
      bytes.push(direct)
      continue
    }
    const [base = '', ...marks] = char.normalize('NFD')
    const tones = marks.filter((mark) => TONE_MARKS.has(mark))
    const letter = (base + marks.filter((mark) => !TONE_MARKS.has(mark)).join('')).normalize('NFC')
    const letterByte = singleByte(letter, CP1258_BYTE_OF)
    if (tones.length > 0 && letterByte !== undefined) {
      bytes.push(letterByte, ...tones.map((tone) => CP1258_BYTE_OF.get(tone.charCodeAt(0)) ?? QUESTION_MARK))
    } else {
      bytes.push(...foldedBytes(char))
    }
  }
  return Uint8Array.from(bytes)
}

/**
 * TCVN-3 (TCVN 5712:1993 VN3) lowercase-font table: the 67 precomposed lowercase letters plus the seven
 * untoned capitals Ă Â Ê Ô Ơ Ư Đ at 0xa1..0xa7. Generated from glibc `iconv -f TCVN`, whose VN1 table
 * coincides with TCVN-3 in this range; VN1's extra capitals (C0 controls, 0x80..0x9f and the gaps) are left
 * out on purpose because a TCVN-3 printer font does not have them there.
 */
const TCVN3_BYTE_OF: ReadonlyMap<string, number> = new Map([
  ['Ă', 0xa1], ['Â', 0xa2], ['Ê', 0xa3], ['Ô', 0xa4], ['Ơ', 0xa5], ['Ư', 0xa6], ['Đ', 0xa7], ['ă', 0xa8],
  ['â', 0xa9], ['ê', 0xaa], ['ô', 0xab], ['ơ', 0xac], ['ư', 0xad], ['đ', 0xae], ['à', 0xb5], ['ả', 0xb6],
  ['ã', 0xb7], ['á', 0xb8], ['ạ', 0xb9], ['ằ', 0xbb], ['ẳ', 0xbc], ['ẵ', 0xbd], ['ắ', 0xbe], ['ặ', 0xc6],
  ['ầ', 0xc7], ['ẩ', 0xc8], ['ẫ', 0xc9], ['ấ', 0xca], ['ậ', 0xcb], ['è', 0xcc], ['ẻ', 0xce], ['ẽ', 0xcf],
  ['é', 0xd0], ['ẹ', 0xd1], ['ề', 0xd2], ['ể', 0xd3], ['ễ', 0xd4], ['ế', 0xd5], ['ệ', 0xd6], ['ì', 0xd7],
  ['ỉ', 0xd8], ['ĩ', 0xdc], ['í', 0xdd], ['ị', 0xde], ['ò', 0xdf], ['ỏ', 0xe1], ['õ', 0xe2], ['ó', 0xe3],
  ['ọ', 0xe4], ['ồ', 0xe5], ['ổ', 0xe6], ['ỗ', 0xe7], ['ố', 0xe8], ['ộ', 0xe9], ['ờ', 0xea], ['ở', 0xeb],
  ['ỡ', 0xec], ['ớ', 0xed], ['ợ', 0xee], ['ù', 0xef], ['ủ', 0xf1], ['ũ', 0xf2], ['ú', 0xf3], ['ụ', 0xf4],
  ['ừ', 0xf5], ['ử', 0xf6], ['ữ', 0xf7], ['ứ', 0xf8], ['ự', 0xf9], ['ỳ', 0xfa], ['ỷ', 0xfb], ['ỹ', 0xfc],
  ['ý', 0xfd], ['ỵ', 0xfe],
])

/**
 * Encodes text for the TCVN-3 lowercase font (Epson ESC t 30). "việt" → `76 69 D6 74`.
 * Toned capitals (Ấ, Ệ …) exist only in the separate capitals font (ESC t 31); rather than switch tables
 * per character, they are printed as their lowercase letter, which keeps the tone (the part that carries
 * meaning) and loses only the case. Untoned capitals Ă Â Ê Ô Ơ Ư Đ are in this table. Other characters
 * fold to ASCII; anything left becomes `?`. Returns only the text bytes, without ESC t.
 */
export function encodeTcvn3(text: string): Uint8Array {
  const bytes: number[] = []
  for (const char of text.normalize('NFC')) {
    const code = char.charCodeAt(0) < 0x80 ? char.charCodeAt(0) : (TCVN3_BYTE_OF.get(char) ?? TCVN3_BYTE_OF.get(char.toLowerCase()))
    if (code !== undefined) bytes.push(code)
    else bytes.push(...foldedBytes(char))
  }
  return Uint8Array.from(bytes)
}

function singleByte(char: string, table: ReadonlyMap<number, number>): number | undefined {
  if (char.length !== 1) return undefined
  const codePoint = char.charCodeAt(0)
  return codePoint < 0x80 ? codePoint : table.get(codePoint)
}

/** Fallback for a character the code page lacks: its ASCII folding, or one `?` if that loses it entirely. */
function foldedBytes(char: string): number[] {
  const folded = foldToAscii(char)
  if (folded.length === 0 || folded.includes('?')) return [QUESTION_MARK]
  return Array.from(folded, (ascii) => ascii.charCodeAt(0))
}

/** Windows-1252 bytes 0x80..0x9f that are not C1 controls; every other byte maps to the same code point. */
const CP1252_SPECIALS: ReadonlyMap<string, number> = new Map([
  ['€', 0x80], ['‚', 0x82], ['ƒ', 0x83], ['„', 0x84], ['…', 0x85], ['†', 0x86], ['‡', 0x87], ['ˆ', 0x88],
  ['‰', 0x89], ['Š', 0x8a], ['‹', 0x8b], ['Œ', 0x8c], ['Ž', 0x8e], ['‘', 0x91], ['’', 0x92], ['“', 0x93],
  ['”', 0x94], ['•', 0x95], ['–', 0x96], ['—', 0x97], ['˜', 0x98], ['™', 0x99], ['š', 0x9a], ['›', 0x9b],
  ['œ', 0x9c], ['ž', 0x9e], ['Ÿ', 0x9f],
])

/**
 * True when `text` looks like UTF-8 that was decoded as Windows-1252 ("Nguyá»…n" for "Nguyễn"), the usual
 * fault of a scanner or driver set to the wrong charset (docs/protocols.md 7.3 step 6): the text re-encodes as
 * Windows-1252, those bytes are valid UTF-8, and they decode to something different. Correct Vietnamese
 * never passes the first step (ễ, ơ, đ … are not in Windows-1252) and ASCII decodes to itself.
 */
export function looksLikeMojibake(text: string): boolean {
  const bytes: number[] = []
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0
    // C1 controls stand for the five bytes Windows-1252 leaves undefined (WHATWG decoders map them so).
    const byte = codePoint < 0x100 ? codePoint : CP1252_SPECIALS.get(char)
    if (byte === undefined) return false
    bytes.push(byte)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes)) !== text
  } catch {
    return false
  }
}
