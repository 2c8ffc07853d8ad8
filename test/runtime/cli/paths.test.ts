import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import t from 'tap'
import {
  bundledFlowsDir,
  clientDataDir,
  defaultRunDataDir,
  localDataDir,
  packageRoot,
  SYSTEM_DATA_DIR,
} from '../../../runtime/cli/paths.js'
import { ControlServer } from '../../../runtime/control/control-server.js'
import { controlSocketPath } from '../../../runtime/control/socket-path.js'
import { createSilentLogger } from '../../../runtime/log.js'
import { testDir } from '../../support/test-dir.js'

const REPO_ROOT = resolve(import.meta.dirname, '../../..')
const systemStationRuns = existsSync(controlSocketPath(SYSTEM_DATA_DIR))

t.test('the package root is the folder with package.json, and the bundled flows live in it', async (t) => {
  t.equal(packageRoot(), REPO_ROOT)
  t.equal(bundledFlowsDir(), join(REPO_ROOT, 'flows'))
})

t.test('a station run from a checkout keeps its data in .station beside the working directory', async (t) => {
  t.equal(localDataDir('/home/tech/citizen-station'), '/home/tech/citizen-station/.station')
  t.equal(defaultRunDataDir('/home/tech/cs', true, {}), '/home/tech/cs/.station')
  t.equal(defaultRunDataDir('/home/tech/cs', false, {}), SYSTEM_DATA_DIR)
  t.equal(defaultRunDataDir('/home/tech/cs', false, { STATION_DATA_DIR: 'data' }), '/home/tech/cs/data', 'the env wins')
})

t.test('a client uses --data-dir first, resolved against the working directory', async (t) => {
  const env = { STATION_DATA_DIR: '/srv/from-env' }
  t.equal(clientDataDir('/home/tech', 'mine', env), '/home/tech/mine')
  t.equal(clientDataDir('/home/tech', '/srv/flag', env), '/srv/flag')
})

t.test('without the flag a client uses STATION_DATA_DIR', async (t) => {
  t.equal(clientDataDir('/home/tech', undefined, { STATION_DATA_DIR: '/srv/from-env' }), '/srv/from-env')
  t.equal(clientDataDir('/home/tech', undefined, { STATION_DATA_DIR: 'rel' }), '/home/tech/rel')
})

t.test('without flag or env a client finds the local station when its socket is there', async (t) => {
  const cwd = testDir(t)
  const local = localDataDir(cwd)
  if (systemStationRuns) {
    t.equal(clientDataDir(cwd, undefined, {}), SYSTEM_DATA_DIR, 'a system station runs on this machine')
  } else {
    t.equal(clientDataDir(cwd, undefined, {}), local, 'nothing runs: the local dir, for a clear error')
  }
  mkdirSync(local)
  const server = new ControlServer(controlSocketPath(local), {}, createSilentLogger())
  t.teardown(() => server.stop())
  await server.start({ signal: new AbortController().signal, fail: () => undefined })
  t.equal(clientDataDir(cwd, undefined, {}), local)
  t.equal(clientDataDir(cwd, undefined, { STATION_DATA_DIR: '/srv/from-env' }), '/srv/from-env', 'the env still wins')
})
