import { randomBytes } from 'node:crypto'
import { connectAsync, type MqttClient } from 'mqtt'
import t from 'tap'
import { ID_NUMBER } from '../../support/sim-residents.js'
import { loadCentralFixtures } from '../../../runtime/central/central-fixtures.js'
import { ReferenceCentral, type ReferenceCentralOptions } from '../../../runtime/central/reference-responder.js'
import { systemClock, type Clock } from '../../../runtime/core/clock.js'
import { createSilentLogger } from '../../../runtime/log.js'
import type { MqttLink } from '../../../runtime/mqtt/mqtt-link.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { startMosquitto, subscribeCollect, type Teardown } from '../../support/mosquitto.js'
import { createTestLink } from '../../support/test-link.js'
import { signedBody, testCentralKey, testVerifier } from '../../support/central-keys.js'
import { waitUntil } from '../../support/wait-until.js'

const STATION = 'central-test-1'
const fixtures = await loadCentralFixtures()
const centralKey = testCentralKey()

async function startCentral(
  t: Teardown,
  url: string,
  overrides: Partial<ReferenceCentralOptions> = {},
): Promise<ReferenceCentral> {
  const central = new ReferenceCentral({
    url,
    prefix: 'cs/v1',
    fixtures,
    signingKey: centralKey.privateKey,
    clock: systemClock,
    log: createSilentLogger(),
    ...overrides,
  })
  t.teardown(() => central.stop())
  await central.start()
  return central
}

interface Reply {
  /** The signed body's reply. */
  payload: any
  /** The whole signed body `{ station, re, ts, reply }`. */
  body: any
  /** The envelope as it came. */
  raw: Buffer
  correlationData: Buffer | undefined
}

/** A station played by a plain MQTT.js client: asks with responseTopic + correlationData. */
async function stationClient(t: Teardown, url: string, stationId = STATION) {
  const client: MqttClient = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => client.endAsync())
  const responseTopic = `cs/v1/${stationId}/rpc/response`
  const replies: Reply[] = []
  client.on('message', (topic, payload, packet) => {
    if (topic !== responseTopic) return
    const body = signedBody(payload, 'rpc-response', centralKey)
    replies.push({ payload: body.reply, body, raw: payload, correlationData: packet.properties?.correlationData })
  })
  await client.subscribeAsync(responseTopic, { qos: 1 })
  return {
    replies,
    /** Publishes one request and resolves with the reply carrying the same correlation data. */
    async ask(method: string, body: unknown, raw?: string): Promise<Reply> {
      const correlationData = randomBytes(16)
      await client.publishAsync(`cs/v1/${stationId}/rpc/request/${method}`, raw ?? JSON.stringify(body), {
        qos: 1,
        properties: { responseTopic, correlationData },
      })
      await waitUntil('replies.some((reply) => reply.correlationData?.equals(correlationData) === true)', () => replies.some((reply) => reply.correlationData?.equals(correlationData) === true))
      return replies.find((reply) => reply.correlationData?.equals(correlationData) === true) as Reply
    },
    submit(submission: Record<string, unknown>): Promise<unknown> {
      return client.publishAsync(`cs/v1/${stationId}/submissions`, JSON.stringify(submission), { qos: 1 })
    },
  }
}

function createLink(t: Teardown, url: string, clock: Clock = systemClock): MqttLink {
  // The verifier keeps real time: central stamps its replies with the system clock.
  return createTestLink(t, url, { stationId: STATION, clock, verifier: testVerifier(STATION, centralKey) })
}

/** Starts the link; resolves once its status is out, so its rpc/response and notify subscriptions are in place. */
async function startLink(t: Teardown, url: string, clock: Clock = systemClock): Promise<MqttLink> {
  const link = createLink(t, url, clock)
  const status = await subscribeCollect(url, `cs/v1/${STATION}/status`)
  t.teardown(() => status.close())
  await link.start()
  await status.waitFor((m) => m.payload.state === 'online')
  return link
}

