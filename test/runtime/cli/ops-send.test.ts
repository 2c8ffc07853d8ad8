/**
 * `station ops send` (in process) against a whole station on simulated hardware and a private
 * mosquitto: exit 0 when the station ran the command, 1 when it refused or failed it or did not
 * answer in time, 2 for usage errors; every response is one JSON line on stdout.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { opsCommand } from '../../../runtime/cli/ops-send.js'
import { generateKeyPairFiles } from '../../../runtime/ops/trusted-keys.js'
import { startMosquitto, subscribeCollect } from '../../support/mosquitto.js'
import { start } from '../../support/station-rig.js'
import { testDir } from '../../support/test-dir.js'

function io() {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) } }
}

t.test('ops send exits 0 for a command the station ran and 1 when it refused, failed or stayed silent', async (t) => {
  const broker = await startMosquitto(t)
  const dir = testDir(t, {})
  await mkdir(join(dir, 'keys'))
  await mkdir(join(dir, 'other'))
  const trusted = await generateKeyPairFiles(join(dir, 'keys'), 'ops')
  const untrusted = await generateKeyPairFiles(join(dir, 'other'), 'ops')
  const status = await subscribeCollect(broker.url, 'cs/v1/lobby-test/status')
  t.teardown(() => status.close())
  const station = await start(t, broker.url, (config) => void (config.ops.trustedKeys = [trusted.publicPath]), { dataDir: join(dir, 'data') })
  await status.waitFor((m) => m.payload.state === 'online', 10_000)
  const send = async (args: string[], key = trusted.privatePath) => {
    const run = io()
    const code = await opsCommand(['send', ...args, '--key', key, '--broker', broker.url, '--timeout-ms', '5000'], run.io)
    return { code, lines: run.out.map((line) => JSON.parse(line) as Record<string, unknown>), err: run.err.join('\n') }
  }

  const ping = await send(['lobby-test', 'ping'])
  t.equal(ping.code, 0, 'ping: exit 0')
  t.match(ping.lines, [{ name: 'ping', status: 'done', result: { pong: true } }], 'one JSON line per response')
  t.equal(ping.err, '')

  const maintenance = await send(['lobby-test', 'maintenance', '{"on":true}'])
  t.equal(maintenance.code, 0)
  t.equal((await station.status()).maintenance.on, true, 'the args reached the station')

  const badArgs = await send(['lobby-test', 'maintenance', '{"on":"yes"}'])
  t.equal(badArgs.code, 1, 'refused: exit 1')
  t.match(badArgs.lines, [{ status: 'refused', reason: 'bad-args' }])
  t.match(badArgs.err, /refused maintenance: bad-args/)

  const forged = await send(['lobby-test', 'ping'], untrusted.privatePath)
  t.equal(forged.code, 1)
  t.match(forged.lines, [{ status: 'refused', reason: 'unknown-key' }])

  const invalid = await send(['lobby-test', 'config.set', '{"config":{"session":{"idleTimeoutS":-1}}}'])
  t.equal(invalid.code, 1, 'failed: exit 1')
  t.match(invalid.lines, [{ status: 'failed', reason: 'invalid-config' }])

  const run = io()
  const silent = await opsCommand(['send', 'lobby-nobody', 'ping', '--key', trusted.privatePath, '--broker', broker.url, '--timeout-ms', '300'], run.io)
  t.equal(silent, 1, 'no station answering: exit 1')
  t.same(run.out, [])
  t.match(run.err.join('\n'), /no final answer from lobby-nobody within 300 ms/)
})

t.test('ops send: usage errors exit 2, an unreachable broker or unreadable key exits 1', async (t) => {
  const dir = testDir(t, {})
  const pair = await generateKeyPairFiles(dir, 'ops')
  const usage: string[][] = [
    ['send'],
    ['send', 'lobby-test'],
    ['send', 'lobby-test', 'ping', '--broker', 'mqtt://127.0.0.1:1'],
    ['send', 'lobby-test', 'ping', '--key', pair.privatePath],
    ['send', 'lobby-test', 'ping', 'not json', '--key', pair.privatePath, '--broker', 'mqtt://127.0.0.1:1'],
    ['send', 'lobby-test', 'ping', '[1]', '--key', pair.privatePath, '--broker', 'mqtt://127.0.0.1:1'],
    ['send', 'lobby/test', 'ping', '--key', pair.privatePath, '--broker', 'mqtt://127.0.0.1:1'],
    ['send', 'lobby-test', 'ping', '--key', pair.privatePath, '--broker', 'mqtt://127.0.0.1:1', '--timeout-ms', '0'],
    ['send', 'lobby-test', 'ping', '--key', pair.privatePath, '--broker', 'mqtt://127.0.0.1:1', '--frobnicate'],
    ['receive'],
  ]
  for (const args of usage) {
    const run = io()
    t.equal(await opsCommand(args, run.io), 2, args.join(' '))
    t.match(run.err.join('\n'), /usage: station ops send/)
  }
  const noKey = io()
  t.equal(await opsCommand(['send', 'lobby-test', 'ping', '--key', join(dir, 'missing.key'), '--broker', 'mqtt://127.0.0.1:1'], noKey.io), 1)
  t.match(noKey.err.join('\n'), /missing\.key: cannot read the key file/)
  const noBroker = io()
  t.equal(await opsCommand(['send', 'lobby-test', 'ping', '--key', pair.privatePath, '--broker', 'mqtt://127.0.0.1:1'], noBroker.io), 1)
  t.match(noBroker.err.join('\n'), /station ops send: /)
})
