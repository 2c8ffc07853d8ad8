/**
 * Eight CGRAM user glyphs for Vietnamese on an HD44780 with the A00 ROM (docs/protocols.md 4.3, 4.4), and
 * the text encoding that uses them. Pure data and functions.
 *
 * Why these eight: the A00 ROM has no accented letters, and 8 slots cannot hold Vietnamese's 134
 * letters, so most text is still folded to ASCII. Folding a tone mark keeps the word readable, but
 * folding the letters ă â ê ô ơ ư đ turns them into different letters of the alphabet and can change
 * the word ("đ" and "d" are separate letters: "đi" go, "di" move). So the slots hold those seven
 * lowercase letters plus Đ, which starts many capitalised words (Đăng ký, Điện, Đà Nẵng). Tone marks
 * are dropped ("bảo" shows as "bao"); uppercase Ă Â Ê Ô Ơ Ư have no slot left and fold to ASCII.
 */
import { displayText } from './hd44780-codec.js'

/** One user glyph: the letter it shows and its 8 rows, top first, low 5 bits = pixels, bit 4 = left. */
export interface VietnameseGlyph {
  readonly letter: string
  readonly rows: readonly number[]
}

/**
 * Row helper so the bitmaps below read as pictures: '#' = pixel on, '.' = off, five per row.
 * Row 8 is the cursor line and is left blank, as the ROM's own letters leave it.
 */
function bitmap(...rows: string[]): readonly number[] {
  return Object.freeze(rows.map((row) => Number.parseInt(row.replaceAll('#', '1').replaceAll('.', '0'), 2)))
}

/**
 * The glyphs in slot order (index = CGRAM slot = character code 0x00..0x07).
 * The lowercase vowels are 4 rows tall on the ROM's baseline (row 6), which leaves rows 0-1 for the
 * breve or circumflex and row 2 blank between mark and letter: at 5x8 a mark touching the letter reads
 * as a blob. The horn of ơ and ư rises at the top right, as in print; ư is drawn 4 columns wide so the
 * horn does not merge into its right stem (which would make it read as "d"). đ has its stem in column 3
 * so the bar crosses it on both sides; Đ moves one column right so the bar crosses its left stem.
 */
export const VIETNAMESE_GLYPHS: readonly VietnameseGlyph[] = Object.freeze([
  {
    letter: 'ă',
    rows: bitmap('#...#', '.###.', '.....', '.###.', '#...#', '#..##', '.##.#', '.....'),
  },
  {
    letter: 'â',
    rows: bitmap('..#..', '.#.#.', '.....', '.###.', '#...#', '#..##', '.##.#', '.....'),
  },
  {
    letter: 'ê',
    rows: bitmap('..#..', '.#.#.', '.....', '.###.', '#####', '#....', '.###.', '.....'),
  },
  {
    letter: 'ô',
    rows: bitmap('..#..', '.#.#.', '.....', '.###.', '#...#', '#...#', '.###.', '.....'),
  },
  {
    letter: 'ơ',
    rows: bitmap('.....', '....#', '....#', '.###.', '#...#', '#...#', '.###.', '.....'),
  },
  {
    letter: 'ư',
    rows: bitmap('.....', '....#', '....#', '#..#.', '#..#.', '#.##.', '.#.#.', '.....'),
  },
  {
    letter: 'đ',
    rows: bitmap('...#.', '..###', '...#.', '.###.', '#..#.', '#..#.', '.###.', '.....'),
  },
  {
    letter: 'Đ',
    rows: bitmap('.###.', '.#..#', '.#..#', '###.#', '.#..#', '.#..#', '.###.', '.....'),
  },
].map((glyph) => Object.freeze(glyph)))

const SLOT_OF: ReadonlyMap<string, number> = new Map(VIETNAMESE_GLYPHS.map((glyph, slot) => [glyph.letter, slot]))

/** The CGRAM slot (0..7) holding `letter` (NFC, tone marks already removed), or undefined. */
export function vietnameseGlyphSlot(letter: string): number | undefined {
  return SLOT_OF.get(letter)
}

/**
 * The letter whose glyph has exactly these 8 rows (compared on the 5 pixel bits; bits 5-7 of CGRAM
 * are not shown), or undefined. This is what a person, or a camera, would read off the glass.
 */
export function vietnameseGlyphLetter(rows: ArrayLike<number>): string | undefined {
  if (rows.length !== 8) return undefined
  const glyph = VIETNAMESE_GLYPHS.find((candidate) =>
    candidate.rows.every((row, index) => row === ((rows[index] ?? 0) & 0x1f)),
  )
  return glyph?.letter
}

/** The five Vietnamese tone marks: grave, acute, tilde, hook above, dot below. Breve, circumflex and horn stay. */
const TONE_MARKS: ReadonlySet<string> = new Set(['\u0300', '\u0301', '\u0303', '\u0309', '\u0323'])

/** Text with tone marks removed and letters recomposed (NFC): "Người" → "Ngươi", "bảo" → "bao". */
function withoutTones(text: string): string {
  let kept = ''
  for (const char of text.normalize('NFD')) if (!TONE_MARKS.has(char)) kept += char
  return kept.normalize('NFC')
}

/**
 * Text for an HD44780 whose CGRAM holds VIETNAMESE_GLYPHS: tone marks are dropped, ă â ê ô ơ ư đ Đ
 * become their slot codes '\x00'..'\x07', and everything else is folded exactly as displayText does
 * (accents to ASCII, `\` → `/`, `~` → `-`, control characters → space). Every output character is one
 * display cell, and each Vietnamese letter gives exactly one; like displayText, a few non-Vietnamese
 * characters fold to several (ß → ss, … → ...).
 * "Đang bảo trì" → "\x07ang bao tri"; "Người dân" → "Ng\x05\x04i d\x01n".
 */
export function glyphDisplayText(text: string): string {
  let shown = ''
  let run = ''
  for (const char of withoutTones(text)) {
    const slot = SLOT_OF.get(char)
    if (slot === undefined) {
      run += char
      continue
    }
    // Input control characters reach displayText (→ space), so a slot code only ever comes from a letter.
    shown += displayText(run) + String.fromCharCode(slot)
    run = ''
  }
  return shown + displayText(run)
}
