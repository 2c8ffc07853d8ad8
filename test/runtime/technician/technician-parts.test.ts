import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Printer, PrinterStatus } from '../../../drivers/printer/printer.js'
import { EventBus } from '../../../runtime/bus/event-bus.js'
import type { StationEvents } from '../../../runtime/bus/events.js'
import { createLogger, createSilentLogger } from '../../../runtime/log.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { cardTestResult, maskNumber } from '../../../runtime/technician/card-mask.js'
import { CARD_RESULT_SHOW_MS, CARD_TEST_WAIT_MS, DISPLAY_TEST_MS, HardwareTests, KEY_TEST_IDLE_MS, testPattern } from '../../../runtime/technician/hardware-tests.js'
import { LogRing } from '../../../runtime/technician/log-ring.js'
import { StationActivity } from '../../../runtime/technician/station-activity.js'
import { tlsIdentityReader } from '../../../runtime/technician/tls-identity.js'
import { createTestPki } from '../../support/pki.js'
import { ID_NUMBER, NAME, QR } from '../../support/sim-residents.js'
import { testDir } from '../../support/test-dir.js'

t.test('the log ring keeps the newest redacted lines, short', async (t) => {
  const ring = new LogRing(3)
  const log = createLogger({ level: 'info' }, ring)
  log.info({ citizenId: ID_NUMBER, name: NAME, component: 'runtime.kiosk', flow: 'feedback', nested: { deep: 1 } }, 'session started')
  const first = ring.tail(10)
  t.equal(first.length, 1)
  t.equal(first[0]?.level, 'info')
  t.match(first[0]?.text, /^runtime\.kiosk: session started citizenId=\[redacted\] name=\[redacted\] flow=feedback$/)
  t.notOk(JSON.stringify(first).includes(ID_NUMBER), 'redacted before the ring sees it')
  t.ok(Math.abs((first[0]?.atMs ?? 0) - Date.now()) < 5000, 'the line time')
  log.warn({ err: new Error('paper jam') }, 'print failed')
  t.match(ring.tail(1)[0], { level: 'warn', text: 'print failed (paper jam)' })
  ring.write('not json\n\n42\n{"level":"odd","msg":"x","time":7}\n')
  t.match(ring.tail(1)[0], { level: 'odd', atMs: 7, text: 'x' })
  log.error('a')
  log.error('b')
  t.same(ring.tail(10).map((line) => line.text), ['x', 'a', 'b'], 'bounded: the oldest go')
  t.same(ring.tail(0), [])
  ring.write('{"msg":"no time","level":60}')
  t.match(ring.tail(1)[0], { atMs: 0, level: 'fatal' })
  ring.write('{"level":30,"msg":"' + 'y'.repeat(500) + '"}')
  t.equal(ring.tail(1)[0]?.text.length, 240)
})

t.test('the card mask leaves the last four only, and never the name', async (t) => {
  t.equal(maskNumber('079203000001'), '********0001')
  t.equal(maskNumber('04:a2:3b:1c'), '****3b1c')
  t.equal(maskNumber('abc'), '***')
  const today = new Date('2026-12-03T10:00:00Z')
  t.same(cardTestResult({ kind: 'cccd', text: QR }, today), { kind: 'cccd_qr', masked: '********0001' })
  t.same(cardTestResult({ kind: 'nfc', text: '04a23b1c' }, today), { kind: 'nfc', masked: '****3b1c' })
  t.match(cardTestResult({ kind: 'unknown', text: 'garbage' }, today), { unreadable: 'not an identity document' })
  const refused = cardTestResult({ kind: 'cccd', text: `${ID_NUMBER}|broken` }, today)
  t.ok('unreadable' in refused && !refused.unreadable.includes(ID_NUMBER), 'a refusal never quotes the card')
})

function rig() {
  const clock = new SimClock(Date.parse('2026-12-03T10:00:00Z'))
  const painted: string[][] = []
  const tests = new HardwareTests({ clock, paint: (rows) => painted.push(rows), cols: 20, rows: 4 })
  return { clock, painted, tests }
}

