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

const payBill = bundledFlowUnderTest(t, 'pay-bill', 3)

t.test('the short title fits the menu in both languages', async (t) => {
  const flow = payBill()
  t.ok(Array.from((flow.shortTitle ?? flow.title).vi).length <= 16 && Array.from((flow.shortTitle ?? flow.title).en).length <= 16)
})

t.test('session: an unpaid bill is looked up, a VietQR slip printed, and central\'s confirmation awaited', async (t) => {
  const s = await startProcedureSession(payBill(), 'vi')
  t.equal(s.session.currentStepId, 'service', 'the identity given at the welcome screen satisfies scan_id')
  s.press('1')
  s.type('10010001')
  s.press('ok')
  await s.settle()
  t.match(s.effects.requests, [{ name: 'bill.lookup', fields: { service: 'electricity', customer: '10010001' }, timeoutMs: 10_000 }])
  t.equal(s.effects.screen.body, 'Hộ gia đình mẫu số 01\nOK nếu đúng tên', 'the name central has for the code, to check first')
  s.press('ok')
  t.equal(s.effects.screen.body, 'HĐ EL-2601-0001\nSố tiền: 452.000 đ\nBấm OK để in mã QR')
  s.press('ok')
  await s.settle()
  const slip = s.effects.receipts[0]
  const [payQr] = receiptQrs(slip)
  t.match(payQr, /^000201/, 'the slip carries an EMVCo (VietQR) payload')
  t.match(payQr, /970436/, 'with the bank BIN of the bill')
  t.ok(receiptTexts(slip).includes('452.000 đ'), 'and the amount, as residents read it')
  t.match(s.effects.waits, [{ name: 'payment.confirmed', fields: { bill: 'EL-2601-0001' }, timeoutMs: 45_000 }])

  t.equal(s.session.currentStepId, 'paying')
  t.equal(s.effects.submissions.length, 0, 'nothing is recorded before central confirms')
})

