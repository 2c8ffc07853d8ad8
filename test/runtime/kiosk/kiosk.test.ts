import { join } from 'node:path'
import { centralCalls } from '../../../runtime/central-calls.js'
import { BAD_QR, ID_NUMBER, NAME, QR } from '../../support/sim-residents.js'
import { pendingSubmissions } from '../../support/outbox-contents.js'
import t, { type Test } from 'tap'
import type { KeyName, Language } from '../../../config/schema.js'
import { renderPaper } from '../../../drivers/printer/escpos-decoder.js'
import { EscPosPrinter } from '../../../drivers/printer/escpos-printer.js'
import type { PrinterProfile } from '../../../drivers/printer/printer-profile.js'
import { SimEscPosPrinter, type SimPaperState } from '../../../drivers/printer/sim-escpos-printer.js'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import type { FlowDefinition } from '../../../flows/engine/flow-types.js'
import { loadFlowsDir } from '../../../flows/engine/flow-folder.js'
import { loadOrCreateKey } from '../../../runtime/crypto/key-file.js'
import { Kiosk, type CentralCalls } from '../../../runtime/kiosk/kiosk.js'
import { parseFlow } from '../../../flows/engine/flow-validate.js'
import { openJournalOutbox } from '../../../runtime/outbox/journal-outbox.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { captureLog } from '../../support/capture-log.js'
import { waitUntil } from '../../support/wait-until.js'
import { testDir } from '../../support/test-dir.js'


const PROFILE: PrinterProfile = { codepage: 'ascii', codeTable: 0, lineWidthChars: 32 }
const IDLE_TIMEOUT_MS = 30_000
const END_SCREEN_MS = 8_000
/** Kiosk notices (refused or unreadable card) stay this long. */
const NOTICE_MS = 3_000
const REFERENCE = /\d{4}-\d{4}-\d{4}/

const { flows } = await loadFlowsDir('flows')
// The feedback procedure alone: these tests are about the kiosk, not the menu of every procedure.
const FLOWS = [...flows.values()].filter((flow) => flow.id === 'security-feedback')

interface RigOptions {
  paper?: SimPaperState
  defaultLanguage?: Language
  flows?: FlowDefinition[]
  central?: CentralCalls
  /** A bound too small for any submission makes every append refuse with E_OUTBOX_FULL. */
  outboxMaxBytes?: number
}

async function rig(t: Test, options: RigOptions = {}) {
  const clock = new SimClock(Date.UTC(2026, 0, 1, 3))
  const dir = testDir(t, {})
  const { log, lines: logLines } = captureLog('debug')
  const key = await loadOrCreateKey(join(dir, 'keys', 'outbox.key'))
  const outbox = await openJournalOutbox({ dir: join(dir, 'outbox'), key, clock, maxBytes: options.outboxMaxBytes ?? 1024 * 1024, log })
  const cable = SimSerialLink.pair('/dev/sim-printer')
  const device = new SimEscPosPrinter(cable.device, { profile: PROFILE, paper: options.paper ?? 'ok' })
  const printer = new EscPosPrinter({ link: cable.host, clock, profile: PROFILE, statusTimeoutMs: 500 })
  const screens: string[][] = []
  const events: Array<{ type: string; fields: Record<string, string | number | boolean> }> = []
  let online = false
  const storeFailures: string[] = []
  const kiosk = new Kiosk({
    clock,
    log,
    showRows: (rows) => void screens.push(rows),
    printer,
    outbox,
    central: options.central ?? centralCalls(null),
    flows: () => options.flows ?? FLOWS,
    event: (type, fields) => void events.push({ type, fields }),
    isOnline: () => online,
    defaultLanguage: options.defaultLanguage ?? 'vi',
    stationId: 'lobby-test',
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    endScreenMs: END_SCREEN_MS,
    cols: 20,
    rows: 4,
    storeFailed: (code) => void storeFailures.push(code),
  })
  t.teardown(async () => {
    kiosk.stop()
    await printer.stop()
    await cable.host.close()
    await outbox.close()
  })
  const screen = (): string => (screens.at(-1) ?? []).join('\n')
  return {
    clock,
    kiosk,
    outbox,
    device,
    screens,
    events,
    logLines,
    storeFailures,
    screen,
    setOnline(value: boolean) {
      online = value
    },
    press(...keys: KeyName[]) {
      for (const key of keys) kiosk.key(key)
    },
    eventsOf: (type: string) => events.filter((event) => event.type === type),
    /** Lets real I/O (fsync, the printer's serial round trips) run until `done` holds. */
    async until(done: () => boolean, what: string, timeoutMs = 5000) {
      await waitUntil(what, done, timeoutMs, 2).catch((error: Error) => {
        throw new Error(`${error.message}; screen:\n${screen()}`)
      })
    },
  }
}

