/** The character display's options: an HD44780 on a PCF8574 I2C backpack. */
import { LiteralUnion } from '../literal-union.js'
import { Type, type StaticDecode } from '@sinclair/typebox'
import { I2cAddress, I2cBusNumber } from '../i2c/i2c-options.js'

/** HD44780 geometries in use; the controller's DDRAM holds 80 characters (Hitachi HD44780U data sheet, DDRAM section). */
export const DISPLAY_COLS = [8, 16, 20, 24, 40] as const
export const DISPLAY_ROWS = [1, 2, 4] as const
export const HD44780_DDRAM_CHARS = 80

export const DisplayOptions = Type.Object(
  {
    kind: Type.Literal('hd44780-pcf8574', { default: 'hd44780-pcf8574', description: 'an HD44780 character LCD on a PCF8574 backpack' }),
    bus: I2cBusNumber({ default: 1 }),
    // Any valid address, not only the factory 0x27/0x3f: backpacks re-strapped with A0..A2 exist, and a
    // wrong one fails loudly at start (E_DEVICE_ABSENT). The shared-bus rule in config catches clashes.
    address: I2cAddress({
      // 0x27: PCF8574 backpack with A2..A0 open, as shipped (docs/protocols.md 4).
      default: 0x27,
      description: '7-bit address; 0x27 (PCF8574) or 0x3f (PCF8574A) from the factory',
    }),
    cols: LiteralUnion(DISPLAY_COLS, { default: 20, description: 'characters per row; cols × rows ≤ 80' }),
    rows: LiteralUnion(DISPLAY_ROWS, { default: 4, description: 'rows' }),
    glyphs: Type.Union([Type.Literal('none'), Type.Literal('vietnamese')], {
      default: 'none',
      // Eight CGRAM slots cannot hold all 134 Vietnamese letters (docs/protocols.md 4.4).
      description: "'vietnamese': ă â ê ô ơ ư đ Đ as CGRAM glyphs (tone marks still dropped); 'none': everything folded to ASCII",
    }),
  },
  { additionalProperties: false },
)

export type DisplayConfig = StaticDecode<typeof DisplayOptions>
