import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { controlSocketPath } from '../control/socket-path.js'

/** Root of the installed package (works from runtime/cli in the sources and from dist/runtime/cli). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('cannot find the package root')
    dir = parent
  }
  return dir
}

/** The flows shipped with the package: dist/flows after a build, flows/ in a checkout. */
export function bundledFlowsDir(): string {
  return join(packageRoot(), 'flows')
}

/** The config a production station runs with (the systemd unit's `run --config`). */
export const SYSTEM_CONFIG_FILE = '/etc/citizen-station/station.yaml'

/** Where a production station keeps its data. */
export const SYSTEM_DATA_DIR = '/var/lib/citizen-station'

/** Folder for a station started from a checkout (`npm start`): beside the working directory. */
export function localDataDir(cwd: string): string {
  return join(cwd, '.station')
}

/** Data dir for `station run` when none is given: the local one in simulation, the system one otherwise. */
export function defaultRunDataDir(cwd: string, simulated: boolean, env: Readonly<Record<string, string | undefined>>): string {
  if (env.STATION_DATA_DIR) return resolve(cwd, env.STATION_DATA_DIR)
  return simulated ? localDataDir(cwd) : SYSTEM_DATA_DIR
}

/** Data dir a client command talks to: --data-dir, STATION_DATA_DIR, else the local station if one runs, else the system one. */
export function clientDataDir(cwd: string, flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (flag) return resolve(cwd, flag)
  if (env.STATION_DATA_DIR) return resolve(cwd, env.STATION_DATA_DIR)
  const local = localDataDir(cwd)
  if (existsSync(controlSocketPath(local))) return local
  if (existsSync(controlSocketPath(SYSTEM_DATA_DIR))) return SYSTEM_DATA_DIR
  return local
}
