import { connectAsync } from 'mqtt'
import t from 'tap'
import { centralCalls, mismatchedField, RECENT_NOTIFY_MS, refusedEventType } from '../../runtime/central-calls.js'
import { SimClock } from '../../runtime/core/sim-clock.js'
import { signedNotify, testCentralKey, testVerifier } from '../support/central-keys.js'
import { startMosquitto, subscribeCollect, type Teardown } from '../support/mosquitto.js'
import { createTestLink } from '../support/test-link.js'

const STATION = 'calls-station-1'
const NOTIFY_TOPIC = `cs/v1/${STATION}/notify`
const key = testCentralKey()

async function rig(t: Teardown) {
  const broker = await startMosquitto(t)
  const link = createTestLink(t, broker.url, { stationId: STATION, verifier: testVerifier(STATION, key) })
  const status = await subscribeCollect(broker.url, `cs/v1/${STATION}/status`)
  t.teardown(() => status.close())
  await link.start()
  await status.waitFor((m) => m.payload.state === 'online')
  const central = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => central.endAsync())
  const events: Array<{ type: string; fields: Record<string, string | number | boolean> }> = []
  const clock = new SimClock()
  const calls = centralCalls(link, { clock, event: (type, fields) => events.push({ type, fields }) })
  const notify = (type: string, fields: Record<string, unknown>) =>
    central.publishAsync(NOTIFY_TOPIC, signedNotify(key.privateKey, STATION, type, fields), { qos: 1 })
  return { link, calls, events, clock, notify }
}

t.test('mismatchedField compares as text and never matches a missing field or an object', async (t) => {
  t.equal(mismatchedField({ bill: 'B-1', amount: 452000 }, { bill: 'B-1', amount: '452000' }), undefined)
  t.equal(mismatchedField({ bill: 'B-1', amount: 1 }, { bill: 'B-1', amount: '452000' }), 'amount')
  t.equal(mismatchedField({ bill: 'B-2', amount: 452000 }, { bill: 'B-1', amount: 452000 }), 'bill')
  t.equal(mismatchedField({ bill: 'B-1' }, { bill: 'B-1', amount: 452000 }), 'amount')
  t.equal(mismatchedField({ bill: 'B-1', amount: { value: 452000 } }, { bill: 'B-1', amount: 452000 }), 'amount')
  t.equal(mismatchedField({ anything: 1 }, {}), undefined)
  t.equal(refusedEventType('payment.confirmed'), 'payment.refused')
})

t.test('waitFor takes only the notification that matches; one of the type that disagrees is refused with an event and the wait goes on', async (t) => {
  const { calls, events, notify } = await rig(t)
  const controller = new AbortController()
  const waiting = calls.waitFor('payment.confirmed', { bill: 'IN-2601-0001', amount: '220000' }, { timeoutMs: 30_000, signal: controller.signal })
  await notify('payment.confirmed', { bill: 'IN-2601-0001', amount: 1, paidAt: '2026-01-20T07:06:00.000Z' })
  await notify('payment.confirmed', { bill: 'EL-2601-0001', amount: 220000, paidAt: '2026-01-20T07:06:00.000Z' })
  await notify('submission.accepted', { id: 'sub-1' })
  await notify('payment.confirmed', { bill: 'IN-2601-0001', amount: 220000, paidAt: '2026-01-20T07:07:00.000Z' })
  const fields = await waiting
  t.match(fields, { bill: 'IN-2601-0001', amount: 220000, paidAt: '2026-01-20T07:07:00.000Z' })
  t.strictSame(events, [
    { type: 'payment.refused', fields: { reason: 'wrong-amount', type: 'payment.confirmed' } },
    { type: 'payment.refused', fields: { reason: 'wrong-bill', type: 'payment.confirmed' } },
  ])
})

