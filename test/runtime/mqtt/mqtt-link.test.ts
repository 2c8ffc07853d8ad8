import { connectAsync } from 'mqtt'
import t from 'tap'
import { systemClock, type Clock } from '../../../runtime/core/clock.js'
import type { MqttLink, MqttLinkOptions } from '../../../runtime/mqtt/mqtt-link.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { startMosquitto, startTcpRelay, subscribeCollect, type Teardown } from '../../support/mosquitto.js'
import { createTestLink, waitForLinkState } from '../../support/test-link.js'

const STATION = 'test-station-1'
const submission = {
  id: 'sub-0001',
  flow: 'pay-bill',
  flowVersion: 2,
  createdAt: '2026-01-02T03:04:05.000Z',
  data: { customerCode: 'PE0100123' },
}

function createLink(t: Teardown, url: string, overrides: Partial<MqttLinkOptions> = {}): MqttLink {
  return createTestLink(t, url, { stationId: STATION, flows: () => [{ id: 'pay-bill', version: 2 }, { id: 'track-dossier', version: 1 }], ...overrides })
}

const waitForState = waitForLinkState

async function startedLink(t: Teardown, url: string, clock: Clock = systemClock): Promise<MqttLink> {
  const link = createLink(t, url, { clock })
  await link.start()
  await waitForState(link, true)
  return link
}

t.test('publishes a retained online status with version, boot id and flows on connect', async (t) => {
  const broker = await startMosquitto(t)
  const link = createLink(t, broker.url)
  t.equal(link.health().state, 'stopped')
  const live = await subscribeCollect(broker.url, `cs/v1/${STATION}/status`)
  t.teardown(() => live.close())
  await link.start()
  await waitForState(link, true)
  t.equal(link.health().state, 'ok')
  const published = await live.waitFor((m) => m.payload.state === 'online')
  t.equal(published.retain, false, 'a live subscriber gets it as a live message (MQTT 5 clears the flag)')
  // Only a retained message reaches a subscriber that came after it was published, and it comes
  // with the retain flag set: without retain this waitFor times out.
  const status = await subscribeCollect(broker.url, `cs/v1/${STATION}/status`)
  t.teardown(() => status.close())
  const message = await status.waitFor((m) => m.payload.state === 'online', 2000)
  t.equal(message.retain, true, 'delivered from the broker\'s retained store')
  t.match(message.payload, {
    version: '0.1.0-test',
    bootId: 'boot-1',
    flows: [{ id: 'pay-bill', version: 2 }, { id: 'track-dossier', version: 1 }],
  })
  t.match(message.payload.ts, /^\d{4}-\d\d-\d\dT/)
})

t.test('the broker publishes the offline will when the station socket dies without DISCONNECT', async (t) => {
  const broker = await startMosquitto(t)
  const relay = await startTcpRelay(t, broker.port)
  const clock = new SimClock() // reconnect waits for clock.advance, so the will stays the last word
  const link = await startedLink(t, relay.url, clock)
  const status = await subscribeCollect(broker.url, `cs/v1/${STATION}/status`)
  t.teardown(() => status.close())
  await status.waitFor((m) => m.payload.state === 'online')
  relay.cut()
  await waitForState(link, false)
  const will = await status.waitFor((m) => m.payload.state === 'offline')
  t.match(will.payload, { bootId: 'boot-1', version: '0.1.0-test' })
  t.equal(link.health().state, 'degraded')
  const late = await subscribeCollect(broker.url, `cs/v1/${STATION}/status`)
  t.teardown(() => late.close())
  const retained = await late.waitFor(() => true)
  t.match(retained, { retain: true, payload: { state: 'offline' } }, 'the will is retained')
  clock.advance(400) // reconnectMaxMs: the longest backoff
  await waitForState(link, true)
  await late.waitFor((m) => m.payload.state === 'online')
})

t.test('a clean stop publishes retained offline once and no will follows', async (t) => {
  const broker = await startMosquitto(t)
  const link = await startedLink(t, broker.url)
  const status = await subscribeCollect(broker.url, `cs/v1/${STATION}/status`)
  t.teardown(() => status.close())
  await status.waitFor((m) => m.payload.state === 'online')
  await link.stop()
  t.equal(link.isConnected, false)
  t.equal(link.health().state, 'stopped')
  await status.waitFor((m) => m.payload.state === 'offline')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(status.messages.filter((m) => m.payload.state === 'offline').length, 1)
  await link.stop() // idempotent
})

