/**
 * The wording of config problem lines: `path: problem (got value)`, values rendered short and without
 * secrets, and the nearest known option for an unknown one. Pure.
 */
import { maskUrlPassword } from './checks.js'
import type { OptionSchema } from './option-problems.js'

/** Longest rendering of a rejected value; config values are short, so more is a paste accident. */
const MAX_RENDERED_CHARS = 60

/** JSON rendering of a value for a problem line, truncated. */
export function renderValue(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > MAX_RENDERED_CHARS ? `${text.slice(0, MAX_RENDERED_CHARS - 1)}…` : text
}

/** I2C addresses read better in hex, as the data sheets and i2cdetect print them. */
export function renderAddress(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xff) {
    return `0x${value.toString(16).padStart(2, '0')}`
  }
  return renderValue(value)
}

/** A mode as octal (the decimal 660 an unquoted YAML 0660 gives is shown as it was read). */
function renderMode(value: unknown): string {
  return typeof value === 'number' && value <= 0o777 ? `0${value.toString(8)}` : renderValue(value)
}

/** Broker URLs without their password. */
function renderUrls(value: unknown): string {
  return renderValue(Array.isArray(value) ? value.map(maskUrlPassword) : maskUrlPassword(value))
}

/** The value as the option's schema asks it to be shown. */
export function renderOption(schema: OptionSchema, value: unknown): string {
  switch (schema['x-render']) {
    case 'hex':
      return renderAddress(value)
    case 'octal':
      return renderMode(value)
    case 'url':
      return renderUrls(value)
    default:
      return renderValue(value)
  }
}

function parentOf(path: string): string {
  const dot = path.lastIndexOf('.')
  return dot === -1 ? '' : path.slice(0, dot)
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1)
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** The known option closest to a mistyped one: a near sibling first, else the same name in another section. */
export function suggestPath(unknownPath: string, knownPaths: Iterable<string>): string | undefined {
  const parent = parentOf(unknownPath)
  const key = lastSegment(unknownPath).toLowerCase()
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of knownPaths) {
    if (parentOf(candidate) !== parent) continue
    const distance = editDistance(key, lastSegment(candidate).toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(key.length / 3))) return best
  for (const candidate of knownPaths) {
    if (lastSegment(candidate).toLowerCase() === key) return candidate
  }
  return undefined
}

/** The line for an unknown option, with a suggestion when one is near. */
export function unknownOptionLine(path: string, knownPaths: Iterable<string>): string {
  const suggestion = suggestPath(path, knownPaths)
  return suggestion === undefined ? `${path}: unknown option` : `${path}: unknown option (did you mean ${suggestion}?)`
}
