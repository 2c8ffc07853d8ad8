/** The resident-facing keys: what a keypad electrode or an on-screen touch zone stands for. */
import { LiteralUnion } from '../literal-union.js'
import { Type, type Static } from '@sinclair/typebox'

export const KEY_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'ok', 'back'] as const

export const KeyNameSchema = LiteralUnion(KEY_NAMES)

/** Resident-facing keys. */
export type KeyName = Static<typeof KeyNameSchema>

/**
 * A key as a config file writes it: YAML reads an unquoted `5` as a number, so digit keys are accepted
 * either way and become the key name '5'.
 */
export const KeyNameOption = (options: { description?: string } = {}) =>
  Type.Transform(
    Type.Union([KeyNameSchema, Type.Integer({ minimum: 0, maximum: 9 })], {
      errorMessage: `must be one of ${KEY_NAMES.join(' ')}`,
      'x-allowed': '`0`–`9`, `ok`, `back`',
      ...options,
    }),
  )
    .Decode((key): KeyName => (typeof key === 'number' ? (String(key) as KeyName) : key))
    .Encode((key) => key)