t.test('the key test takes keys from the kiosk until it ends by itself', async (t) => {
  const { clock, tests } = rig()
  t.equal(tests.takeKey('1'), false, 'no test: the kiosk gets the key')
  t.equal(tests.current(), null)
  tests.startKeys()
  t.equal(tests.takeKey('1'), true)
  t.equal(tests.takeKey('ok'), true)
  t.same(tests.current(), { kind: 'keys', keys: ['1', 'ok'], endsInS: KEY_TEST_IDLE_MS / 1000 })
  for (let index = 0; index < 30; index++) tests.takeKey('5')
  t.equal((tests.current() as { keys: string[] }).keys.length, 24, 'the newest keys only')
  clock.advance(KEY_TEST_IDLE_MS - 1)
  t.equal(tests.current()?.kind, 'keys', 'each key restarts the idle time')
  clock.advance(1)
  t.equal(tests.current(), null, 'a forgotten test gives the keypad back')
  t.equal(tests.takeCard({ kind: 'cccd', text: QR }), false)
})

t.test('the card test takes one card, shows it masked, then gives the readers back', async (t) => {
  const { clock, tests } = rig()
  tests.startCard()
  t.same(tests.current(), { kind: 'card', endsInS: CARD_TEST_WAIT_MS / 1000, result: null })
  t.equal(tests.takeKey('1'), false, 'keys still reach the kiosk')
  t.equal(tests.takeUnreadable('half a QR'), true)
  t.same((tests.current() as { result: unknown }).result, { unreadable: 'half a QR' })
  t.equal(tests.takeCard({ kind: 'cccd', text: QR }), false, 'one card per test: the next goes to the kiosk')
  clock.advance(CARD_RESULT_SHOW_MS)
  t.equal(tests.current(), null)
  tests.startCard()
  t.equal(tests.takeCard({ kind: 'cccd', text: QR }), true)
  t.same((tests.current() as { result: unknown }).result, { kind: 'cccd_qr', masked: '********0001' })
  tests.stop()
  t.equal(tests.current(), null)
  tests.startCard()
  clock.advance(CARD_TEST_WAIT_MS)
  t.equal(tests.current(), null, 'no card within the wait: the test ends')
})

t.test('the display test shows the pattern and paints the kiosk screen back', async (t) => {
  const { clock, painted, tests } = rig()
  tests.kioskShows(['Welcome', '1 Tieng Viet'])
  t.same(painted.pop(), ['Welcome', '1 Tieng Viet'])
  tests.startDisplay()
  t.same(painted.pop(), testPattern(20, 4))
  tests.kioskShows(['Menu'])
  t.equal(painted.length, 0, 'the kiosk screen is kept, not painted over the pattern')
  t.same(tests.current(), { kind: 'display', endsInS: DISPLAY_TEST_MS / 1000 })
  tests.startKeys()
  t.same(painted.pop(), ['Menu'], 'starting another test ends the pattern')
  tests.startDisplay()
  clock.advance(DISPLAY_TEST_MS)
  t.same(painted.pop(), ['Menu'], 'and so does its time')
  t.same(testPattern(16, 2), ['* TEST PATTERN *', '#'.repeat(16)])
  t.same(testPattern(20, 4)[2], '01234567890123456789')
  t.equal(testPattern(8, 1)[0], ' TEST PA', 'a title wider than the display is cut')
})

