/**
 * Signed commands against a whole station (the real startStation on simulated hardware) and a
 * private mosquitto: unsigned, replayed, stale and wrong-station commands are refused with their
 * reason on the response topic and as events on cs/v1/S/events; signed ones run (ping, print.test
 * printing a receipt, maintenance); maintenance sent mid-procedure is queued and runs once the
 * session has ended; the replay cache survives a restart.
 */
import { randomBytes, type KeyObject } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import t, { type Test } from 'tap'
import type { CommandResponse } from '../../../runtime/ops/command-service.js'
import { sendCommand } from '../../../runtime/ops/ops-client.js'
import { encodeSignedEnvelope } from '../../../runtime/ops/signed-envelope.js'
import { generateKeyPairFiles, loadSigningKey } from '../../../runtime/ops/trusted-keys.js'
import { startMosquitto, subscribeCollect, type Collector, type TestBroker } from '../../support/mosquitto.js'
import { start, type Running } from '../../support/station-rig.js'
import { waitUntil } from '../../support/wait-until.js'
import { commandBody } from '../../support/command-body.js'
import { testDir } from '../../support/test-dir.js'

const STATION = 'lobby-test' // set by the station rig
const BASE = `cs/v1/${STATION}`

interface Setup {
  /** The test's one testdir (the rig would wipe a second call's). */
  dir: string
  broker: TestBroker
  key: KeyObject
  publicPath: string
  events: Collector
  replies: Collector
}

async function setup(t: Test): Promise<Setup> {
  const broker = await startMosquitto(t)
  const dir = testDir(t, {})
  await mkdir(join(dir, 'keys'))
  const pair = await generateKeyPairFiles(join(dir, 'keys'), 'ops')
  const events = await subscribeCollect(broker.url, `${BASE}/events`)
  const replies = await subscribeCollect(broker.url, `${BASE}/cmd-reply/+`)
  t.teardown(() => Promise.all([events.close(), replies.close()]))
  return { dir, broker, key: await loadSigningKey(pair.privatePath), publicPath: pair.publicPath, events, replies }
}

async function startTrusting(t: Test, s: Setup, options: { dataDir?: string; idleTimeoutS?: number } = {}): Promise<Running> {
  const status = await subscribeCollect(s.broker.url, `${BASE}/status`)
  t.teardown(() => status.close())
  const running = await start(
    t,
    s.broker.url,
    (config) => {
      config.ops.trustedKeys = [s.publicPath]
      if (options.idleTimeoutS) config.session.idleTimeoutS = options.idleTimeoutS
    },
    { dataDir: options.dataDir ?? join(s.dir, 'data') },
  )
  // The link subscribes to every command topic before it publishes 'online' (docs/mqtt.md).
  await status.waitFor((m) => m.payload.state === 'online', 10_000)
  return running
}

const body = (name: string, over: Record<string, unknown> = {}) => commandBody(STATION, name, over)

