/**
 * Where a station started with a given config file listens: the config's `control.socketPath` and
 * `dataDir`, read the way `loadConfig` reads them (paths relative to the file, then the
 * environment, then `--data-dir`), without validating the rest. Client commands use it, so it stays
 * light: no validator, no drivers; `yaml` only when the file is read (docs/startup.md).
 */
import { dirname, isAbsolute, resolve } from 'node:path'
import { applyEnvOverrides, withOverride } from './env.js'
import { getIn, readYaml, resolvePathAt } from './raw-config.js'

/** The two options read here; only they are resolved, so the schema (`config/option-paths.ts`) stays unloaded. */
const READ_PATHS: readonly (readonly string[])[] = [['control', 'socketPath'], ['dataDir']]

export interface SocketLocationOptions {
  /** The config file (`--config`), relative to `cwd`. */
  file: string
  /** `--data-dir`, relative to `cwd`; beats the file and STATION_DATA_DIR as for `station run`. */
  dataDir?: string | undefined
  env: Readonly<Record<string, string | undefined>>
  cwd: string
}

/** What the config says; either may be absent (then the station's own defaults apply). */
export type SocketLocation =
  | { readonly ok: true; readonly socketPath?: string; readonly dataDir?: string }
  | { readonly ok: false; readonly problems: string[] }

export async function socketLocation(options: SocketLocationOptions): Promise<SocketLocation> {
  const source = resolve(options.cwd, options.file)
  const parsed = await readYaml(source)
  if ('problems' in parsed) return { ok: false, problems: parsed.problems }
  let raw = parsed.raw
  for (const path of READ_PATHS) raw = resolvePathAt(raw, path, dirname(source))
  const fromEnv = applyEnvOverrides(raw, options.env)
  raw = fromEnv.raw
  for (const override of fromEnv.applied) {
    if (override.kind === 'path') raw = resolvePathAt(raw, override.path, options.cwd)
  }
  if (options.dataDir !== undefined) raw = withOverride(raw, ['dataDir'], resolve(options.cwd, options.dataDir))
  const socketPath = absolute(getIn(raw, ['control', 'socketPath']))
  const dataDir = absolute(getIn(raw, ['dataDir']))
  return { ok: true, ...(socketPath === undefined ? {} : { socketPath }), ...(dataDir === undefined ? {} : { dataDir }) }
}

function absolute(value: unknown): string | undefined {
  return typeof value === 'string' && isAbsolute(value) ? value : undefined
}