t.test('answers bill.lookup from the fixtures on the responseTopic with the correlation data', async (t) => {
  const broker = await startMosquitto(t)
  await startCentral(t, broker.url)
  const station = await stationClient(t, broker.url)
  const found = await station.ask('bill.lookup', { service: 'electricity', customer: '10010001' })
  t.strictSame(found.payload, {
    found: true,
    id: 'EL-2601-0001',
    customerName: 'Hộ gia đình mẫu số 01',
    period: '2026-01',
    amount: 452000,
    bin: '970436',
    account: '0071000001',
    status: 'unpaid',
  })
  const missing = await station.ask('bill.lookup', { service: 'water', customer: '10010001' })
  t.strictSame(missing.payload, { found: false })
  t.equal(station.replies.length, 2, 'one reply per request')
})

t.test('every reply is signed for the asking station, names the request it answers and carries a fresh ts', async (t) => {
  const broker = await startMosquitto(t)
  await startCentral(t, broker.url)
  const station = await stationClient(t, broker.url, 'central-test-2')
  const reply = await station.ask('dossier.status', { code: '2601-0001' })
  t.equal(reply.body.station, 'central-test-2')
  t.equal(reply.body.re, reply.correlationData?.toString('hex'))
  t.ok(Math.abs(Date.parse(reply.body.ts) - Date.now()) < 5000, 'ts is the time of the reply')
  t.throws(() => signedBody(reply.raw, 'rpc-response', testCentralKey()), /unknown-key/, 'only this central\'s key verifies it')
})

t.test('answers dossier.status, exam.slots and exam.book, each to its own correlation data', async (t) => {
  const broker = await startMosquitto(t)
  // Answers as on 1 March 2026 (the slots of 2 March are ahead); replies are still signed now.
  await startCentral(t, broker.url, { answerNowMs: () => Date.parse('2026-03-01T00:00:00.000Z') })
  const station = await stationClient(t, broker.url)
  const [dossier, slots] = await Promise.all([
    station.ask('dossier.status', { code: '2601-0002', personalId: ID_NUMBER }),
    station.ask('exam.slots', { department: 'dental', date: '2026-03-02' }),
  ])
  t.match(dossier.payload, {
    found: true,
    code: '2601-0002',
    status: 'completed',
    updatedAt: '2026-01-08T08:00:00.000Z',
  })
  t.equal(dossier.payload.steps.length, 4)
  t.strictSame(slots.payload, {
    date: '2026-03-02',
    facility: 'BV mẫu An Bình khu C',
    slots: [
      { id: 'dental.2026-03-02.0800', date: '2026-03-02', time: '08:00', doctor: 'BS. phòng 305' },
      { id: 'dental.2026-03-02.0930', date: '2026-03-02', time: '09:30', doctor: 'BS. phòng 305' },
      { id: 'dental.2026-03-02.1500', date: '2026-03-02', time: '15:00' },
    ],
  })
  const booked = await station.ask('exam.book', { slot: 'dental.2026-03-02.0930' })
  t.match(booked.payload, { booked: true, slot: 'dental.2026-03-02.0930', ticket: 'RH-001' })
  const again = await station.ask('exam.slots', { department: 'dental', date: '2026-03-02' })
  t.notOk(
    again.payload.slots.some((slot: { id: string }) => slot.id === 'dental.2026-03-02.0930'),
    'a booked slot is no longer offered',
  )
})

t.test('an unknown method or a body that is not JSON gets an error reply, never silence', async (t) => {
  const broker = await startMosquitto(t)
  const central = await startCentral(t, broker.url)
  const station = await stationClient(t, broker.url)
  t.strictSame((await station.ask('tax.lookup', {})).payload, { error: 'unknown method tax.lookup' })
  t.match((await station.ask('bill.lookup', undefined, '{ nope')).payload, { error: /not UTF-8 JSON/ })
  t.match(central.requests, [
    { stationId: STATION, method: 'tax.lookup', body: {}, answered: true },
    { stationId: STATION, method: 'bill.lookup', body: undefined, answered: true },
  ])
})

