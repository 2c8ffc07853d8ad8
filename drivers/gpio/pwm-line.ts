import type { GpioLine } from './gpio-line.js'

/** A GPIO output that can also produce a square wave in hardware or DMA-timed software (pigpio). */
export interface PwmLine extends GpioLine {
  /**
   * Starts a square wave: `dutyCycle` 0..1 (0 = constantly low, 1 = constantly high) at about
   * `frequencyHz` (the adapter picks the nearest rate it supports). `write` stops the wave.
   * Rejects with a TypeError for values out of range, E_DEVICE_ABSENT when the line is gone.
   */
  pwm(dutyCycle: number, frequencyHz: number): Promise<void>
}

/** True when `line` can produce PWM. */
export function isPwmLine(line: GpioLine): line is PwmLine {
  return typeof (line as Partial<PwmLine>).pwm === 'function'
}

/** Checks `pwm` arguments; throws a TypeError naming the argument and the value. */
export function checkPwm(dutyCycle: number, frequencyHz: number): void {
  if (!Number.isFinite(dutyCycle) || dutyCycle < 0 || dutyCycle > 1) {
    throw new TypeError(`dutyCycle must be from 0 to 1 (got ${String(dutyCycle)})`)
  }
  if (!Number.isFinite(frequencyHz) || frequencyHz <= 0) {
    throw new TypeError(`frequencyHz must be a positive number (got ${String(frequencyHz)})`)
  }
}
