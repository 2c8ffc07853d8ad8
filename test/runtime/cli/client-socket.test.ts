import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../../config/load.js'
import { findClientSocket, type ClientSocketOptions } from '../../../runtime/cli/client-socket.js'
import { localDataDir, SYSTEM_DATA_DIR } from '../../../runtime/cli/paths.js'
import { controlSocketPath } from '../../../runtime/control/socket-path.js'
import { testDir } from '../../support/test-dir.js'

/** A short working directory (a tap test dir is too deep for a socket path) with these files. */
function shortDir(t: { teardown(fn: () => unknown): void }, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-sock-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

const systemStationRuns = existsSync(controlSocketPath(SYSTEM_DATA_DIR))

async function socketOf(options: Partial<ClientSocketOptions> & { cwd: string }): Promise<string> {
  const found = await findClientSocket({ env: {}, systemConfigFile: join(options.cwd, 'no-system-config.yaml'), ...options })
  if (!found.ok) throw new Error(found.problem)
  return found.path
}

/** Where `station run --config file` (with that env and --data-dir) would listen. */
async function stationSocket(cwd: string, file: string, env: Record<string, string>, dataDir?: string): Promise<string> {
  const loaded = await loadConfig({ file, env, overrides: { dataDir }, bundledFlowsDir: cwd, defaultDataDir: SYSTEM_DATA_DIR, cwd })
  if (!loaded.ok) throw new Error(loaded.problems.join('; '))
  return controlSocketPath(loaded.config.dataDir, loaded.config.control.socketPath)
}

t.test('--socket wins over everything, resolved against the working directory', async (t) => {
  const cwd = shortDir(t, { 'station.yaml': 'control:\n  socketPath: /run/elsewhere.sock\n' })
  t.equal(await socketOf({ cwd, socket: 'here.sock', config: 'station.yaml', dataDir: 'd' }), join(cwd, 'here.sock'))
})

t.test('--config: the socket the station started with that file listens on, the way loadConfig reads it', async (t) => {
  const cwd = shortDir(t, {
    'etc/socket.yaml': 'control:\n  socketPath: ../run/station.sock\n',
    'etc/datadir.yaml': 'dataDir: ../var/lib/cs\n',
    'etc/flow-style.yaml': 'dataDir: /srv/cs\ncontrol: { socketPath: "/run/cs/control.sock" }\n',
    'etc/empty.yaml': '',
  })
  const cases: Array<[string, Record<string, string>, string | undefined, string]> = [
    ['etc/socket.yaml', {}, undefined, join(cwd, 'run', 'station.sock')],
    ['etc/datadir.yaml', {}, undefined, join(cwd, 'var', 'lib', 'cs', 'station.sock')],
    ['etc/datadir.yaml', {}, 'mine', join(cwd, 'mine', 'station.sock')],
    ['etc/datadir.yaml', { STATION_DATA_DIR: 'from-env' }, undefined, join(cwd, 'from-env', 'station.sock')],
    ['etc/socket.yaml', {}, 'mine', join(cwd, 'run', 'station.sock')],
    ['etc/flow-style.yaml', {}, undefined, '/run/cs/control.sock'],
    ['etc/empty.yaml', {}, undefined, join(SYSTEM_DATA_DIR, 'station.sock')],
  ]
  for (const [file, env, dataDir, expected] of cases) {
    const label = `${file} ${JSON.stringify(env)} --data-dir ${dataDir ?? '-'}`
    const client = await socketOf({ cwd, config: file, env, dataDir })
    t.equal(client, expected, label)
    t.equal(client, await stationSocket(cwd, file, env, dataDir), `${label}: the station agrees`)
  }
})

t.test('--config without a dataDir under STATION_SIMULATED: the local data dir, as station run picks', async (t) => {
  const cwd = shortDir(t, { 'station.yaml': 'log: { level: warn }\n' })
  t.equal(await socketOf({ cwd, config: 'station.yaml', env: { STATION_SIMULATED: '1' } }), controlSocketPath(localDataDir(cwd)))
})

t.test('a config that cannot be read or parsed is a problem with the file named, never a guess', async (t) => {
  const cwd = testDir(t, { 'bad.yaml': 'control: [unclosed\n' })
  const missing = await findClientSocket({ cwd, env: {}, config: 'missing.yaml' })
  t.match(missing, { ok: false, problem: /missing\.yaml: file not found \(or pass --socket\)$/ })
  const bad = await findClientSocket({ cwd, env: {}, config: 'bad.yaml' })
  t.match(bad, { ok: false, problem: /bad\.yaml:\d+:\d+: YAML syntax error/ })
})

t.test('without flags: a local station first, then the system config, then the system data dir', async (t) => {
  const cwd = shortDir(t, { 'system.yaml': 'control:\n  socketPath: /run/citizen-station/station.sock\n' })
  const systemConfigFile = join(cwd, 'system.yaml')
  t.equal(await socketOf({ cwd, systemConfigFile }), '/run/citizen-station/station.sock', 'the system config names it')
  const fallback = await socketOf({ cwd })
  t.equal(fallback, systemStationRuns ? controlSocketPath(SYSTEM_DATA_DIR) : controlSocketPath(localDataDir(cwd)), 'no config: as before')
  mkdirSync(localDataDir(cwd))
  writeFileSync(controlSocketPath(localDataDir(cwd)), '')
  t.equal(await socketOf({ cwd, systemConfigFile }), controlSocketPath(localDataDir(cwd)), 'a local station is found first')
  t.equal(await socketOf({ cwd, systemConfigFile, env: { STATION_DATA_DIR: '/srv/x' } }), '/srv/x/station.sock', 'STATION_DATA_DIR beats both')
  t.equal(await socketOf({ cwd, systemConfigFile, dataDir: 'd' }), join(cwd, 'd', 'station.sock'), '--data-dir too')
})
