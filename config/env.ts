/**
 * Environment overrides: an explicit table of STATION_* variables and the option each one sets. Pure:
 * the environment is passed in, and values are only parsed here; `validateConfig` judges them.
 */
import { isPlainObject } from './checks.js'

/** How a variable's text becomes a raw config value. `path` values are strings resolved by `loadConfig` against the cwd. */
export type EnvValueKind = 'string' | 'integer' | 'boolean' | 'path'

/** One row of the override table. */
export interface EnvOverride {
  /** Environment variable name. */
  readonly variable: string
  /** The config option it sets, as keys from the root: ['mqtt', 'url']. */
  readonly path: readonly string[]
  readonly kind: EnvValueKind
  /** One line for `station --help` and the docs. */
  readonly description: string
}

/** Every supported override. Variables not listed here are ignored; an empty value counts as unset. */
export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { variable: 'STATION_ID', path: ['station', 'id'], kind: 'string', description: 'station id used in MQTT topics' },
  { variable: 'STATION_DATA_DIR', path: ['dataDir'], kind: 'path', description: 'folder for outbox, state, keys and socket' },
  { variable: 'STATION_MQTT_URL', path: ['mqtt', 'url'], kind: 'string', description: "broker URL, or 'auto' in simulation" },
  { variable: 'STATION_MQTT_USERNAME', path: ['mqtt', 'username'], kind: 'string', description: 'broker user name' },
  {
    variable: 'STATION_MQTT_PASSWORD_FILE',
    path: ['mqtt', 'passwordFile'],
    kind: 'path',
    description: 'file holding the broker password',
  },
  { variable: 'STATION_LOG_LEVEL', path: ['log', 'level'], kind: 'string', description: 'trace, debug, info, warn, error, fatal or silent' },
  { variable: 'STATION_LANGUAGE', path: ['station', 'defaultLanguage'], kind: 'string', description: 'vi or en' },
  { variable: 'STATION_SIMULATED', path: ['hardware', 'simulated'], kind: 'boolean', description: 'true/1: simulate every device' },
  {
    variable: 'STATION_IDLE_TIMEOUT_S',
    path: ['session', 'idleTimeoutS'],
    kind: 'integer',
    description: 'seconds without input before the session is wiped',
  },
  { variable: 'STATION_FLOWS_DIR', path: ['flows', 'dir'], kind: 'path', description: 'folder of flow YAML files' },
  { variable: 'STATION_KEY_FILE', path: ['storage', 'keyFile'], kind: 'path', description: 'outbox encryption key file' },
]

export interface EnvResult {
  /** The raw config with overrides applied; the input is not modified. */
  readonly raw: unknown
  /** Unparseable values: `STATION_IDLE_TIMEOUT_S: not an integer (got "abc")`. */
  readonly problems: string[]
  /** The rows whose variable was set and parsed, in table order. */
  readonly applied: EnvOverride[]
}

/** Longest rendering of a rejected variable value. */
const MAX_RENDERED_CHARS = 60

function renderText(text: string): string {
  const rendered = JSON.stringify(text)
  return rendered.length > MAX_RENDERED_CHARS ? `${rendered.slice(0, MAX_RENDERED_CHARS - 1)}…` : rendered
}

function parseValue(kind: EnvValueKind, text: string): { value: unknown } | { problem: string } {
  switch (kind) {
    case 'integer':
      return /^-?\d+$/.test(text.trim()) ? { value: Number(text.trim()) } : { problem: 'not an integer' }
    case 'boolean': {
      const word = text.trim().toLowerCase()
      if (word === 'true' || word === '1') return { value: true }
      if (word === 'false' || word === '0') return { value: false }
      return { problem: 'not a boolean; use true, false, 1 or 0' }
    }
    case 'string':
    case 'path':
      return { value: text }
  }
}

/**
 * A copy of `raw` with `value` at `path`, creating mappings that are absent or null on the way. If `raw`
 * or a mapping on the way is something else (a scalar, a list), `raw` is returned unchanged so that
 * validation reports the file's own mistake instead of it being papered over.
 */
export function withOverride(raw: unknown, path: readonly string[], value: unknown): unknown {
  const [key, ...rest] = path
  if (key === undefined) return value
  const container = raw ?? {}
  if (!isPlainObject(container)) return raw
  const current = container[key]
  const next = rest.length === 0 ? value : withOverride(current, rest, value)
  if (next === current && rest.length > 0) return raw
  return { ...container, [key]: next }
}

/** Applies every set variable of `ENV_OVERRIDES` to `raw`. */
export function applyEnvOverrides(raw: unknown, env: Readonly<Record<string, string | undefined>>): EnvResult {
  let result = raw
  const problems: string[] = []
  const applied: EnvOverride[] = []
  for (const override of ENV_OVERRIDES) {
    const text = env[override.variable]
    if (text === undefined || text === '') continue
    const parsed = parseValue(override.kind, text)
    if ('problem' in parsed) {
      problems.push(`${override.variable}: ${parsed.problem} (got ${renderText(text)})`)
      continue
    }
    result = withOverride(result, override.path, parsed.value)
    applied.push(override)
  }
  return { raw: result, problems, applied }
}
