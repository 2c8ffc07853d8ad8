import { connectAsync } from 'mqtt'
import t from 'tap'
import { captureLog } from '../../support/capture-log.js'
import type { MqttLink } from '../../../runtime/mqtt/mqtt-link.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { StatusGuard } from '../../../runtime/mqtt/status-guard.js'
import { startMosquitto, subscribeCollect } from '../../support/mosquitto.js'
import { createTestLink, waitForLinkState } from '../../support/test-link.js'

const STATION = 'guard-station-1'
const STATUS = `cs/v1/${STATION}/status`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const waitConnected = (link: MqttLink, timeoutMs?: number) => waitForLinkState(link, true, timeoutMs)

t.test('a retained status the station did not publish is replaced by the truth at once', async (t) => {
  const broker = await startMosquitto(t)
  const link = createTestLink(t, broker.url, { stationId: STATION })
  await link.start()
  await waitConnected(link)
  const watcher = await subscribeCollect(broker.url, STATUS)
  t.teardown(() => watcher.close())
  await watcher.waitFor((m) => m.payload.state === 'online')
  const spoofer = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => spoofer.endAsync())
  await spoofer.publishAsync(STATUS, JSON.stringify({ state: 'offline', bootId: 'boot-1' }), { qos: 1, retain: true })
  await sleep(300)
  const late = await subscribeCollect(broker.url, STATUS)
  t.teardown(() => late.close())
  const retained = await late.waitFor(() => true)
  t.match(retained.payload, { state: 'online', bootId: 'boot-1' }, 'the retained status is the truth again')
  const onlines = watcher.messages.filter((m) => m.payload.state === 'online').length
  t.equal(onlines, 2, 'one birth, one re-assertion')
})

t.test('a second publisher fighting over the status gets at most three re-assertions a minute', async (t) => {
  const broker = await startMosquitto(t)
  const { log, lines } = captureLog('warn')
  const link = createTestLink(t, broker.url, { stationId: STATION, log })
  await link.start()
  await waitConnected(link)
  // The twin answers every online status with its own, as a second station with the same id would.
  const twin = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => twin.endAsync())
  let twinPublishes = 0
  twin.on('message', (_topic, payload) => {
    if (JSON.parse(payload.toString()).bootId !== 'boot-1' || twinPublishes >= 20) return
    twinPublishes++
    void twin.publishAsync(STATUS, JSON.stringify({ state: 'online', bootId: 'twin-boot' }), { qos: 1, retain: true })
  })
  await twin.subscribeAsync(STATUS, { qos: 1 })
  await sleep(1000)
  const watcher = await subscribeCollect(broker.url, STATUS)
  t.teardown(() => watcher.close())
  t.equal(twinPublishes, 4, 'the twin answered the birth and three re-assertions, then the station stopped')
  t.equal(lines.filter((line) => line.level === 50).length, 1, 'one error line says what is going on')
})

t.test('StatusGuard: own echoes, agreeing statuses and the rate limit', async (t) => {
  const clock = new SimClock()
  const guard = new StatusGuard({ clock, maxPerWindow: 2, windowMs: 60_000 })
  const truth = { state: 'online' as const, bootId: 'b' }
  const own = Buffer.from(JSON.stringify({ state: 'online', bootId: 'b', ts: '1' }))
  guard.published(own)
  t.equal(guard.judge(own, truth), 'ours')
  t.equal(guard.judge(Buffer.from(JSON.stringify({ state: 'online', bootId: 'b', ts: '2' })), truth), 'consistent')
  const lie = Buffer.from(JSON.stringify({ state: 'offline', bootId: 'b' }))
  t.equal(guard.judge(lie, truth), 'reassert')
  t.equal(guard.judge(Buffer.from(''), truth), 'reassert', 'a cleared retained status is a lie too')
  t.equal(guard.judge(lie, truth), 'limited')
  clock.advance(60_000)
  t.equal(guard.judge(lie, truth), 'reassert', 'the budget comes back after the window')
})