t.test('session: the payment confirmation leads to a submission with the bill and a receipt with the reference', async (t) => {
  const s = await startProcedureSession(payBill(), 'en')
  const confirmation = { type: 'payment.confirmed', bill: 'WA-2601-0001', amount: 96000, paidAt: '2026-01-20T07:06:00.000Z' }
  s.effects.waitWith = async () => confirmation
  s.press('2')
  s.type('20020001')
  s.press('ok')
  await s.settle()
  t.equal(s.effects.screen.body, 'Hộ gia đình mẫu số 01\nOK if this is you')
  s.press('ok')
  t.equal(s.effects.screen.body, 'Bill WA-2601-0001\nAmount: 96,000 VND\nOK: print the QR')
  s.press('ok')
  await s.settle()
  t.equal(s.effects.submissions.length, 1)
  const submission = s.effects.submissions[0]
  t.equal(submission?.flow, 'pay-bill')
  t.equal(submission?.flowVersion, 3)
  t.match(submission?.data, {
    language: 'en',
    answers: { service: 'water', customer: '20020001', bill: { id: 'WA-2601-0001', amount: 96000, status: 'unpaid' }, paid: { bill: 'WA-2601-0001', amount: 96000, paidAt: confirmation.paidAt } },
    identity: { personalId: ID_NUMBER },
  })
  t.notOk('type' in ((submission?.data.answers as Record<string, object>)['paid'] ?? {}), 'fields the shape does not declare are dropped')
  t.equal(s.effects.receipts.length, 2, 'the payment slip, then the receipt')
  const receipt = s.effects.receipts[1] as Receipt
  const texts = receiptTexts(receipt)
  t.ok(texts.includes('PAYMENT RECEIPT'))
  t.ok(texts.includes('Service: Water'))
  t.ok(texts.includes('Customer: Hộ gia đình mẫu số 01'), 'the holder central named')
  t.ok(texts.includes('Bill: WA-2601-0001 period 2026-01'))
  t.ok(texts.includes('Paid: 96,000 VND'))
  t.ok(texts.includes('ID number: 079*******01'))
  t.ok(texts.includes('K7QX-M2PA'), 'the reference code')
  t.strictSame(receiptQrs(receipt), ['K7QX-M2PA'], 'and its QR')
  t.notOk(JSON.stringify(s.effects.receipts).includes(ID_NUMBER), 'no full ID number on paper')
  t.notOk(JSON.stringify(s.effects.receipts).includes(NAME), 'no name on paper')
  t.strictSame(s.results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
  t.equal(s.effects.screen.body, 'Paid 96,000 VND\nReference code:\nK7QX-M2PA')
})

t.test('session: no confirmation within 45 s records the bill unpaid and prints a pay-later slip with the QR', async (t) => {
  const s = await startProcedureSession(payBill(), 'vi')
  s.choose(4)
  s.type('40040001')
  s.press('ok')
  await s.settle()
  s.press('ok', 'ok')
  await s.settle()
  t.equal(s.session.currentStepId, 'paying')
  const payQr = receiptQrs(s.effects.receipts[0])[0]
  s.clock.advance(44_999)
  await s.settle()
  t.equal(s.session.currentStepId, 'paying', 'still waiting just before the timeout')
  s.clock.advance(1)
  await s.settle()
  t.ok(s.effects.waits[0]?.signal.aborted, 'the wait is abandoned')
  t.match(s.effects.submissions, [{ flow: 'pay-bill', flowVersion: 3, data: { answers: { service: 'tuition', customer: '40040001', bill: { id: 'TU-2602-0001' } } } }])
  t.notOk('paid' in (s.effects.submissions[0]?.data.answers as object), 'no payment is recorded')
  const slip = s.effects.receipts[1]
  const texts = receiptTexts(slip)
  t.ok(texts.includes('TRẢ SAU BẰNG MÃ QR NÀY'))
  t.ok(texts.includes('Số tiền: 1.500.000 đ'))
  t.ok(texts.includes('K7QX-M2PA'))
  t.strictSame(receiptQrs(slip), [payQr, 'K7QX-M2PA'], 'the same payment QR, then the reference')
  t.strictSame(s.results, [{ outcome: 'cancelled', stepId: 'later', reference: 'K7QX-M2PA' }])
})

t.test('session: an unknown code can be typed again; an already paid bill ends without a slip', async (t) => {
  const s = await startProcedureSession(payBill(), 'vi')
  s.choose(3)
  s.type('30039999')
  s.press('ok')
  await s.settle()
  t.equal(s.session.currentStepId, 'not_found')
  t.equal(s.effects.screen.body, 'Không tìm thấy hóa đơn của mã này. Bấm OK để nhập lại')
  s.press('ok')
  t.equal(s.session.currentStepId, 'customer')
  s.type('30030002')
  s.press('ok')
  await s.settle()
  t.equal(s.effects.screen.body, 'Hóa đơn IN-2601-0002 đã được thanh toán')
  t.strictSame(s.results, [{ outcome: 'completed', stepId: 'already_paid' }])
  t.equal(s.effects.receipts.length, 0)
  t.equal(s.effects.submissions.length, 0)
})

t.test('session: an unknown code left on screen ends the session after 30 s', async (t) => {
  const s = await startProcedureSession(payBill(), 'en')
  s.press('1')
  s.type('999999')
  s.press('ok')
  await s.settle()
  s.clock.advance(30_000)
  await s.settle()
  t.strictSame(s.results, [{ outcome: 'failed', stepId: 'not_found_end' }])
})

t.test('session: a silent central is given up after 10 s and the resident is told', async (t) => {
  const s = await startProcedureSession(payBill(), 'vi')
  s.effects.requestWith = (call) => new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason)))
  s.press('2')
  s.type('20020001')
  s.press('ok')
  await s.settle()
  t.equal(s.effects.screen.body, 'Đang tra cứu hóa đơn, vui lòng chờ')
  s.clock.advance(10_000)
  await s.settle()
  t.equal(s.effects.requests.length, 1, 'no retry')
  t.ok(s.effects.requests[0]?.signal.aborted)
  t.strictSame(s.results, [{ outcome: 'failed', stepId: 'no_answer' }])
  t.equal(s.effects.screen.body, 'Hệ thống chưa trả lời. Vui lòng thử lại sau')
})

