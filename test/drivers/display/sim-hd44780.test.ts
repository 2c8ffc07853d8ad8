import t from 'tap'
import { encodeByte, encodeIdle, encodeNibble, initSequence } from '../../../drivers/display/hd44780-codec.js'
import { SimHd44780Pcf8574 } from '../../../drivers/display/sim-hd44780.js'
import { VIETNAMESE_GLYPHS } from '../../../drivers/display/vietnamese-glyphs.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

const COMMAND = { rs: false, backlight: true }
const DATA = { rs: true, backlight: true }

function command(value: number): Uint8Array {
  return encodeByte(value, COMMAND)
}

function text(value: string): Uint8Array {
  return Uint8Array.from([...value].flatMap((char) => [...encodeByte(char.charCodeAt(0), DATA)]))
}

/** A powered module on a clock; `init` runs the data sheet's sequence with its waits. */
function rig(options: { cols?: number; rows?: number } = {}) {
  const clock = new SimClock(0)
  const chip = new SimHd44780Pcf8574({ ...options, clock })
  const init = () => {
    clock.advance(50)
    for (const step of initSequence(true)) {
      chip.write(step.bytes)
      clock.advance(step.delayAfterMs)
    }
  }
  return { clock, chip, init }
}

t.test('after the initialisation sequence it shows text written at each row address', async (t) => {
  const { chip, init } = rig()
  init()
  t.ok(chip.initialised)
  t.ok(chip.displayOn)
  chip.write(command(0x80))
  chip.write(text('Xin chao'))
  chip.write(command(0xd4)) // row 3 of a 20x4 starts at 0x54
  chip.write(text('cong dan'))
  t.strictSame(chip.rows(), ['Xin chao'.padEnd(20), ' '.repeat(20), ' '.repeat(20), 'cong dan'.padEnd(20)])
  t.equal(chip.lostInstructions, 0)
})

t.test('a module powered up without the initialisation shows nothing', async (t) => {
  const { chip } = rig()
  t.strictSame(chip.rows(), Array(4).fill(' '.repeat(20)))
  t.notOk(chip.initialised)
  t.notOk(chip.displayOn)
})

t.test('skipping the 0x3 0x3 0x3 0x2 nibbles leaves the nibbles out of step: no text appears', async (t) => {
  const { clock, chip } = rig()
  clock.advance(100)
  for (const value of [0x28, 0x08, 0x01]) chip.write(command(value))
  clock.advance(2)
  for (const value of [0x06, 0x0c, 0x80]) chip.write(command(value))
  chip.write(text('Hello'))
  t.notOk(chip.initialised)
  t.notOk(chip.rows().some((row) => row.includes('Hello')), `rows were ${JSON.stringify(chip.rows())}`)
})

t.test('the initialisation resynchronises a controller left mid-byte in 4-bit mode', async (t) => {
  const { clock, chip, init } = rig()
  init()
  chip.write(encodeNibble(0x4, DATA)) // a crashed process sent half a character
  clock.advance(10)
  for (const step of initSequence(true)) {
    chip.write(step.bytes)
    clock.advance(step.delayAfterMs)
  }
  chip.write(command(0x80))
  chip.write(text('OK'))
  t.equal(chip.rows()[0], 'OK'.padEnd(20))
})

t.test('instructions sent during the power-up time or right after Clear are lost', async (t) => {
  const { clock, chip, init } = rig()
  clock.advance(10)
  chip.write(encodeNibble(0x3, COMMAND))
  t.equal(chip.lostInstructions, 1, 'before 40 ms')

  init()
  chip.write(command(0x80))
  chip.write(text('AB'))
  chip.write(command(0x01))
  chip.write(text('C')) // no 1.52 ms wait after Clear
  t.equal(chip.lostInstructions, 2)
  clock.advance(2)
  chip.write(text('D'))
  t.equal(chip.rows()[0], 'D'.padEnd(20), 'cleared, and only the late write landed')
})

t.test('text that runs past the end of row 0 continues on row 2, as in DDRAM', async (t) => {
  const { chip, init } = rig()
  init()
  chip.write(command(0x80))
  chip.write(text('abcdefghijklmnopqrstUVWXYZ'))
  t.equal(chip.rows()[0], 'abcdefghijklmnopqrst')
  t.equal(chip.rows()[2], 'UVWXYZ'.padEnd(20))
})

