import t from 'tap'
import type { Receipt } from '../../../drivers/printer/receipt.js'
import { StationError } from '../../../runtime/core/errors.js'
import {
  bundledFlowUnderTest,
  receiptQrs,
  receiptTexts,
  startProcedureRig,
  startProcedureSession,
} from '../../support/procedure-rig.js'
import { ID_NUMBER, NAME, QR_NEXT_RESIDENT } from '../../support/sim-residents.js'

const bookExam = bundledFlowUnderTest(t, 'book-exam', 3)
/** The procedure session's clock: 14:05 on 20 January 2026 in Vietnam. */
const SESSION_NOW_MS = Date.UTC(2026, 0, 20, 7, 5)

t.test('session (vi): the times offered are central\'s free slots that have not begun; the resident books one', async (t) => {
  const s = await startProcedureSession(bookExam(), 'vi')
  t.equal(s.session.currentStepId, 'department')
  s.choose(3)
  await s.settle()
  t.match(s.effects.requests, [{ name: 'exam.slots', fields: { department: 'dental' }, timeoutMs: 10_000 }])
  t.equal(s.session.currentStepId, 'slot')
  t.equal(s.effects.screen.body, 'BV mẫu An Bình khu C', 'the facility')
  // 08:00 and 09:30 today have begun by 14:05: only 15:00 today, then tomorrow.
  t.strictSame(s.effects.screen.options, ['20/01/2026 15:00', '21/01/2026 08:00', '21/01/2026 09:30', '21/01/2026 15:00'])
  s.press('1')
  t.equal(s.effects.screen.body, 'Răng hàm mặt\n20/01/2026 15:00\nBấm OK để đặt lịch')
  s.press('ok')
  await s.settle()
  t.match(s.effects.requests[1], { name: 'exam.book', fields: { slot: 'dental.2026-01-20.1500' } })
  t.match(s.effects.submissions, [
    {
      flow: 'book-exam',
      flowVersion: 3,
      data: {
        language: 'vi',
        answers: { department: 'dental', slot: 'dental.2026-01-20.1500', booking: { booked: true, ticket: 'RH-001', date: '2026-01-20', time: '15:00', facility: 'BV mẫu An Bình khu C' } },
        identity: { personalId: ID_NUMBER },
      },
    },
  ])
  const receipt = s.effects.receipts[0] as Receipt
  const texts = receiptTexts(receipt)
  t.ok(texts.includes('PHIẾU HẸN KHÁM BỆNH'))
  t.ok(texts.includes('Nơi khám: BV mẫu An Bình khu C'))
  t.ok(texts.includes('Khoa: Răng hàm mặt'))
  t.ok(texts.includes('Ngày khám: 20/01/2026'), "central's date as residents read it")
  t.ok(texts.includes('Giờ khám: 15:00'))
  t.ok(texts.includes('RH-001'), 'the queue ticket')
  t.ok(texts.includes('K7QX-M2PA'), 'the reference')
  t.strictSame(receiptQrs(receipt), ['K7QX-M2PA'], 'and its QR')
  t.notOk(JSON.stringify(receipt).includes(ID_NUMBER))
  t.strictSame(s.results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
  t.equal(s.effects.screen.body, 'Đã đặt lịch khám\nSố thứ tự RH-001\nMã K7QX-M2PA')
  t.notOk(s.ledger.examSlots('dental', SESSION_NOW_MS)?.slots.some((slot) => slot.id === 'dental.2026-01-20.1500'), 'central no longer offers it')
})

t.test('session (en): more than nine slots are offered nine at a time; key 0 turns to the next ones', async (t) => {
  const s = await startProcedureSession(bookExam(), 'en')
  // Central answers as at 01:00 in Vietnam: every slot of today and tomorrow is still ahead.
  const earlyMs = Date.UTC(2026, 0, 19, 18, 0)
  s.effects.requestWith = async (call) => s.ledger.answer(call.name, call.fields, earlyMs)
  s.press('1')
  await s.settle()
  t.equal(s.effects.screen.options?.length, 9, 'the first nine of twelve')
  t.equal(s.effects.screen.options?.[0], '20/01/2026 07:30')
  for (let page = 0; page < 4; page++) s.press('0')
  t.strictSame(s.effects.screen.options, ['21/01/2026 09:00', '21/01/2026 13:30', '21/01/2026 14:00'], 'after the last page of the first nine, the rest')
  s.press('2')
  t.equal(s.effects.screen.body, 'Internal medicine\n21/01/2026 13:30\nOK: book it')
  s.press('ok')
  await s.settle()
  t.match(s.effects.requests[1], { name: 'exam.book', fields: { slot: 'internal.2026-01-21.1330' } })
  t.match(s.effects.submissions, [{ data: { language: 'en', answers: { slot: 'internal.2026-01-21.1330', booking: { ticket: 'NO-001' } } } }])
  const texts = receiptTexts(s.effects.receipts[0])
  t.ok(texts.includes('MEDICAL APPOINTMENT'))
  t.ok(texts.includes('Place: BV mẫu An Bình khu A'))
  t.ok(texts.includes('Time: 13:30'))
})

t.test('session: a time taken meanwhile is refused by central and the resident picks another from a fresh list', async (t) => {
  const s = await startProcedureSession(bookExam(), 'en')
  s.choose(3)
  await s.settle()
  s.ledger.bookExam('dental.2026-01-20.1500', SESSION_NOW_MS)
  s.press('1', 'ok')
  await s.settle()
  t.equal(s.session.currentStepId, 'taken')
  t.equal(s.effects.screen.body, 'That time is no longer free. Press OK to pick another')
  s.press('ok')
  await s.settle()
  t.equal(s.session.currentStepId, 'slot', 'the timetable is read again')
  t.strictSame(s.effects.screen.options, ['21/01/2026 08:00', '21/01/2026 09:30', '21/01/2026 15:00'], 'without the taken time')
  s.press('2', 'ok')
  await s.settle()
  t.match(s.effects.submissions, [{ data: { answers: { department: 'dental', slot: 'dental.2026-01-21.0930', booking: { ticket: 'RH-001' } } } }])
  t.strictSame(s.results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
})

t.test('session (vi, en): a department with no free time left says so and lets the resident pick another', async (t) => {
  for (const [language, text] of [
    ['vi', 'Khoa này đã hết lịch trống. Bấm OK để chọn khoa khác'],
    ['en', 'No free time left here. Press OK to pick another'],
  ] as const) {
    const s = await startProcedureSession(bookExam(), language)
    for (const slot of ['eye.2026-01-21.0800', 'eye.2026-01-21.1000']) s.ledger.bookExam(slot, SESSION_NOW_MS)
    s.choose(4)
    await s.settle()
    t.equal(s.session.currentStepId, 'no_slots', language)
    t.equal(s.effects.screen.body, text)
    s.press('ok')
    t.equal(s.session.currentStepId, 'department')
  }
})

t.test('session: a silent central is given up after 10 s, at the timetable and at the booking', async (t) => {
  const hang = (s: Awaited<ReturnType<typeof startProcedureSession>>) => {
    s.effects.requestWith = (call) => new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason)))
  }
  const first = await startProcedureSession(bookExam(), 'vi')
  hang(first)
  first.press('1')
  await first.settle()
  first.clock.advance(10_000)
  await first.settle()
  t.strictSame(first.results, [{ outcome: 'failed', stepId: 'no_answer' }])
  t.equal(first.effects.screen.body, 'Hệ thống chưa trả lời. Vui lòng thử lại sau')

  const second = await startProcedureSession(bookExam(), 'en')
  second.choose(4)
  await second.settle()
  hang(second)
  second.press('1', 'ok')
  await second.settle()
  t.equal(second.effects.screen.body, 'Booking, please wait')
  second.clock.advance(10_000)
  await second.settle()
  t.strictSame(second.results, [{ outcome: 'failed', stepId: 'no_answer' }])
  t.equal(second.effects.submissions.length, 0)
})