t.test('the welcome screen offers both languages on one page', async (t) => {
  const r = await rig(t)
  r.setOnline(true)
  r.kiosk.start()
  t.equal(r.kiosk.phase, 'welcome')
  t.strictSame(r.screens.at(-1), ['Xin chào / Welcome  ', 'Quét CCCD / Scan ID ', '1 Tiếng Việt        ', '2 English           '])
})

t.test('key 2 on the welcome screen opens the menu in English, key 1 in Vietnamese', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.press('2')
  t.equal(r.kiosk.phase, 'menu')
  t.match(r.screen(), /Services/)
  t.match(r.screen(), /1 Security report/)
  r.press('back')
  t.equal(r.kiosk.phase, 'welcome')
  r.press('1')
  t.match(r.screen(), /Chọn dịch vụ/)
  t.match(r.screen(), /1 Phản ánh ANTT/)
})

t.test('a key that means nothing says so briefly, tells central, and the screen comes back', async (t) => {
  const r = await rig(t)
  r.setOnline(true)
  r.kiosk.start()
  const welcome = r.screen()
  r.press('5')
  t.equal(r.kiosk.phase, 'welcome')
  t.match(r.screen(), /Phím không hợp lệ/)
  t.match(r.screen(), /Bấm 1 hoặc 2/)
  t.strictSame(r.eventsOf('key.ignored').map((event) => event.fields), [{ phase: 'welcome', key: '5' }])
  t.ok(r.logLines.some((line) => line['msg'] === 'key ignored' && line['key'] === '5'), 'a log line')
  r.clock.advance(1500)
  t.equal(r.screen(), welcome, 'the welcome screen is back')

  r.press('1')
  r.press('7')
  t.equal(r.kiosk.phase, 'menu')
  t.match(r.screen(), /Chọn từ 1 đến 1/)
  r.clock.advance(1500)
  t.match(r.screen(), /Chọn dịch vụ/)
})

t.test('a card at the welcome screen opens the menu in the default language with the identity kept', async (t) => {
  const r = await rig(t, { defaultLanguage: 'en' })
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  t.equal(r.kiosk.phase, 'menu')
  t.match(r.screen(), /Services/)
  t.same(r.eventsOf('card.accepted').map((event) => event.fields), [{ kind: 'cccd' }])
  r.press('1')
  t.same(r.kiosk.currentStep, { flow: 'security-feedback', step: 'topic' }, 'the scan step is skipped: the card was already read')
  t.match(r.screen(), /Emergency: call 113/)
})

t.test('a refused card shows a notice for 3 s and tells central why without personal data', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  const welcome = r.screen()
  r.kiosk.card({ kind: 'cccd', text: BAD_QR })
  t.equal(r.kiosk.phase, 'welcome', 'no session starts')
  t.match(r.screen(), /Thẻ không hợp lệ/)
  t.match(r.screen(), /Vui lòng thử lại/)
  const rejected = r.eventsOf('card.rejected')
  t.equal(rejected.length, 1)
  t.equal(rejected[0]?.fields.kind, 'cccd')
  t.match(String(rejected[0]?.fields.reason), /birth year mismatch/)
  for (const value of Object.values(rejected[0]?.fields ?? {})) {
    t.notMatch(String(value), /\d{6,}/, 'no digit run that could be an ID number or a date')
  }
  t.equal(r.eventsOf('card.accepted').length, 0)
  r.clock.advance(NOTICE_MS - 1)
  t.match(r.screen(), /Thẻ không hợp lệ/, 'still showing just before 3 s')
  r.clock.advance(1)
  t.equal(r.screen(), welcome, 'the welcome screen is back')
  for (const line of r.logLines.map((fields) => JSON.stringify(fields))) {
    t.notOk(line.includes(ID_NUMBER) || line.includes(NAME) || line.includes('15082004'), 'no log line carries the card')
  }
})

