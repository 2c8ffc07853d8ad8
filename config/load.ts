/**
 * Loads the station config: YAML file, then environment, then command-line overrides (the last wins),
 * with relative paths made absolute, then validation. No `process` access: the caller passes env and cwd.
 */
import { isAbsolute, resolve } from 'node:path'
import { defaultConfig } from './defaults.js'
import { applyEnvOverrides, withOverride } from './env.js'
import { resolveFilePaths } from './option-paths.js'
import { getIn, readYaml, resolvePathAt, type LocateOption } from './raw-config.js'
import type { Config } from './schema.js'
import { validateConfig } from './validate.js'

/** Overrides from command-line flags; they beat the file and the environment. */
export interface CliOverrides {
  /** `--data-dir`; a relative path resolves against `cwd`. */
  dataDir?: string | undefined
  /** `--broker`: sets mqtt.url. */
  brokerUrl?: string | undefined
  /** `--sim`: sets hardware.simulated. */
  simulated?: boolean | undefined
}

export interface LoadConfigOptions {
  /** Config file (`--config`); relative to `cwd`. Absent: built-in defaults plus overrides. */
  file?: string | undefined
  /** The process environment; only the STATION_* variables of `ENV_OVERRIDES` are read. */
  env: Readonly<Record<string, string | undefined>>
  overrides: CliOverrides
  /** The flows folder shipped with the package; the default for flows.dir. */
  bundledFlowsDir: string
  /** dataDir when neither file, environment nor command line sets one. */
  defaultDataDir: string
  /** Working directory, for the file name, command-line and environment paths. */
  cwd: string
}

export type LoadConfigResult =
  | {
      readonly ok: true
      readonly config: Config
      readonly source: string
      /** Whether the file or STATION_ID named station.id (else it is the default; a simulated station makes its own). */
      readonly stationIdGiven: boolean
    }
  | { readonly ok: false; readonly problems: string[]; readonly source: string }

/** The `source` reported when no file is given. */
export const BUILT_IN_SOURCE = '(built-in defaults)'

/**
 * Tags a problem with where its value came from: the variable or flag that set it, else the file's
 * line and column of the option (a problem line starts with the option's dotted path).
 */
function annotate(problem: string, origins: ReadonlyMap<string, string>, file: { source: string; locate: LocateOption } | undefined): string {
  for (const [path, origin] of origins) {
    if (problem.startsWith(`${path}:`)) return `${problem} [set by ${origin}]`
  }
  const path = problem.slice(0, problem.indexOf(': '))
  const position = file === undefined || path === '(root)' ? undefined : file.locate(path.split('.'))
  return position === undefined ? problem : `${problem} [${file?.source}:${position.line}:${position.col}]`
}

/**
 * Reads, merges and validates the config. Never throws for a bad config or file: every problem is in
 * `problems`, ready for `formatProblems` (main.ts then exits with 78, EX_CONFIG).
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadConfigResult> {
  const { env, overrides, cwd } = options
  const source = options.file === undefined ? BUILT_IN_SOURCE : resolve(cwd, options.file)

  let raw: unknown = {}
  let file: { source: string; locate: LocateOption } | undefined
  if (options.file !== undefined) {
    const parsed = await readYaml(source)
    if ('problems' in parsed) return { ok: false, problems: parsed.problems, source }
    raw = resolveFilePaths(parsed.raw, source)
    file = { source, locate: parsed.locate }
  }

  const origins = new Map<string, string>()
  const fromEnv = applyEnvOverrides(raw, env)
  raw = fromEnv.raw
  for (const override of fromEnv.applied) {
    if (override.kind === 'path') raw = resolvePathAt(raw, override.path, cwd)
    origins.set(override.path.join('.'), override.variable)
  }

  if (overrides.dataDir !== undefined) {
    raw = withOverride(raw, ['dataDir'], resolve(cwd, overrides.dataDir))
    origins.set('dataDir', 'the command line')
  }
  if (overrides.brokerUrl !== undefined) {
    raw = withOverride(raw, ['mqtt', 'url'], overrides.brokerUrl)
    origins.set('mqtt.url', 'the command line')
  }
  if (overrides.simulated !== undefined) {
    raw = withOverride(raw, ['hardware', 'simulated'], overrides.simulated)
    origins.set('hardware.simulated', 'the command line')
  }

  // The key file and socket default to places inside dataDir, so the base follows the chosen dataDir.
  const chosenDataDir = getIn(raw, ['dataDir'])
  const dataDir =
    typeof chosenDataDir === 'string' && isAbsolute(chosenDataDir) ? chosenDataDir : resolve(cwd, options.defaultDataDir)
  const base = defaultConfig(dataDir, resolve(cwd, options.bundledFlowsDir))

  const result = validateConfig(raw, base)
  if (!result.ok) {
    const problems = [...fromEnv.problems, ...result.problems.map((problem) => annotate(problem, origins, file))]
    return { ok: false, problems, source }
  }
  if (fromEnv.problems.length > 0) return { ok: false, problems: fromEnv.problems, source }
  return { ok: true, config: result.config, source, stationIdGiven: getIn(raw, ['station', 'id']) !== undefined }
}

/** The text main.ts prints for a rejected config: a heading, then one indented line per problem. */
export function formatProblems(source: string, problems: readonly string[]): string {
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`
  return [`config ${source} has ${count}:`, ...problems.map((problem) => `  - ${problem}`)].join('\n')
}
