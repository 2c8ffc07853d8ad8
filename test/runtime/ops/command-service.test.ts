/**
 * The CommandService on a real MqttLink and a private mosquitto, with an operator speaking raw
 * MQTT 5: garbage, huge and foreign payloads are refused with their reason on the response topic
 * (correlation data echoed) and as events, a foreign response topic is never published to, replays
 * are refused, and a disturbing command waits until the resident has left unless it is urgent.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { connectAsync, type MqttClient } from 'mqtt'
import t from 'tap'
import { systemClock } from '../../../runtime/core/clock.js'
import { createSilentLogger } from '../../../runtime/log.js'
import type { CommandHandler } from '../../../runtime/ops/command-handlers.js'
import { CommandService, type CommandResponse } from '../../../runtime/ops/command-service.js'
import { sendCommand } from '../../../runtime/ops/ops-client.js'
import { encodeSignedEnvelope, keyIdOf } from '../../../runtime/ops/signed-envelope.js'
import { startMosquitto, subscribeCollect, type Collector, type Teardown } from '../../support/mosquitto.js'
import { createTestLink } from '../../support/test-link.js'
import { waitUntil } from '../../support/wait-until.js'
import { commandBody } from '../../support/command-body.js'
import { testDir, type TestDirOwner } from '../../support/test-dir.js'

const STATION = 'cmd-station-1'
const BASE = `cs/v1/${STATION}`
const ops = generateKeyPairSync('ed25519')
const stranger = generateKeyPairSync('ed25519')

interface Rig {
  url: string
  service: CommandService
  events: Array<{ type: string; fields: Record<string, unknown> }>
  ran: string[]
  resident: { present: boolean }
  replies: Collector
  operator: MqttClient
  /** Publishes raw bytes on cmd/<name> as an MQTT 5 request; resolves with its correlation data. */
  send(name: string, payload: Uint8Array | string, options?: { responseTopic?: string | null; correlationData?: Buffer }): Promise<Buffer>
  /** The responses carrying `correlationData`. */
  answers(correlationData: Buffer): CommandResponse[]
}

const body = (name: string, over: Record<string, unknown> = {}) => commandBody(STATION, name, over)

async function startRig(t: TestDirOwner): Promise<Rig> {
  const broker = await startMosquitto(t)
  const link = createTestLink(t, broker.url, { stationId: STATION })
  const events: Rig['events'] = []
  const ran: string[] = []
  const resident = { present: false }
  const handler = (name: string, disturbs: boolean): CommandHandler => ({
    parseArgs: () => ({ ok: true, value: {} }),
    disturbs: () => disturbs,
    run: async () => {
      ran.push(name)
      return { ran: name }
    },
  })
  const service = new CommandService({
    link,
    stationId: STATION,
    trustedKeys: new Map([[keyIdOf(ops.publicKey), ops.publicKey]]),
    maxSkewS: 300,
    noncePath: join(testDir(t), 'ops', 'nonces.json'),
    handlers: new Map([
      ['ping', handler('ping', false)],
      ['maintenance', handler('maintenance', true)],
      ['explode', { ...handler('explode', false), run: async () => Promise.reject(new Error('boom')) }],
    ]),
    residentPresent: () => resident.present,
    event: (type, fields) => events.push({ type, fields }),
    clock: systemClock,
    log: createSilentLogger(),
    queuePollMs: 50,
  })
  t.teardown(() => service.stop())
  const status = await subscribeCollect(broker.url, `${BASE}/status`)
  t.teardown(() => status.close())
  await service.start()
  await link.start()
  // The link subscribes before it publishes 'online', and the broker keeps one client's packets in order.
  await status.waitFor((m) => m.payload.state === 'online')
  const replies = await subscribeCollect(broker.url, `${BASE}/cmd-reply/+`)
  t.teardown(() => replies.close())
  const operator = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => operator.endAsync())
  return {
    url: broker.url,
    service,
    events,
    ran,
    resident,
    replies,
    operator,
    async send(name, payload, options = {}) {
      const correlationData = options.correlationData ?? randomBytes(8)
      const responseTopic = options.responseTopic === undefined ? `${BASE}/cmd-reply/test-op` : options.responseTopic
      await operator.publishAsync(`${BASE}/cmd/${name}`, Buffer.from(payload), {
        qos: 1,
        properties: { correlationData, ...(responseTopic === null ? {} : { responseTopic }) },
      })
      return correlationData
    },
    answers: (correlationData) =>
      replies.messages.filter((m) => m.properties?.correlationData?.equals(correlationData)).map((m) => m.payload as CommandResponse),
  }
}