t.test('a key dismisses a notice early and still counts', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.unreadable()
  r.press('2')
  t.equal(r.kiosk.phase, 'menu')
  t.match(r.screen(), /Services/)
  r.clock.advance(NOTICE_MS)
  t.match(r.screen(), /Services/, 'the stale notice timer does not redraw anything else')
})

t.test('a good card right after a notice ends the notice and opens the menu at once', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.unreadable()
  t.match(r.screen(), /Không đọc được thẻ/)
  r.kiosk.card({ kind: 'cccd', text: QR })
  t.equal(r.kiosk.phase, 'menu')
  t.match(r.screen(), /Chọn dịch vụ/, 'the menu shows without waiting for the notice to time out')
  r.clock.advance(NOTICE_MS)
  t.match(r.screen(), /Chọn dịch vụ/)
})

t.test('an unreadable read shows a notice that goes away after 3 s', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  const welcome = r.screen()
  r.kiosk.unreadable()
  t.match(r.screen(), /Không đọc được thẻ/)
  t.equal(r.kiosk.phase, 'welcome')
  r.clock.advance(NOTICE_MS)
  t.equal(r.screen(), welcome)
})

t.test('a refused card during a procedure shows the notice over the step, then the step again', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.press('1', '1')
  t.same(r.kiosk.currentStep, { flow: 'security-feedback', step: 'identify' })
  const step = r.screen()
  r.kiosk.card({ kind: 'cccd', text: BAD_QR })
  t.match(r.screen(), /Thẻ không hợp lệ/)
  r.clock.advance(NOTICE_MS)
  t.equal(r.screen(), step)
  t.same(r.kiosk.currentStep, { flow: 'security-feedback', step: 'identify' }, 'the step still waits for a card')
  r.kiosk.card({ kind: 'cccd', text: QR })
  t.same(r.kiosk.currentStep, { flow: 'security-feedback', step: 'topic' }, 'a good card moves the waiting step on')
})

t.test('a resident completes the procedure: one sealed submission, a receipt, then back to welcome', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1')
  r.press('1', 'ok', 'ok', '1') // theft, this building, no floor, vehicle stolen
  t.match(r.screen(), /SĐT/)
  r.press('0', '9', '1', '2', '3', '4', '5', '6', '7', '8')
  t.match(r.screen(), /> 0912345678/)
  r.press('ok')
  t.match(r.screen(), /Mất trộm xe/)
  t.match(r.screen(), /Tòa này, tầng -/)
  r.press('ok')
  await r.until(() => r.kiosk.phase === 'ended', 'the end screen')

  t.match(r.screen(), /Cảm ơn ông\/bà!/)
  t.match(r.screen(), REFERENCE, 'the reference code stays on the display')
  t.equal(r.kiosk.currentStep, null)

  const pending = await pendingSubmissions(r.outbox)
  t.equal(pending.length, 1)
  const submission = pending[0]
  t.equal(submission?.flow, 'security-feedback')
  t.equal(submission?.flowVersion, 3)
  t.equal(submission?.createdAt, new Date(r.clock.now()).toISOString())
  t.same(submission?.data, {
    language: 'vi',
    answers: { topic: 'theft', detail: 'vehicle_theft', building: '', floor: '', phone: '0912345678' },
    identity: {
      source: 'cccd_qr',
      verified: 'none',
      personalId: ID_NUMBER,
      name: NAME,
    },
  })

  t.equal(r.device.receipts.length, 1, 'one receipt came out')
  const paper = renderPaper(r.device.lastReceipt() ?? [], PROFILE.lineWidthChars).join('\n')
  t.match(paper, /PHAN ANH AN NINH TRAT TU/)
  t.match(paper, /Tram lobby-test/)
  t.match(paper, /079\*+01/, 'the masked ID only')
  t.notOk(paper.includes(ID_NUMBER))
  const code = REFERENCE.exec(r.screen())?.[0] ?? 'missing'
  t.ok(paper.includes(code), 'the receipt carries the code on the screen')

  t.same(
    r.events.map((event) => event.type).filter((type) => type.startsWith('flow.') && type !== 'flow.step'),
    ['flow.started', 'flow.completed'],
  )
  for (const event of r.events) {
    const text = JSON.stringify(event.fields)
    t.notOk(text.includes(ID_NUMBER) || text.includes(NAME) || text.includes('0912345678'), `${event.type} carries no personal data`)
  }
  for (const line of r.logLines.map((fields) => JSON.stringify(fields))) {
    t.notOk(line.includes(ID_NUMBER) || line.includes(NAME) || line.includes('0912345678'), 'no log line carries personal data')
  }

  r.clock.advance(END_SCREEN_MS - 1)
  t.equal(r.kiosk.phase, 'ended')
  r.clock.advance(1)
  t.equal(r.kiosk.phase, 'welcome', 'back at welcome after the end screen')
  t.match(r.screen(), /Xin chào/)
})

