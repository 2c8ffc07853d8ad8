import { defaultConfig } from '../../config/defaults.js'
import type { Config } from '../../config/schema.js'
import { validateConfig } from '../../config/validate.js'

/** The built-in defaults the config tests validate over. */
export const baseConfig = (): Config => defaultConfig('/var/lib/station', '/opt/station/flows')

/** The problem lines for `raw` over `from`; [] when it is valid. */
export function problemsOf(raw: unknown, from: Config = baseConfig()): string[] {
  const result = validateConfig(raw, from)
  return result.ok ? [] : result.problems
}

/** The validated config; an unexpected problem list fails the test by throwing. */
export function configOf(raw: unknown, from: Config = baseConfig()): Config {
  const result = validateConfig(raw, from)
  if (!result.ok) throw new Error(`unexpected problems:\n${result.problems.join('\n')}`)
  return result.config
}