t.test('session: an unreachable central or a refused request ends at once', async (t) => {
  const offline = await startProcedureSession(bookExam(), 'vi')
  offline.effects.requestWith = async () => {
    throw new StationError('E_MQTT_UNAVAILABLE', 'not connected')
  }
  offline.press('1')
  await offline.settle()
  t.strictSame(offline.results, [{ outcome: 'failed', stepId: 'no_answer' }])

  const refused = await startProcedureSession(bookExam(), 'en')
  refused.effects.requestWith = async () => ({ error: 'unknown department internal' })
  refused.press('1')
  await refused.settle()
  t.strictSame(refused.results, [{ outcome: 'failed', stepId: 'no_answer' }])
})

t.test('session: a printer failure keeps the ticket and the code on screen', async (t) => {
  const s = await startProcedureSession(bookExam(), 'vi')
  s.effects.printWith = async () => {
    throw new StationError('E_PRINTER_NOT_READY', 'paper out')
  }
  s.choose(4)
  await s.settle()
  s.press('1', 'ok')
  await s.settle()
  t.equal(s.effects.screen.body, 'Máy in lỗi. Số MA-001\n21/01/2026 08:00\nMã: K7QX-M2PA')
})

t.test('station (vi, then en): two residents; the slot the first books is not offered to the second', async (t) => {
  // Central believes it is 14:05 in Vietnam on 20 January 2026: dental's 08:00 and 09:30 have begun.
  const rig = await startProcedureRig(t, { centralNowMs: SESSION_NOW_MS })
  await rig.openProcedure('book-exam', 'vi')
  await rig.waitForScreen(/Chon khoa kham/)
  await rig.choose('3')
  const offered = await rig.waitForScreen(/BV mau An Binh khu C/)
  t.match(offered, /1 20\/01\/2026 15:00/, 'the first time offered is the next one to come')
  t.notMatch(offered, /20\/01\/2026 0[89]/, 'no time that has begun')
  await rig.press('1')
  await rig.waitForScreen(/20\/01\/2026 15:00 Bam OK de dat lich/)
  await rig.press('ok')
  const first = await rig.submissions.waitFor((m) => m.payload?.flow === 'book-exam', 8000)
  t.equal(first.payload.flowVersion, 3)
  t.match(first.payload.data.answers, { department: 'dental', slot: 'dental.2026-01-20.1500', booking: { booked: true, ticket: 'RH-001', date: '2026-01-20', time: '15:00' } })
  const done = await rig.waitForScreen(/So thu tu RH-001/)
  const code = /Ma ([0-9A-Z-]+)/.exec(done)?.[1]
  t.ok(code, 'the reference code is on the display')
  const paper = await rig.receipt()
  const text = (paper.lines ?? []).join('\n')
  t.match(text, /PHIEU HEN KHAM BENH/)
  t.match(text, /Noi kham: BV mau An Binh khu C/)
  t.match(text, /Gio kham: 15:00/)
  t.ok(code && text.includes(code) && (paper.lines ?? []).includes(`[QR] ${code}`), 'the slip carries the code and its QR')

  await rig.waitForScreen(/Xin chao/, 4000)
  await rig.openProcedure('book-exam', 'en', QR_NEXT_RESIDENT)
  await rig.waitForScreen(/Pick a department/)
  await rig.choose('3')
  const second = await rig.waitForScreen(/BV mau An Binh khu C/)
  t.match(second, /1 21\/01\/2026 08:00/, 'the booked 15:00 is gone')
  t.notMatch(second, /20\/01\/2026 15:00/)
  await rig.press('1', 'ok')
  const next = await rig.submissions.waitFor((m) => m.payload?.flow === 'book-exam' && m.payload?.data?.language === 'en', 8000)
  t.match(next.payload.data.answers, { slot: 'dental.2026-01-21.0800', booking: { ticket: 'RH-001', date: '2026-01-21' } })
  await rig.waitForScreen(/Booked/)
  t.match(((await rig.receipt()).lines ?? []).join('\n'), /MEDICAL APPOINTMENT[\s\S]*Place: BV mau An Binh khu C/)
  const logs = rig.logLines.map((line) => JSON.stringify(line)).join('\n')
  for (const secret of [ID_NUMBER, NAME]) t.notOk(logs.includes(secret), `no log line contains ${secret}`)
})
