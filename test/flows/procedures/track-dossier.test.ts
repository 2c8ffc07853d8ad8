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
import type { KeyName } from '../../../config/schema.js'
import { ID_NUMBER, NAME, QR_NEXT_RESIDENT } from '../../support/sim-residents.js'

const trackDossier = bundledFlowUnderTest(t, 'track-dossier', 3)

t.test('session: each dossier status is shown in words with the step it is at, recorded and printed with the reference', async (t) => {
  const cases = [
    { code: '26010001', language: 'vi', screen: 'Đang xử lý, ở bước:\nThẩm định', paper: 'Trạng thái: Đang xử lý', step: 'Bước hiện tại: Thẩm định' },
    { code: '26010002', language: 'en', screen: 'Result is ready:\nResult', paper: 'Status: result ready', step: 'Current step: Result' },
    { code: '26010003', language: 'vi', screen: 'Cần bổ sung giấy tờ:\nBổ sung giấy tờ', paper: 'Trạng thái: Cần bổ sung giấy tờ', step: 'Bước hiện tại: Bổ sung giấy tờ' },
  ] as const
  for (const { code, language, screen, paper, step } of cases) {
    const s = await startProcedureSession(trackDossier(), language)
    t.equal(s.session.currentStepId, 'code')
    s.type(code)
    s.press('ok')
    await s.settle()
    t.match(s.effects.requests, [{ name: 'dossier.status', fields: { code, personalId: ID_NUMBER }, timeoutMs: 10_000 }], 'the ID number goes with the lookup')
    const dashed = `${code.slice(0, 4)}-${code.slice(4)}`
    t.equal(s.effects.screen.body, `${screen}\n${language === 'vi' ? 'OK: in phiếu' : 'OK: print a slip'}`, `${code}: the status in words and the step`)
    s.press('ok')
    await s.settle()
    t.match(s.effects.submissions, [
      { flow: 'track-dossier', flowVersion: 3, data: { language, answers: { code, dossier: { code: dashed, found: true } }, identity: { personalId: ID_NUMBER } } },
    ])
    const receipt = s.effects.receipts[0] as Receipt
    const texts = receiptTexts(receipt)
    t.ok(texts.includes(paper), `${code}: the status on paper`)
    t.ok(texts.includes(step), `${code}: the step on paper`)
    t.ok(texts.some((text) => text.includes(dashed)), 'the dossier code on paper')
    t.ok(texts.includes('K7QX-M2PA'), 'the reference')
    t.strictSame(receiptQrs(receipt), ['K7QX-M2PA'], 'and its QR')
    t.notOk(JSON.stringify(receipt).includes(ID_NUMBER))
    t.strictSame(s.results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
  }
})

t.test("session (vi, en): another resident's dossier is not found, and nothing of it is shown", async (t) => {
  for (const [language, text] of [
    ['vi', 'Không có hồ sơ nào của ông/bà với mã này. OK: nhập lại'],
    ['en', 'You have no dossier with this code. OK: type it again'],
  ] as const) {
    const s = await startProcedureSession(trackDossier(), language)
    // 2601-0004 belongs to the second synthetic resident, not to this one.
    s.type('26010004')
    s.press('ok')
    await s.settle()
    t.equal(s.session.currentStepId, 'not_found', language)
    t.equal(s.effects.screen.body, text)
    t.notOk(JSON.stringify(s.effects.screens).includes('Không được duyệt'), 'not its status')
  }
})

t.test('session (en): a rejected dossier shows the step it stopped at', async (t) => {
  const s = await startProcedureSession(trackDossier(), 'en')
  s.effects.requestWith = async () => ({ found: true, code: '2601-0004', title: 'Đăng ký thường trú', status: 'rejected', updatedAt: '2026-01-10T06:00:00.000Z', step: 'Thẩm định: không đạt', stepEn: 'Review: not eligible' })
  s.type('26010004')
  s.press('ok')
  await s.settle()
  t.equal(s.effects.screen.body, 'Not approved:\nReview: not eligible\nOK: print a slip')
  s.press('ok')
  await s.settle()
  t.ok(receiptTexts(s.effects.receipts[0]).includes('Status: not approved'))
})

t.test('session: a status central did not tell the flow about is shown as sent', async (t) => {
  const s = await startProcedureSession(trackDossier(), 'en')
  s.effects.requestWith = async () => ({ found: true, code: '2601-0009', title: 'Hồ sơ mẫu', status: 'archived', updatedAt: '2026-01-10T06:00:00.000Z', step: 'Lưu trữ', stepEn: 'Archive' })
  s.type('26010009')
  s.press('ok')
  await s.settle()
  t.equal(s.effects.screen.body, 'archived:\nArchive\nOK: print a slip')
  s.press('ok')
  await s.settle()
  t.ok(receiptTexts(s.effects.receipts[0]).includes('Status: archived'))
})

t.test('session: a code of neither length is refused, an unknown code can be typed again', async (t) => {
  const s = await startProcedureSession(trackDossier(), 'vi')
  s.type('2601')
  s.press('ok')
  t.equal(s.effects.screen.body, 'Mã hồ sơ: 8 chữ số. Mã tra cứu: 12 chữ số')
  s.clock.advance(2000)
  s.type('2601000100')
  s.press('ok')
  t.equal(s.effects.screen.body, 'Mã hồ sơ: 8 chữ số. Mã tra cứu: 12 chữ số', 'ten digits are neither')
  t.equal(s.effects.requests.length, 0)
  s.type('99990000')
  s.press('ok')
  await s.settle()
  t.equal(s.session.currentStepId, 'not_found')
  s.press('ok')
  s.type('26010001')
  s.press('ok')
  await s.settle()
  t.equal(s.session.currentStepId, 'processing')
  t.equal(s.effects.requests.length, 2)
})

t.test('session: a resident who walks away at the status screen is not recorded', async (t) => {
  const s = await startProcedureSession(trackDossier(), 'vi')
  s.type('26010002')
  s.press('ok')
  await s.settle()
  s.clock.advance(60_000)
  await s.settle()
  t.strictSame(s.results, [{ outcome: 'timed_out', stepId: 'completed' }])
  t.equal(s.effects.submissions.length, 0)
  t.equal(s.effects.receipts.length, 0)
})

t.test('session: a silent central is given up after 10 s; an unreachable one at once', async (t) => {
  const s = await startProcedureSession(trackDossier(), 'en')
  s.effects.requestWith = (call) => new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason)))
  s.type('26010001')
  s.press('ok')
  await s.settle()
  s.clock.advance(9_999)
  await s.settle()
  t.equal(s.results.length, 0, 'still waiting just before the timeout')
  s.clock.advance(1)
  await s.settle()
  t.strictSame(s.results, [{ outcome: 'failed', stepId: 'no_answer' }])
  t.equal(s.effects.screen.body, 'Central is not answering. Please try again later')

  const offline = await startProcedureSession(trackDossier(), 'vi')
  offline.effects.requestWith = async () => {
    throw new StationError('E_MQTT_UNAVAILABLE', 'not connected')
  }
  offline.type('26010001')
  offline.press('ok')
  await offline.settle()
  t.strictSame(offline.results, [{ outcome: 'failed', stepId: 'no_answer' }])
  t.equal(offline.effects.screen.body, 'Hệ thống chưa trả lời. Vui lòng thử lại sau')
})

