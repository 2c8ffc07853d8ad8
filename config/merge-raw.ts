/**
 * A raw config (parsed YAML) laid over a base config along the schema: what the raw value omits comes
 * from the base, arrays are replaced whole, a section given as null is an empty section, and null unsets
 * an optional option that cannot itself be null. Values the schema would refuse are kept as they are,
 * for validation to report; keys the schema does not know are kept too. Pure; copies, never shares.
 */
import { Value } from '@sinclair/typebox/value'
import { isPlainObject } from './checks.js'
import { isObjectSchema, isOptional, type OptionSchema } from './option-problems.js'

function copy<T>(value: T): T {
  return structuredClone(value)
}

/** `raw` over `base` for the mapping `schema`; undefined when neither gives anything. */
export function mergeRaw(schema: OptionSchema, raw: unknown, base: unknown): unknown {
  if (raw === undefined) return base === undefined ? undefined : copy(base)
  const section = raw === null ? {} : raw
  if (!isPlainObject(section)) return raw
  const baseSection = isPlainObject(base) ? base : {}
  const merged: Record<string, unknown> = {}
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const value = mergeOption(property, section[key], baseSection[key], Object.hasOwn(section, key))
    if (value !== undefined) merged[key] = value
  }
  for (const [key, value] of Object.entries(section)) {
    if (!Object.hasOwn(merged, key) && !Object.hasOwn(schema.properties ?? {}, key)) merged[key] = copy(value)
  }
  return merged
}

function mergeOption(schema: OptionSchema, raw: unknown, base: unknown, given: boolean): unknown {
  if (!given) return base === undefined ? undefined : copy(base)
  if (raw === null && isOptional(schema) && !Value.Check(schema, null)) return undefined
  if (isObjectSchema(schema)) return mergeRaw(schema, raw, base)
  return copy(raw)
}
