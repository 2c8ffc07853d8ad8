import { join } from 'node:path'
import t from 'tap'
import { startStationProcess, station } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

t.test('a second station on the same data dir refuses to start and leaves the first one running', async (t) => {
  const dataDir = join(testDir(t, {}), 'data')
  const first = await startStationProcess(t, dataDir, ['--sim', '--broker', 'mqtt://127.0.0.1:1'])
  const second = await station(['run', '--sim', '--broker', 'mqtt://127.0.0.1:1', '--data-dir', dataDir])
  t.equal(second.code, 69)
  t.match(second.stderr, /another station is already running/)
  const status = (await first.request('status')) as { ready: boolean }
  t.equal(status.ready, true, 'the first station still answers on its socket')
  t.equal(await first.stop(), 0)
})