t.test('a key on the end screen returns to the welcome screen at once', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1', '1', 'ok', 'ok', '1', 'ok', 'ok')
  await r.until(() => r.kiosk.phase === 'ended', 'the end screen')
  r.press('5')
  t.equal(r.kiosk.phase, 'welcome')
  r.clock.advance(END_SCREEN_MS)
  t.equal(r.kiosk.phase, 'welcome')
})

t.test('a card on the end screen starts the next resident at the menu', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1', '1', 'ok', 'ok', '1', 'ok', 'ok')
  await r.until(() => r.kiosk.phase === 'ended', 'the end screen')
  r.kiosk.card({ kind: 'cccd', text: QR })
  t.equal(r.kiosk.phase, 'menu')
  r.clock.advance(END_SCREEN_MS)
  t.equal(r.kiosk.phase, 'menu', 'the old end timer does not take the new resident back to welcome')
})

t.test('the next resident gets a full end screen even when the previous end screen was cut short', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1', '1', 'ok', 'ok', '1', 'ok', 'ok')
  await r.until(() => r.kiosk.phase === 'ended', 'the end screen')
  r.clock.advance(END_SCREEN_MS / 2)
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1', 'back', '1')
  t.equal(r.kiosk.phase, 'ended', 'the second resident gave up at once')
  r.clock.advance(END_SCREEN_MS - 1)
  t.equal(r.kiosk.phase, 'ended', 'the first end screen timer does not cut the second one short')
  r.clock.advance(1)
  t.equal(r.kiosk.phase, 'welcome')
})

t.test('back on the menu returns to the welcome screen and forgets the card', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('back')
  t.equal(r.kiosk.phase, 'welcome')
  t.match(r.screen(), /Xin chào/)
  r.press('1', '1')
  t.same(r.kiosk.currentStep, { flow: 'security-feedback', step: 'identify' }, 'the card is not kept for the next procedure')
})

t.test('back on the first step of a procedure asks; yes ends it and the screen says so at once', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.press('1', '1', 'back')
  t.equal(r.kiosk.phase, 'session', 'back alone ends nothing')
  t.match(r.screen(), /Kết thúc thủ tục\?/)
  r.press('1')
  t.equal(r.kiosk.phase, 'ended')
  t.match(r.screen(), /Đã hủy thủ tục/)
  t.same(
    r.eventsOf('flow.abandoned').map((event) => event.fields.outcome),
    ['cancelled'],
  )
  r.clock.advance(END_SCREEN_MS)
  t.equal(r.kiosk.phase, 'welcome')
})

t.test('idle in the middle of a procedure wipes it and the next session starts without the identity', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1', '1', 'ok', 'ok', '1')
  t.same(r.kiosk.currentStep, { flow: 'security-feedback', step: 'phone' })
  r.press('0', '9')
  r.clock.advance(IDLE_TIMEOUT_MS - 1)
  t.equal(r.kiosk.phase, 'session', 'still running just before the timeout')
  r.clock.advance(1)
  t.equal(r.kiosk.phase, 'welcome')
  t.match(r.screen(), /Xin chào/)
  t.same(r.eventsOf('session.idle_timeout').map((event) => event.fields), [{ phase: 'session', flow: 'security-feedback' }])
  t.same(r.eventsOf('flow.abandoned').map((event) => event.fields.outcome), ['timed_out'])
  t.equal(r.outbox.depth(), 0, 'nothing was submitted')

  r.press('1', '1')
  t.same(r.kiosk.currentStep, { flow: 'security-feedback', step: 'identify' }, 'the scan step waits for a card again')
  t.match(r.screen(), /quét mã QR/)
  r.press('ok')
  t.same(r.kiosk.currentStep, { flow: 'security-feedback', step: 'identify' })
})

