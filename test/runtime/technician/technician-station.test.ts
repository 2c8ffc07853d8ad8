import { join } from 'node:path'
import t from 'tap'
import type { TuiSnapshot } from '../../../runtime/tui/tui-snapshot.js'
import { plainText } from '../../../runtime/tui/tui-screen.js'
import { startMosquitto } from '../../support/mosquitto.js'
import { createTestPki } from '../../support/pki.js'
import { start } from '../../support/station-rig.js'
import { ID_NUMBER, NAME, QR } from '../../support/sim-residents.js'
import { testDir } from '../../support/test-dir.js'

const snapshotOf = async (request: (cmd: string, args?: Record<string, unknown>) => Promise<unknown>) =>
  (await request('tui.snapshot')) as TuiSnapshot

t.test('the snapshot counts reads and prints, and a resident mid-procedure shows by flow and step only', async (t) => {
  const station = await start(t, null)
  let snap = await snapshotOf(station.request)
  t.equal(snap.station, 'lobby-test')
  t.same(snap.devices.map((device) => device.name), ['display', 'keypad', 'scanner', 'printer'])
  t.equal(snap.link.configured, false)
  t.equal(snap.session.residentPresent, false)
  t.same(snap.log, [], 'no log ring given: an empty tail')

  await station.request('sim.card', { kind: 'cccd', text: QR })
  await station.waitForScreen(/1/)
  await station.press('1')
  await station.waitFor('a flow running', async () => (await snapshotOf(station.request)).session.flow !== null)
  snap = await snapshotOf(station.request)
  t.equal(snap.session.phase, 'session')
  t.equal(snap.session.residentPresent, true)
  t.type(snap.session.step, 'string')
  t.ok(snap.session.elapsedS !== null && snap.session.elapsedS >= 0, 'elapsed time since flow.started')
  t.equal(snap.devices.find((device) => device.name === 'scanner')?.counters.reads, 1, 'the card counts as a scanner read')
  t.equal(snap.devices.find((device) => device.name === 'keypad')?.counters.reads, 1, 'the key counts as a keypad read')
  t.ok(snap.events.some((event) => event.type === 'card.accepted'), 'recent events hold the card event')
  const everything = JSON.stringify(snap) + plainText(snap)
  t.notOk(everything.includes(ID_NUMBER), 'no ID number in the snapshot or its text')
  t.notOk(everything.includes(NAME), 'no name')
  t.notOk(everything.includes('15082003'), 'no birth date')

  const recent = (await station.request('events.recent', { limit: 1 })) as { events: unknown[] }
  t.equal(recent.events.length, 1)
  await t.rejects(station.request('events.recent', { limit: -1 }), /limit must be 0-200/)
  t.same(await station.request('log.tail', { limit: 5 }), { lines: [] })
})