t.test('waitFor rejects with E_MQTT_UNAVAILABLE after its timeout and E_CANCELED when the resident leaves', async (t) => {
  const { calls, clock } = await rig(t)
  const timedOut = calls.waitFor('payment.confirmed', { bill: 'B-1' }, { timeoutMs: 45_000, signal: new AbortController().signal })
  clock.advance(45_000)
  await t.rejects(timedOut, { code: 'E_MQTT_UNAVAILABLE', context: { type: 'payment.confirmed', timeoutMs: 45_000 } })
  const controller = new AbortController()
  const left = calls.waitFor('payment.confirmed', { bill: 'B-1' }, { timeoutMs: 45_000, signal: controller.signal })
  controller.abort()
  await t.rejects(left, { code: 'E_CANCELED' })
  t.equal(clock.pendingTimers, 0, 'no timer is left behind')
  await t.rejects(calls.waitFor('payment.confirmed', {}, { timeoutMs: 1000, signal: controller.signal }), { code: 'E_CANCELED' })
})

t.test('a confirmation that came before its wait started is taken by that wait, once; one older than the keep time is not', async (t) => {
  const { link, calls, clock, notify } = await rig(t)
  const arrived: string[] = []
  link.onNotify((type, fields) => arrived.push(`${type} ${String(fields['bill'])}`))
  const arrival = async (count: number) => {
    for (let i = 0; i < 200 && arrived.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    t.equal(arrived.length, count, 'the link has the notification')
  }
  // Central confirms while the slip is still printing: no wait is running yet.
  await notify('payment.confirmed', { bill: 'B-EARLY', amount: 452000, paidAt: '2026-01-20T07:06:00.000Z' })
  await arrival(1)
  clock.advance(RECENT_NOTIFY_MS - 1000)
  const signal = new AbortController().signal
  t.match(await calls.waitFor('payment.confirmed', { bill: 'B-EARLY', amount: '452000' }, { timeoutMs: 30_000, signal }), { bill: 'B-EARLY', amount: 452000 })
  const again = calls.waitFor('payment.confirmed', { bill: 'B-EARLY', amount: '452000' }, { timeoutMs: 30_000, signal })
  clock.advance(30_000)
  await t.rejects(again, { code: 'E_MQTT_UNAVAILABLE' }, 'taken once: a second wait for the same bill does not see it again')

  await notify('payment.confirmed', { bill: 'B-STALE', amount: 1, paidAt: '2026-01-20T07:06:00.000Z' })
  await arrival(2)
  const unnamed = calls.waitFor('payment.confirmed', {}, { timeoutMs: 1000, signal })
  clock.advance(1000)
  await t.rejects(unnamed, { code: 'E_MQTT_UNAVAILABLE' }, 'a wait that names nothing takes only what comes after it starts')
  clock.advance(RECENT_NOTIFY_MS + 1)
  const stale = calls.waitFor('payment.confirmed', { bill: 'B-STALE' }, { timeoutMs: 1000, signal })
  clock.advance(1000)
  await t.rejects(stale, { code: 'E_MQTT_UNAVAILABLE' }, 'too old to be this resident\'s')

  // One a running wait took is not kept for the next wait either.
  const running = calls.waitFor('payment.confirmed', { bill: 'B-LIVE' }, { timeoutMs: 30_000, signal })
  await notify('payment.confirmed', { bill: 'B-LIVE', amount: 1, paidAt: '2026-01-20T07:06:00.000Z' })
  t.match(await running, { bill: 'B-LIVE' })
  const next = calls.waitFor('payment.confirmed', { bill: 'B-LIVE' }, { timeoutMs: 1000, signal })
  clock.advance(1000)
  await t.rejects(next, { code: 'E_MQTT_UNAVAILABLE' })
})

t.test('without a broker every call fails at once', async (t) => {
  const calls = centralCalls(null)
  const signal = new AbortController().signal
  await t.rejects(calls.waitFor('payment.confirmed', {}, { timeoutMs: 1000, signal }), { code: 'E_MQTT_UNAVAILABLE' })
  await t.rejects(calls.request('bill.lookup', {}, { timeoutMs: 1000, signal }), { code: 'E_MQTT_UNAVAILABLE' })
})