t.test('session: an unreachable central or a refused request ends at once with the same message', async (t) => {
  const s = await startProcedureSession(payBill(), 'en')
  s.effects.requestWith = async () => {
    throw new StationError('E_MQTT_UNAVAILABLE', 'not connected')
  }
  s.press('1')
  s.type('10010001')
  s.press('ok')
  await s.settle()
  t.strictSame(s.results, [{ outcome: 'failed', stepId: 'no_answer' }])
  t.equal(s.effects.screen.body, 'Central is not answering. Please try again later')

  const refused = await startProcedureSession(payBill(), 'en')
  refused.effects.requestWith = async () => ({ error: 'bill.lookup needs service' })
  refused.press('1')
  refused.type('10010001')
  refused.press('ok')
  await refused.settle()
  t.strictSame(refused.results, [{ outcome: 'failed', stepId: 'no_answer' }])
})

t.test('session: a printer failure on the payment slip ends the session without waiting for payment', async (t) => {
  const s = await startProcedureSession(payBill(), 'vi')
  s.effects.printWith = async () => {
    throw new StationError('E_PRINTER_NOT_READY', 'paper out')
  }
  s.press('1')
  s.type('10010002')
  s.press('ok')
  await s.settle()
  s.press('ok', 'ok')
  await s.settle()
  t.equal(s.effects.waits.length, 0)
  t.strictSame(s.results, [{ outcome: 'failed', stepId: 'no_slip' }])
})

t.test('station (vi): a resident pays an electricity bill confirmed by central and gets a receipt', async (t) => {
  // Central confirms 300 ms after the look-up, before the slip prints and the wait starts: the station keeps it for the wait.
  const rig = await startProcedureRig(t, { autoPayAfterMs: 300 })
  await rig.openProcedure('pay-bill', 'vi')
  await rig.waitForScreen(/Chon loai hoa don/)
  await rig.press('1', '1', '0', '0', '1', '0', '0', '0', '1', 'ok')
  await rig.waitForScreen(/Ho gia dinh mau so 01 OK neu dung ten/)
  await rig.press('ok')
  await rig.waitForScreen(/So tien: 452\.000 d/)
  await rig.press('ok')
  const message = await rig.submissions.waitFor((m) => m.payload?.flow === 'pay-bill', 8000)
  t.equal(message.topic, 'cs/v1/lobby-test/submissions')
  t.equal(message.payload.flowVersion, 3)
  t.match(message.payload.data.answers, {
    service: 'electricity',
    customer: '10010001',
    bill: { id: 'EL-2601-0001', amount: 452000 },
    paid: { bill: 'EL-2601-0001', amount: 452000 },
  })
  t.equal(message.payload.data.identity.personalId, ID_NUMBER)
  const done = await rig.waitForScreen(/Da tra 452\.000 d/)
  const code = /\d{4}-\d{4}-\d{4}/.exec(done)?.[0]
  t.ok(code, 'the reference code is on the display')
  const paper = await rig.receipt()
  t.equal(paper.count, 2, 'the payment slip and the receipt')
  const text = (paper.lines ?? []).join('\n')
  t.match(text, /BIEN NHAN THANH TOAN/)
  t.match(text, /Da tra: 452\.000 d/)
  t.match(text, /EL-2601-0001/)
  t.ok(code && text.includes(code) && (paper.lines ?? []).includes(`[QR] ${code}`), 'the receipt carries the code and its QR')
  t.equal(rig.central.requests.filter((r) => r.method === 'bill.lookup').length, 1)
  await rig.waitForScreen(/Xin chao/, 4000)
  const logs = rig.logLines.map((line) => JSON.stringify(line)).join('\n')
  for (const secret of [ID_NUMBER, NAME, '15082003']) t.notOk(logs.includes(secret), `no log line contains ${secret}`)
})

