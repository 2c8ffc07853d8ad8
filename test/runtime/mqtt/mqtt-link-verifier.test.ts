import { connectAsync, type MqttClient } from 'mqtt'
import t from 'tap'
import { captureLog } from '../../support/capture-log.js'
import type { InboundCheck, InboundRefusal, InboundVerifier, MqttLink } from '../../../runtime/mqtt/mqtt-link.js'
import { startMosquitto, subscribeCollect, type Teardown } from '../../support/mosquitto.js'
import { createTestLink } from '../../support/test-link.js'

const STATION = 'verify-station-1'
const SECRET = 'PAYLOAD-MARKER-7Q'

/**
 * A verifier with a rule a test can see: payloads must be `{"signed": true, "body": …}`; the body
 * is the value. Anything else is refused with reason `unsigned`. rpcResponse also checks that the
 * body names the request it answers (`re`), as the signed envelope does (docs/security.md).
 */
const verifier: InboundVerifier = {
  notify(payload) {
    return check(payload)
  },
  rpcResponse(payload, correlationHex) {
    const checked = check(payload)
    if (!checked.ok) return checked
    const body = checked.value as { re?: string; reply?: unknown }
    if (body.re !== correlationHex) return { ok: false, reason: 'wrong-request', message: 'answers another request' }
    return { ok: true, value: body.reply }
  },
}

function check(payload: Buffer): InboundCheck {
  try {
    const value = JSON.parse(payload.toString()) as { signed?: boolean; body?: unknown }
    if (value.signed === true) return { ok: true, value: value.body }
  } catch {
    // falls through to the refusal
  }
  return { ok: false, reason: 'unsigned', message: 'not a signed envelope' }
}

async function rig(t: Teardown) {
  const broker = await startMosquitto(t)
  const captured = captureLog('debug')
  const log = captured.log
  // Whole lines as text: the checks look for a message and for the secret anywhere in a line.
  const lines = { some: (test: (line: string) => boolean) => captured.lines.some((line) => test(JSON.stringify(line))) }
  const refusals: InboundRefusal[] = []
  const link = createTestLink(t, broker.url, { stationId: STATION, log, verifier, onRefused: (r) => refusals.push(r) })
  const status = await subscribeCollect(broker.url, `cs/v1/${STATION}/status`)
  t.teardown(() => status.close())
  await link.start()
  await status.waitFor((m) => m.payload.state === 'online') // subscriptions are in place
  const central = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => central.endAsync())
  return { link, central, lines, refusals }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 150 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20))
}

function answerRequests(central: MqttClient, reply: (correlationHex: string) => unknown): Promise<unknown> {
  central.on('message', (_topic, _payload, packet) => {
    const { responseTopic, correlationData } = packet.properties ?? {}
    if (!responseTopic || !correlationData) return
    void central.publishAsync(responseTopic, JSON.stringify(reply(correlationData.toString('hex'))), {
      qos: 1,
      properties: { correlationData },
    })
  })
  return central.subscribeAsync(`cs/v1/${STATION}/rpc/request/+`, { qos: 1 })
}

t.test('a notify the verifier accepts reaches listeners as its checked value; a refused one never does', async (t) => {
  const { link, central, lines, refusals } = await rig(t)
  const seen: Array<[string, Record<string, unknown>]> = []
  link.onNotify((type, fields) => seen.push([type, fields]))
  const notify = `cs/v1/${STATION}/notify`
  await central.publishAsync(notify, JSON.stringify({ type: 'payment.confirmed', bill: SECRET }), { qos: 1 })
  await central.publishAsync(notify, JSON.stringify({ signed: true, body: { type: 'submission.accepted', id: 's-1' } }), { qos: 1 })
  await until(() => seen.length === 1)
  t.same(seen, [['submission.accepted', { id: 's-1' }]])
  t.same(refusals, [{ kind: 'notify', reason: 'unsigned', message: 'not a signed envelope' }])
  t.ok(lines.some((line) => line.includes('inbound notify refused')), 'the refusal is logged')
  t.notOk(lines.some((line) => line.includes(SECRET)), 'never the payload')
})

