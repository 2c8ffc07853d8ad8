import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Parser } from '@asyncapi/parser'
import { Ajv, type ValidateFunction } from 'ajv'
import t, { type Test } from 'tap'
import { parse as parseYaml } from 'yaml'
import { encodeSignedEnvelope } from '../../runtime/ops/signed-envelope.js'
import { generateKeyPairSync } from 'node:crypto'
import { startMosquitto, startTcpRelay, subscribeCollect, type CollectedMessage } from '../support/mosquitto.js'
import { QR } from '../support/sim-residents.js'
import { start } from '../support/station-rig.js'
import { createTestLink } from '../support/test-link.js'

const DOC_PATH = fileURLToPath(new URL('../../docs/asyncapi.yaml', import.meta.url))
const DOC_ID = 'https://citizen-station.invalid/asyncapi'

/** The AsyncAPI parser's severities (Spectral): 0 error, 1 warning, 2 information, 3 hint. */
const SEVERITY_ERROR = 0

interface AsyncApiDoc {
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>
  operations: Record<string, { action: 'send' | 'receive'; channel: { $ref: string } }>
  components: { messages: Record<string, { payload: { $ref: string } }>; schemas: Record<string, unknown> }
}

async function loadDoc(): Promise<{ text: string; doc: AsyncApiDoc }> {
  const text = await readFile(DOC_PATH, 'utf8')
  return { text, doc: parseYaml(text) as AsyncApiDoc }
}

/** ajv over the document's own schemas; `#/components/schemas/X` refs resolve inside it. */
function validators(doc: AsyncApiDoc): (message: string) => ValidateFunction {
  // Formats are documentation here; every time field also has a pattern that ajv checks.
  const ajv = new Ajv({ allErrors: true, validateFormats: false, strictTypes: false })
  ajv.addKeyword('components')
  ajv.addSchema({ $id: DOC_ID, components: doc.components })
  return (message) => {
    const ref = doc.components.messages[message]?.payload.$ref
    if (!ref) throw new Error(`no message ${message} in the document`)
    const validate = ajv.getSchema(`${DOC_ID}${ref}`)
    if (!validate) throw new Error(`cannot compile ${ref}`)
    return validate
  }
}

function check(t: Test, validate: ValidateFunction, payload: unknown, what: string): void {
  const ok = validate(payload)
  t.ok(ok, `${what} matches the document${ok ? '' : `: ${JSON.stringify(validate.errors)} in ${JSON.stringify(payload)}`}`)
}

t.test('the document parses with no error diagnostics and covers every topic of docs/mqtt.md and docs/security.md', async (t) => {
  const { text, doc } = await loadDoc()
  const { document, diagnostics } = await new Parser().parse(text)
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === SEVERITY_ERROR)
  t.same(errors.map((diagnostic) => `${diagnostic.code}: ${diagnostic.message} at ${diagnostic.path.join('.')}`), [])
  t.ok(document, 'a document came out')
  const addresses = Object.values(doc.channels).map((channel) => channel.address).sort()
  t.same(addresses, [
    'cs/v1/{stationId}/cmd-reply/{client}',
    'cs/v1/{stationId}/cmd/{name}',
    'cs/v1/{stationId}/config/desired',
    'cs/v1/{stationId}/config/reported',
    'cs/v1/{stationId}/events',
    'cs/v1/{stationId}/flows/bundle',
    'cs/v1/{stationId}/notify',
    'cs/v1/{stationId}/rpc/request/{method}',
    'cs/v1/{stationId}/rpc/response',
    'cs/v1/{stationId}/status',
    'cs/v1/{stationId}/submissions',
    'cs/v1/{stationId}/telemetry',
  ])
  const channelsWithOperation = new Set(Object.values(doc.operations).map((operation) => operation.channel.$ref))
  for (const name of Object.keys(doc.channels)) t.ok(channelsWithOperation.has(`#/channels/${name}`), `${name} has an operation`)
})

