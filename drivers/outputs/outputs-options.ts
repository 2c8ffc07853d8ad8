/** The status LEDs' and the buzzer's options. */
import { Type, type Static } from '@sinclair/typebox'
import { BcmLine, GpioBackendOption } from '../gpio/gpio-options.js'

/** Green and red status LEDs on two GPIO outputs (onoff). */
export const LedsOptions = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'false: no status LEDs fitted' }),
    greenLine: BcmLine({ default: 23, description: 'BCM line of the green LED (onoff)' }),
    redLine: BcmLine({ default: 24, description: 'BCM line of the red LED (onoff)' }),
  },
  { additionalProperties: false },
)

export const BuzzerOptions = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'false: no buzzer fitted' }),
    backend: GpioBackendOption({
      default: 'onoff',
      description: 'pigpio drives a passive piezo with PWM; onoff switches an active buzzer on and off',
    }),
    line: BcmLine({ default: 18, description: 'BCM line of the buzzer' }),
    // 2700 Hz: inside the 2-4 kHz resonance band of common piezo discs.
    frequencyHz: Type.Integer({ minimum: 100, maximum: 20_000, default: 2700, description: 'PWM tone for a passive piezo (pigpio only)' }),
    keyClick: Type.Boolean({ default: true, description: 'a short tick on every key press' }),
  },
  { additionalProperties: false },
)

export type LedsConfig = Static<typeof LedsOptions>
export type BuzzerConfig = Static<typeof BuzzerOptions>
