/**
 * Every inbound topic a station listens on gets garbage, wrong types, a huge payload, wrong
 * correlation data and valid JSON for another station, while a resident is mid-procedure: each is
 * refused with a reason (response topic where there is one, an event, a log line without the
 * payload) and the resident in front of the station is still served (docs/security.md).
 */
import { randomBytes } from 'node:crypto'
import { connectAsync } from 'mqtt'
import t from 'tap'
import { encodeSignedEnvelope } from '../../runtime/ops/signed-envelope.js'
import { startProcedureRig } from '../support/procedure-rig.js'
import { subscribeCollect } from '../support/mosquitto.js'
import { eventsLogged } from '../support/station-rig.js'

const MARKER = 'GARBAGE-MARKER-5X'

t.test('garbage on every inbound topic is refused with reasons and the resident is still served', async (t) => {
  const rig = await startProcedureRig(t)
  await rig.openProcedure('pay-bill', 'en')
  const base = `cs/v1/${rig.stationId}`
  const replies = await subscribeCollect(rig.brokerUrl, `${base}/cmd-reply/#`)
  t.teardown(() => replies.close())
  const attacker = await connectAsync(rig.brokerUrl, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => attacker.endAsync())

  const forAnother = encodeSignedEnvelope('notify', { type: 'submission.accepted', ts: new Date().toISOString(), station: 'lobby-other', id: MARKER }, rig.centralKey)
  const payloads: Array<Buffer | string> = [
    Buffer.from([0xff, 0xfe, 0x00, 0x41]),
    '[]',
    'null',
    JSON.stringify({ type: 1, id: MARKER }),
    JSON.stringify({ v: 1, purpose: 'command', keyId: 42, body: MARKER, sig: null }),
    Buffer.alloc(300 * 1024, 0x41),
    forAnother,
  ]
  const replyTopic = `${base}/cmd-reply/attacker`
  for (const payload of payloads) {
    await attacker.publishAsync(`${base}/notify`, payload, { qos: 1 })
    await attacker.publishAsync(`${base}/rpc/response`, payload, { qos: 1, properties: { correlationData: randomBytes(16) } })
    await attacker.publishAsync(`${base}/config/desired`, payload, { qos: 1 })
    await attacker.publishAsync(`${base}/flows/bundle`, payload, { qos: 1 })
    await attacker.publishAsync(`${base}/cmd/ping`, payload, { qos: 1, properties: { responseTopic: replyTopic, correlationData: randomBytes(8) } })
  }
  // A command that asks for its answer outside the station's own tree gets none there.
  const elsewhere = await subscribeCollect(rig.brokerUrl, 'elsewhere/#')
  t.teardown(() => elsewhere.close())
  await attacker.publishAsync(`${base}/cmd/ping`, '{}', { qos: 1, properties: { responseTopic: 'elsewhere/x', correlationData: randomBytes(8) } })

  await rig.waitFor('a refusal answer for every command', () => replies.messages.length >= payloads.length, 15_000)
  for (const reply of replies.messages) {
    t.equal(reply.payload.status, 'refused', 'refused')
    t.type(reply.payload.reason, 'string', `with a reason (${reply.payload.reason})`)
  }
  const refusedKinds = new Set(eventsLogged(rig.logLines, 'inbound.refused').map((line) => line.kind))
  for (const kind of ['notify', 'config/desired', 'flows/bundle']) t.ok(refusedKinds.has(kind), `inbound.refused for ${kind}`)
  t.ok(eventsLogged(rig.logLines, 'command.refused').length >= payloads.length, 'command.refused events')
  t.equal(elsewhere.messages.length, 0, 'no answer published outside the station tree')

  // The resident goes on: a bill lookup (a real request to central) and its answer on screen.
  // Internet is on the list's second page (0: more).
  await rig.press('0', '3', '3', '0', '0', '3', '0', '0', '0', '1', 'ok')
  await rig.waitForScreen(/OK if this is you/)
  await rig.press('ok')
  await rig.waitForScreen(/Amount: 220,000 VND/)
  const status = await rig.status()
  t.equal(status.step?.step, 'confirm', 'the procedure carries on')
  t.notOk(JSON.stringify(rig.logLines).includes(MARKER), 'no payload in any log line')
})