t.test('shows what the A00 ROM has at 0x5C and 0x7E, not backslash and tilde', async (t) => {
  const { chip, init } = rig()
  init()
  chip.write(command(0x80))
  chip.write(text('a\\b~'))
  t.equal(chip.rows()[0], 'a¥b→'.padEnd(20))
})

t.test('follows the backlight bit and the display on/off instruction', async (t) => {
  const { chip, init } = rig()
  t.ok(chip.backlight, 'PCF8574 pins power up high, so the backlight is on')
  init()
  chip.write(command(0x80))
  chip.write(text('hi'))
  chip.write(encodeIdle(false))
  t.notOk(chip.backlight)
  chip.write(encodeByte(0x08, { rs: false, backlight: false }))
  t.strictSame(chip.rows(), Array(4).fill(' '.repeat(20)))
  chip.write(command(0x0c))
  t.equal(chip.rows()[0], 'hi'.padEnd(20))
  t.ok(chip.backlight)
})

t.test('a power cycle forgets everything', async (t) => {
  const { chip, init } = rig()
  init()
  chip.write(text('x'))
  chip.powerCycle()
  t.notOk(chip.initialised)
  t.strictSame(chip.rows(), Array(4).fill(' '.repeat(20)))
})

t.test('a 16x2 module maps its two rows to 0x00 and 0x40', async (t) => {
  const { chip, init } = rig({ cols: 16, rows: 2 })
  init()
  chip.write(command(0xc0))
  chip.write(text('row two'))
  t.strictSame(chip.rows(), [' '.repeat(16), 'row two'.padEnd(16)])
  t.throws(() => new SimHd44780Pcf8574({ cols: 16, rows: 3 }), TypeError)
})

t.test('display shift moves the visible window over DDRAM', async (t) => {
  const { chip, init } = rig()
  init()
  chip.write(command(0x80))
  chip.write(text('0123456789'))
  chip.write(command(0x18)) // shift display left by one
  t.equal(chip.rows()[0]?.slice(0, 5), '12345')
  chip.write(command(0x02)) // return home undoes the shift
  t.equal(chip.rows()[0]?.slice(0, 5), '01234')
})

t.test('reads return the expander port', async (t) => {
  const { chip } = rig()
  chip.write(Uint8Array.of(0x08))
  t.strictSame([...chip.read(2)], [0x08, 0x08])
})

/** Set CGRAM address of `slot`, then its 8 rows as data (docs/protocols.md 4.3). */
function defineGlyph(chip: SimHd44780Pcf8574, slot: number, rows: readonly number[]): void {
  chip.write(command(0x40 | (slot << 3)))
  for (const row of rows) chip.write(encodeByte(row, DATA))
}

t.test('a CGRAM code shows the Vietnamese letter whose bitmap its slot holds, else ▒', async (t) => {
  const { chip, init } = rig()
  init()
  const dong = VIETNAMESE_GLYPHS[6]?.rows ?? []
  const uHorn = VIETNAMESE_GLYPHS[5]?.rows ?? []
  defineGlyph(chip, 2, dong)
  defineGlyph(chip, 5, uHorn.map((row, index) => (index === 3 ? row ^ 0x10 : row))) // one pixel off
  t.strictSame([...chip.cgramSlot(2)], [...dong])
  chip.write(command(0x80)) // back to DDRAM before text
  chip.write(Uint8Array.from([0x02, 0x69, 0x0a, 0x05, 0x00].flatMap((code) => [...encodeByte(code, DATA)])))
  t.equal(chip.rows()[0], 'điđ▒▒'.padEnd(20), '0x0A mirrors slot 2; a wrong bitmap and an empty slot are ▒')
  defineGlyph(chip, 2, VIETNAMESE_GLYPHS[7]?.rows ?? [])
  t.equal(chip.rows()[0]?.slice(0, 3), 'ĐiĐ', 'redefining a slot changes every cell showing it')
  t.throws(() => chip.cgramSlot(8), RangeError)
})

t.test('CGRAM data does not touch DDRAM, and a power cycle empties CGRAM', async (t) => {
  const { chip, init } = rig()
  init()
  chip.write(command(0x80))
  chip.write(text('ab'))
  defineGlyph(chip, 0, VIETNAMESE_GLYPHS[0]?.rows ?? [])
  t.equal(chip.rows()[0], 'ab'.padEnd(20))
  chip.powerCycle()
  t.strictSame([...chip.cgramSlot(0)], Array(8).fill(0))
})