t.test('session: a printer failure keeps the reference code on screen', async (t) => {
  const s = await startProcedureSession(trackDossier(), 'vi')
  s.effects.printWith = async () => {
    throw new StationError('E_PRINTER_NOT_READY', 'paper out')
  }
  s.type('26010001')
  s.press('ok')
  await s.settle()
  s.press('ok')
  await s.settle()
  t.equal(s.effects.screen.body, 'Máy in đang lỗi.\nGhi lại mã tra cứu:\nK7QX-M2PA')
  t.equal(s.effects.submissions.length, 1)
})

t.test('station (vi): a resident submits a dossier, then tracks it by the reference code the station printed', async (t) => {
  const rig = await startProcedureRig(t)
  await rig.openProcedure('submit-dossier', 'vi')
  // The first dossier type, 3 pages, no phone, then confirm.
  await rig.press('1', '3', 'ok', 'ok')
  await rig.waitForScreen(/So trang: 3/)
  await rig.press('ok')
  const submitted = await rig.waitForScreen(/Da nop ho so/, 8000)
  const reference = /(\d{4}-\d{4}-\d{4})/.exec(submitted)?.[1]
  t.ok(reference, `a reference of three groups of four digits on the display (${submitted})`)
  await rig.waitFor('central has the dossier', () => rig.central.submissions().some((m) => m.flow === 'submit-dossier'))

  await rig.waitForScreen(/Xin chao/, 4000)
  await rig.openProcedure('track-dossier', 'vi')
  await rig.waitForScreen(/Ma ho so hoac ma tra cuu/)
  await rig.press(...(Array.from((reference ?? '').replace(/-/g, '')) as KeyName[]), 'ok')
  await rig.waitForScreen(/Da tiep nhan, buoc: Tiep nhan ho so/)
  await rig.press('ok')
  const message = await rig.submissions.waitFor((m) => m.payload?.flow === 'track-dossier', 8000)
  t.equal(message.payload.flowVersion, 3)
  t.match(message.payload.data.answers, { dossier: { code: reference, status: 'received', step: 'Tiếp nhận hồ sơ' } })
  await rig.waitForScreen(/Cam on/)
  const text = ((await rig.receipt()).lines ?? []).join('\n')
  t.match(text, /TRA CUU HO SO/)
  t.match(text, new RegExp(`Ma ho so: ${reference}`))
  t.match(text, /Buoc hien tai: Tiep nhan ho so/)
  const asked = rig.central.requests.filter((request) => request.method === 'dossier.status')
  t.match(asked, [{ body: { personalId: ID_NUMBER } }], 'the lookup carried the ID number to central')
  const logs = rig.logLines.map((line) => JSON.stringify(line)).join('\n')
  for (const secret of [ID_NUMBER, NAME]) t.notOk(logs.includes(secret), `no log line contains ${secret}`)
})

