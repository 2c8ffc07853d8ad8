/**
 * `npm start` on two accounts of one machine: each simulated station has its own id, made once per
 * data dir and kept across restarts, unless STATION_ID or config station.id names one.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { REPO_ROOT, startStationProcess, station } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

const SIM_CONFIG = join(REPO_ROOT, 'config', 'sim.yaml')
// Nothing listens on port 1: the station runs offline and starts fast.
const ARGS = ['--sim', '--config', SIM_CONFIG, '--broker', 'mqtt://127.0.0.1:1', '--no-central']

async function idOf(t: Test, dataDir: string, args: readonly string[] = ARGS, env: Record<string, string> = {}): Promise<string> {
  const proc = await startStationProcess(t, dataDir, args, env)
  const status = (await proc.request('status')) as { station: string }
  t.equal(await proc.stop(), 0, 'stops cleanly')
  return status.station
}

t.test('two data dirs give two ids, a restart keeps its id, an explicit id wins', async (t) => {
  const root = testDir(t, {})
  const first = await idOf(t, join(root, 'one'))
  const second = await idOf(t, join(root, 'two'))
  t.match(first, /^sim-[0-9a-f]{8}$/)
  t.match(second, /^sim-[0-9a-f]{8}$/)
  t.not(first, second, 'two simulators on one broker do not share a client id')
  t.equal(await idOf(t, join(root, 'one')), first, 'a restart keeps the id')
  t.equal(await idOf(t, join(root, 'one'), ARGS, { STATION_ID: 'lab-bench-7' }), 'lab-bench-7', 'STATION_ID wins')

  const file = join(root, 'named.yaml')
  await writeFile(file, 'station: { id: front-desk }\nhardware: { simulated: true }\n')
  const named = ['--sim', '--config', file, '--broker', 'mqtt://127.0.0.1:1', '--no-central']
  t.equal(await idOf(t, join(root, 'one'), named), 'front-desk', 'config station.id wins')
})

t.test('a data dir where the id cannot be kept stops the start with the reason', async (t) => {
  const dataDir = join(testDir(t, {}), 'data')
  // A folder where the id file belongs: reading it fails (EISDIR), so no id can be kept.
  await mkdir(join(dataDir, 'station-id'), { recursive: true })
  const result = await station(['run', ...ARGS, '--data-dir', dataDir])
  t.equal(result.code, 69)
  t.match(result.stderr, /cannot keep the station id in the data dir .*EISDIR/)
})
