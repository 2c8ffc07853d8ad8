/**
 * The GPIO options devices share: a BCM line number and the backend that drives it; and the `gpio`
 * section itself (where onoff finds sysfs).
 */
import { Type, type Static } from '@sinclair/typebox'

/** BCM GPIO numbers 0..53: the BCM283x and the Pi 5's RP1 both expose 54 lines (docs/protocols.md 9). */
export const BcmLine = (options: { default?: number; description: string }) =>
  Type.Integer({ minimum: 0, maximum: 53, errorMessage: 'must be a BCM GPIO line from 0 to 53', ...options })

/** How a GPIO line is driven: sysfs through onoff (any Pi, no root), or pigpio (Pi 0-4, root; µs ticks and PWM). */
export const GpioBackendOption = (options: { default: 'onoff' | 'pigpio'; description: string }) =>
  Type.Union([Type.Literal('onoff'), Type.Literal('pigpio')], options)

export type GpioBackend = 'onoff' | 'pigpio'

export const GpioOptions = Type.Object(
  {
    sysfsRoot: Type.String({
      format: 'absolute-path',
      default: '/sys/class/gpio',
      description: "sysfs GPIO folder onoff uses; the line number is offset by the header chip's base found here",
    }),
  },
  { additionalProperties: false },
)

export type GpioConfig = Static<typeof GpioOptions>