t.test('idle on the menu returns to welcome and says so', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.press('2')
  r.clock.advance(IDLE_TIMEOUT_MS)
  t.equal(r.kiosk.phase, 'welcome')
  t.same(r.eventsOf('session.idle_timeout').map((event) => event.fields), [{ phase: 'menu' }])
  t.match(r.screen(), /Ngoại tuyến/, 'the default language is back')
})

t.test('offline, the welcome screen says submissions are sent later, and refresh follows the link', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  t.strictSame(r.screens.at(-1), ['Xin chào / Welcome  ', 'Ngoại tuyến/Offline ', '1 Tiếng Việt        ', '2 English           '])
  r.setOnline(true)
  r.kiosk.refresh()
  t.match(r.screen(), /Quét CCCD \/ Scan ID/)
  t.notMatch(r.screen(), /Ngoại tuyến/)
  r.setOnline(false)
  r.press('1')
  const shown = r.screens.length
  r.kiosk.refresh()
  t.equal(r.kiosk.phase, 'menu', 'refresh does not leave the menu')
  t.equal(r.screens.length, shown, 'nor redraw it')
})

t.test('maintenance wipes the session, ignores residents, and ends at the welcome screen', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1')
  t.equal(r.kiosk.phase, 'session')
  r.kiosk.setMaintenance(true)
  t.equal(r.kiosk.phase, 'maintenance')
  t.equal(r.kiosk.currentStep, null)
  t.match(r.screen(), /Đang bảo trì/)
  const shown = r.screens.length
  r.press('1', 'ok')
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.kiosk.unreadable()
  r.clock.advance(IDLE_TIMEOUT_MS + END_SCREEN_MS)
  t.equal(r.kiosk.phase, 'maintenance')
  t.equal(r.screens.length, shown, 'nothing a resident does reaches the screen')
  t.equal(r.eventsOf('card.accepted').length, 1, 'the card during maintenance was not read')

  r.kiosk.setMaintenance(false)
  t.equal(r.kiosk.phase, 'welcome')
  t.match(r.screen(), /Xin chào/)
  r.press('1', '1')
  t.same(r.kiosk.currentStep, { flow: 'security-feedback', step: 'identify' }, 'the identity from before maintenance is gone')
  r.kiosk.setMaintenance(false)
  t.equal(r.kiosk.phase, 'session', 'turning maintenance off when it is off changes nothing')
})

t.test('with the paper out the procedure still completes through no_receipt and the submission is kept', async (t) => {
  const r = await rig(t, { paper: 'out' })
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('2')
  t.equal(r.kiosk.phase, 'menu', 'a card then key 2 stays on the menu (2 is not a flow)')
  r.press('1', '0', '0', '6', 'ok', 'ok', '1', 'ok', 'ok')
  await r.until(() => r.kiosk.currentStep?.step === 'no_receipt', 'the no_receipt step')
  t.match(r.screen(), /Máy in đang lỗi/)
  t.match(r.screen(), REFERENCE, 'the code is on screen to note down')
  t.same(
    r.eventsOf('effect.failed').map((event) => [event.fields.effect, event.fields.code]),
    [['print', 'E_PRINTER_NOT_READY']],
  )
  t.equal(r.outbox.depth(), 1)
  t.same((await pendingSubmissions(r.outbox))[0]?.data.answers, { topic: 'other', detail: 'pets_danger', building: '', floor: '', phone: '' })
  t.equal(r.device.receipts.length, 0, 'nothing printed')
  r.press('ok')
  t.equal(r.kiosk.phase, 'ended')
  t.same(r.eventsOf('flow.completed').length, 1, 'the procedure counts as completed')
  t.match(r.screen(), /Cảm ơn/)
})

t.test('stop cancels a running session and its timers', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.press('1', '1')
  r.kiosk.stop()
  t.equal(r.kiosk.currentStep, null)
  t.same(r.eventsOf('flow.abandoned').map((event) => event.fields.outcome), ['cancelled'])
  const shown = r.screens.length
  r.clock.advance(IDLE_TIMEOUT_MS * 4)
  t.equal(r.screens.length, shown, 'no timer fires after stop')
  t.equal(r.clock.pendingTimers, 0)
})

t.test('a menu with no flows says the station is out of service', async (t) => {
  const r = await rig(t, { flows: [], defaultLanguage: 'en' })
  r.kiosk.start()
  r.press('ok')
  t.equal(r.kiosk.phase, 'menu')
  t.match(r.screen(), /Out of service/)
  r.press('1')
  t.equal(r.kiosk.phase, 'menu', 'no option to start')
})

