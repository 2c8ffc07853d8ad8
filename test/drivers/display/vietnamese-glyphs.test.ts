import t from 'tap'
import { displayText } from '../../../drivers/display/hd44780-codec.js'
import { Hd44780Display, type DisplayGlyphs } from '../../../drivers/display/hd44780-display.js'
import { SimHd44780Pcf8574 } from '../../../drivers/display/sim-hd44780.js'
import {
  glyphDisplayText,
  VIETNAMESE_GLYPHS,
  vietnameseGlyphLetter,
  vietnameseGlyphSlot,
} from '../../../drivers/display/vietnamese-glyphs.js'
import type { I2cDevice } from '../../../drivers/i2c/i2c-bus.js'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { StationError } from '../../../runtime/core/errors.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { driveClock as drive } from '../../support/drive-clock.js'

const ADDRESS = 0x27
const BLANK = ' '.repeat(20)

/** SimClock, SimI2cBus with a 20x4 SimHd44780Pcf8574 at 0x27, and the real driver with `glyphs`. */
function rig(glyphs?: DisplayGlyphs) {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  const chip = new SimHd44780Pcf8574({ clock })
  bus.attach(ADDRESS, chip)
  const config = { address: ADDRESS, cols: 20, rows: 4 }
  const display = new Hd44780Display({ bus, clock }, glyphs === undefined ? config : { ...config, glyphs })
  return { clock, bus, chip, display }
}

/** CGRAM as the chip holds it, slot by slot. */
function cgram(chip: SimHd44780Pcf8574): number[][] {
  return Array.from({ length: 8 }, (_, slot) => [...chip.cgramSlot(slot)])
}

const TABLE = VIETNAMESE_GLYPHS.map((glyph) => [...glyph.rows])

t.test('the glyph table: 8 distinct 5x8 bitmaps with a blank cursor line, for ă â ê ô ơ ư đ Đ', async (t) => {
  t.strictSame(
    VIETNAMESE_GLYPHS.map((glyph) => glyph.letter),
    ['ă', 'â', 'ê', 'ô', 'ơ', 'ư', 'đ', 'Đ'],
  )
  for (const glyph of VIETNAMESE_GLYPHS) {
    t.equal(glyph.rows.length, 8, `${glyph.letter} has 8 rows`)
    t.ok(glyph.rows.every((row) => Number.isInteger(row) && row >= 0 && row <= 31), `${glyph.letter} rows are 0..31`)
    t.equal(glyph.rows[7], 0, `${glyph.letter} leaves the cursor line blank`)
    t.ok(glyph.rows.some((row) => row !== 0), `${glyph.letter} has pixels`)
  }
  t.equal(new Set(TABLE.map((rows) => rows.join(','))).size, 8, 'all bitmaps differ')
  t.strictSame(
    VIETNAMESE_GLYPHS.map((glyph) => vietnameseGlyphSlot(glyph.letter)),
    [0, 1, 2, 3, 4, 5, 6, 7],
  )
})

t.test('a bitmap reads back as its letter only when every pixel matches', async (t) => {
  for (const glyph of VIETNAMESE_GLYPHS) t.equal(vietnameseGlyphLetter(glyph.rows), glyph.letter)
  const dong = [...(VIETNAMESE_GLYPHS[6]?.rows ?? [])]
  t.equal(vietnameseGlyphLetter(dong.map((row) => row | 0xe0)), 'đ', 'bits 5-7 are not pixels')
  dong[1] = (dong[1] ?? 0) ^ 0x01
  t.equal(vietnameseGlyphLetter(dong), undefined, 'one pixel off')
  t.equal(vietnameseGlyphLetter(new Array<number>(8).fill(0)), undefined, 'empty CGRAM')
  t.equal(vietnameseGlyphLetter(VIETNAMESE_GLYPHS[0]?.rows.slice(0, 7) ?? []), undefined, 'too short')
})

