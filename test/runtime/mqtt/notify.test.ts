import { connectAsync, type MqttClient } from 'mqtt'
import t from 'tap'
import { systemClock, type Clock } from '../../../runtime/core/clock.js'
import type { MqttLink } from '../../../runtime/mqtt/mqtt-link.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { startMosquitto, subscribeCollect, type Teardown } from '../../support/mosquitto.js'
import { createTestLink } from '../../support/test-link.js'
import { signedNotify, testCentralKey, testVerifier } from '../../support/central-keys.js'
import { encodeSignedEnvelope } from '../../../runtime/ops/signed-envelope.js'
import { waitUntil } from '../../support/wait-until.js'
import { captureLog } from '../../support/capture-log.js'

const STATION = 'notify-station-1'
const NOTIFY_TOPIC = `cs/v1/${STATION}/notify`


function createLink(t: Teardown, url: string, clock: Clock = systemClock, log = captureLog().log): MqttLink {
  return createTestLink(t, url, { stationId: STATION, clock, log })
}

/**
 * Starts the link and resolves once its notify subscription is in place: the link subscribes before
 * it publishes its online status, and the broker handles one client's packets in order, so seeing
 * that status means the SUBSCRIBE was processed.
 */
async function startSubscribed(t: Teardown, url: string, link: MqttLink): Promise<void> {
  const status = await subscribeCollect(url, `cs/v1/${STATION}/status`)
  t.teardown(() => status.close())
  await link.start()
  await status.waitFor((m) => m.payload.state === 'online')
}

async function centralClient(t: Teardown, url: string): Promise<MqttClient> {
  const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => client.endAsync())
  return client
}

function publishJson(client: MqttClient, value: unknown): Promise<unknown> {
  return client.publishAsync(NOTIFY_TOPIC, JSON.stringify(value), { qos: 1 })
}

t.test('onNotify hands listeners the type and the other fields, and stops after unsubscribe', async (t) => {
  const broker = await startMosquitto(t)
  const link = createLink(t, broker.url)
  t.equal(link.topics.notify, NOTIFY_TOPIC)
  const seen: Array<[string, Record<string, unknown>]> = []
  const unsubscribe = link.onNotify((type, fields) => seen.push([type, fields]))
  await startSubscribed(t, broker.url, link)
  const central = await centralClient(t, broker.url)
  await publishJson(central, { type: 'payment.confirmed', ts: '2026-01-05T01:00:00.000Z', bill: 'B-1', amount: 1000 })
  await t.resolves(waitUntil('seen.length === 1', () => seen.length === 1))
  t.strictSame(seen[0], ['payment.confirmed', { ts: '2026-01-05T01:00:00.000Z', bill: 'B-1', amount: 1000 }])
  unsubscribe()
  const stillListening: string[] = []
  link.onNotify((type) => stillListening.push(type))
  await publishJson(central, { type: 'submission.accepted', id: 'sub-1' })
  await t.resolves(waitUntil('stillListening.length === 1', () => stillListening.length === 1))
  t.equal(seen.length, 1, 'the unsubscribed listener heard nothing more')
})

t.test('malformed notifications are ignored with a log line and later ones still arrive', async (t) => {
  const broker = await startMosquitto(t)
  const { log, lines } = captureLog()
  const link = createLink(t, broker.url, systemClock, log)
  const seen: string[] = []
  link.onNotify((type) => seen.push(type))
  await startSubscribed(t, broker.url, link)
  const central = await centralClient(t, broker.url)
  await central.publishAsync(NOTIFY_TOPIC, 'not json {', { qos: 1 })
  await central.publishAsync(NOTIFY_TOPIC, Buffer.from([0xff, 0xfe]), { qos: 1 })
  await publishJson(central, ['payment.confirmed'])
  await publishJson(central, { bill: 'B-1' })
  await publishJson(central, { type: 42 })
  await publishJson(central, { type: 'payment.confirmed', bill: 'B-2' })
  await waitUntil('seen.length === 1', () => seen.length === 1)
  t.strictSame(seen, ['payment.confirmed'])
  const ignored = lines.filter((line) => line.msg === 'notify ignored: not a JSON object with a string type')
  t.equal(ignored.length, 5)
  t.notOk(JSON.stringify(lines).includes('B-1'), 'the ignored payload itself is not logged')
})