function fakePrinter(initial: PrinterStatus) {
  const listeners = new Set<(status: PrinterStatus) => void>()
  let fail = false
  const printer: Printer = {
    print: async () => {
      if (fail) throw new Error('paper out')
    },
    status: async () => initial,
    onStatusChange: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return { printer, change: (status: PrinterStatus) => listeners.forEach((listener) => listener(status)), failNext: () => (fail = true) }
}

t.test('activity: reads, prints, retries and faults per device; link, deliveries, events', async (t) => {
  const clock = new SimClock(new Date(2026, 11, 3, 23, 59, 58).getTime())
  const bus = new EventBus<StationEvents>(createSilentLogger())
  const activity = new StationActivity({ clock, bus })
  bus.emit('key.pressed', { key: '1' })
  bus.emit('card.presented', { kind: 'cccd', text: QR })
  bus.emit('card.presented', { kind: 'nfc', text: '04a23b1c' })
  bus.emit('card.presented', { kind: 'unknown', text: 'x' })
  bus.emit('card.unreadable', { device: 'wiegand', reason: 'bad parity' })
  t.equal(activity.counters('keypad').reads, 1)
  t.equal(activity.counters('scanner').reads, 2)
  t.equal(activity.counters('nfc').reads, 1)
  t.equal(activity.counters('wiegand').reads, 1)
  t.same(activity.counters('display'), { reads: 0, prints: 0, retries: 0, faults: 0 })

  for (const state of ['ok', 'degraded', 'faulty', 'starting', 'faulty', 'ok', 'stopped', 'absent', 'absent'] as const) bus.emit('device.health', { device: 'printer', health: { state } })
  t.equal(activity.counters('printer').faults, 2, 'a fault counts when it begins, not while it lasts')
  activity.countRetry('printer')
  t.equal(activity.counters('printer').retries, 1)

  const fake = fakePrinter({ online: true, paperNearEnd: false, paperOut: false, coverOpen: false, error: false })
  const counted = activity.countingPrinter(fake.printer)
  t.equal(activity.printerPaper, undefined, 'unknown before the printer answered')
  await counted.status()
  t.same(activity.printerPaper, { paper: 'ok', cover: 'closed', online: true })
  fake.change({ online: true, paperNearEnd: true, paperOut: false, coverOpen: true, error: false })
  t.same(activity.printerPaper, { paper: 'near-end', cover: 'open', online: true })
  fake.change({ online: false, paperNearEnd: false, paperOut: true, coverOpen: false, error: false })
  t.equal(activity.printerPaper?.paper, 'out')
  await counted.print({ lines: [] })
  fake.failNext()
  await t.rejects(counted.print({ lines: [] }), /paper out/)
  t.equal(activity.counters('printer').prints, 1, 'only finished receipts count')
  let heard = 0
  counted.onStatusChange(() => heard++)
  fake.change({ online: true, paperNearEnd: false, paperOut: false, coverOpen: false, error: false })
  t.equal(heard, 1)

  const stateListeners: Array<(connected: boolean) => void> = []
  activity.watchLink({ onStateChange: (listener) => stateListeners.push(listener) })
  const linkState = (connected: boolean) => stateListeners.forEach((listener) => listener(connected))
  t.equal(activity.connectedSinceMs, null)
  linkState(true)
  t.equal(activity.connectedSinceMs, clock.now())
  t.equal(activity.reconnects, 0)
  linkState(false)
  t.equal(activity.connectedSinceMs, null)
  clock.advance(500)
  linkState(true)
  t.equal(activity.reconnects, 1)
  t.equal(activity.connectedSinceMs, clock.now())

  activity.sampleDelivered(0)
  activity.sampleDelivered(5)
  t.equal(activity.deliveredToday, 5)
  clock.advance(3000)
  t.equal(activity.deliveredToday, 0, 'a new day before any sample: nothing yet')
  activity.sampleDelivered(7)
  t.equal(activity.deliveredToday, 2, 'yesterday’s deliveries stay yesterday’s')

  bus.emit('station.event', { type: 'oops', fields: { note: `id ${ID_NUMBER}` } })
  t.same(activity.recentEvents(1), [{ atMs: clock.now(), type: 'oops', fields: { withheld: true } }], 'an event with an ID number shows withheld')
  for (let index = 0; index < 60; index++) bus.emit('station.event', { type: 'tick', fields: { index } })
  t.equal(activity.recentEvents(100).length, 50, 'bounded')
  t.same(activity.recentEvents(-1), [])
})

t.test('the TLS identity: CN and expiry of the client certificate, read again after a minute', async (t) => {
  const dir = testDir(t, {})
  const pki = await createTestPki(dir, ['hcm-q1-lobby-01'])
  const client = pki.clients['hcm-q1-lobby-01']
  if (!client) throw new Error('no client certificate')
  let nowMs = Date.now()
  const read = tlsIdentityReader(client.certFile, () => nowMs)
  const identity = await read()
  t.equal(identity.subject, 'CN=hcm-q1-lobby-01')
  t.match(identity.validTo, /^\d{4}-\d\d-\d\d$/)
  const broken = join(dir, 'broken.crt')
  writeFileSync(broken, 'not a certificate')
  const readBroken = tlsIdentityReader(broken, () => nowMs)
  t.match((await readBroken()).subject, /^\(unreadable: /)
  writeFileSync(broken, await import('node:fs').then((fs) => fs.readFileSync(client.certFile)))
  t.match((await readBroken()).subject, /^\(unreadable: /, 'cached for a minute')
  nowMs += 60_000
  t.equal((await readBroken()).subject, 'CN=hcm-q1-lobby-01', 'then read again')
})
