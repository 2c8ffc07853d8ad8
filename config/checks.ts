/**
 * Pure checkers for config values, in the i2c-bus `check…` style: each takes the raw value and returns
 * a problem sentence ("must be …"), or null when the value is fine. `config/validate.ts` adds the path
 * and the rendered value around the sentence.
 */
import { isAbsolute } from 'node:path'

/** A checker: the problem with `value`, or null when there is none. */
export type Checker = (value: unknown) => string | null

/** True for a YAML mapping (a plain object), false for arrays, null and scalars. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

export function intInRange(value: unknown, min: number, max: number): string | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return null
  return `must be an integer from ${min} to ${max}`
}

export function oneOf(value: unknown, allowed: readonly unknown[]): string | null {
  if (allowed.includes(value)) return null
  const listed = allowed.map((item) => JSON.stringify(item))
  return listed.length === 1 ? `must be ${listed[0]}` : `must be one of ${listed.join(', ')}`
}

/**
 * `config/load.ts` resolves relative paths before validation, so anything still relative here came
 * from a caller that skipped that step; a relative path would silently depend on the service's cwd.
 */
export function absolutePath(value: unknown): string | null {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) return 'must be a file system path'
  return isAbsolute(value) ? null : 'must be an absolute path'
}

/** Parses an I2C address written as a number (YAML `0x27` is already one) or as the string '0x27'. */
export function parseI2cAddress(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string' && /^0x[0-9a-f]{1,2}$/i.test(value)) return Number.parseInt(value.slice(2), 16)
  return undefined
}

/**
 * ttyUSBn/ttyACMn are numbered in plug order and swap after a replug or reboot, so the printer could
 * receive scanner settings; /dev/serial/by-id (or by-path for adapters without a serial number) is stable
 * (docs/protocols.md 9.2).
 */
export function serialPath(value: unknown): string | null {
  const problem = absolutePath(value)
  if (problem !== null) return problem
  if (/^\/dev\/tty(USB|ACM)\d+$/.test(value as string)) {
    return 'must be a stable path such as /dev/serial/by-id/… (ttyUSB/ttyACM numbers change on replug)'
  }
  return null
}

const BROKER_PROTOCOLS: readonly string[] = ['mqtt:', 'mqtts:', 'ws:', 'wss:']

/** A broker URL (mqtt://, mqtts://, ws://, wss://) or 'auto'. Passwords belong in mqtt.passwordFile, never in the URL. */
export function url(value: unknown): string | null {
  if (value === 'auto') return null
  const expected = "must be a broker URL (mqtt://, mqtts://, ws:// or wss://) or 'auto'"
  if (typeof value !== 'string') return expected
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    return expected
  }
  if (!BROKER_PROTOCOLS.includes(parsed.protocol)) return expected
  if (parsed.hostname === '') return 'must name the broker host'
  if (parsed.password !== '') return 'must not contain a password; put it in the file named by mqtt.passwordFile'
  return null
}

/** Replaces the password of a URL-like string with *** so a rejected URL can be shown without leaking it. */
export function maskUrlPassword(value: unknown): unknown {
  if (typeof value !== 'string') return value
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@')
}

/**
 * A Unix socket path fits sun_path: 108 bytes including the terminating NUL (unix(7)), so 107 usable.
 */
export function socketPath(value: unknown): string | null {
  const problem = absolutePath(value)
  if (problem !== null) return problem
  return Buffer.byteLength(value as string) <= 107 ? null : 'must be at most 107 bytes long (unix(7) sun_path)'
}

/**
 * A socket mode as octal text ('0660', quoted in YAML: an unquoted 0660 is the decimal 660 in
 * YAML 1.2) or a number (0o660). Returns undefined when it is neither.
 */
export function parseFileMode(value: unknown): number | undefined {
  if (typeof value === 'string' && /^0?[0-7]{3}$/.test(value)) return Number.parseInt(value, 8)
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0o777) return value
  return undefined
}

/**
 * The control socket's mode: the owner can read and write (a second station probes the socket),
 * and others get nothing: whoever may connect may drive the station.
 */
export function socketMode(value: unknown): string | null {
  const mode = parseFileMode(value)
  if (mode === undefined) return "must be an octal mode such as '0660' (quoted)"
  if ((mode & 0o007) !== 0) return 'must give others no access (the socket drives the station)'
  if ((mode & 0o600) !== 0o600) return 'must let the owner read and write'
  return null
}

/** A broker in mqtt.urls: a broker URL, and not 'auto' (which only mqtt.url may say). */
export function listedBrokerUrl(value: unknown): string | null {
  if (value === 'auto') return "must be a broker URL ('auto' belongs in mqtt.url)"
  return url(value)
}
