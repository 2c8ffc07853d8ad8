/**
 * The keypad's options: an MPR121 (12 capacitive electrodes) or an FT6x36 touch panel with on-screen key
 * zones, and the rule that ties the address to the chip.
 */
import { Type, type StaticDecode } from '@sinclair/typebox'
import { I2cAddress, I2cBusNumber } from '../i2c/i2c-options.js'
import { BcmLine } from '../gpio/gpio-options.js'
import { TouchPanelOptions } from '../touch/touch-options.js'
import { FT6X36_ADDRESS } from '../touch/ft6x36-registers.js'
import { KEY_NAMES, KeyNameOption, type KeyName } from './key-names.js'

export type KeypadKind = 'mpr121' | 'ft6x36'

/** 0x5a: ADDR pin tied to VSS (MPR121 data sheet, serial communication section; docs/protocols.md 3.2). */
export const MPR121_DEFAULT_ADDRESS = 0x5a

/** The address a keypad takes when its kind is chosen and its address left out. */
export const KEYPAD_DEFAULT_ADDRESS: Readonly<Record<KeypadKind, number>> = { mpr121: MPR121_DEFAULT_ADDRESS, ft6x36: FT6X36_ADDRESS }

/**
 * Electrode n of the MPR121 is key `DEFAULT_ELECTRODES[n]`: a 3×4 phone layout wired row by row,
 * with back and ok either side of 0.
 */
export const DEFAULT_ELECTRODES: readonly KeyName[] = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'back', '0', 'ok']

/** Threshold registers 0x41+2n / 0x42+2n are 8 bits wide (docs/protocols.md 3.2). */
const Threshold = (options: { default: number; description: string }) => Type.Integer({ minimum: 0, maximum: 255, ...options })

export const KeypadOptions = Type.Object(
  {
    kind: Type.Union([Type.Literal('mpr121'), Type.Literal('ft6x36')], {
      default: 'mpr121',
      description: "'mpr121': 12 capacitive electrodes; 'ft6x36': a capacitive touch panel with on-screen key zones",
    }),
    bus: I2cBusNumber({ default: 1 }),
    address: I2cAddress({
      default: MPR121_DEFAULT_ADDRESS,
      description: 'MPR121: 0x5a..0x5d, chosen by the ADDR pin; FT6x36: 0x38 (taken when `kind` is switched and `address` left out)',
    }),
    irqLine: Type.Optional(
      BcmLine({ description: "BCM line of the chip's active-low IRQ/INT output (read through onoff); absent = poll only" }),
    ),
    pollIntervalMs: Type.Integer({ minimum: 5, maximum: 1_000, default: 30, description: 'time between reads without `irqLine` (30 ms: a tap is short)' }),
    irqSafetyPollMs: Type.Integer({
      minimum: 50,
      maximum: 60_000,
      // With an IRQ line the chip says when to read; this poll only catches a missed edge.
      default: 1000,
      description:
        'with `irqLine`: the chip is read on its IRQ edge and polled only this often, as the safety net for a missed edge (an FT6x36 holding INT low for a finger is polled at `pollIntervalMs` meanwhile)',
    }),
    electrodes: Type.Array(KeyNameOption(), {
      minItems: KEY_NAMES.length,
      maxItems: KEY_NAMES.length,
      default: [...DEFAULT_ELECTRODES],
      errorMessage: `must list 12 keys, one per electrode 0..11, from ${KEY_NAMES.join(' ')}`,
      description: 'MPR121: the key of each electrode 0..11, each key once',
    }),
    // 12/6: Adafruit's values; touch must exceed release for hysteresis (docs/protocols.md 3.2, init step 2).
    touchThreshold: Threshold({ default: 12, description: 'MPR121 touch threshold' }),
    releaseThreshold: Threshold({ default: 6, description: 'MPR121 release threshold; below `touchThreshold`' }),
    touch: TouchPanelOptions,
  },
  { additionalProperties: false },
)

export type KeypadConfig = StaticDecode<typeof KeypadOptions>

/** MPR121 answers only at 0x5a..0x5d, chosen by the ADDR pin; every FT5x06/FT6x36 at 0x38 (docs/protocols.md 3.1). */
export function keypadAddressProblem(kind: KeypadKind, address: number): string | null {
  if (kind === 'ft6x36') return address === FT6X36_ADDRESS ? null : 'must be 0x38 (the FT6x36 address is fixed)'
  return address >= 0x5a && address <= 0x5d ? null : 'must be 0x5a to 0x5d (set by the MPR121 ADDR pin)'
}

/**
 * Electrodes must name each key exactly once. JSON Schema's uniqueItems cannot say it: the unquoted
 * YAML 5 and the text '5' are the same key.
 */
export function electrodesProblem(electrodes: readonly KeyName[]): string | null {
  const duplicates = electrodes.filter((key, index) => electrodes.indexOf(key) !== index)
  if (duplicates.length === 0) return null
  const missing = KEY_NAMES.filter((key) => !electrodes.includes(key))
  const names = (keys: readonly unknown[]): string => [...new Set(keys)].map((key) => JSON.stringify(key)).join(', ')
  return `lists ${names(duplicates)} more than once and lacks ${names(missing)}`
}