t.test('a listener that throws does not keep the others from hearing the notification', async (t) => {
  const broker = await startMosquitto(t)
  const { log, lines } = captureLog()
  const link = createLink(t, broker.url, systemClock, log)
  link.onNotify(() => {
    throw new Error('listener bug')
  })
  const seen: string[] = []
  link.onNotify((type) => seen.push(type))
  await startSubscribed(t, broker.url, link)
  await publishJson(await centralClient(t, broker.url), { type: 'submission.accepted', id: 'sub-1' })
  await waitUntil('seen.length === 1', () => seen.length === 1)
  t.ok(lines.some((line) => line.msg === 'notify listener threw'))
})

t.test('the notify subscription is renewed on every connect', async (t) => {
  const broker = await startMosquitto(t)
  const link = createLink(t, broker.url)
  const seen: unknown[] = []
  link.onNotify((_type, fields) => seen.push(fields['id']))
  const status = await subscribeCollect(broker.url, `cs/v1/${STATION}/status`)
  await link.start()
  await status.waitFor((m) => m.payload.state === 'online')
  await status.close()
  // The broker keeps no sessions (persistence off, clean start): after a restart only a new
  // SUBSCRIBE from the link can bring notifications back.
  await broker.stop()
  await broker.start()
  await startSubscribed(t, broker.url, link)
  await publishJson(await centralClient(t, broker.url), { type: 'submission.accepted', id: 'after-restart' })
  await waitUntil('seen.length === 1', () => seen.length === 1)
  t.strictSame(seen, ['after-restart'])
})

t.test('waitForNotify resolves with the first notification of the type whose fields match', async (t) => {
  const broker = await startMosquitto(t)
  const link = createLink(t, broker.url)
  await startSubscribed(t, broker.url, link)
  const central = await centralClient(t, broker.url)
  const waiting = link.waitForNotify('payment.confirmed', { bill: 'B-2' }, { timeoutMs: 5000 })
  const anyPayment = link.waitForNotify('payment.confirmed', {}, { timeoutMs: 5000 })
  await publishJson(central, { type: 'submission.accepted', bill: 'B-2' })
  await publishJson(central, { type: 'payment.confirmed', bill: 'B-1', amount: 1 })
  await publishJson(central, { type: 'payment.confirmed', bill: 'B-2', amount: 2 })
  await publishJson(central, { type: 'payment.confirmed', bill: 'B-2', amount: 3 })
  t.strictSame(await waiting, { bill: 'B-2', amount: 2 })
  t.strictSame(await anyPayment, { bill: 'B-1', amount: 1 })
})

t.test('waitForNotify matches strings strictly: a number field does not equal its digits', async (t) => {
  const broker = await startMosquitto(t)
  const clock = new SimClock()
  const link = createLink(t, broker.url, clock)
  await startSubscribed(t, broker.url, link)
  const seen: unknown[] = []
  link.onNotify((_type, fields) => seen.push(fields))
  const waiting = link.waitForNotify('payment.confirmed', { amount: '5' }, { timeoutMs: 1000 })
  await publishJson(await centralClient(t, broker.url), { type: 'payment.confirmed', amount: 5 })
  await waitUntil('seen.length === 1', () => seen.length === 1)
  clock.advance(1000)
  await t.rejects(waiting, { code: 'E_MQTT_UNAVAILABLE' })
})

t.test('waitForNotify rejects with E_MQTT_UNAVAILABLE after timeoutMs, also while offline', async (t) => {
  const broker = await startMosquitto(t)
  const clock = new SimClock()
  const link = createLink(t, broker.url, clock)
  const waiting = link.waitForNotify('payment.confirmed', { bill: 'B-1' }, { timeoutMs: 30_000 })
  let settled = false
  waiting.catch(() => {}).finally(() => (settled = true))
  clock.advance(29_999)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(settled, false)
  clock.advance(1)
  await t.rejects(waiting, {
    code: 'E_MQTT_UNAVAILABLE',
    context: { type: 'payment.confirmed', timeoutMs: 30_000 },
  })
})

t.test('waitForNotify rejects with E_CANCELED when its signal aborts, or was aborted already', async (t) => {
  const broker = await startMosquitto(t)
  const clock = new SimClock()
  const link = createLink(t, broker.url, clock)
  const controller = new AbortController()
  const waiting = link.waitForNotify('payment.confirmed', {}, { timeoutMs: 30_000, signal: controller.signal })
  controller.abort()
  await t.rejects(waiting, { code: 'E_CANCELED' })
  t.equal(clock.pendingTimers, 0, 'the timeout timer was cleared')
  await t.rejects(link.waitForNotify('payment.confirmed', {}, { timeoutMs: 1000, signal: controller.signal }), {
    code: 'E_CANCELED',
  })
})

