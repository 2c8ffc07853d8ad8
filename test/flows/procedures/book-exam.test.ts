import t from 'tap'
import type { Receipt } from '../../../drivers/printer/receipt.js'
import { vietnamDate } from '../../../runtime/central/central-ledger.js'
import { StationError } from '../../../runtime/core/errors.js'
import {
  bundledFlowUnderTest,
  receiptQrs,
  receiptTexts,
  startProcedureRig,
  startProcedureSession,
} from '../../support/procedure-rig.js'
import { ID_NUMBER, NAME } from '../../support/sim-residents.js'

const bookExam = bundledFlowUnderTest(t, 'book-exam', 2)

t.test('session: a resident books a pediatrics slot; the booking is recorded and the ticket printed', async (t) => {
  const s = await startProcedureSession(bookExam(), 'vi')
  t.equal(s.session.currentStepId, 'department')
  s.press('2')
  await s.settle()
  t.match(s.effects.requests, [{ name: 'exam.slots', fields: { department: 'pediatrics' }, timeoutMs: 10_000 }])
  t.equal(s.session.currentStepId, 'time_pediatrics')
  t.strictSame(s.effects.screen.options, ['07:30', '08:15', '09:00', '14:00'])
  s.press('2')
  t.equal(s.effects.screen.body, 'Nhi khoa\n20/01/2026 08:15\nBấm OK để đặt lịch')
  s.press('ok')
  await s.settle()
  t.match(s.effects.requests[1], { name: 'exam.book', fields: { slot: 'pediatrics.2026-01-20.0815' } })
  t.match(s.effects.submissions, [
    {
      flow: 'book-exam',
      flowVersion: 2,
      data: {
        language: 'vi',
        answers: { department: 'pediatrics', hour: '0815', booking: { booked: true, ticket: 'NH-001', date: '2026-01-20', time: '08:15', doctor: 'BS. phòng 201' } },
        identity: { personalId: ID_NUMBER },
      },
    },
  ])
  const receipt = s.effects.receipts[0] as Receipt
  const texts = receiptTexts(receipt)
  t.ok(texts.includes('PHIẾU HẸN KHÁM BỆNH'))
  t.ok(texts.includes('Khoa: Nhi khoa'))
  t.ok(texts.includes('Ngày khám: 20/01/2026'), "central's date as residents read it")
  t.ok(texts.includes('Giờ khám: 08:15'))
  t.ok(texts.includes('BS. phòng 201'))
  t.ok(texts.includes('NH-001'), 'the queue ticket')
  t.ok(texts.includes('K7QX-M2PA'), 'the reference')
  t.strictSame(receiptQrs(receipt), ['K7QX-M2PA'], 'and its QR')
  t.notOk(JSON.stringify(receipt).includes(ID_NUMBER))
  t.strictSame(s.results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
  t.equal(s.effects.screen.body, 'Đã đặt lịch khám\nSố thứ tự NH-001\nMã K7QX-M2PA')
})

t.test('session: a time taken meanwhile is refused by central and the resident picks another', async (t) => {
  const s = await startProcedureSession(bookExam(), 'en')
  s.ledger.bookExam('dental.2026-01-20.0800')
  s.choose(3)
  await s.settle()
  s.press('1', 'ok')
  await s.settle()
  t.equal(s.session.currentStepId, 'taken')
  t.equal(s.effects.screen.body, 'That time was just taken. Press OK to pick another')
  s.press('ok')
  await s.settle()
  t.equal(s.session.currentStepId, 'time_dental', 'the timetable is read again')
  s.press('2')
  t.equal(s.effects.screen.body, 'Dental\n20/01/2026 09:30\nOK: book it')
  s.press('ok')
  await s.settle()
  t.match(s.effects.submissions, [{ data: { answers: { department: 'dental', hour: '0930', booking: { ticket: 'RH-002' } } } }])
  const texts = receiptTexts(s.effects.receipts[0])
  t.ok(texts.includes('MEDICAL APPOINTMENT'))
  t.ok(texts.includes('Time: 09:30'))
  t.strictSame(s.results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
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
  second.press('2', 'ok')
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
  t.equal(s.effects.screen.body, 'Máy in lỗi. Số MA-001\n20/01/2026 08:00\nMã: K7QX-M2PA')
})

t.test('station (vi): a resident books an internal medicine slot and gets the appointment slip', async (t) => {
  const rig = await startProcedureRig(t)
  await rig.openProcedure('book-exam', 'vi')
  await rig.waitForScreen(/Chon khoa kham/)
  await rig.press('1')
  await rig.waitForScreen(/Chon gio/)
  await rig.choose('5')
  const today = vietnamDate(Date.now())
  await rig.waitForScreen(new RegExp(`${today.split('-').reverse().join('/')} 13:30`), 5000)
  await rig.press('ok')
  const message = await rig.submissions.waitFor((m) => m.payload?.flow === 'book-exam', 8000)
  t.equal(message.payload.flowVersion, 2)
  t.match(message.payload.data.answers, { department: 'internal', hour: '1330', booking: { booked: true, ticket: 'NO-001', date: today, time: '13:30' } })
  const done = await rig.waitForScreen(/So thu tu NO-001/)
  const code = /Ma ([0-9A-Z]{4}-[0-9A-Z]{4})/.exec(done)?.[1]
  t.ok(code, 'the reference code is on the display')
  const paper = await rig.receipt()
  const text = (paper.lines ?? []).join('\n')
  t.match(text, /PHIEU HEN KHAM BENH/)
  t.match(text, /Gio kham: 13:30/)
  t.match(text, /NO-001/)
  t.ok(code && text.includes(code) && (paper.lines ?? []).includes(`[QR] ${code}`), 'the slip carries the code and its QR')
  const logs = rig.logLines.map((line) => JSON.stringify(line)).join('\n')
  for (const secret of [ID_NUMBER, NAME]) t.notOk(logs.includes(secret), `no log line contains ${secret}`)
})

t.test('station (en): a resident books an eye slot; the same slot later is refused as taken', async (t) => {
  const rig = await startProcedureRig(t)
  await rig.openProcedure('book-exam', 'en')
  await rig.waitForScreen(/Pick a department/)
  await rig.choose('4')
  await rig.waitForScreen(/Pick a time/)
  await rig.press('2', 'ok')
  const message = await rig.submissions.waitFor((m) => m.payload?.flow === 'book-exam', 8000)
  t.match(message.payload.data, { language: 'en', answers: { department: 'eye', hour: '1000', booking: { ticket: 'MA-001' } } })
  await rig.waitForScreen(/Booked/)
  t.match(((await rig.receipt()).lines ?? []).join('\n'), /MEDICAL APPOINTMENT/)

  await rig.waitForScreen(/Xin chao/, 4000)
  await rig.openProcedure('book-exam', 'en')
  await rig.choose('4')
  await rig.waitForScreen(/Pick a time/)
  await rig.press('2', 'ok')
  await rig.waitForScreen(/just taken/)
  t.equal((await rig.receipt()).count, 1, 'nothing more was printed')
})
