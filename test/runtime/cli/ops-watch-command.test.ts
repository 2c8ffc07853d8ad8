import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { opsWatchCommand, type OpsWatchIo } from '../../../runtime/cli/ops-watch-command.js'
import { freeLoopbackPort } from '../../../runtime/mqtt/broker-discovery.js'
import type { FleetSnapshot } from '../../../runtime/ops/fleet-model.js'
import { startMosquitto, startTcpRelay, subscribeCollect } from '../../support/mosquitto.js'
import { createTestLink } from '../../support/test-link.js'
import { waitUntil } from '../../support/wait-until.js'
import { testDir } from '../../support/test-dir.js'

function captureIo() {
  const out: string[] = []
  const err: string[] = []
  const io: OpsWatchIo = { out: (text) => out.push(text), err: (text) => err.push(text), stdin: process.stdin, stdout: process.stdout }
  return { io, out, err }
}

t.test('--json: one snapshot of real stations on a private mosquitto, offline by the last will', async (t) => {
  const broker = await startMosquitto(t)
  const statuses = await subscribeCollect(broker.url, 'cs/v1/+/status')
  t.teardown(() => statuses.close())

  const healthy = createTestLink(t, broker.url, { stationId: 'st-healthy', bootId: 'boot-h' })
  const faulty = createTestLink(t, broker.url, { stationId: 'st-faulty', bootId: 'boot-f' })
  const serviced = createTestLink(t, broker.url, { stationId: 'st-serviced', bootId: 'boot-s' })
  const relay = await startTcpRelay(t, broker.port)
  const vanishing = createTestLink(t, relay.url, { stationId: 'st-vanishing', bootId: 'boot-v' })
  for (const link of [healthy, faulty, serviced, vanishing]) await link.start()
  await waitUntil('all connected', () => [healthy, faulty, serviced, vanishing].every((link) => link.isConnected))
  serviced.setMaintenance(true)
  faulty.publishTelemetry({
    ts: new Date().toISOString(),
    devices: { printer: { state: 'degraded', lastError: 'paper out' }, keypad: { state: 'ok' } },
    outbox: { depth: 3, oldestAgeS: 42 },
    link: { connected: true },
  })
  faulty.publishEvent('device.fault', { device: 'printer', state: 'degraded', reason: 'paper out', code: 'E_PRINTER_NOT_READY' })
  // A dead network: no DISCONNECT, so the broker publishes the will (retained 'offline').
  await relay.close()
  await statuses.waitFor((m) => m.topic === 'cs/v1/st-vanishing/status' && m.payload.state === 'offline')
  await statuses.waitFor((m) => m.topic === 'cs/v1/st-serviced/status' && m.payload.state === 'maintenance')

  const { io, out } = captureIo()
  const code = await opsWatchCommand({ broker: broker.url, json: true, settleMs: '400' }, io)
  t.equal(code, 0)
  const snapshot = JSON.parse(out.join('\n')) as FleetSnapshot
  t.same(
    snapshot.stations.map((row) => [row.id, row.state, row.trouble]),
    [
      ['st-vanishing', 'offline', 'offline'],
      ['st-serviced', 'maintenance', 'maintenance'],
      ['st-faulty', 'online', 'ok'],
      ['st-healthy', 'online', 'ok'],
    ],
    'retained statuses only: telemetry and events sent before the snapshot started are not retained',
  )
  const vanished = snapshot.stations[0]
  t.equal(vanished?.bootId, 'boot-v')
  t.same(vanished?.flows, [{ id: 'pay-bill', version: 1 }], 'the will names flow versions too')
  t.equal(vanished?.version, '0.1.0-test')
})

t.test('--json collects live telemetry and events that arrive during the settle time', async (t) => {
  const broker = await startMosquitto(t)
  const faulty = createTestLink(t, broker.url, { stationId: 'st-faulty', bootId: 'boot-f' })
  await faulty.start()
  await waitUntil('connected', () => faulty.isConnected)
  const { io, out } = captureIo()
  const running = opsWatchCommand({ broker: broker.url, json: true, settleMs: '800' }, io)
  await new Promise((resolve) => setTimeout(resolve, 300))
  faulty.publishTelemetry({ ts: new Date().toISOString(), devices: { printer: { state: 'faulty', lastError: 'cover open' } }, outbox: { depth: 30, oldestAgeS: 5 }, link: { connected: true } })
  faulty.publishEvent('tamper.opened', {})
  t.equal(await running, 0)
  const [row] = (JSON.parse(out.join('\n')) as FleetSnapshot).stations
  t.equal(row?.id, 'st-faulty')
  t.equal(row?.trouble, 'faults')
  t.same(row?.faults, ['printer: cover open', 'enclosure: open'])
  t.equal(row?.outboxDepth, 30)
  t.equal(row?.lastEvent, 'tamper.opened')
})

t.test('usage and unreachable brokers get clear exit codes', async (t) => {
  const missing = captureIo()
  t.equal(await opsWatchCommand({}, missing.io), 2)
  t.match(missing.err.join('\n'), /usage: station ops watch --broker URL/)
  const badSettle = captureIo()
  t.equal(await opsWatchCommand({ broker: 'mqtt://127.0.0.1:1', settleMs: 'soon' }, badSettle.io), 2)
  const port = await freeLoopbackPort()
  const nobody = captureIo()
  t.equal(await opsWatchCommand({ broker: `mqtt://127.0.0.1:${port}`, json: true }, nobody.io), 1)
  t.match(nobody.err.join('\n'), /cannot connect to mqtt:\/\/127\.0\.0\.1:\d+/)
  const dir = testDir(t)
  await writeFile(join(dir, 'ca.pem'), 'not a pem')
  const halfTls = captureIo()
  t.equal(await opsWatchCommand({ broker: 'mqtts://127.0.0.1:1', cert: join(dir, 'ca.pem') }, halfTls.io), 1)
  t.match(halfTls.err.join('\n'), /--cert and --tls-key go together/)
  const unreadable = captureIo()
  t.equal(await opsWatchCommand({ broker: 'mqtts://127.0.0.1:1', ca: join(dir, 'absent.pem') }, unreadable.io), 1)
  t.match(unreadable.err.join('\n'), /cannot read the CA certificate .*absent.pem/)
})