t.test('the idle countdown does not wipe a session while the station waits for central', async (t) => {
  const yaml = `
id: wait-test
version: 1
title: { vi: "Chờ thanh toán", en: "Payment wait" }
start: identify
steps:
  identify: { kind: scan_id, accept: [cccd_qr], text: { vi: "Quét thẻ", en: "Scan card" }, timeout_s: 60, next: wait }
  wait:
    kind: wait_for
    event: payment.confirmed
    match: { bill: "B1" }
    text: { vi: "Đang chờ", en: "Waiting" }
    timeout_s: 120
    next: done
    on_timeout: late
  done: { kind: end, outcome: completed, text: { vi: "Đã nhận", en: "Received" } }
  late: { kind: end, outcome: cancelled, text: { vi: "Hết giờ", en: "Too late" } }
`
  const { flow, diagnostics } = parseFlow(yaml, 'wait-test.yaml')
  t.ok(flow, JSON.stringify(diagnostics))
  // Central that never answers: the wait ends only by its own timeout (or the resident leaving).
  const silent: CentralCalls = {
    request: (_method, _body, { signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    waitFor: (_event, _match, { signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
  }
  const r = await rig(t, { flows: [flow!], central: silent })
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1')
  t.match(r.screen(), /Đang chờ/)
  r.clock.advance(IDLE_TIMEOUT_MS * 3)
  t.equal(r.kiosk.phase, 'session', 'still waiting after three idle periods')
  t.equal(r.eventsOf('session.idle_timeout').length, 0)
  r.clock.advance(120_000 - IDLE_TIMEOUT_MS * 3)
  await r.until(() => r.kiosk.phase === 'ended', 'the end screen')
  t.equal(r.kiosk.phase, 'ended', 'the wait ended by its own timeout')
  t.match(r.screen(), /Hết giờ/)
})

t.test('storage full: the welcome screen says so, a procedure that submits is refused at the menu, and intake comes back', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.setAccepting(false)
  t.equal(r.kiosk.accepting, false)
  t.strictSame(r.screens.at(-1), ['Tạm ngừng nhận hồ sơ', 'Submissions paused  ', '1 Tiếng Việt        ', '2 English           '])
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1')
  t.match(r.screen(), /Tạm ngừng nhận hồ sơ/)
  t.match(r.screen(), /Xin quay lại sau/)
  t.equal(r.kiosk.phase, 'menu', 'no procedure started')
  t.equal(r.eventsOf('flow.started').length, 0)
  r.press('back')
  r.kiosk.setAccepting(true)
  t.match(r.screen(), /Quét CCCD|Ngoại tuyến/, 'the welcome screen is redrawn without the notice')
  t.notMatch(r.screen(), /Tạm ngừng/)
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1')
  t.equal(r.kiosk.phase, 'session', 'procedures start again')
})

t.test('storage full in English: the refusal fits the display', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.setAccepting(false)
  r.press('2')
  r.press('1')
  t.strictSame(r.screens.at(-1), ['Submissions paused  ', 'Not accepting       ', 'submissions now.    ', 'Come back later.    '])
})

t.test('an append that fails as the resident confirms: NOT recorded, no receipt, no reference', async (t) => {
  const r = await rig(t, { outboxMaxBytes: 1000 })
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1', '1', 'ok', 'ok', '1', 'ok', 'ok')
  await r.until(() => r.kiosk.phase === 'ended', 'the end screen')
  t.match(r.screen(), /CHƯA GHI NHẬN/)
  t.match(r.screen(), /chưa được lưu/)
  t.notMatch(r.screen(), REFERENCE, 'no reference code is shown')
  t.strictSame(r.storeFailures, ['E_OUTBOX_FULL'], 'the station is told, so it looks at storage now')
  t.equal(r.device.receipts.length, 0, 'nothing printed')
  t.equal(r.outbox.depth(), 0)
  t.match(r.eventsOf('effect.failed'), [{ fields: { effect: 'submit', code: 'E_OUTBOX_FULL' } }])
  r.clock.advance(8_000)
  t.equal(r.kiosk.phase, 'ended')
  t.match(r.screen(), /Xin lỗi, chưa gửi/, 'after 8 s the procedure\'s own failure screen')
  r.clock.advance(END_SCREEN_MS - 1)
  t.equal(r.kiosk.phase, 'ended', 'which gets its whole end-screen time')
  r.clock.advance(1)
  t.equal(r.kiosk.phase, 'welcome')
})

t.test('a stop with nobody served shows the restarting screen at once, in both languages', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  t.equal(r.kiosk.serving, false)
  await r.kiosk.finishThenRestart()
  t.equal(r.kiosk.phase, 'restarting')
  t.match(r.screen(), /Đang khởi động lại[\s\S]*Station restarting[\s\S]*Vui lòng chờ/)
  const shown = r.screens.length
  r.press('1')
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.kiosk.unreadable()
  r.kiosk.setMaintenance(true)
  t.equal(r.kiosk.phase, 'restarting', 'keys, cards and maintenance leave it')
  t.equal(r.screens.length, shown, 'nothing else is drawn')
})

t.test('a stop waits for the resident: the menu, the procedure, its end screen, then restarting', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  t.equal(r.kiosk.serving, true)
  let shown = false
  const done = r.kiosk.finishThenRestart().then(() => (shown = true))
  t.equal(r.kiosk.finishThenRestart(), r.kiosk.finishThenRestart(), 'asking again waits for the same screen')
  r.press('1', '1')
  t.equal(r.kiosk.phase, 'session', 'the resident goes on into the procedure')
  r.press('ok', 'ok', '1', 'ok', 'ok')
  await r.until(() => r.kiosk.phase === 'ended', 'the end screen')
  t.match(r.screen(), REFERENCE, 'the resident reads the reference code')
  r.clock.advance(END_SCREEN_MS - 1000)
  await Promise.resolve()
  t.equal(shown, false, 'still on the end screen')
  r.clock.advance(1000)
  await done
  t.equal(r.kiosk.phase, 'restarting', 'then the restarting screen, not the welcome one')
  t.equal((await pendingSubmissions(r.outbox)).length, 1, 'the submission was stored')
})

