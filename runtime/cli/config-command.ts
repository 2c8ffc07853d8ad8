/**
 * `station config check [--config F]`: the same loading and validation `station run` does (file,
 * environment, defaults), without starting anything. Prints every problem as `path: problem (got
 * value)` and exits 78, or prints a one-line summary and exits 0 (docs/config.md).
 */
import { formatProblems, loadConfig } from '../../config/load.js'
import type { ClientIo } from './client-commands.js'
import { bundledFlowsDir, defaultRunDataDir } from './paths.js'

/** EX_CONFIG, as `station run` exits for a bad config. */
const EXIT_CONFIG = 78

export interface ConfigCheckOptions {
  configFile?: string | undefined
  json: boolean
}

export async function configCheck(
  options: ConfigCheckOptions,
  environment: { env: Readonly<Record<string, string | undefined>>; cwd: string },
  io: ClientIo,
): Promise<number> {
  const { env, cwd } = environment
  const loaded = await loadConfig({
    file: options.configFile,
    env,
    overrides: {},
    bundledFlowsDir: bundledFlowsDir(),
    defaultDataDir: defaultRunDataDir(cwd, /^(1|true)$/i.test(env.STATION_SIMULATED ?? ''), env),
    cwd,
  })
  if (!loaded.ok) {
    if (options.json) io.out(JSON.stringify({ ok: false, source: loaded.source, problems: loaded.problems }))
    else io.err(formatProblems(loaded.source, loaded.problems))
    return EXIT_CONFIG
  }
  const { config } = loaded
  if (options.json) {
    io.out(JSON.stringify({ ok: true, source: loaded.source, station: config.station.id, simulated: config.hardware.simulated }))
  } else {
    io.out(`config ${loaded.source} is valid: station ${config.station.id}, ${config.hardware.simulated ? 'simulated' : 'real'} hardware`)
  }
  return 0
}
