/**
 * The option schemas every I2C device shares: which bus, and a 7-bit address. Pure TypeBox
 * definitions; `config/station-options.ts` composes them into the station config.
 */
import { Type } from '@sinclair/typebox'

/** /dev/i2c-N. */
export const I2cBusNumber = (options: { default: number; description?: string }) =>
  Type.Integer({ minimum: 0, maximum: 255, description: 'I2C bus number: /dev/i2c-N', ...options })

/**
 * 7-bit addresses 0x08..0x77: 0000xxx and 1111xxx are reserved by the I2C-bus specification
 * (NXP UM10204 section 3.1.12, table 4), and i2cdetect does not probe them either. Written as a number
 * (YAML reads 0x27 as one) or as the text '0x27'; the config holds the number.
 */
export const I2cAddress = (options: { default: number; description: string }) =>
  Type.Transform(
    Type.Union([Type.Integer({ minimum: 0x08, maximum: 0x77 }), Type.String({ pattern: '^0[xX](0?[89a-fA-F]|[1-6][0-9a-fA-F]|7[0-7])$' })], {
      errorMessage: 'must be a 7-bit I2C address from 0x08 to 0x77',
      // Problem lines show addresses in hex, as the data sheets and i2cdetect print them.
      'x-render': 'hex',
      ...options,
    }),
  )
    .Decode((value) => (typeof value === 'number' ? value : Number.parseInt(value.slice(2), 16)))
    .Encode((address) => address)