t.test('a resident who walks away is let go by the idle timeout; restartNow cuts one off', async (t) => {
  const r = await rig(t)
  r.kiosk.start()
  r.press('1', '1')
  const done = r.kiosk.finishThenRestart()
  r.clock.advance(IDLE_TIMEOUT_MS)
  await done
  t.equal(r.kiosk.phase, 'restarting')

  const other = await rig(t)
  other.kiosk.start()
  other.press('1', '1', '2')
  t.equal(other.kiosk.phase, 'session')
  other.kiosk.restartNow()
  t.equal(other.kiosk.phase, 'restarting')
  t.match(other.screen(), /Đang khởi động lại/)
  other.kiosk.restartNow()
  t.equal(other.kiosk.phase, 'restarting')
})

t.test('a step whose own countdown is shorter than the idle timeout still warns first, a third of its time before it ends', async (t) => {
  const [feedback] = FLOWS
  const topic = feedback?.steps.get('topic')
  if (!feedback || topic?.kind !== 'choose') throw new Error('the feedback flow has no topic step')
  // 12 s at the topic, where the kiosk's idle timeout is 30 s: the warning shows its last 4 s.
  const short = { ...feedback, steps: new Map([...feedback.steps, ['topic', { ...topic, timeoutS: 12 }]]) }
  const r = await rig(t, { flows: [short] })
  r.kiosk.start()
  r.kiosk.card({ kind: 'cccd', text: QR })
  r.press('1')
  t.same(r.kiosk.currentStep, { flow: 'security-feedback', step: 'topic' })
  r.clock.advance(8000 - 1)
  t.notMatch(r.screen(), /Bấm phím bất kỳ/, 'no warning before its time')
  r.clock.advance(1)
  t.match(r.screen(), /Bấm phím bất kỳ để\s+tiếp tục/, 'the warning comes before the step would end the session')
  t.match(r.screen(), /Còn 4 giây/)
  r.press('5')
  t.same(r.kiosk.currentStep, { flow: 'security-feedback', step: 'topic' }, 'the key answered the warning and chose nothing')
  t.notMatch(r.screen(), /Bấm phím bất kỳ/)
  r.clock.advance(8000)
  t.match(r.screen(), /Bấm phím bất kỳ/, 'the key started the step over: the warning comes again 8 s later')
  r.clock.advance(4000)
  t.equal(r.kiosk.currentStep, null, 'at zero the session is gone')
  t.same(r.eventsOf('flow.abandoned').map((event) => event.fields.outcome), ['timed_out'])
})
