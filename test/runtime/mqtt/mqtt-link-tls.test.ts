import { connectAsync } from 'mqtt'
import { readFileSync, writeFileSync } from 'node:fs'
import t from 'tap'
import type { MqttLink, MqttLinkOptions } from '../../../runtime/mqtt/mqtt-link.js'
import { startMosquitto, subscribeCollect, tlsClientOptions, type Teardown, type TestBroker } from '../../support/mosquitto.js'
import { createTestPki, type ClientTls, type TestPki } from '../../support/pki.js'
import { createTestLink, waitForLinkState } from '../../support/test-link.js'
import { captureLog } from '../../support/capture-log.js'
import { testDir } from '../../support/test-dir.js'

const A = 'station-a'
const B = 'station-b'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const pkiDir = testDir(t)
let pki: TestPki

t.before(async () => {
  pki = await createTestPki(pkiDir, [A, B])
})

function client(cn: string): ClientTls {
  const tls = pki.clients[cn]
  if (!tls) throw new Error(`no certificate for ${cn}`)
  return tls
}


function tlsBroker(t: Teardown): Promise<TestBroker> {
  return startMosquitto(t, { tls: { pki, dir: pkiDir } })
}

function stationLink(t: Teardown, broker: TestBroker, stationId: string, tls: ClientTls, overrides: Partial<MqttLinkOptions> = {}): MqttLink {
  return createTestLink(t, broker.url, { stationId, tls, ...overrides })
}

const waitConnected = (link: MqttLink, timeoutMs?: number) => waitForLinkState(link, true, timeoutMs)

t.test('a station with its own certificate works end to end: status and a submission', async (t) => {
  const broker = await tlsBroker(t)
  t.match(broker.url, /^mqtts:/)
  const central = await subscribeCollect(broker.url, 'cs/v1/#', client('central'))
  t.teardown(() => central.close())
  const link = stationLink(t, broker, A, client(A))
  await link.start()
  await waitConnected(link)
  const status = await central.waitFor((m) => m.topic === `cs/v1/${A}/status` && m.payload.state === 'online')
  t.match(status.payload, { bootId: 'boot-1', birthSeq: 0 })
  await link.publishSubmission({ id: 'sub-tls-1', flow: 'pay-bill', flowVersion: 1, createdAt: '2026-01-01T00:00:00.000Z', data: {} })
  const submission = await central.waitFor((m) => m.topic === `cs/v1/${A}/submissions`)
  t.equal(submission.payload.id, 'sub-tls-1')
  t.equal(link.health().detail?.broker, broker.url)
})

t.test('the broker refuses a client without a certificate', async (t) => {
  const broker = await tlsBroker(t)
  await t.rejects(
    connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 3000, ca: readFileSync(pki.caFile) }),
    { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' },
  )
})

t.test("station A can neither read B's topics nor publish as B", async (t) => {
  const broker = await tlsBroker(t)
  const central = await subscribeCollect(broker.url, `cs/v1/${B}/#`, client('central'))
  t.teardown(() => central.close())
  const link = stationLink(t, broker, A, client(A))
  const fromB: string[] = []
  link.subscribe(`cs/v1/${B}/#`, (message) => fromB.push(message.topic))
  const ownNotes: string[] = []
  link.onNotify((type) => ownNotes.push(type))
  await link.start()
  await waitConnected(link)
  await sleep(200)
  const sender = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, ...tlsClientOptions(client('central')) })
  t.teardown(() => sender.endAsync())
  await sender.publishAsync(`cs/v1/${B}/notify`, JSON.stringify({ type: 'for.b' }), { qos: 1 })
  await sender.publishAsync(`cs/v1/${A}/notify`, JSON.stringify({ type: 'for.a' }), { qos: 1 })
  for (let i = 0; i < 100 && ownNotes.length === 0; i++) await sleep(20)
  t.same(ownNotes, ['for.a'], "A's own notify arrives (the path works)")
  t.same(fromB, [], "B's messages never reach A, whatever A subscribed to")
  await t.rejects(link.publish(`cs/v1/${B}/status`, Buffer.from('{"state":"offline"}'), { qos: 1, retain: true }), {
    code: 'E_MQTT_UNAVAILABLE',
    context: { reasonCode: 135 },
  })
  await sleep(200)
  t.same(
    central.messages.filter((m) => m.topic === `cs/v1/${B}/status`),
    [],
    'central never saw a status for B from A',
  )
  t.ok(central.messages.some((m) => m.topic === `cs/v1/${B}/notify`), "central's collector does see B's topics")
})

for (const [name, pick, reason, text] of [
  ['an expired', () => pki.expired, 'certificate-expired', /certificate has expired/],
  ['an untrusted', () => pki.untrusted, 'certificate-untrusted', /does not trust/],
] as const) {
  t.test(`${name} certificate gives a named fault and one clear log line, and the retries stay slow`, async (t) => {
    const broker = await tlsBroker(t)
    const { log, lines } = captureLog()
    const link = stationLink(t, broker, A, pick(), { log, reconnectMinMs: 50, reconnectMaxMs: 1000 })
    await link.start()
    await sleep(2500)
    const health = link.health()
    t.equal(health.state, 'faulty')
    t.equal(health.lastErrorCode, 'E_MQTT_UNAVAILABLE')
    t.match(health.lastError, text)
    t.equal(health.detail?.failure, reason)
    const attempts = Number(health.detail?.reconnectAttempt)
    t.ok(attempts >= 2 && attempts <= 6, `retried slowly: ${attempts} attempts in 2.5 s with reconnectMaxMs 1000`)
    const errors = lines.filter((line) => line.level === 50)
    t.equal(errors.length, 1, 'one error line for the problem, not one per retry')
    t.match(errors[0], { reason, msg: text })
    t.equal(link.isConnected, false)
  })
}

t.test('a key file that is not PEM is a named fault, not a crash', async (t) => {
  const broker = await tlsBroker(t)
  const junkKey = `${pkiDir}/junk.key`
  writeFileSync(junkKey, 'not a key')
  const link = stationLink(t, broker, A, { ...client(A), keyFile: junkKey }, { reconnectMinMs: 50, reconnectMaxMs: 1000 })
  await link.start()
  await sleep(300)
  t.match(link.health(), { state: 'faulty', detail: { failure: 'client-options' } })
  t.match(link.health().lastError, /cannot open a connection/)
})