t.test('station (en): a resident tracks a finished dossier; another resident asking for it is told there is none', async (t) => {
  const rig = await startProcedureRig(t)
  await rig.openProcedure('track-dossier', 'en')
  await rig.waitForScreen(/Dossier or reference code/)
  await rig.press('2', '6', '0', '1', '0', '0', '0', '2', 'ok')
  await rig.waitForScreen(/Result is ready: Result/)
  await rig.press('ok')
  const message = await rig.submissions.waitFor((m) => m.payload?.flow === 'track-dossier', 8000)
  t.match(message.payload.data, { language: 'en', answers: { code: '26010002', dossier: { status: 'completed' } } })
  await rig.waitForScreen(/Thank you/)
  const text = ((await rig.receipt()).lines ?? []).join('\n')
  t.match(text, /DOSSIER STATUS/)
  t.match(text, /Status: result ready/)
  t.match(text, /Current step: Result/)

  await rig.waitForScreen(/Xin chao/, 4000)
  await rig.openProcedure('track-dossier', 'en', QR_NEXT_RESIDENT)
  await rig.press('2', '6', '0', '1', '0', '0', '0', '2', 'ok')
  await rig.waitForScreen(/You have no dossier with this code/)
  t.equal((await rig.receipt()).count, 1, 'nothing printed for the stranger')
})

