/**
 * Raspberry Pi health telemetry (docs/protocols.md 9.3): `vcgencmd get_throttled` output and the SoC
 * temperature. Pure parsers; running vcgencmd or reading sysfs is the caller's job.
 */
import { StationError } from '../../runtime/core/errors.js'

/** get_throttled bits, in bit order (docs/protocols.md 9.3, from the Raspberry Pi documentation). */
export const THROTTLED_FLAGS = [
  { bit: 0, name: 'under_voltage_now' },
  { bit: 1, name: 'arm_freq_capped_now' },
  { bit: 2, name: 'throttled_now' },
  { bit: 3, name: 'soft_temp_limit_now' },
  { bit: 16, name: 'under_voltage_occurred' },
  { bit: 17, name: 'arm_freq_capped_occurred' },
  { bit: 18, name: 'throttled_occurred' },
  { bit: 19, name: 'soft_temp_limit_occurred' },
] as const

/** One get_throttled condition. `…_now`: active at the moment; `…_occurred`: seen since boot. */
export type ThrottledFlag = (typeof THROTTLED_FLAGS)[number]['name']

/** Parsed `vcgencmd get_throttled`. */
export interface ThrottledStatus {
  /** The register as lowercase hex with `0x`, e.g. `0x50005`; bits not in the table are kept here. */
  readonly value: string
  /** Set conditions, in bit order. Empty means healthy. */
  readonly flags: ThrottledFlag[]
}

/** The SoC temperature. */
export interface CpuTemperature {
  readonly celsius: number
}

/**
 * Parses `throttled=0x…` (surrounding whitespace allowed). Anything else, such as `VCHI initialization
 * failed` (user not in group video, or in a container), throws E_CODEC_INVALID "unexpected output":
 * an unreadable register is unknown, never 0.
 */
export function parseThrottled(stdout: string): ThrottledStatus {
  const match = /^throttled=0x([0-9a-f]{1,8})$/i.exec(stdout.trim())
  if (match?.[1] === undefined) throw unexpected('vcgencmd get_throttled', stdout)
  const register = Number.parseInt(match[1], 16)
  return {
    value: `0x${register.toString(16)}`,
    flags: THROTTLED_FLAGS.filter(({ bit }) => (register & (2 ** bit)) !== 0).map(({ name }) => name),
  }
}

/**
 * Parses `/sys/class/thermal/thermal_zone0/temp` (integer millidegrees Celsius, `48312` → 48.312) or
 * `vcgencmd measure_temp` (`temp=48.3'C`). Anything else throws E_CODEC_INVALID "unexpected output".
 */
export function parseCpuTemp(content: string): CpuTemperature {
  const text = content.trim()
  if (/^-?\d+$/.test(text)) return { celsius: Number(text) / 1000 }
  const vcgencmd = /^temp=(-?\d+(?:\.\d+)?)'C$/.exec(text)
  if (vcgencmd?.[1] !== undefined) return { celsius: Number(vcgencmd[1]) }
  throw unexpected('CPU temperature', content)
}

function unexpected(source: string, output: string): StationError {
  // Only the length goes into context: the text is whatever a failing tool printed.
  return new StationError('E_CODEC_INVALID', `unexpected output from ${source}`, { length: output.length })
}
