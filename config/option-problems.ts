/**
 * The problem sentence for a value an option's schema refuses, worded from the schema itself: its
 * `errorMessage`, its format's checker, its integer range or its allowed values. Pure.
 */
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { intInRange, oneOf, type Checker } from './checks.js'
import { FORMAT_CHECKERS } from './formats.js'

/** The annotations the config's schemas may carry besides JSON Schema's own keywords. */
export interface OptionSchema extends TSchema {
  errorMessage?: string
  format?: string
  minimum?: number
  maximum?: number
  anyOf?: OptionSchema[]
  const?: unknown
  items?: OptionSchema
  properties?: Record<string, OptionSchema>
  required?: string[]
  title?: string
  'x-render'?: 'hex' | 'octal' | 'url'
  /** The default in words, for an option whose default depends on the station (docs/config.md). */
  'x-default'?: string
  /** The allowed values in words, where listing the schema's own would not read well (docs/config.md). */
  'x-allowed'?: string
  /** Why operations can never set this option or section remotely (`config/option-paths.ts`, docs/remote-config.md). */
  'x-never-remote'?: string
}

/** An option that may be absent (Type.Optional). */
export function isOptional(schema: OptionSchema): boolean {
  return (schema as { [OptionalKind]?: unknown })[OptionalKind] === 'Optional'
}

export function isObjectSchema(schema: OptionSchema): boolean {
  return schema[Kind] === 'Object'
}

/** The sentence for `value`, which `schema` refuses ("must be …"). */
export function problemOf(schema: OptionSchema, value: unknown): string {
  const checker: Checker | undefined = schema.format === undefined ? undefined : FORMAT_CHECKERS[schema.format]
  const fromChecker = checker?.(value)
  if (fromChecker !== undefined && fromChecker !== null) return fromChecker
  if (schema.errorMessage !== undefined) return schema.errorMessage
  switch (schema[Kind]) {
    case 'Integer':
      return intInRange(value, schema.minimum ?? Number.MIN_SAFE_INTEGER, schema.maximum ?? Number.MAX_SAFE_INTEGER) ?? 'must be an integer in range'
    case 'Literal':
      return oneOf(value, [schema.const]) ?? 'must be the one value allowed'
    case 'Union':
      if (schema.anyOf?.every((member) => member[Kind] === 'Literal')) return oneOf(value, schema.anyOf.map((member) => member.const)) ?? 'must be one of the values allowed'
      break
    case 'Boolean':
      return 'must be true or false'
    case 'Object':
      return 'must be a mapping of options'
    case 'String':
      return 'must be a string'
  }
  return 'is not a valid value'
}

/** A checker for one option schema: null when it accepts the value, else its problem sentence. */
export function checkerOf(schema: OptionSchema): Checker {
  return (value) => (Value.Check(schema, value) ? null : problemOf(schema, value))
}