t.test('maintenance mode republishes the retained status', async (t) => {
  const broker = await startMosquitto(t)
  const link = await startedLink(t, broker.url)
  const status = await subscribeCollect(broker.url, `cs/v1/${STATION}/status`)
  t.teardown(() => status.close())
  link.setMaintenance(true)
  await status.waitFor((m) => m.payload.state === 'maintenance')
  link.setMaintenance(false)
  await status.waitFor((m) => m.payload.state === 'online' && !m.retain)
})

t.test('publishSubmission resolves after PUBACK and the submission arrives with its stable id', async (t) => {
  const broker = await startMosquitto(t)
  const link = await startedLink(t, broker.url)
  const submissions = await subscribeCollect(broker.url, `cs/v1/${STATION}/submissions`)
  t.teardown(() => submissions.close())
  await link.publishSubmission({ ...submission })
  const message = await submissions.waitFor(() => true)
  t.strictSame(message.payload, submission)
})

t.test('publishSubmission rejects with E_MQTT_UNAVAILABLE while not connected', async (t) => {
  const broker = await startMosquitto(t)
  const link = createLink(t, broker.url)
  await t.rejects(link.publishSubmission(submission), { code: 'E_MQTT_UNAVAILABLE' })
  await broker.stop()
  await link.start()
  await t.rejects(link.publishSubmission(submission), { code: 'E_MQTT_UNAVAILABLE' })
  t.equal(link.isConnected, false)
})

t.test('publishSubmission rejects with E_MQTT_UNAVAILABLE when the connection drops before the PUBACK', async (t) => {
  const broker = await startMosquitto(t)
  const relay = await startTcpRelay(t, broker.port)
  const link = await startedLink(t, relay.url, new SimClock())
  const submissions = await subscribeCollect(broker.url, `cs/v1/${STATION}/submissions`)
  t.teardown(() => submissions.close())
  relay.hold()
  const published = link.publishSubmission(submission)
  await new Promise((resolve) => setTimeout(resolve, 50))
  relay.cut()
  await t.rejects(published, { code: 'E_MQTT_UNAVAILABLE' })
  t.equal(submissions.messages.length, 0, 'the held publish never reached the broker')
})

t.test('reconnects after a broker restart and reports each state change', async (t) => {
  const broker = await startMosquitto(t)
  const link = await startedLink(t, broker.url)
  const states: boolean[] = []
  link.onStateChange((connected) => states.push(connected))
  await broker.stop()
  await waitForState(link, false)
  await broker.start()
  await waitForState(link, true)
  t.strictSame(states, [false, true])
  await link.publishSubmission(submission)
})

t.test('request is answered by a responder that echoes the correlation data', async (t) => {
  const broker = await startMosquitto(t)
  const link = await startedLink(t, broker.url)
  const responder = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => responder.endAsync())
  const held: Array<() => void> = []
  responder.on('message', (topic, payload, packet) => {
    const { responseTopic, correlationData } = packet.properties ?? {}
    if (responseTopic === undefined || correlationData === undefined) return
    const method = topic.split('/').pop()
    const answer = () =>
      void responder.publish(responseTopic, JSON.stringify({ method, asked: JSON.parse(payload.toString()) }), {
        qos: 1,
        properties: { correlationData },
      })
    // Hold the first request and answer both in reverse order: only correlation data can match them.
    held.push(answer)
    if (held.length === 2) for (const reply of held.reverse()) reply()
  })
  await responder.subscribeAsync(`cs/v1/${STATION}/rpc/request/+`, { qos: 1 })
  const [bill, dossier] = await Promise.all([
    link.request('bill.lookup', { customerCode: 'PE01' }, { timeoutMs: 3000 }),
    link.request('dossier.status', { dossier: 'D-7' }, { timeoutMs: 3000 }),
  ])
  t.strictSame(bill, { method: 'bill.lookup', asked: { customerCode: 'PE01' } })
  t.strictSame(dossier, { method: 'dossier.status', asked: { dossier: 'D-7' } })
  t.equal(link.health().detail?.openRequests, 0)
})

t.test('request rejects with E_MQTT_UNAVAILABLE when nobody answers within timeoutMs', async (t) => {
  const broker = await startMosquitto(t)
  const clock = new SimClock()
  const link = await startedLink(t, broker.url, clock)
  const asked = link.request('bill.lookup', {}, { timeoutMs: 1000 })
  clock.advance(999)
  t.equal(link.health().detail?.openRequests, 1)
  clock.advance(1)
  await t.rejects(asked, { code: 'E_MQTT_UNAVAILABLE', context: { method: 'bill.lookup', timeoutMs: 1000 } })
  t.equal(link.health().detail?.openRequests, 0)
})

