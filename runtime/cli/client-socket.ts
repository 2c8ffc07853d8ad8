import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { controlSocketPath } from '../control/socket-path.js'
import { clientDataDir, localDataDir, SYSTEM_CONFIG_FILE, SYSTEM_DATA_DIR } from './paths.js'

export interface ClientSocketOptions {
  /** `--socket`: the path itself. */
  socket?: string | undefined
  /** `--config`: the file the station was started with. */
  config?: string | undefined
  /** `--data-dir`. */
  dataDir?: string | undefined
  cwd: string
  env: Readonly<Record<string, string | undefined>>
  /** The config a system station runs with (the unit's `--config`). */
  systemConfigFile?: string
}

export type ClientSocket = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly problem: string }

/**
 * The control socket a client command talks to (docs/security.md, "The control socket"):
 * `--socket`; else the socket `--config` names (with `--data-dir` over the file, as for
 * `station run`); else `--data-dir` / STATION_DATA_DIR; else a local station if one runs (a
 * checkout's .station); else the system station's config, /etc/citizen-station/station.yaml; else
 * the system data dir.
 */
export async function findClientSocket(options: ClientSocketOptions): Promise<ClientSocket> {
  const { cwd, env } = options
  if (options.socket) return { ok: true, path: resolve(cwd, options.socket) }
  if (options.config !== undefined) return fromConfig(options.config, options)
  if (options.dataDir || env.STATION_DATA_DIR) return { ok: true, path: controlSocketPath(clientDataDir(cwd, options.dataDir, env)) }
  const local = controlSocketPath(localDataDir(cwd))
  if (existsSync(local)) return { ok: true, path: local }
  const systemConfig = options.systemConfigFile ?? SYSTEM_CONFIG_FILE
  if (existsSync(systemConfig)) return fromConfig(systemConfig, options)
  return { ok: true, path: controlSocketPath(clientDataDir(cwd, undefined, env)) }
}

async function fromConfig(file: string, options: ClientSocketOptions): Promise<ClientSocket> {
  // Loaded only here: a client without a config file never parses YAML (docs/startup.md).
  const { socketLocation } = await import('../../config/socket-location.js')
  const found = await socketLocation({ file, dataDir: options.dataDir, env: options.env, cwd: options.cwd })
  if (!found.ok) {
    return { ok: false, problem: `cannot find the station's socket in its config: ${found.problems.join('; ')} (or pass --socket)` }
  }
  // A file without dataDir: the data dir `station run --config` picks without --sim.
  const simulated = /^(1|true)$/i.test(options.env.STATION_SIMULATED ?? '')
  const dataDir = found.dataDir ?? (simulated ? localDataDir(options.cwd) : SYSTEM_DATA_DIR)
  return { ok: true, path: controlSocketPath(dataDir, found.socketPath) }
}