t.test('the real MqttLink.request gets the fixture answer in one round trip', async (t) => {
  const broker = await startMosquitto(t)
  await startCentral(t, broker.url)
  const link = await startLink(t, broker.url)
  const answer = await link.request('bill.lookup', { service: 'tuition', customer: '4004-0002' }, { timeoutMs: 3000 })
  t.match(answer, { found: true, id: 'TU-2602-0002', amount: 2250000, status: 'unpaid' })
})

t.test('submissions are recorded once per id, and every copy is acknowledged on notify', async (t) => {
  const broker = await startMosquitto(t)
  // Acknowledged one at a time here; batching has its own test below.
  const central = await startCentral(t, broker.url, { ackBatchMs: 0 })
  const station = await stationClient(t, broker.url)
  const notify = await subscribeCollect(broker.url, `cs/v1/${STATION}/notify`)
  t.teardown(() => notify.close())
  const first = {
    id: 'sub-1',
    flow: 'security-feedback',
    flowVersion: 1,
    createdAt: '2026-01-05T01:00:00.000Z',
    data: { topic: 'theft' },
  }
  await station.submit(first)
  await station.submit(first)
  await station.submit({ ...first, id: 'sub-2' })
  await station.submit({ flow: 'no-id' })
  await waitUntil('notify.messages.length === 3', () => notify.messages.length === 3)
  t.match(
    notify.messages.map((m) => signedBody(m.payload, 'notify', centralKey)),
    [
      { type: 'submission.accepted', id: 'sub-1', ts: /^\d{4}-/, station: STATION },
      { type: 'submission.accepted', id: 'sub-1' },
      { type: 'submission.accepted', id: 'sub-2' },
    ],
  )
  const submissions = central.submissions()
  t.equal(submissions.length, 2)
  t.match(submissions[0], { stationId: STATION, id: 'sub-1', flow: 'security-feedback', copies: 2 })
  t.match(submissions[0], { data: { topic: 'theft' } })
  t.match(submissions[1], { id: 'sub-2', copies: 1 })
  t.equal(central.health().detail?.submissions, 2)
})

t.test('payBill delivers payment.confirmed to the station waiting on MqttLink.waitForNotify', async (t) => {
  const broker = await startMosquitto(t)
  const central = await startCentral(t, broker.url)
  const link = await startLink(t, broker.url)
  const other = link.waitForNotify('payment.confirmed', { bill: 'WA-2601-0002' }, { timeoutMs: 300 })
  const waiting = link.waitForNotify('payment.confirmed', { bill: 'WA-2601-0001' }, { timeoutMs: 5000 })
  const confirmation = await central.payBill(STATION, 'WA-2601-0001')
  const fields = await waiting
  t.match(fields, { bill: 'WA-2601-0001', amount: 96000, paidAt: confirmation.paidAt, ts: /^\d{4}-/ })
  await t.rejects(other, { code: 'E_MQTT_UNAVAILABLE' }, 'a different bill does not match')
  const after = await link.request('bill.lookup', { service: 'water', customer: '20020001' }, { timeoutMs: 3000 })
  t.match(after, { found: true, status: 'paid' })
  await t.rejects(central.payBill(STATION, 'NO-SUCH-BILL'), RangeError)
})

t.test('autoPayAfterMs pays a looked-up unpaid bill once, after the delay', async (t) => {
  const broker = await startMosquitto(t)
  const clock = new SimClock()
  await startCentral(t, broker.url, { clock, autoPayAfterMs: 8000 })
  const notify = await subscribeCollect(broker.url, `cs/v1/${STATION}/notify`)
  t.teardown(() => notify.close())
  const station = await stationClient(t, broker.url)
  await station.ask('bill.lookup', { service: 'internet', customer: '30030001' })
  await station.ask('bill.lookup', { service: 'internet', customer: '30030001' })
  await station.ask('bill.lookup', { service: 'internet', customer: '30030002' }) // already paid
  clock.advance(7999)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(notify.messages.length, 0, 'nothing before the delay')
  clock.advance(1)
  const paid = await notify.waitFor((m) => signedBody(m.payload, 'notify', centralKey).type === 'payment.confirmed')
  t.match(signedBody(paid.payload, 'notify', centralKey), { bill: 'IN-2601-0001', amount: 220000, paidAt: new Date(clock.now()).toISOString() })
  clock.advance(60_000)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(notify.messages.length, 1, 'one payment for two lookups, none for the paid bill')
})