t.test('the technician tests: test receipt, keys and cards kept from the kiosk, display pattern', async (t) => {
  const station = await start(t, null)
  const printed = (await station.request('print.test')) as { printed: boolean; printer: { paperOut: boolean } }
  t.equal(printed.printed, true)
  const receipt = (await station.request('sim.receipt')) as { lines: string[] }
  t.ok(receipt.lines.some((line) => line.includes('requested by a technician')), 'the receipt says who asked')
  t.ok(receipt.lines.some((line) => line.includes('paper out: no')), 'and lists the printer status')
  t.equal((await snapshotOf(station.request)).devices.find((device) => device.name === 'printer')?.counters.prints, 1)
  t.same((await snapshotOf(station.request)).devices.find((device) => device.name === 'printer')?.printer, { paper: 'ok', cover: 'closed', online: true })

  await station.request('keys.test', { on: true })
  await station.press('5', 'ok')
  let snap = await snapshotOf(station.request)
  t.same(snap.test, { kind: 'keys', keys: ['5', 'ok'], endsInS: snap.test?.endsInS }, 'each key shows as pressed')
  t.equal(snap.session.phase, 'welcome', 'the kiosk did not see the keys')
  await station.request('keys.test', { on: false })
  t.equal((await snapshotOf(station.request)).test, null)
  await t.rejects(station.request('keys.test', {}), /keys.test needs on/)

  await station.request('card.read')
  await station.request('sim.card', { kind: 'cccd', text: QR })
  snap = await station.waitFor('the card result', async () => {
    const next = await snapshotOf(station.request)
    return next.test?.kind === 'card' && next.test.result !== null
  }).then(() => snapshotOf(station.request))
  t.same(snap.test?.kind === 'card' ? snap.test.result : null, { kind: 'cccd_qr', masked: '********0001' }, 'kind and masked number only')
  t.equal(snap.session.phase, 'welcome', 'the card did not open the menu')
  t.notOk(JSON.stringify(snap).includes(NAME))
  await station.request('test.stop')

  await station.request('display.test')
  const pattern = (await station.request('sim.screen')) as { rows: string[] }
  t.match(pattern.rows[0], /TEST PATTERN/)
  t.equal(pattern.rows[1], '#'.repeat(pattern.rows[1]?.length ?? 0))
  await station.request('test.stop')
  await station.waitForScreen(/^(?!.*TEST PATTERN)/s)
  t.notMatch(((await station.request('sim.screen')) as { rows: string[] }).rows.join('\n'), /TEST PATTERN/, 'the kiosk screen is back')
})

t.test('drain and restart: refusals name the reason, a restart returns the health', async (t) => {
  const station = await start(t, null)
  await t.rejects(station.request('outbox.drain'), /no broker is configured/)
  await t.rejects(station.request('device.restart', { name: 'toaster' }), /one of display, keypad, scanner, printer/)
  const restarted = (await station.request('device.restart', { name: 'keypad' })) as { name: string; health: { state: string } }
  t.match(restarted, { name: 'keypad', health: { state: 'ok' } })

  // An unplugged scanner: the supervisor retries it, and the fault counts once however long it lasts.
  await station.request('sim.unplug', { device: 'scanner' })
  await station.waitFor('a retry', async () => ((await snapshotOf(station.request)).devices.find((d) => d.name === 'scanner')?.counters.retries ?? 0) >= 2, 10_000)
  const scanner = (await snapshotOf(station.request)).devices.find((device) => device.name === 'scanner')
  t.match(scanner, { state: /faulty|absent/, counters: { faults: 1 } })
  t.type(scanner?.lastErrorCode, 'string')
  await station.request('sim.replug', { device: 'scanner' })
})

t.test('with a TLS broker: connected since, last publish, the certificate, and a drain on request', async (t) => {
  const dir = testDir(t, { pki: {} })
  const pki = await createTestPki(join(dir, 'pki'), ['lobby-test'])
  const broker = await startMosquitto(t, { tls: { pki, dir: join(dir, 'pki') } })
  const tls = pki.clients['lobby-test']
  if (!tls) throw new Error('no client certificate')
  const station = await start(t, broker.url, (config) => {
    config.mqtt.tls = { caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile }
  }, { dataDir: join(dir, 'data') })
  const snap = await station
    .waitFor('the link up', async () => (await snapshotOf(station.request)).link.lastPublishMs !== null)
    .then(() => snapshotOf(station.request))
    .catch(async (error: unknown) => {
      t.comment(JSON.stringify((await snapshotOf(station.request)).link), JSON.stringify(station.logLines.slice(-5)))
      throw error
    })
  t.equal(snap.link.connected, true)
  t.equal(snap.link.broker, broker.url)
  t.ok(snap.link.connectedSinceMs !== null && snap.link.connectedSinceMs <= snap.nowMs)
  t.equal(snap.link.reconnects, 0)
  t.same(snap.link.tls?.subject, 'CN=lobby-test')
  t.match(snap.link.tls?.validTo, /^\d{4}-\d\d-\d\d$/)
  t.equal(snap.link.lastError, null)
  t.equal(snap.outbox.deliveredToday, 0)
  t.same(await station.request('outbox.drain'), { requested: true })
})