t.test('station (en): a silent central is reported within the timeout', async (t) => {
  const rig = await startProcedureRig(t, { silent: true })
  await rig.openProcedure('track-dossier', 'en')
  await rig.press('2', '6', '0', '1', '0', '0', '0', '1', 'ok')
  await rig.waitForScreen(/Looking it up/)
  const asked = Date.now()
  await rig.waitForScreen(/Central is not answering/, 13_000)
  t.ok(Date.now() - asked < 12_000, 'given up within the 10 s request timeout')
})

t.test('session: a status that is an object fails the lookup with the reason; no blank status is shown or printed', async (t) => {
  for (const language of ['vi', 'en'] as const) {
    const s = await startProcedureSession(trackDossier(), language)
    s.effects.requestWith = async () => ({ found: true, code: '2601-0001', title: 'Hồ sơ mẫu', status: { code: 'processing' }, updatedAt: '2026-01-10T06:00:00.000Z' })
    s.type('26010001')
    s.press('ok')
    await s.settle()
    t.strictSame(s.results, [{ outcome: 'failed', stepId: 'no_answer' }], `${language}: on_error`)
    t.notOk(s.effects.screens.some((screen) => screen.body.includes('2601-0001')), 'no status screen at all')
    t.equal(s.effects.receipts.length, 0, 'nothing printed')
    t.equal(s.effects.submissions.length, 0, 'nothing recorded')
    const failed = s.effects.events.filter((event) => event.type === 'effect.failed').map((event) => event.fields)
    t.match(failed, [{ step: 'lookup', effect: 'request', code: 'E_REPLY_INVALID', field: 'status', problem: 'type' }])
    t.notOk(JSON.stringify(s.effects.events).includes('processing'), 'the value is not in the event')
  }
})

t.test('session: "found": "true" (a text) is not found: the lookup fails with the reason', async (t) => {
  const s = await startProcedureSession(trackDossier(), 'en')
  s.effects.requestWith = async (call) => ({ ...(s.ledger.answer(call.name, call.fields, s.clock.now()) as object), found: 'true' })
  s.type('26010001')
  s.press('ok')
  await s.settle()
  t.strictSame(s.results, [{ outcome: 'failed', stepId: 'no_answer' }])
  t.match(s.effects.events.find((event) => event.type === 'effect.failed')?.fields, { code: 'E_REPLY_INVALID', field: 'found', problem: 'type' })
})

t.test('session: a found dossier without a status, or with a status that is not a code, fails the lookup', async (t) => {
  for (const [status, problem] of [[undefined, 'missing'], ['', 'pattern'], ['Đang xử lý\n', 'characters']] as const) {
    const s = await startProcedureSession(trackDossier(), 'en')
    s.effects.requestWith = async () => ({ found: true, code: '2601-0001', title: 'Hồ sơ mẫu', status, updatedAt: '2026-01-10T06:00:00.000Z', step: 'Thẩm định', stepEn: 'Review' })
    s.type('26010001')
    s.press('ok')
    await s.settle()
    t.strictSame(s.results, [{ outcome: 'failed', stepId: 'no_answer' }], JSON.stringify(status))
    t.match(s.effects.events.find((event) => event.type === 'effect.failed')?.fields, { code: 'E_REPLY_INVALID', field: 'status', problem })
  }
})

t.test('session: fields the reply shape does not declare are dropped: the record carries the declared ones only', async (t) => {
  const s = await startProcedureSession(trackDossier(), 'en')
  s.type('26010001')
  s.press('ok')
  await s.settle()
  s.press('ok')
  await s.settle()
  const dossier = (s.effects.submissions[0]?.data.answers as Record<string, Record<string, unknown>>)['dossier']
  t.strictSame(Object.keys(dossier ?? {}).sort(), ['code', 'found', 'status', 'step', 'stepEn', 'title', 'updatedAt'], 'steps (a list central sends) is not declared')
})
