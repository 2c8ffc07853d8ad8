import { join } from 'node:path'
import t from 'tap'
import type { MqttLink } from '../../../runtime/mqtt/mqtt-link.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { openStationState } from '../../../runtime/state/station-state.js'
import { startMosquitto, startTcpRelay, subscribeCollect } from '../../support/mosquitto.js'
import { createTestLink, waitForLinkState } from '../../support/test-link.js'
import { testDir } from '../../support/test-dir.js'

const STATION = 'birth-station-1'
const STATUS = `cs/v1/${STATION}/status`

const waitConnected = (link: MqttLink, timeoutMs?: number) => waitForLinkState(link, true, timeoutMs)

t.test('birthSeq comes from the persisted boot counter and grows across restarts', async (t) => {
  const broker = await startMosquitto(t)
  const status = await subscribeCollect(broker.url, STATUS)
  t.teardown(() => status.close())
  const stateFile = join(testDir(t), 'state.json')
  const births: number[] = []
  for (let run = 0; run < 2; run++) {
    const state = await openStationState(stateFile, { bootCount: 0, receiptSeq: 0, maintenance: false })
    const bootCount = await state.recordBoot()
    const link = createTestLink(t, broker.url, { stationId: STATION, bootId: `boot-${run}`, birthSeq: bootCount })
    await link.start()
    const online = await status.waitFor((m) => m.payload.state === 'online' && m.payload.bootId === `boot-${run}`)
    births.push(online.payload.birthSeq)
    await link.stop()
    const offline = await status.waitFor((m) => m.payload.state === 'offline' && m.payload.bootId === `boot-${run}`)
    t.equal(offline.payload.birthSeq, bootCount, 'the clean offline carries the same birthSeq')
  }
  t.same(births, [1, 2])
})

t.test('online since = CONNACK time; the will says since = the connect time and ts = when it was handed over', async (t) => {
  const broker = await startMosquitto(t)
  const relay = await startTcpRelay(t, broker.port)
  const clock = new SimClock(Date.UTC(2026, 5, 1, 8, 0, 0))
  const link = createTestLink(t, relay.url, { stationId: STATION, clock, birthSeq: 5 })
  const status = await subscribeCollect(broker.url, STATUS)
  t.teardown(() => status.close())
  await link.start()
  await waitConnected(link)
  const online = await status.waitFor((m) => m.payload.state === 'online')
  t.match(online.payload, { since: '2026-06-01T08:00:00.000Z', ts: '2026-06-01T08:00:00.000Z', birthSeq: 5 })
  clock.advance(90_000)
  link.setMaintenance(true)
  const maintenance = await status.waitFor((m) => m.payload.state === 'maintenance')
  t.match(maintenance.payload, { since: '2026-06-01T08:01:30.000Z', ts: '2026-06-01T08:01:30.000Z' })
  clock.advance(60_000)
  relay.cut()
  const will = await status.waitFor((m) => m.payload.state === 'offline')
  t.match(will.payload, {
    since: '2026-06-01T08:00:00.000Z',
    ts: '2026-06-01T08:00:00.000Z',
    birthSeq: 5,
    bootId: 'boot-1',
  }, 'the will was written at the CONNECT: it does not pretend to know when the station died')
})

t.test('events and telemetry carry their own per-boot seq from 1; dropped ones take no number', async (t) => {
  const broker = await startMosquitto(t)
  const link = createTestLink(t, broker.url, { stationId: STATION })
  link.publishEvent('flow.started', { flow: 'offline' })
  await link.start()
  await waitConnected(link)
  const events = await subscribeCollect(broker.url, `cs/v1/${STATION}/events`)
  t.teardown(() => events.close())
  const telemetry = await subscribeCollect(broker.url, `cs/v1/${STATION}/telemetry`)
  t.teardown(() => telemetry.close())
  link.publishEvent('flow.started', { flow: 'pay-bill' })
  link.publishTelemetry({ outbox: { depth: 0 } })
  link.publishEvent('flow.completed', { flow: 'pay-bill', seq: 99 })
  link.publishTelemetry({ outbox: { depth: 1 } })
  await events.waitFor((m) => m.payload.type === 'flow.completed')
  await telemetry.waitFor((m) => m.payload.outbox.depth === 1)
  t.same(events.messages.map((m) => [m.payload.type, m.payload.seq]), [['flow.started', 1], ['flow.completed', 2]])
  t.same(telemetry.messages.map((m) => m.payload.seq), [1, 2])
})
