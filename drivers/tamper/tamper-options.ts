/** The enclosure's tamper switch: opening it wipes the session and puts the station in maintenance. */
import { Type, type Static } from '@sinclair/typebox'
import { BcmLine } from '../gpio/gpio-options.js'

export const TamperOptions = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'false: no tamper switch fitted' }),
    line: BcmLine({ default: 16, description: 'BCM line of the switch (onoff)' }),
    openLevel: Type.Union([Type.Literal(0), Type.Literal(1)], {
      default: 1,
      description: 'level that means open; 1 for a normally-closed switch to ground with a pull-up (a cut wire reads open too)',
    }),
    debounceMs: Type.Integer({ minimum: 1, maximum: 5_000, default: 50, description: 'the switch must hold a level this long' }),
  },
  { additionalProperties: false },
)

export type TamperConfig = Static<typeof TamperOptions>
