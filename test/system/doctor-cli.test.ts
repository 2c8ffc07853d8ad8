import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startMosquitto } from '../support/mosquitto.js'
import { REPO_ROOT, station } from '../support/station-process.js'

t.test('station doctor --json on the sim config: an array, exit 0; --help names doctor within 80 columns', async (t) => {
  const broker = await startMosquitto(t)
  const dir = await mkdtemp(join(tmpdir(), 'doctor-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const result = await station(['doctor', '--config', join(REPO_ROOT, 'config/sim.yaml'), '--data-dir', dir, '--broker', broker.url, '--json'])
  t.equal(result.code, 0, result.stdout + result.stderr)
  const checks = JSON.parse(result.stdout) as Array<{ check: string; status: string }>
  t.ok(checks.some((check) => check.check === 'printer' && check.status === 'pass'))
  t.notOk(checks.some((check) => check.status === 'fail'))

  const help = await station(['--help'])
  t.equal(help.code, 0)
  const lines = help.stdout.split('\n')
  const at = lines.findIndex((line) => line.startsWith('  doctor '))
  t.ok(at > 0, 'doctor is in the usage')
  for (const line of lines.slice(at, at + 3)) t.ok(line.length <= 80, `fits 80 columns: ${line}`)
})

t.test('station doctor exits 1 when the broker is unreachable', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'doctor-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const result = await station(['doctor', '--sim', '--data-dir', dir, '--broker', 'mqtt://127.0.0.1:1', '--user', 'root'])
  t.equal(result.code, 1)
  t.match(result.stdout, /^fail broker +mqtt:\/\/127\.0\.0\.1:1 unreachable/m)
})
