/**
 * The string formats the config schema names, registered with TypeBox so `Value.Check` uses the same
 * checkers (`config/checks.ts`) that word the problem when a value fails. Imported for its effect.
 */
import { FormatRegistry } from '@sinclair/typebox'
import { absolutePath, listedBrokerUrl, serialPath, socketPath, url, type Checker } from './checks.js'

/** Format name → the checker that decides it and words its problem. */
export const FORMAT_CHECKERS: Readonly<Record<string, Checker>> = {
  'absolute-path': absolutePath,
  'serial-path': serialPath,
  'socket-path': socketPath,
  'broker-url': url,
  'listed-broker-url': listedBrokerUrl,
}

for (const [name, checker] of Object.entries(FORMAT_CHECKERS)) {
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, (value) => checker(value) === null)
}
