import t from 'tap'
import { vectorsFor } from '../../support/vectors.js'
import {
  checkMapping,
  DEFAULT_PCF8574_MAPPING,
  decodeExpanderByte,
  ddramAddress,
  displayText,
  encodeByte,
  encodeIdle,
  encodeNibble,
  initSequence,
  setCursorCommand,
} from '../../../drivers/display/hd44780-codec.js'
import { POWER_UP_DELAY_MS } from '../../../drivers/display/hd44780-instructions.js'

/** The repo's vectors, overlaid by the shared copy when present (test/support/vectors.ts). */
const vectors = vectorsFor('hd44780_pcf8574')

/** "0C 08 1C 18" → [0x0c, 0x08, 0x1c, 0x18] */
function hexBytes(text: unknown): number[] {
  return String(text)
    .trim()
    .split(/\s+/)
    .map((byte) => Number.parseInt(byte, 16))
}

/** "0x01" or "0x01 (+2ms)" → 1 */
function hexNumber(text: unknown): number {
  return Number.parseInt(String(text).trim().split(/\s+/)[0] ?? '', 16)
}

/** ">=4.1" → 4.1 */
function minimum(text: string): number {
  return Number.parseFloat(text.replace(/^>=/, ''))
}

const BACKLIGHT_ON = { rs: false, backlight: true }

t.test('every hd44780_pcf8574 vector holds for the codec', async (t) => {
  t.ok(vectors.length >= 7, 'vectors loaded')
  for (const vector of vectors) {
    const { input, expected } = vector
    t.test(vector.name, async (t) => {
      if (typeof input['text'] === 'string') {
        t.equal(displayText(input['text']), expected['text'])
      } else if ('cmd' in input || 'data' in input) {
        const value = hexNumber(input['cmd'] ?? input['data'])
        const bytes = encodeByte(value, { rs: input['rs'] === 1, backlight: input['backlight'] === true })
        t.strictSame([...bytes], hexBytes(expected['i2c_bytes']))
      } else if ('row' in input && 'cols' in input) {
        const args = [input['cols'], input['rows'], input['row'], input['col']].map(Number) as [
          number,
          number,
          number,
          number,
        ]
        if (vector.valid) {
          const command = setCursorCommand(...args)
          t.equal(command, hexNumber(expected['cmd']))
          t.strictSame([...encodeByte(command, BACKLIGHT_ON)], hexBytes(expected['i2c_bytes']))
        } else {
          t.throws(() => setCursorCommand(...args), { code: 'E_CODEC_INVALID', message: /row out of range/ })
        }
      } else if (Array.isArray(expected['nibble_writes'])) {
        const steps = initSequence(input['backlight'] === true)
        const nibbleWrites = expected['nibble_writes'].map(hexBytes)
        t.strictSame(
          steps.slice(0, nibbleWrites.length).map((step) => [...step.bytes]),
          nibbleWrites,
        )
        const delays = (expected['delays_ms'] as string[]).map((text) => minimum(text.split(' ')[0] ?? ''))
        // delays_ms[0] precedes the first nibble; delays_ms[i] follows nibble i-1.
        t.ok(POWER_UP_DELAY_MS >= (delays[0] ?? Infinity), 'power-up wait')
        for (let index = 1; index < delays.length; index++) {
          t.ok((steps[index - 1]?.delayAfterMs ?? -1) >= (delays[index] ?? Infinity), `wait after nibble ${index}`)
        }
        const commands = expected['then_cmds'] as string[]
        const rest = steps.slice(nibbleWrites.length)
        t.equal(rest.length, commands.length)
        commands.forEach((text, index) => {
          const step = rest[index]
          t.strictSame([...(step?.bytes ?? [])], [...encodeByte(hexNumber(text), BACKLIGHT_ON)], text)
          const wait = /\(\+(\d+(?:\.\d+)?)ms\)/.exec(text)
          if (wait) t.ok((step?.delayAfterMs ?? 0) >= Number(wait[1]), `wait after ${text}`)
        })
      } else {
        t.fail(`unknown hd44780_pcf8574 vector shape: ${vector.name}`)
      }
    })
  }
})

t.test('encodes each nibble as E high then E low with backlight and RS bits', async (t) => {
  t.strictSame([...encodeNibble(0x3, { rs: false, backlight: true })], [0x3c, 0x38])
  t.strictSame([...encodeNibble(0x3, { rs: false, backlight: false })], [0x34, 0x30])
  t.strictSame([...encodeNibble(0xf, { rs: true, backlight: false })], [0xf5, 0xf1])
  t.throws(() => encodeNibble(0x10, BACKLIGHT_ON), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodeByte(0x100, BACKLIGHT_ON), { code: 'E_CODEC_INVALID' })
})

t.test('follows another backpack wiring given as a mapping, including an inverted backlight', async (t) => {
  // Data on P0..P3, RS P4, RW P5, E P6, backlight P7 active low.
  const mapping = { d4: 0, d5: 1, d6: 2, d7: 3, rs: 4, rw: 5, e: 6, bl: 7, blActiveLow: true }
  t.strictSame([...encodeByte(0x41, { rs: true, backlight: true, mapping })], [0x54, 0x14, 0x51, 0x11])
  t.strictSame([...encodeIdle(false, mapping)], [0x80])
  t.strictSame(decodeExpanderByte(0x54, mapping), { rs: true, rw: false, e: true, backlight: true, nibble: 4 })
  t.throws(() => checkMapping({ ...DEFAULT_PCF8574_MAPPING, e: 0 }), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodeByte(0x41, { rs: true, backlight: true, mapping: { ...mapping, bl: 8 } }), {
    code: 'E_CODEC_INVALID',
  })
})

t.test('decodes an expander byte back into the LCD pins', async (t) => {
  t.strictSame(decodeExpanderByte(0x4d), { rs: true, rw: false, e: true, backlight: true, nibble: 4 })
  t.strictSame(decodeExpanderByte(0x02), { rs: false, rw: true, e: false, backlight: false, nibble: 0 })
})

t.test('addresses every cell of 20x4, 16x2 and 40x2 modules and nothing outside them', async (t) => {
  t.strictSame(
    [0, 1, 2, 3].map((row) => ddramAddress(20, 4, row, 0)),
    [0x00, 0x40, 0x14, 0x54],
  )
  t.strictSame(
    [0, 1, 2, 3].map((row) => ddramAddress(16, 4, row, 0)),
    [0x00, 0x40, 0x10, 0x50],
  )
  t.equal(ddramAddress(20, 4, 3, 19), 0x67)
  t.equal(ddramAddress(40, 2, 1, 39), 0x67)
  t.throws(() => ddramAddress(20, 4, 0, 20), { code: 'E_CODEC_INVALID', message: /column/ })
  t.throws(() => ddramAddress(20, 4, 4, 0), { code: 'E_CODEC_INVALID', message: /row/ })
  t.throws(() => ddramAddress(24, 4, 0, 0), { code: 'E_CODEC_INVALID', message: /geometry/ })
  t.throws(() => ddramAddress(16, 3, 0, 0), { code: 'E_CODEC_INVALID', message: /geometry/ })
})

t.test('folds text for the A00 ROM and replaces the characters it prints wrong', async (t) => {
  t.equal(displayText('Nguyễn Văn Đức'), 'Nguyen Van Duc')
  t.equal(displayText('C:\\temp ~ok'), 'C:/temp -ok')
  t.equal(displayText('a\tb\nc'), 'a b c')
  t.equal(displayText('del\u007f'), 'del?')
  t.equal(displayText('€5'), '?5')
})