t.test('waitForNotify rejects with E_CANCELED when the link stops', async (t) => {
  const broker = await startMosquitto(t)
  const link = createLink(t, broker.url)
  await startSubscribed(t, broker.url, link)
  const waiting = link.waitForNotify('payment.confirmed', {}, { timeoutMs: 30_000 })
  const rejected = t.rejects(waiting, { code: 'E_CANCELED' })
  await link.stop()
  await rejected
})

t.test('with a verifier only central\'s signed notifications reach listeners; the rest are refused and reported', async (t) => {
  const broker = await startMosquitto(t)
  const key = testCentralKey()
  const { log, lines } = captureLog()
  const refused: Array<{ kind: string; reason: string }> = []
  const link = createTestLink(t, broker.url, {
    stationId: STATION,
    log,
    verifier: testVerifier(STATION, key),
    onRefused: ({ kind, reason }) => refused.push({ kind, reason }),
  })
  const seen: Array<[string, Record<string, unknown>]> = []
  link.onNotify((type, fields) => seen.push([type, fields]))
  await startSubscribed(t, broker.url, link)
  const central = await centralClient(t, broker.url)
  await publishJson(central, { type: 'payment.confirmed', ts: new Date().toISOString(), station: STATION, bill: 'B-1', amount: 1 })
  await central.publishAsync(NOTIFY_TOPIC, signedNotify(testCentralKey().privateKey, STATION, 'payment.confirmed', { bill: 'B-1', amount: 1 }), { qos: 1 })
  await central.publishAsync(NOTIFY_TOPIC, signedNotify(key.privateKey, 'notify-station-2', 'payment.confirmed', { bill: 'B-1', amount: 1 }), { qos: 1 })
  const ts = new Date().toISOString()
  await central.publishAsync(NOTIFY_TOPIC, signedNotify(key.privateKey, STATION, 'payment.confirmed', { bill: 'B-2', amount: 2 }, ts), { qos: 1 })
  await waitUntil('seen.length === 1 && refused.length === 3', () => seen.length === 1 && refused.length === 3)
  t.strictSame(refused, [
    { kind: 'notify', reason: 'unsigned' },
    { kind: 'notify', reason: 'unknown-key' },
    { kind: 'notify', reason: 'wrong-station' },
  ])
  t.strictSame(seen, [['payment.confirmed', { bill: 'B-2', amount: 2, ts, station: STATION }]])
  const logged = lines.filter((line) => typeof line.msg === 'string' && line.msg.startsWith('inbound notify refused'))
  t.equal(logged.length, 3, 'each refusal is logged')
  t.notOk(JSON.stringify(logged).includes('B-1'), 'never with the payload')
})

t.test('with a verifier a forged or misdirected reply leaves the request open for the genuine one', async (t) => {
  const broker = await startMosquitto(t)
  const key = testCentralKey()
  const refused: Array<{ kind: string; reason: string }> = []
  const link = createTestLink(t, broker.url, {
    stationId: STATION,
    verifier: testVerifier(STATION, key),
    onRefused: ({ kind, reason }) => refused.push({ kind, reason }),
  })
  await startSubscribed(t, broker.url, link)
  const central = await centralClient(t, broker.url)
  await central.subscribeAsync(`cs/v1/${STATION}/rpc/request/+`, { qos: 1 })
  central.on('message', (_topic, _payload, packet) => {
    const correlationData = packet.properties?.correlationData as Buffer
    const responseTopic = packet.properties?.responseTopic as string
    const re = correlationData.toString('hex')
    const ts = new Date().toISOString()
    const options = { qos: 1 as const, properties: { correlationData } }
    void (async () => {
      await central.publishAsync(responseTopic, JSON.stringify({ found: true, amount: 1 }), options)
      await central.publishAsync(responseTopic, encodeSignedEnvelope('rpc-response', { station: STATION, re: 'ffff', ts, reply: { amount: 2 } }, key.privateKey), options)
      await central.publishAsync(responseTopic, encodeSignedEnvelope('rpc-response', { station: STATION, re, ts, reply: { amount: 3 } }, testCentralKey().privateKey), options)
      await central.publishAsync(responseTopic, encodeSignedEnvelope('rpc-response', { station: STATION, re, ts, reply: { found: true, amount: 452000 } }, key.privateKey), options)
    })()
  })
  const answer = await link.request('bill.lookup', { service: 'electricity', customer: '10010001' }, { timeoutMs: 5000 })
  t.strictSame(answer, { found: true, amount: 452000 })
  t.strictSame(refused, [
    { kind: 'rpc/response', reason: 'unsigned' },
    { kind: 'rpc/response', reason: 'wrong-request' },
    { kind: 'rpc/response', reason: 'unknown-key' },
  ])
})

