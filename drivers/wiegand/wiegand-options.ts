/** The Wiegand card reader's options: two GPIO inputs (card number only, like an NFC UID). */
import { Type, type Static } from '@sinclair/typebox'
import { BcmLine, GpioBackendOption } from '../gpio/gpio-options.js'

export const WiegandOptions = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'false: no Wiegand reader fitted' }),
    backend: GpioBackendOption({
      default: 'pigpio',
      description: 'pigpio stamps edges in µs (reliable); onoff stamps them late and loses bits under load (docs/drivers.md)',
    }),
    // Lines follow a common Pi kiosk HAT layout.
    d0Line: BcmLine({ default: 5, description: 'BCM line of DATA0 (green), level-shifted to 3.3 V' }),
    d1Line: BcmLine({ default: 6, description: 'BCM line of DATA1 (white), level-shifted to 3.3 V' }),
    // SIA readers may pause 20 ms between bits; 500 ms would make a resident wait (docs/protocols.md 5.1).
    frameGapMs: Type.Integer({
      minimum: 3,
      maximum: 500,
      default: 25,
      description: 'quiet time that ends a frame; above 20 ms for SIA readers and at least 3× the bit interval',
    }),
    holdMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 2000, description: 'the same card again within this long counts once' }),
    lengths: Type.Array(Type.Union([Type.Literal(26), Type.Literal(34)]), {
      minItems: 1,
      maxItems: 2,
      uniqueItems: true,
      default: [26, 34],
      errorMessage: 'must list 26, 34 or both',
      description: 'frame lengths accepted: 26, 34 or both, each once',
    }),
  },
  { additionalProperties: false },
)

export type WiegandConfig = Static<typeof WiegandOptions>