t.test('a refused rpc response is reported and the request stays open for the genuine answer', async (t) => {
  const { link, central, lines, refusals } = await rig(t)
  // A forger answers first; the genuine reply comes a moment later on the same correlation data.
  central.on('message', (_topic, _payload, packet) => {
    const { responseTopic, correlationData } = packet.properties ?? {}
    if (!responseTopic || !correlationData) return
    const re = correlationData.toString('hex')
    void central.publishAsync(responseTopic, JSON.stringify({ unsigned: SECRET }), { qos: 1, properties: { correlationData } })
    setTimeout(() => {
      void central.publishAsync(responseTopic, JSON.stringify({ signed: true, body: { re, reply: { amount: 7 } } }), {
        qos: 1,
        properties: { correlationData },
      })
    }, 200)
  })
  await central.subscribeAsync(`cs/v1/${STATION}/rpc/request/+`, { qos: 1 })
  t.same(await link.request('bill.lookup', {}, { timeoutMs: 10_000 }), { amount: 7 })
  t.same(refusals, [{ kind: 'rpc/response', reason: 'unsigned', message: 'not a signed envelope' }])
  t.equal(link.health().detail?.openRequests, 0)
  t.notOk(lines.some((line) => line.includes(SECRET)), 'never the payload')
})

t.test('only refused answers: the request fails at its timeout, not before', async (t) => {
  const { link, central, refusals } = await rig(t)
  await answerRequests(central, () => ({ unsigned: SECRET }))
  const started = Date.now()
  await t.rejects(link.request('bill.lookup', {}, { timeoutMs: 800 }), { code: 'E_MQTT_UNAVAILABLE' })
  t.ok(Date.now() - started >= 750, 'waited for the genuine answer until the timeout')
  t.equal(refusals.length, 1)
})

t.test('an accepted rpc response resolves with the value the verifier returned', async (t) => {
  const { link, central, refusals } = await rig(t)
  await answerRequests(central, (re) => ({ signed: true, body: { re, reply: { amount: 120_000 } } }))
  t.same(await link.request('bill.lookup', { customerCode: 'PE01' }, { timeoutMs: 5000 }), { amount: 120_000 })
  t.same(refusals, [])
})

t.test('a reply signed for another request is refused (the verifier gets the correlation data)', async (t) => {
  const { link, central, refusals } = await rig(t)
  await answerRequests(central, () => ({ signed: true, body: { re: 'someone-else', reply: {} } }))
  await t.rejects(link.request('bill.lookup', {}, { timeoutMs: 1000 }), { code: 'E_MQTT_UNAVAILABLE' })
  t.match(refusals, [{ kind: 'rpc/response', reason: 'wrong-request' }])
})

t.test('a verifier that throws is a refusal, not a crash', async (t) => {
  const broker = await startMosquitto(t)
  const refusals: InboundRefusal[] = []
  const link: MqttLink = createTestLink(t, broker.url, {
    stationId: STATION,
    verifier: {
      notify: () => {
        throw new Error('boom')
      },
      rpcResponse: () => ({ ok: false, reason: 'x', message: 'x' }),
    },
    onRefused: (refusal) => refusals.push(refusal),
  })
  const status = await subscribeCollect(broker.url, `cs/v1/${STATION}/status`)
  t.teardown(() => status.close())
  await link.start()
  await status.waitFor((m) => m.payload.state === 'online')
  const central = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => central.endAsync())
  await central.publishAsync(`cs/v1/${STATION}/notify`, '{}', { qos: 1 })
  await until(() => refusals.length === 1)
  t.match(refusals, [{ kind: 'notify', reason: 'malformed' }])
  t.ok(link.isConnected)
})