t.test('request refuses a method that is not one topic level, and rejects when offline', async (t) => {
  const broker = await startMosquitto(t)
  const link = createLink(t, broker.url)
  await t.rejects(link.request('bill/lookup', {}, { timeoutMs: 100 }), { code: 'E_CODEC_INVALID' })
  await t.rejects(link.request('bill.lookup', {}, { timeoutMs: 100 }), { code: 'E_MQTT_UNAVAILABLE' })
})

t.test('publishEvent drops identity-bearing and offline events without throwing', async (t) => {
  const broker = await startMosquitto(t)
  const link = createLink(t, broker.url)
  link.publishEvent('flow.started', { flow: 'offline-one' })
  await link.start()
  await waitForState(link, true)
  const events = await subscribeCollect(broker.url, `cs/v1/${STATION}/events`)
  t.teardown(() => events.close())
  link.publishEvent('card.read', { citizenId: '079203000001' })
  link.publishEvent('card.read', { note: 'number 079203000001' })
  link.publishEvent('flow.started', { flow: 'pay-bill' })
  const event = await events.waitFor(() => true)
  t.match(event.payload, { type: 'flow.started', flow: 'pay-bill' })
  t.match(event.payload.ts, /^\d{4}-/)
  t.equal(events.messages.length, 1, 'only the clean event was published (publishes keep their order)')
})

t.test('publishTelemetry sends QoS 0 telemetry while connected', async (t) => {
  const broker = await startMosquitto(t)
  const link = await startedLink(t, broker.url)
  const telemetry = await subscribeCollect(broker.url, `cs/v1/${STATION}/telemetry`)
  t.teardown(() => telemetry.close())
  link.publishTelemetry({ outboxDepth: 2, name: 'would leak' })
  link.publishTelemetry({ outboxDepth: 3 })
  const message = await telemetry.waitFor(() => true)
  t.strictSame(message.payload, { outboxDepth: 3, seq: 1 })
})

t.test('refuses a station id that is not one topic level at construction', async (t) => {
  t.throws(() => createLink(t, 'mqtt://127.0.0.1:1', { stationId: 'a/b' }), { code: 'E_CODEC_INVALID' })
})

t.test('subscribe() routes matching messages with their response properties, and again after a reconnect', async (t) => {
  const broker = await startMosquitto(t)
  const link = await startedLink(t, broker.url)
  const seen: Array<{ topic: string; text: string; responseTopic?: string }> = []
  link.subscribe(`cs/v1/${STATION}/cmd/+`, (message) => {
    seen.push({ topic: message.topic, text: message.payload.toString(), ...(message.responseTopic ? { responseTopic: message.responseTopic } : {}) })
  })
  const sender = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => sender.end(true))
  await new Promise((resolve) => setTimeout(resolve, 100))
  await sender.publishAsync(`cs/v1/${STATION}/cmd/ping`, 'one', { qos: 1, properties: { responseTopic: 'ops/reply' } })
  await sender.publishAsync(`cs/v1/other-station/cmd/ping`, 'not ours', { qos: 1 })
  const until = async (count: number) => {
    for (let i = 0; i < 100 && seen.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await until(1)
  t.same(seen, [{ topic: `cs/v1/${STATION}/cmd/ping`, text: 'one', responseTopic: 'ops/reply' }])
  await broker.stop()
  await waitForState(link, false)
  await broker.start()
  await waitForState(link, true)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const again = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => again.endAsync())
  await again.publishAsync(`cs/v1/${STATION}/cmd/status`, 'two', { qos: 1 })
  await until(2)
  t.equal(seen[1]?.text, 'two', 'the filter was subscribed again on the new connection')
})

t.test('publish() resolves on PUBACK and rejects while offline', async (t) => {
  const broker = await startMosquitto(t)
  const link = await startedLink(t, broker.url)
  const replies = await subscribeCollect(broker.url, 'ops/reply/#')
  t.teardown(() => replies.close())
  await link.publish('ops/reply/1', Buffer.from('{"ok":true}'), { qos: 1, correlationData: Buffer.from('c1') })
  const reply = await replies.waitFor(() => true)
  t.same(reply.payload, { ok: true })
  t.equal(reply.properties?.correlationData?.toString(), 'c1')
  await link.stop()
  await t.rejects(link.publish('ops/reply/2', Buffer.from('x'), { qos: 1 }), { code: 'E_MQTT_UNAVAILABLE' })
})