t.test('station (en): a resident pays a water bill; unknown and already paid codes are explained', async (t) => {
  // Central confirms 300 ms after the look-up, before the slip prints and the wait starts: the station keeps it for the wait.
  const rig = await startProcedureRig(t, { autoPayAfterMs: 300 })
  await rig.openProcedure('pay-bill', 'en')
  await rig.waitForScreen(/Pick the bill/)
  await rig.press('2', '1', '2', '3', '4', '5', '6', 'ok')
  await rig.waitForScreen(/No bill for this code/)
  await rig.press('ok')
  await rig.waitForScreen(/customer code/)
  await rig.press('2', '0', '0', '2', '0', '0', '0', '1', 'ok')
  await rig.waitForScreen(/Ho gia dinh mau so 01 OK if this is you/)
  await rig.press('ok')
  await rig.waitForScreen(/Amount: 96,000 VND/)
  await rig.press('ok')
  const message = await rig.submissions.waitFor((m) => m.payload?.flow === 'pay-bill', 8000)
  t.match(message.payload.data, { language: 'en', answers: { service: 'water', customer: '20020001', paid: { bill: 'WA-2601-0001', amount: 96000 } } })
  await rig.waitForScreen(/Paid 96,000 VND/)
  const paper = ((await rig.receipt()).lines ?? []).join('\n')
  t.match(paper, /PAYMENT RECEIPT/)
  t.match(paper, /Paid: 96,000 VND/)
  t.match(paper, /Customer: Ho gia dinh mau so 01/)
  t.match(paper, /\[QR\] \d{4}-\d{4}-\d{4}/)

  // The same bill is now paid at central: a second lookup says so.
  await rig.waitForScreen(/Xin chao/, 4000)
  await rig.openProcedure('pay-bill', 'en')
  await rig.press('2', '2', '0', '0', '2', '0', '0', '0', '1', 'ok')
  await rig.waitForScreen(/already paid/)
  t.equal((await rig.receipt()).count, 2, 'nothing more was printed')
})

t.test('station: a silent central does not hang the procedure; the resident is told within the timeout', async (t) => {
  const rig = await startProcedureRig(t, { silent: true })
  await rig.openProcedure('pay-bill', 'vi')
  await rig.press('1', '1', '0', '0', '1', '0', '0', '0', '1', 'ok')
  await rig.waitForScreen(/Dang tra cuu/)
  const asked = Date.now()
  await rig.waitForScreen(/He thong chua tra loi/, 13_000)
  t.ok(Date.now() - asked < 12_000, 'given up within the 10 s request timeout')
  await rig.waitForScreen(/Xin chao/, 4000)
  t.equal((await rig.status()).phase, 'welcome', 'the station is free for the next resident')
  t.equal(rig.central.requests.length, 1)
  t.equal(rig.central.requests[0]?.answered, false)
})

t.test('session: a lookup answer whose found is the text "true" is not a found bill: the request fails with the reason', async (t) => {
  const s = await startProcedureSession(payBill(), 'en')
  s.effects.requestWith = async (call) => ({ ...(s.ledger.answer(call.name, call.fields, s.clock.now()) as object), found: 'true' })
  s.press('2')
  s.type('20020001')
  s.press('ok')
  await s.settle()
  t.strictSame(s.results, [{ outcome: 'failed', stepId: 'no_answer' }], 'on_error, not the bill')
  t.notOk(s.effects.screens.some((screen) => screen.body.includes('WA-2601-0001')), 'nothing of the bill was shown')
  t.match(s.effects.events.filter((event) => event.type === 'effect.failed').map((event) => event.fields), [
    { step: 'lookup', effect: 'request', code: 'E_REPLY_INVALID', field: 'found', problem: 'type' },
  ])
  t.equal(s.effects.receipts.length, 0)
})