t.test('glyphDisplayText: slot codes for the eight letters, tones dropped, the rest as displayText', async (t) => {
  t.equal(glyphDisplayText('Đang bảo trì'), '\x07ang bao tri')
  t.equal(glyphDisplayText('Người dân'), 'Ng\x05\x04i d\x01n', 'ư, ờ → ơ, â')
  t.equal(glyphDisplayText('ăn ấm tết ổn ợ ứ đã'), '\x00n \x01m t\x02t \x03n \x04 \x05 \x06a', 'each tone removed')
  t.equal(glyphDisplayText('ĂÂÊÔƠƯ Đ'), 'AAEOOU \x07', 'only Đ has an uppercase slot')
  t.equal(glyphDisplayText('a\\b~c'), 'a/b-c', 'A00 substitutes for backslash and tilde')
  t.equal(glyphDisplayText('x\x00y\x07\tz'), 'x y  z', 'control characters in the input never become slot codes')
  t.equal(glyphDisplayText('Xin chào, công dân'), 'Xin chao, c\x03ng d\x01n')
  const ascii = 'Phong 3, tang 2 (ID 079)'
  t.equal(glyphDisplayText(ascii), displayText(ascii), 'text without the eight letters is exactly displayText')
  t.equal(glyphDisplayText('café ñ €'), displayText('café ñ €'))
})

t.test('glyphDisplayText keeps one cell per Vietnamese letter, composed or decomposed', async (t) => {
  const text = 'Đăng ký hộ khẩu thường trú ở phường Bến Nghé'
  t.equal(glyphDisplayText(text).length, text.normalize('NFC').length)
  t.equal(glyphDisplayText(text.normalize('NFD')), glyphDisplayText(text), 'NFD input gives the same cells')
  t.equal(glyphDisplayText('u\u031b\u0300'), '\x05', 'u + horn + grave is one ư cell')
})

t.test("glyphs 'vietnamese': CGRAM holds the table after start and Vietnamese letters show on the glass", async (t) => {
  const { clock, chip, display } = rig('vietnamese')
  await drive(clock, display.start())
  t.strictSame(cgram(chip), TABLE)
  t.equal(chip.lostInstructions, 0)
  t.strictSame(chip.rows(), [BLANK, BLANK, BLANK, BLANK], 'uploading glyphs writes nothing to DDRAM')
  await drive(clock, display.show(['Đang bảo trì', 'Người dân', 'Xin chào, công dân', 'Ủy ban nhân dân phường Bến Thành']))
  t.strictSame(chip.rows(), [
    'Đang bao tri'.padEnd(20),
    'Ngươi dân'.padEnd(20),
    'Xin chao, công dân'.padEnd(20),
    'Uy ban nhân dân phươ',
  ])
  t.equal(display.health().state, 'ok')
})

t.test('a row of glyph letters is cut and padded by display cells', async (t) => {
  const { clock, bus, chip, display } = rig('vietnamese')
  await drive(clock, display.start())
  bus.clearTransactions()
  await drive(clock, display.show(['đường ưu tiên ơ ê ô ă â Đ', 'đ']))
  t.strictSame(chip.rows().slice(0, 2), ['đương ưu tiên ơ ê ô ', 'đ'.padEnd(20)])
  t.strictSame(
    bus.transactions.map((transaction) => transaction.bytes.length),
    [4 * 21, 4 * 21],
    'cursor command plus 20 cells per row',
  )
})

t.test('after a bus error and a power loss the next show loads the glyphs again', async (t) => {
  const { clock, bus, chip, display } = rig('vietnamese')
  await drive(clock, display.start())
  await drive(clock, display.show(['Đang bảo trì']))
  bus.failNext(ADDRESS, 'eio', 2) // the write and the re-initialisation that follows it
  await t.rejects(drive(clock, display.show(['Đã xong'])), { code: 'E_I2C_IO' })
  chip.powerCycle()
  t.strictSame(cgram(chip), Array(8).fill(Array(8).fill(0)), 'the module lost its CGRAM')
  await drive(clock, display.show(['Đã xong']))
  t.strictSame(cgram(chip), TABLE)
  t.equal(chip.rows()[0], 'Đa xong'.padEnd(20))
  t.equal(display.health().state, 'ok')
})