async function answer(rig: Rig, correlationData: Buffer, count = 1): Promise<CommandResponse[]> {
  await waitUntil(`${count} answer(s)`, () => rig.answers(correlationData).length >= count)
  return rig.answers(correlationData)
}

t.test('garbage, huge, unsigned, forged and foreign commands are refused with their reason, and the service keeps working', async (t) => {
  const rig = await startRig(t)
  const cases: Array<[string, string, Uint8Array | string, string]> = [
    ['not JSON', 'ping', Buffer.from([0xff, 0x00, 0x13]), 'malformed'],
    ['huge', 'ping', Buffer.alloc(200 * 1024, 0x7b), 'too-large'],
    ['JSON of the wrong type', 'ping', '"ping"', 'malformed'],
    ['plain JSON, unsigned', 'ping', JSON.stringify(body('ping')), 'unsigned'],
    ['signed by an untrusted key', 'ping', encodeSignedEnvelope('command', body('ping'), stranger.privateKey), 'unknown-key'],
    ['signed for another purpose', 'ping', JSON.stringify({ ...JSON.parse(encodeSignedEnvelope('config', body('ping'), ops.privateKey).toString()), purpose: 'command' }), 'bad-signature'],
    ['valid, for another station', 'ping', encodeSignedEnvelope('command', body('ping', { station: 'cmd-station-2' }), ops.privateKey), 'wrong-station'],
    ['valid, name differs from topic', 'ping', encodeSignedEnvelope('command', body('maintenance'), ops.privateKey), 'wrong-name'],
    ['stale', 'ping', encodeSignedEnvelope('command', body('ping', { issuedAt: new Date(Date.now() - 3_600_000).toISOString() }), ops.privateKey), 'stale'],
    ['future', 'ping', encodeSignedEnvelope('command', body('ping', { issuedAt: new Date(Date.now() + 3_600_000).toISOString() }), ops.privateKey), 'future'],
    ['unknown command', 'reboot', encodeSignedEnvelope('command', body('reboot'), ops.privateKey), 'unknown-command'],
    ['args not an object', 'ping', encodeSignedEnvelope('command', body('ping', { args: [1] }), ops.privateKey), 'bad-args'],
  ]
  for (const [what, name, payload, reason] of cases) {
    const correlationData = await rig.send(name, payload)
    const [response] = await answer(rig, correlationData)
    t.equal(response?.status, 'refused', `${what}: refused`)
    t.equal(response?.reason, reason, `${what}: ${reason}`)
    t.equal(response?.name, name, `${what}: names the command from its topic`)
    t.ok(rig.events.some((e) => e.type === 'command.refused' && e.fields.reason === reason && e.fields.command === name), `${what}: event`)
  }
  t.same(rig.ran, [], 'nothing ran')
  const ok = await rig.send('ping', encodeSignedEnvelope('command', body('ping'), ops.privateKey))
  const [response] = await answer(rig, ok)
  t.equal(response?.status, 'done', 'a good command still runs after all that')
  t.same(response?.result, { ran: 'ping' })
  t.ok(rig.events.some((e) => e.type === 'command.ran' && e.fields.command === 'ping' && e.fields.status === 'done'), 'command.ran event')
})

t.test('a response topic outside cmd-reply (or none) is never published to and the command does not run', async (t) => {
  const rig = await startRig(t)
  const elsewhere = await subscribeCollect(rig.url, '#')
  t.teardown(() => elsewhere.close())
  for (const responseTopic of [`${BASE}/events`, 'cs/v1/other-station/cmd-reply/x', `${BASE}/cmd-reply/a/b`, `${BASE}/cmd-reply/`, null]) {
    const correlationData = await rig.send('ping', encodeSignedEnvelope('command', body('ping'), ops.privateKey), { responseTopic })
    await waitUntil('the refusal event', () => rig.events.filter((e) => e.fields.reason === 'bad-response-topic').length > 0)
    rig.events.length = 0
    t.equal(elsewhere.messages.filter((m) => m.properties?.correlationData?.equals(correlationData) && !m.topic.includes('/cmd/')).length, 0, `nothing sent for ${responseTopic}`)
  }
  t.same(rig.ran, [])
})