t.test('session: an amount below zero, or a found bill without its amount, fails the lookup', async (t) => {
  for (const [change, problem] of [[{ amount: -96000 }, 'range'], [{ amount: undefined }, 'missing']] as const) {
    const s = await startProcedureSession(payBill(), 'en')
    s.effects.requestWith = async (call) => ({ ...(s.ledger.answer(call.name, call.fields, s.clock.now()) as object), ...change })
    s.press('2')
    s.type('20020001')
    s.press('ok')
    await s.settle()
    t.strictSame(s.results, [{ outcome: 'failed', stepId: 'no_answer' }], problem)
    t.match(s.effects.events.find((event) => event.type === 'effect.failed')?.fields, { code: 'E_REPLY_INVALID', field: 'amount', problem })
  }
})

t.test('session: a confirmation for another amount does not count as this payment', async (t) => {
  const s = await startProcedureSession(payBill(), 'en')
  const confirmations = [
    { bill: 'WA-2601-0001', amount: 1000, paidAt: '2026-01-20T07:06:00.000Z' },
    { bill: 'WA-2601-0001', amount: 96000, paidAt: '2026-01-20T07:06:30.000Z' },
  ]
  s.effects.waitWith = async () => confirmations.shift() ?? {}
  s.press('2')
  s.type('20020001')
  s.press('ok')
  await s.settle()
  s.press('ok', 'ok')
  await s.settle()
  t.match(s.effects.events.filter((event) => event.type === 'effect.failed').map((event) => event.fields), [
    { step: 'paying', effect: 'waitFor', code: 'E_EVENT_MISMATCH', field: 'amount' },
  ])
  t.match(s.effects.submissions[0]?.data, { answers: { paid: { amount: 96000, paidAt: '2026-01-20T07:06:30.000Z' } } })
  t.strictSame(s.results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
})

t.test('session (vi): a bill that is not theirs: back from the name returns to the customer code', async (t) => {
  const s = await startProcedureSession(payBill(), 'vi')
  s.press('1')
  s.type('10010002')
  s.press('ok')
  await s.settle()
  t.equal(s.effects.screen.body, 'Cửa hàng tạp hóa mẫu Bình An\nOK nếu đúng tên')
  s.press('back')
  t.equal(s.session.currentStepId, 'customer')
  t.equal(s.effects.receipts.length, 0, 'no slip for a bill the resident did not confirm')
})

t.test('session (en): back while waiting for payment asks first; the wait goes on, and a payment then still counts', async (t) => {
  const s = await startProcedureSession(payBill(), 'en')
  let pay: ((fields: Record<string, unknown>) => void) | undefined
  s.effects.waitWith = () => new Promise((resolve) => (pay = resolve))
  s.press('2')
  s.type('20020001')
  s.press('ok')
  await s.settle()
  s.press('ok', 'ok')
  await s.settle()
  t.equal(s.session.currentStepId, 'paying')
  s.press('back')
  t.equal(s.effects.screen.body, 'Leave? OK: print a pay-later slip. Back: keep waiting')
  t.equal(s.session.currentStepId, 'paying', 'still waiting')
  t.notOk(s.effects.waits[0]?.signal.aborted, 'the wait goes on while the question is shown')
  s.press('back')
  t.equal(s.effects.screen.body, 'Scan the QR on the slip with your bank app. Waiting', 'back again: keep waiting')
  s.press('back')
  pay?.({ bill: 'WA-2601-0001', amount: 96000, paidAt: '2026-01-20T07:06:00.000Z' })
  await s.settle()
  t.match(s.effects.submissions, [{ data: { answers: { paid: { bill: 'WA-2601-0001', amount: 96000 } } } }], 'paid while the question was shown')
  t.ok(receiptTexts(s.effects.receipts[1]).includes('PAYMENT RECEIPT'))
  t.strictSame(s.results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
})

t.test('session (vi): leaving the payment wait records the bill unpaid and prints the pay-later slip', async (t) => {
  const s = await startProcedureSession(payBill(), 'vi')
  s.choose(4)
  s.type('40040001')
  s.press('ok')
  await s.settle()
  s.press('ok', 'ok')
  await s.settle()
  const payQr = receiptQrs(s.effects.receipts[0])[0]
  s.press('back')
  t.equal(s.effects.screen.body, 'Rời đi? OK: in phiếu trả sau. Quay lại: chờ tiếp')
  s.press('ok')
  await s.settle()
  t.ok(s.effects.waits[0]?.signal.aborted, 'the wait is abandoned only now')
  t.match(s.effects.events.filter((event) => event.type === 'flow.leave').map((event) => event.fields), [{ step: 'paying' }])
  t.match(s.effects.submissions, [{ flow: 'pay-bill', flowVersion: 3, data: { answers: { service: 'tuition', bill: { id: 'TU-2602-0001' } } } }])
  t.notOk('paid' in (s.effects.submissions[0]?.data.answers as object))
  const texts = receiptTexts(s.effects.receipts[1])
  t.ok(texts.includes('TRẢ SAU BẰNG MÃ QR NÀY'))
  t.strictSame(receiptQrs(s.effects.receipts[1]), [payQr, 'K7QX-M2PA'], 'the same payment QR, then the reference')
  t.strictSame(s.results, [{ outcome: 'cancelled', stepId: 'later', reference: 'K7QX-M2PA' }])
  t.equal(s.effects.screen.body, 'Chưa nhận được tiền. Trả sau bằng mã QR trên phiếu')
})

t.test('station (vi, en): back while waiting for payment asks, and leaving prints the pay-later slip', async (t) => {
  const rig = await startProcedureRig(t)
  await rig.openProcedure('pay-bill', 'vi')
  await rig.waitForScreen(/Chon loai hoa don/)
  await rig.choose('4')
  await rig.press('4', '0', '0', '4', '0', '0', '0', '1', 'ok')
  await rig.waitForScreen(/OK neu dung ten/)
  await rig.press('ok')
  await rig.waitForScreen(/So tien: 1\.500\.000 d/)
  await rig.press('ok')
  await rig.waitForScreen(/Dang cho/)
  await rig.press('back')
  await rig.waitForScreen(/Roi di\? OK: in phieu tra sau/)
  t.equal((await rig.status()).step?.step, 'paying', 'still waiting while asking')
  await rig.press('ok')
  const vi = await rig.submissions.waitFor((m) => m.payload?.flow === 'pay-bill', 8000)
  t.match(vi.payload.data, { language: 'vi', answers: { bill: { id: 'TU-2602-0001' } } })
  t.notOk('paid' in vi.payload.data.answers)
  await rig.waitForScreen(/Tra sau bang ma QR/)
  const slip = ((await rig.receipt()).lines ?? []).join('\n')
  t.match(slip, /TRA SAU BANG MA QR NAY/)
  t.match(slip, /\[QR\] 000201/, 'the payment QR to pay later with')

  await rig.waitForScreen(/Xin chao/, 4000)
  await rig.openProcedure('pay-bill', 'en', QR_NEXT_RESIDENT)
  await rig.press('2', '2', '0', '0', '2', '0', '0', '0', '2', 'ok')
  await rig.waitForScreen(/Quan ca phe mau Hoa Sen OK if this is you/)
  await rig.press('ok')
  await rig.waitForScreen(/Amount: 243,000 VND/)
  await rig.press('ok')
  await rig.waitForScreen(/Waiting/)
  await rig.press('back')
  await rig.waitForScreen(/Leave\? OK: print a pay-later slip/)
  await rig.press('ok')
  await rig.waitForScreen(/Pay later with the QR/)
  t.match(((await rig.receipt()).lines ?? []).join('\n'), /PAY LATER WITH THIS QR/)
})