t.test('the schemas are strict on the core and open where the shape grows', async (t) => {
  const { doc } = await loadDoc()
  const schema = validators(doc)
  const status = schema('status')
  const base = { state: 'online', ts: '2026-12-02T10:00:00.000Z', version: '0.1.0', bootId: 'b', flows: ['pay-bill'] }
  check(t, status, base, 'status with flow ids')
  check(t, status, { ...base, flows: [{ id: 'pay-bill', version: 3 }], since: base.ts, birthSeq: 4, extra: true }, 'status with the new fields')
  t.notOk(status({ ...base, state: 'sleeping' }), 'an unknown state is refused')
  t.notOk(status({ ...base, ts: 'yesterday' }), 'a ts that is not ISO 8601 is refused')
  const { bootId: _bootId, ...withoutBoot } = base
  t.notOk(status(withoutBoot), 'bootId is required')

  const event = schema('event')
  check(t, event, { type: 'flow.started', ts: base.ts, seq: 1, flow: 'pay-bill' }, 'event')
  t.notOk(event({ type: 'card.accepted', ts: base.ts, citizenId: '079123456789' }), 'an identity field in an event is refused')
  t.notOk(event({ type: 'flow.started', ts: base.ts, seq: 0 }), 'seq starts at 1')
  check(t, event, { type: 'outbox.set_aside', ts: base.ts, seq: 2, reason: 'undecryptable', count: 1 }, 'outbox.set_aside event')

  const telemetry = schema('telemetry')
  const damage = { setAside: { undecryptable: 1, damaged: 0 }, damagedBytes: 504, damagedRegions: 1, tornBytes: 0 }
  const sample = { ts: base.ts, devices: {}, link: { connected: true }, outbox: { depth: 3, storage: { state: 'full', reason: 'disk-reserve' }, damage } }
  check(t, telemetry, sample, 'telemetry with storage full and damage counts')
  t.notOk(telemetry({ ...sample, outbox: { depth: 3, storage: { state: 'nearly' } } }), 'an unknown storage state is refused')
  t.notOk(telemetry({ ...sample, outbox: { depth: 3, damage: { ...damage, lastId: 'abc' } } }), 'damage carries counts only')

  const keys = generateKeyPairSync('ed25519')
  const command = schema('command')
  check(t, command, JSON.parse(encodeSignedEnvelope('command', { station: 'st-1' }, keys.privateKey).toString()), 'a real signed command envelope')
  t.notOk(command(JSON.parse(encodeSignedEnvelope('notify', { station: 'st-1' }, keys.privateKey).toString())), 'an envelope of another purpose is refused')
  t.notOk(command({ station: 'st-1', name: 'ping' }), 'an unsigned command is refused')
  check(t, schema('notify'), JSON.parse(encodeSignedEnvelope('notify', { type: 'x' }, keys.privateKey).toString()), 'a real notify envelope')
  check(t, schema('commandReply'), { name: 'ping', nonce: 'n-12345678', status: 'refused', reason: 'stale', ts: base.ts }, 'command reply')
  t.notOk(schema('commandReply')({ name: 'ping', nonce: 'n', status: 'maybe', ts: base.ts }))
})

t.test('real payloads of a station on a private mosquitto match the document', async (t) => {
  const { doc } = await loadDoc()
  const schema = validators(doc)
  const broker = await startMosquitto(t)
  const all = await subscribeCollect(broker.url, 'cs/v1/#')
  t.teardown(() => all.close())

  // A whole station on simulated hardware: birth status, device health in telemetry, events, a submission.
  const s = await start(t, broker.url, (config) => {
    config.mqtt.telemetryIntervalS = 1
  })
  await s.waitFor('the link', async () => (await s.status()).link.connected)
  await s.waitForScreen(/Xin chao/)
  await s.request('sim.printer', { state: 'paper-out' })
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  // Menu 1, topic 3 (on the second page), this building, no floor, description 1, no phone, send.
  await s.press('1', '0', '3', 'ok', 'ok', '1', 'ok', 'ok')
  const on = (kind: string) => (message: CollectedMessage) => message.topic === `cs/v1/lobby-test/${kind}`
  const submission = await all.waitFor(on('submissions'), 5000)
  // Paper out: the receipt fails (effect.failed) after the submission is stored.
  await all.waitFor((message) => on('events')(message) && message.payload?.type === 'effect.failed', 5000)
  await all.waitFor((message) => on('events')(message) && message.payload?.type === 'device.fault', 5000)
  const telemetry = await all.waitFor(on('telemetry'), 5000)
  const status = await all.waitFor(on('status'), 5000)

  // The last will, from a link whose network dies (no DISCONNECT).
  const relay = await startTcpRelay(t, broker.port)
  const vanishing = createTestLink(t, relay.url, { stationId: 'st-vanishing' })
  await vanishing.start()
  await all.waitFor((message) => message.topic === 'cs/v1/st-vanishing/status' && message.payload.state === 'online')
  await relay.close()
  const will = await all.waitFor((message) => message.topic === 'cs/v1/st-vanishing/status' && message.payload.state === 'offline')

  check(t, schema('status'), status.payload, 'birth status')
  check(t, schema('status'), will.payload, 'last will')
  check(t, schema('telemetry'), telemetry.payload, 'telemetry')
  check(t, schema('submission'), submission.payload, 'submission')
  const events = all.messages.filter(on('events'))
  t.ok(events.length >= 3, `several events (${events.map((message) => message.payload.type).join(', ')})`)
  for (const message of events) check(t, schema('event'), message.payload, `event ${message.payload.type}`)
  for (const message of all.messages.filter(on('telemetry'))) check(t, schema('telemetry'), message.payload, 'every telemetry sample')
})