t.test('the same signed command sent twice runs once; the second is refused as replayed', async (t) => {
  const rig = await startRig(t)
  const payload = encodeSignedEnvelope('command', body('ping'), ops.privateKey)
  const first = await rig.send('ping', payload)
  t.equal((await answer(rig, first))[0]?.status, 'done')
  const second = await rig.send('ping', payload)
  const [again] = await answer(rig, second)
  t.equal(again?.reason, 'replayed')
  t.same(rig.ran, ['ping'])
})

t.test('a failing handler answers failed with its message; correlation data of any shape is echoed', async (t) => {
  const rig = await startRig(t)
  const odd = Buffer.from([0, 255, 1, 254])
  await rig.send('explode', encodeSignedEnvelope('command', body('explode'), ops.privateKey), { correlationData: odd })
  const [response] = await answer(rig, odd)
  t.equal(response?.status, 'failed')
  t.equal(response?.message, 'boom')
  t.ok(rig.events.some((e) => e.type === 'command.ran' && e.fields.status === 'failed'))
})

t.test('a request without correlation data is still answered, just without it', async (t) => {
  const rig = await startRig(t)
  const topic = `${BASE}/cmd-reply/no-correlation`
  await rig.operator.publishAsync(`${BASE}/cmd/ping`, encodeSignedEnvelope('command', body('ping'), ops.privateKey), {
    qos: 1,
    properties: { responseTopic: topic },
  })
  const reply = await rig.replies.waitFor((m) => m.topic === topic)
  t.equal(reply.payload.status, 'done')
  t.equal(reply.properties?.correlationData, undefined)
})

t.test('a disturbing command waits for the resident to leave; urgent and harmless ones do not', async (t) => {
  const rig = await startRig(t)
  rig.resident.present = true
  const queued = await rig.send('maintenance', encodeSignedEnvelope('command', body('maintenance'), ops.privateKey))
  const [first] = await answer(rig, queued)
  t.equal(first?.status, 'queued')
  t.ok(rig.events.some((e) => e.type === 'command.queued' && e.fields.command === 'maintenance'))
  const ping = await rig.send('ping', encodeSignedEnvelope('command', body('ping'), ops.privateKey))
  t.equal((await answer(rig, ping))[0]?.status, 'done', 'a harmless command runs during the session')
  const urgent = await rig.send('maintenance', encodeSignedEnvelope('command', body('maintenance', { urgent: true }), ops.privateKey))
  t.equal((await answer(rig, urgent))[0]?.status, 'done', 'an urgent one runs at once')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.same(rig.ran, ['ping', 'maintenance'], 'the queued one has not run while the resident is there')
  rig.resident.present = false
  const [, second] = await answer(rig, queued, 2)
  t.equal(second?.status, 'done', 'second response once the session ended')
  t.same(rig.ran, ['ping', 'maintenance', 'maintenance'])
})

t.test('stopping answers commands still waiting with failed', async (t) => {
  const rig = await startRig(t)
  rig.resident.present = true
  const queued = await rig.send('maintenance', encodeSignedEnvelope('command', body('maintenance'), ops.privateKey))
  await answer(rig, queued)
  await rig.service.stop()
  const [, last] = await answer(rig, queued, 2)
  t.equal(last?.status, 'failed')
  t.equal(last?.reason, 'stopping')
})

t.test('the operator client gets the queued and the final response', async (t) => {
  const rig = await startRig(t)
  rig.resident.present = true
  setTimeout(() => (rig.resident.present = false), 300)
  const seen: string[] = []
  const outcome = await sendCommand({
    brokerUrl: rig.url,
    topicPrefix: 'cs/v1',
    station: STATION,
    name: 'maintenance',
    args: { on: true },
    signingKey: ops.privateKey,
    timeoutMs: 5000,
    onResponse: (response) => seen.push(response.status),
  })
  t.same(seen, ['queued', 'done'])
  t.equal(outcome.final?.status, 'done')
  t.equal(outcome.final?.nonce, outcome.nonce)
})