/** The module behind a backpack whose `failAt`-th write (1-based) fails with a bus error, then works again. */
class FlakyBackpack implements I2cDevice {
  writes = 0
  constructor(
    readonly chip: SimHd44780Pcf8574,
    readonly failAt: number,
  ) {}
  write(bytes: Uint8Array): void {
    this.writes += 1
    if (this.writes === this.failAt) throw new StationError('E_I2C_IO', 'I2C bus error (simulated)', { errno: 'EIO' })
    this.chip.write(bytes)
  }
  read(length: number): Uint8Array {
    return this.chip.read(length)
  }
}

t.test('a bus error in the middle of the glyph upload fails start; the next show starts over and finishes it', async (t) => {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  const chip = new SimHd44780Pcf8574({ clock })
  // The initialisation is 9 writes and the upload 8 more: write 13 is the upload of slot 3 (ô).
  const backpack = new FlakyBackpack(chip, 13)
  bus.attach(ADDRESS, backpack)
  const display = new Hd44780Display({ bus, clock }, { address: ADDRESS, cols: 20, rows: 4, glyphs: 'vietnamese' })
  await t.rejects(drive(clock, display.start()), { code: 'E_I2C_IO' })
  t.equal(backpack.writes, 13, 'nothing more was sent after the failure')
  t.strictSame(cgram(chip).slice(0, 3), TABLE.slice(0, 3), 'slots before the failure were written')
  t.strictSame(cgram(chip).slice(3), Array(5).fill(Array(8).fill(0)), 'the rest were not')
  t.equal(display.health().state, 'faulty')
  await drive(clock, display.show(['cô đi']))
  t.strictSame(cgram(chip), TABLE)
  t.equal(chip.rows()[0], 'cô đi'.padEnd(20))
  t.equal(display.health().state, 'ok')
})

t.test("glyphs 'none' sends exactly the bytes of a driver without the option", async (t) => {
  const script = async (glyphs?: DisplayGlyphs) => {
    const { clock, bus, chip, display } = rig(glyphs)
    await drive(clock, display.start())
    await drive(clock, display.show(['Đang bảo trì', 'Người dân', 'a\\b~c']))
    bus.failNext(ADDRESS, 'eio', 2) // the write and the re-initialisation that follows it
    await t.rejects(drive(clock, display.show(['x'])))
    await drive(clock, display.show(['Ăn ở', 'đ']))
    await drive(clock, display.clear())
    await drive(clock, display.stop())
    return { bytes: bus.transactions.map((transaction) => [...transaction.bytes]), cgram: cgram(chip) }
  }
  const plain = await script()
  const none = await script('none')
  t.strictSame(none.bytes, plain.bytes)
  t.ok(plain.bytes.length > 20, 'the script talked to the display')
  t.strictSame(none.cgram, Array(8).fill(Array(8).fill(0)), 'CGRAM untouched')
  const vietnamese = await script('vietnamese')
  t.not(vietnamese.bytes.length, plain.bytes.length, 'the comparison can tell the modes apart')
})

t.test("glyphs 'none' still folds to ASCII on the glass", async (t) => {
  const { clock, chip, display } = rig('none')
  await drive(clock, display.start())
  await drive(clock, display.show(['Đang bảo trì']))
  t.equal(chip.rows()[0], 'Dang bao tri'.padEnd(20))
})

t.test('refuses an unknown glyph set', async (t) => {
  const { bus, clock } = rig()
  const config = { address: ADDRESS, cols: 20, rows: 4, glyphs: 'klingon' as DisplayGlyphs }
  t.throws(() => new Hd44780Display({ bus, clock }, config), TypeError)
})