/** Publishes raw bytes as a command request and resolves with the first response to it. */
async function rawRequest(s: Setup, name: string, payload: Uint8Array | string): Promise<CommandResponse> {
  const client = await connectAsync(s.broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  try {
    const correlationData = randomBytes(8)
    await client.publishAsync(`${BASE}/cmd/${name}`, Buffer.from(payload), {
      qos: 1,
      properties: { responseTopic: `${BASE}/cmd-reply/raw`, correlationData },
    })
    const reply = await s.replies.waitFor((m) => m.properties?.correlationData?.equals(correlationData) === true, 8000)
    return reply.payload as CommandResponse
  } finally {
    await client.endAsync()
  }
}

const send = (s: Setup, name: string, args: Record<string, unknown> = {}, onResponse?: (r: CommandResponse) => void) =>
  sendCommand({ brokerUrl: s.broker.url, topicPrefix: 'cs/v1', station: STATION, name, args, signingKey: s.key, timeoutMs: 15_000, ...(onResponse ? { onResponse } : {}) })

const refusedEvent = (s: Setup, name: string, reason: string) =>
  s.events.waitFor((m) => m.payload?.type === 'command.refused' && m.payload.command === name && m.payload.reason === reason, 5000)

t.test('unsigned, replayed, stale and wrong-station commands are refused with their reason; signed ones run', async (t) => {
  const s = await setup(t)
  const station = await startTrusting(t, s)

  const unsigned = await rawRequest(s, 'maintenance', JSON.stringify(body('maintenance', { args: { on: true } })))
  t.match(unsigned, { status: 'refused', reason: 'unsigned', name: 'maintenance' })
  await t.resolves(refusedEvent(s, 'maintenance', 'unsigned'), 'unsigned: event')

  const signedPing = encodeSignedEnvelope('command', body('ping'), s.key)
  t.match(await rawRequest(s, 'ping', signedPing), { status: 'done', result: { pong: true } })
  t.match(await rawRequest(s, 'ping', signedPing), { status: 'refused', reason: 'replayed' })
  await t.resolves(refusedEvent(s, 'ping', 'replayed'), 'replayed: event')

  const stale = encodeSignedEnvelope('command', body('ping', { issuedAt: new Date(Date.now() - 600_000).toISOString() }), s.key)
  t.match(await rawRequest(s, 'ping', stale), { status: 'refused', reason: 'stale' })
  await t.resolves(refusedEvent(s, 'ping', 'stale'), 'stale: event')

  const elsewhere = encodeSignedEnvelope('command', body('maintenance', { station: 'lobby-other', args: { on: true } }), s.key)
  t.match(await rawRequest(s, 'maintenance', elsewhere), { status: 'refused', reason: 'wrong-station' })
  await t.resolves(refusedEvent(s, 'maintenance', 'wrong-station'), 'wrong-station: event')
  t.equal((await station.status()).maintenance.on, false, 'no refused command changed anything')

  const ping = await send(s, 'ping')
  t.match(ping.final, { status: 'done', name: 'ping', result: { pong: true } })
  t.ok(Number.isFinite(Date.parse((ping.final?.result as { ts: string }).ts)), 'pong carries the station time')

  const printed = await send(s, 'print.test')
  t.match(printed.final, { status: 'done', result: { printed: true, printer: { online: true, paperOut: false } } })
  const receipt = (await station.request('sim.receipt')) as { lines: string[] | null; count: number }
  t.equal(receipt.count, 1, 'one receipt printed')
  t.match(receipt.lines?.join('\n'), /TEST RECEIPT[\s\S]*lobby-test[\s\S]*paper out: no/, 'the test receipt shows the station and the printer status')

  const status = await send(s, 'status')
  t.match(status.final, { status: 'done', result: { station: STATION, ready: true } })

  t.match((await send(s, 'maintenance', { on: true })).final, { status: 'done', result: { on: true, reason: 'central' } })
  t.match(await station.status(), { maintenance: { on: true, reason: 'central' } })
  await station.waitForScreen(/.+/)
  t.match((await send(s, 'maintenance', { on: false })).final, { status: 'done', result: { on: false } })
  t.equal((await station.status()).maintenance.on, false)
  await t.resolves(s.events.waitFor((m) => m.payload?.type === 'command.ran' && m.payload.command === 'maintenance' && m.payload.status === 'done'), 'command.ran event')

  const restart = await send(s, 'device.restart', { name: 'printer' })
  t.match(restart.final, { status: 'done', result: { name: 'printer' } })
  t.ok(station.logLines.some((line) => line.msg === 'service restarted on request' && line.service === 'printer'), 'the printer service was restarted')
  t.match((await send(s, 'device.restart', { name: 'toaster' })).final, { status: 'refused', reason: 'bad-args' })
  const set = await send(s, 'config.set', { config: { session: { idleTimeoutS: 45 } } })
  t.match(set.final, { status: 'done', result: { ok: true, version: 1, live: ['session.idleTimeoutS'], pendingRestart: [] } }, 'a live setting applies through desired config')
  const restartNeeded = await send(s, 'config.set', { config: { mqtt: { keepaliveS: 20 } } })
  t.match(restartNeeded.final, { status: 'done', result: { ok: true, version: 2, pendingRestart: ['mqtt.keepaliveS'] } }, 'merged over the first: version 2, restart pending')
  const bad = await send(s, 'config.set', { config: { session: { idleTimeoutS: 'soon' } } })
  t.match(bad.final, { status: 'failed', reason: 'invalid-config', message: /session\.idleTimeoutS/ }, 'every problem named')
  t.match((await send(s, 'config.set', { config: { dataDir: '/tmp/elsewhere' } })).final, { status: 'failed', reason: 'invalid-config' }, 'a path never set remotely')

  await station.request('sim.printer', { state: 'paper-out' })
  t.match((await send(s, 'print.test')).final, { status: 'failed', reason: 'paper-out' }, 'print.test without paper fails and says why')
})

t.test('maintenance sent mid-procedure is queued, and runs once the session has ended', async (t) => {
  const s = await setup(t)
  const station = await startTrusting(t, s, { idleTimeoutS: 3 })
  await station.waitForScreen(/Xin chao|Welcome/i)
  await station.press('1', '1')
  await station.waitFor('a procedure to be running', async () => (await station.status()).phase === 'session')
  const seen: CommandResponse[] = []
  const outcome = await send(s, 'maintenance', { on: true }, (response) => {
    seen.push(response)
  })
  t.equal(seen[0]?.status, 'queued', 'first answer: queued')
  t.ok(s.events.messages.some((m) => m.payload?.type === 'command.queued' && m.payload.command === 'maintenance'), 'command.queued event')
  t.equal(outcome.final?.status, 'done', 'second answer: done, after the session ended')
  const after = await station.status()
  t.equal(after.maintenance.on, true, 'maintenance is on now')
  const sessionEnded = s.events.messages.findIndex((m) => m.payload?.type === 'session.idle_timeout')
  const entered = s.events.messages.findIndex((m) => m.payload?.type === 'maintenance.entered')
  t.ok(sessionEnded >= 0 && entered > sessionEnded, 'it ran only after the session ended')
})

t.test('the replay cache survives a restart of the station', async (t) => {
  const s = await setup(t)
  const dataDir = join(s.dir, 'data')
  const first = await startTrusting(t, s, { dataDir })
  const payload = encodeSignedEnvelope('command', body('ping'), s.key)
  t.equal((await rawRequest(s, 'ping', payload)).status, 'done')
  await first.station.stop()
  await startTrusting(t, s, { dataDir })
  t.match(await rawRequest(s, 'ping', payload), { status: 'refused', reason: 'replayed' }, 'the same command after the restart is a replay')
})