t.test('silent mode makes MqttLink.request time out; switched off, answers resume', async (t) => {
  const broker = await startMosquitto(t)
  const central = await startCentral(t, broker.url)
  const clock = new SimClock()
  const link = await startLink(t, broker.url, clock)
  central.setSilent(true)
  const asked = link.request('dossier.status', { code: '2601-0001' }, { timeoutMs: 5000 })
  await waitUntil('central.requests.length === 1', () => central.requests.length === 1)
  t.match(central.requests[0], { method: 'dossier.status', answered: false })
  await new Promise((resolve) => setTimeout(resolve, 100))
  clock.advance(5000)
  await t.rejects(asked, { code: 'E_MQTT_UNAVAILABLE', context: { method: 'dossier.status' } })
  central.setSilent(false)
  const answer = await link.request('dossier.status', { code: '2601-0001', personalId: ID_NUMBER }, { timeoutMs: 5000 })
  t.match(answer, { found: true, status: 'processing' })
})

t.test('setDelayMs holds replies for that long', async (t) => {
  const broker = await startMosquitto(t)
  const clock = new SimClock()
  const central = await startCentral(t, broker.url, { clock })
  central.setDelayMs(2000)
  t.throws(() => central.setDelayMs(-1), RangeError)
  const station = await stationClient(t, broker.url)
  const replied = station.ask('exam.slots', { department: 'eye', date: '2026-03-02' })
  await waitUntil('central.requests.length === 1', () => central.requests.length === 1)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(station.replies.length, 0, 'nothing before the delay')
  clock.advance(2000)
  t.equal((await replied).payload.slots.length, 2)
})

t.test('start rejects with E_MQTT_UNAVAILABLE without a broker; stop is idempotent', async (t) => {
  const broker = await startMosquitto(t)
  const url = broker.url
  await broker.stop()
  const log = createSilentLogger()
  const central = new ReferenceCentral({ url, prefix: 'cs/v1', fixtures, signingKey: centralKey.privateKey, clock: systemClock, log })
  await t.rejects(central.start(), { code: 'E_MQTT_UNAVAILABLE' })
  t.equal(central.health().state, 'stopped')
  await broker.start()
  await central.start()
  t.equal(central.health().state, 'ok')
  await central.stop()
  await central.stop()
  t.equal(central.health().state, 'stopped')
  await t.rejects(central.payBill(STATION, 'EL-2601-0001'), { code: 'E_MQTT_UNAVAILABLE' })
})


t.test('acknowledgements received together go out as one signed submissions.accepted; a lone one as submission.accepted', async (t) => {
  const broker = await startMosquitto(t)
  await startCentral(t, broker.url, { ackBatchMs: 200, ackIdleMs: 100, ackBatchIds: 3 })
  const station = await stationClient(t, broker.url)
  const notify = await subscribeCollect(broker.url, `cs/v1/${STATION}/notify`)
  t.teardown(() => notify.close())
  const submission = (id: string) => ({ id, flow: 'security-feedback', flowVersion: 1, createdAt: '2026-01-05T01:00:00.000Z', data: {} })
  for (const id of ['s-1', 's-2', 's-1', 's-3', 's-4']) await station.submit(submission(id))
  await waitUntil('notify.messages.length === 2', () => notify.messages.length === 2)
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.match(
    notify.messages.map((m) => signedBody(m.payload, 'notify', centralKey)),
    [
      { type: 'submissions.accepted', ids: ['s-1', 's-2', 's-3'], station: STATION, ts: /^\d{4}-/ },
      { type: 'submission.accepted', id: 's-4', station: STATION },
    ],
    'full at three ids (a repeat counted once), then the rest once submissions paused',
  )
  t.equal(notify.messages.length, 2)
})
