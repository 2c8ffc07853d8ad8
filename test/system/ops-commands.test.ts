/**
 * The operator's tools as a person uses them, against the built station running as a real process
 * and a private mosquitto: `station keys generate` makes the key pair the station is configured to
 * trust, and `station ops send` exits 0 when the station ran the command and 1 when it refused it,
 * printing each response as one JSON line.
 */
import { join } from 'node:path'
import t from 'tap'
import { startMosquitto, subscribeCollect } from '../support/mosquitto.js'
import { writeTestConfig } from '../support/sim-residents.js'
import { startStationProcess, station } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

t.test('keys generate, then ops send against a running station', async (t) => {
  const broker = await startMosquitto(t)
  const dir = testDir(t, {})
  const keysDir = join(dir, 'keys')
  const generated = await station(['keys', 'generate', '--out', keysDir])
  t.equal(generated.code, 0, generated.stderr)
  t.match(generated.stdout, /private key: .*ops\.key\npublic key: +.*ops\.pub\nkey id: +[0-9a-f]{16}\n/)
  const again = await station(['keys', 'generate', '--out', keysDir])
  t.equal(again.code, 1, 'a second generate into the same place refuses')
  t.match(again.stderr, /refusing to overwrite/)

  const config = writeTestConfig(dir, `ops:\n  trustedKeys:\n    - ${join(keysDir, 'ops.pub')}\n`)
  const status = await subscribeCollect(broker.url, 'cs/v1/lobby-test/status')
  t.teardown(() => status.close())
  const proc = await startStationProcess(t, join(dir, 'data'), ['--sim', '--no-central', '--config', config, '--broker', broker.url])
  await status.waitFor((m) => m.payload.state === 'online', 15_000)
  const send = (...args: string[]) => station(['ops', 'send', ...args, '--key', join(keysDir, 'ops.key'), '--broker', broker.url, '--timeout-ms', '8000'])

  const ping = await send('lobby-test', 'ping')
  t.equal(ping.code, 0, ping.stderr)
  const [line, ...more] = ping.stdout.trim().split('\n')
  t.same(more, [], 'one response, one line')
  t.match(JSON.parse(line ?? '{}'), { name: 'ping', status: 'done', result: { pong: true } })

  const on = await send('lobby-test', 'maintenance', '{"on":true}')
  t.equal(on.code, 0, on.stderr)
  t.match(await proc.request('status'), { maintenance: { on: true, reason: 'central' } })

  const refused = await send('lobby-test', 'maintenance', '{"on":"please"}')
  t.equal(refused.code, 1, 'a refused command exits 1')
  t.match(JSON.parse(refused.stdout.trim()), { status: 'refused', reason: 'bad-args' })
  t.match(refused.stderr, /refused maintenance: bad-args/)

  const usage = await station(['ops', 'send', 'lobby-test'])
  t.equal(usage.code, 2, 'usage error exits 2')
  t.match(proc.logs(), /"msg":"command refused"/, 'the station logged the refusal')
})
