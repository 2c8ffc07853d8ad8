import { join } from 'node:path'
import t from 'tap'
import { encodeSignedEnvelope, signEnvelope } from '../../../runtime/ops/signed-envelope.js'
import { startMosquitto, startTcpRelay, subscribeCollect } from '../../support/mosquitto.js'
import { start } from '../../support/station-rig.js'
import { editedFeedback, opsKeys, publishRetained } from './ops-fixtures.js'
import { testDir } from '../../support/test-dir.js'

t.test('retained desired config and bundles delivered again on every reconnect cause no new events', async (t) => {
  const broker = await startMosquitto(t)
  const relay = await startTcpRelay(t, broker.port)
  const root = testDir(t, {})
  const keys = await opsKeys(join(root, 'keys'))
  const events = await subscribeCollect(broker.url, 'cs/v1/lobby-test/events')
  const reported = await subscribeCollect(broker.url, 'cs/v1/lobby-test/config/reported')
  t.teardown(() => events.close())
  t.teardown(() => reported.close())
  // A good config and a forged bundle stay retained.
  await publishRetained(
    broker.url,
    'cs/v1/lobby-test/config/desired',
    encodeSignedEnvelope('config', { station: 'lobby-test', version: 1, config: { session: { endScreenS: 2 } }, issuedAt: new Date().toISOString() }, keys.privateKey),
  )
  const forged = signEnvelope('flow-bundle', { version: 2, createdAt: new Date().toISOString(), files: editedFeedback(2) }, keys.privateKey)
  forged.sig = Buffer.alloc(64, 1).toString('base64')
  await publishRetained(broker.url, 'cs/v1/lobby-test/flows/bundle', JSON.stringify(forged))

  const s = await start(t, relay.url, (config) => {
    config.ops.trustedKeys = [keys.publicPath]
    config.mqtt.reconnectMinMs = 50
    config.mqtt.reconnectMaxMs = 200
  }, { dataDir: join(root, 'data') })
  await events.waitFor((m) => m.payload?.type === 'config.desired.applied' && m.payload.version === 1)
  await events.waitFor((m) => m.payload?.type === 'flows.bundle.refused' && m.payload.reason === 'bad-signature')
  const reportsBefore = reported.messages.length
  const count = (type: string) => events.messages.filter((m) => m.payload?.type === type).length
  const before = { applied: count('config.desired.applied'), refused: count('flows.bundle.refused'), inbound: count('inbound.refused') }

  for (let round = 0; round < 3; round++) {
    relay.cut()
    await s.waitFor('a reconnect', async () => (await s.status()).link.connected === false, 5000).catch(() => undefined)
    await s.waitFor('the link back', async () => (await s.status()).link.connected, 10_000)
  }
  // The report is published again on each connect; the events are not repeated.
  await reported.waitFor((m) => reported.messages.indexOf(m) >= reportsBefore + 2, 5000)
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.same({ applied: count('config.desired.applied'), refused: count('flows.bundle.refused'), inbound: count('inbound.refused') }, before)
  const last = reported.messages.at(-1)?.payload
  t.match(last, { version: 1, applied: ['session.endScreenS'], flows: { source: 'flows-dir', refused: { reason: 'bad-signature' } } })
})
