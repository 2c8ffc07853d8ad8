import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import t from 'tap'
import { defaultFixturesDir } from '../../../runtime/central/central-fixtures.js'
import { runReferenceCentral } from '../../../runtime/central/run-central.js'
import { createSilentLogger } from '../../../runtime/log.js'
import { freeLoopbackPort } from '../../../runtime/mqtt/broker-discovery.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { startMosquitto, subscribeCollect } from '../../support/mosquitto.js'
import { signedBody, testCentralKey } from '../../support/central-keys.js'
import { testDir } from '../../support/test-dir.js'

const log = createSilentLogger()
const key = testCentralKey()
const signingKey = key.privateKey

t.test('runs a connected central on the bundled fixtures that pays looked-up bills in demo mode', async (t) => {
  const broker = await startMosquitto(t)
  const clock = new SimClock()
  const central = await runReferenceCentral({ url: broker.url, prefix: 'site/v9', signingKey, autoPayAfterMs: 5000, log, clock })
  t.teardown(() => central.stop())
  t.equal(central.health().state, 'ok')
  const notify = await subscribeCollect(broker.url, 'site/v9/kiosk-7/notify')
  t.teardown(() => notify.close())
  const station = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => station.endAsync())
  const responseTopic = 'site/v9/kiosk-7/rpc/response'
  await station.subscribeAsync(responseTopic, { qos: 1 })
  const reply = new Promise<unknown>((resolve) =>
    station.on('message', (_topic, payload) => resolve(signedBody(payload, 'rpc-response', key).reply)),
  )
  const body = JSON.stringify({ service: 'electricity', customer: '10010002' })
  await station.publishAsync('site/v9/kiosk-7/rpc/request/bill.lookup', body, {
    qos: 1,
    properties: { responseTopic, correlationData: Buffer.from('c1') },
  })
  t.match(await reply, { found: true, id: 'EL-2601-0002', status: 'unpaid' })
  clock.advance(5000)
  const paid = await notify.waitFor((m) => signedBody(m.payload, 'notify', key).type === 'payment.confirmed')
  t.match(signedBody(paid.payload, 'notify', key), { bill: 'EL-2601-0002', amount: 1287500, station: 'kiosk-7' })
})

t.test('reads fixtures from fixturesDir and refuses a folder without them', async (t) => {
  const broker = await startMosquitto(t)
  const dir = testDir(t, {})
  await t.rejects(runReferenceCentral({ url: broker.url, prefix: 'cs/v1', fixturesDir: dir, signingKey, log }), {
    code: 'E_CONFIG_INVALID',
  })
  await cp(defaultFixturesDir(), join(dir, 'copy'), { recursive: true })
  const central = await runReferenceCentral({ url: broker.url, prefix: 'cs/v1', fixturesDir: join(dir, 'copy'), signingKey, log })
  t.teardown(() => central.stop())
  t.equal(central.health().state, 'ok')
})

t.test('rejects with E_MQTT_UNAVAILABLE when nothing listens at the broker URL', async (t) => {
  const port = await freeLoopbackPort()
  await t.rejects(runReferenceCentral({ url: `mqtt://127.0.0.1:${port}`, prefix: 'cs/v1', signingKey, log }), {
    code: 'E_MQTT_UNAVAILABLE',
  })
})
