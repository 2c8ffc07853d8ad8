import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { RecordingEffects } from '../support/recording-effects.js'
import type { KeyName } from '../../config/schema.js'
import type { Receipt } from '../../drivers/printer/receipt.js'
import { StationError } from '../../runtime/core/errors.js'
import { SimClock } from '../../runtime/core/sim-clock.js'
import { FlowSession, type FlowResult } from '../../flows/engine/flow-session.js'
import type { FlowDefinition } from '../../flows/engine/flow-types.js'
import { loadFlowsDir } from '../../flows/engine/flow-folder.js'
import { parseFlow } from '../../flows/engine/flow-validate.js'
import type { Identity } from '../../flows/engine/identity.js'
import { renderScreen } from '../../flows/engine/render-screen.js'
import type { Screen } from '../../flows/engine/screen.js'
import { testDir } from '../support/test-dir.js'

const FLOW_FILE = fileURLToPath(new URL('../../flows/security-feedback.yaml', import.meta.url))

/** Synthetic identities (docs/protocols.md 6.2 and 7.1), not real people. */
const CCCD: Identity = {
  source: 'cccd_qr',
  personalId: '079203000001',
  name: 'Nguyễn Văn An',
  birthDate: '15082003',
  sex: 'male',
  address: '12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh',
}
const MRZ: Identity = { source: 'mrz', personalId: '079203000001', name: 'NGUYEN VAN AN', sex: 'male' }


const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

let flow: FlowDefinition | undefined

t.before(async () => {
  const result = parseFlow(await readFile(FLOW_FILE, 'utf8'), FLOW_FILE)
  flow = result.flow
})

function rig(language: 'vi' | 'en') {
  if (!flow) throw new Error('security-feedback.yaml did not load')
  const clock = new SimClock(Date.UTC(2026, 0, 20, 7, 5))
  const effects = new RecordingEffects('b1f0c2d4')
  const session = new FlowSession({ flow, language, effects, clock, stationId: 'hcm-q1-001' })
  const results: FlowResult[] = []
  session.onEnd((result) => results.push(result))
  const press = (...keys: KeyName[]) => keys.forEach((key) => session.key(key))
  const type = (digits: string) => press(...(Array.from(digits) as KeyName[]))
  return { clock, effects, session, results, press, type }
}

/** Bodies of the screens that do not fit the 20x4 display on one page (choice lists may page). */
function overflowing(screens: Screen[]): string[] {
  return screens
    .filter((screen) => !screen.options && renderScreen(screen, { cols: 20, rows: 4, page: 0 }).pageCount > 1)
    .map((screen) => screen.body)
}

t.test('the bundled flow validates with no diagnostics at all', async (t) => {
  const result = parseFlow(await readFile(FLOW_FILE, 'utf8'), 'security-feedback.yaml')
  t.strictSame(result.diagnostics, [])
  t.equal(result.flow?.id, 'security-feedback')
  t.equal(result.flow?.version, 3)
  t.strictSame(result.flow?.title, { vi: 'Phản ánh an ninh trật tự', en: 'Security and order feedback' })
  const dir = testDir(t, { 'security-feedback.yaml': await readFile(FLOW_FILE, 'utf8') })
  const loaded = await loadFlowsDir(dir)
  t.strictSame([...loaded.flows.keys()], ['security-feedback'])
  t.strictSame(loaded.diagnostics, [])
})

t.test('a full walk in Vietnamese submits topic, place, description, phone and identity and prints a receipt with a masked id', async (t) => {
  const { session, effects, results, press, type, clock } = rig('vi')
  session.start()
  t.strictSame(effects.screen, { title: 'Phản ánh ANTT', body: 'Vui lòng quét mã QR hoặc mặt sau thẻ CCCD' })
  t.equal(session.presentIdentity({ source: 'nfc', personalId: null, cardUid: '04A1B2C3' }), false, 'an NFC UID does not identify here')
  t.equal(session.presentIdentity(CCCD), true)
  t.strictSame(effects.screen.options, ['Trộm cắp', 'Gây rối, đánh nhau', 'Ma túy, tệ nạn', 'Nguy cơ cháy nổ', 'Giao thông, đỗ xe', 'Vấn đề khác'])
  t.equal(effects.screen.body, 'Khẩn cấp: gọi 113', 'emergencies are not for this station')
  press('2')
  t.equal(session.currentStepId, 'building')
  type('12')
  press('ok')
  t.equal(session.currentStepId, 'floor')
  type('5')
  press('ok')
  t.strictSame(effects.screen.options, ['Đánh nhau', 'Gây ồn về đêm', 'Say xỉn gây rối', 'Đe dọa, quấy rối', 'Việc khác'], 'the descriptions of a disturbance')
  press('2')
  t.equal(session.currentStepId, 'phone')
  type('0912345678')
  t.equal(effects.screen.input, '0912345678')
  press('ok')
  t.equal(effects.screen.body, 'Gây ồn về đêm\nTòa 12, tầng 5\nBấm OK để gửi')
  press('ok')
  await settle()
  t.strictSame(effects.submissions, [
    {
      flow: 'security-feedback',
      flowVersion: 3,
      data: {
        language: 'vi',
        answers: { topic: 'disturbance', detail: 'noise_late', building: '12', floor: '5', phone: '0912345678' },
        // The declaration (identity: [id_number, name]): not the birth date, sex or address the card also holds.
        identity: { source: 'cccd_qr', verified: 'none', personalId: '079203000001', name: 'Nguyễn Văn An' },
      },
    },
  ])
  t.equal(effects.receipts.length, 1)
  const receipt = effects.receipts[0] as Receipt
  const texts = receipt.lines.flatMap((line) => (line.kind === 'text' ? [line.text] : []))
  t.ok(texts.includes('PHẢN ÁNH AN NINH TRẬT TỰ'), 'procedure title')
  t.ok(texts.includes('Trạm hcm-q1-001'), 'station id')
  t.ok(texts.includes('Ngày giờ: 20/01/2026 14:05'), 'date and time in Asia/Ho_Chi_Minh')
  t.ok(texts.includes('SĐT liên hệ: 0912345678'), 'the phone the resident gave, to check it')
  t.ok(texts.includes('Vấn đề: Gây rối, đánh nhau'), 'topic')
  t.ok(texts.includes('Nội dung: Gây ồn về đêm'), 'what happened')
  t.ok(texts.includes('Nơi: tòa 12, tầng 5'), 'where')
  t.ok(texts.includes('Khẩn cấp: gọi 113 (công an), 114 (cứu hỏa), 115 (cấp cứu)'), 'whom to call in an emergency')
  t.ok(texts.includes('Số CCCD: 079*******01'), 'masked id')
  t.ok(texts.includes('Cảm ơn ông/bà đã phản ánh.'), 'thanks')
  t.ok(texts.some((text) => /giữ biên nhận/.test(text)), 'keep the receipt')
  const code = receipt.lines.findIndex((line) => line.kind === 'text' && line.text === 'K7QX-M2PA')
  t.match(receipt.lines.slice(code, code + 2), [{ kind: 'text', text: 'K7QX-M2PA', size: 'double', bold: true }, { kind: 'qr', data: 'K7QX-M2PA' }], 'the code large, then as a QR')
  const printed = JSON.stringify(receipt)
  for (const secret of ['079203000001', 'Nguyễn', '15082003', 'Lê Lợi']) {
    t.notOk(printed.includes(secret), `the receipt does not show ${secret}`)
  }
  t.strictSame(results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
  t.equal(effects.screen.body, 'Cảm ơn ông/bà!\nMã tra cứu:\nK7QX-M2PA')
  t.equal(clock.pendingTimers, 0)
  t.strictSame(overflowing(effects.screens), [], 'every screen fits the display')
  const published = JSON.stringify(effects.events)
  for (const secret of ['079203000001', 'Nguyễn', '0912345678', 'disturbance', 'noise_late']) {
    t.notOk(published.includes(secret), `events do not carry ${secret}`)
  }
})

t.test('a full walk in English with the MRZ, no place and no phone says so and submits them empty', async (t) => {
  const { session, effects, results, press } = rig('en')
  session.start()
  session.presentIdentity(MRZ)
  press('0')
  t.equal(effects.screen.page, 1, 'key 0 shows the next options')
  press('6')
  t.equal(session.currentStepId, 'topic', 'option 6 is on the last page: not chosen from this one')
  press('0', '6', 'ok', 'ok')
  t.strictSame(effects.screen.options, ['Dangerous animal', 'Vandalism', 'Person lost', 'Something else'], 'the descriptions of another matter')
  press('0', '4', 'ok')
  t.equal(effects.screen.body, 'Something else\nBldg here, floor -\nPress OK to send')
  press('ok')
  await settle()
  t.strictSame(effects.submissions[0]?.data, {
    language: 'en',
    answers: { topic: 'other', detail: 'something_else', building: '', floor: '', phone: '' },
    identity: { source: 'mrz', verified: 'none', personalId: '079203000001', name: 'NGUYEN VAN AN' },
  })
  const texts = effects.receipts[0]?.lines.flatMap((line) => (line.kind === 'text' ? [line.text] : [])) ?? []
  t.ok(texts.includes('SECURITY AND ORDER FEEDBACK'))
  t.ok(texts.includes('Date: 20/01/2026 14:05'))
  t.ok(texts.includes('Contact phone: none'), 'says no phone was given')
  t.ok(texts.includes('Topic: Other'))
  t.ok(texts.includes('What: Something else'))
  t.ok(texts.includes('Where: building here, floor -'), 'no place given: the station building, no floor')
  t.ok(texts.includes('ID number: 079*******01'))
  t.ok(texts.includes('Keep this receipt to follow up.'))
  t.strictSame(results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
  t.equal(effects.screen.body, 'Thank you!\nReference code:\nK7QX-M2PA')
  t.strictSame(overflowing(effects.screens), [], 'every screen fits the display')
})

t.test('an invalid phone number shows why and asks again', async (t) => {
  const { session, effects, press, type, clock } = rig('vi')
  session.start()
  session.presentIdentity(CCCD)
  press('1', 'ok', 'ok', '1')
  t.equal(session.currentStepId, 'phone')
  type('12345')
  press('ok')
  t.equal(effects.screen.body, 'Số điện thoại gồm 10 số, bắt đầu bằng 0')
  clock.advance(2000)
  t.equal(effects.screen.input, '', 'asks again from an empty field')
  type('1234567890')
  press('ok')
  t.equal(effects.screen.body, 'Số điện thoại gồm 10 số, bắt đầu bằng 0', 'ten digits not starting with 0')
  type('0987654321')
  press('ok')
  t.equal(session.currentStepId, 'confirm')
  t.strictSame(overflowing(effects.screens), [], 'every screen fits the display')
})

t.test('back goes from confirm through every step to the scan, and asks there before it cancels', async (t) => {
  const { session, press, results, clock } = rig('en')
  session.start()
  session.presentIdentity(CCCD)
  press('0', '3', 'ok', 'ok', '1', 'ok')
  t.equal(session.currentStepId, 'confirm')
  for (const step of ['phone', 'detail', 'floor', 'building', 'topic']) {
    press('back')
    t.equal(session.currentStepId, step)
  }
  press('back')
  t.equal(session.currentStepId, 'identify')
  press('back')
  t.strictSame(results, [], 'asked first')
  press('1')
  t.strictSame(results, [{ outcome: 'cancelled', stepId: 'identify' }])
  t.equal(clock.pendingTimers, 0)
})

t.test('when printing fails the reference stays on screen until ok, and the session still completes', async (t) => {
  const { session, effects, results, press } = rig('vi')
  effects.printWith = () => Promise.reject(new StationError('E_PRINTER_NOT_READY', 'paper out'))
  session.start()
  session.presentIdentity(CCCD)
  press('0', '4', 'ok', 'ok', '1', 'ok', 'ok')
  await settle()
  t.equal(session.currentStepId, 'no_receipt')
  t.equal(effects.screen.body, 'Máy in đang lỗi.\nGhi lại mã tra cứu:\nK7QX-M2PA')
  t.match(effects.events.find((event) => event.type === 'effect.failed')?.fields, { effect: 'print', code: 'E_PRINTER_NOT_READY' })
  press('ok')
  t.strictSame(results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
  t.strictSame(overflowing(effects.screens), [], 'every screen fits the display')
})

t.test('when the submission cannot be stored the session ends failed with an apology', async (t) => {
  const { session, effects, results, press, clock } = rig('en')
  effects.submitWith = () => Promise.reject(new StationError('E_OUTBOX_IO', 'disk full'))
  session.start()
  session.presentIdentity(CCCD)
  press('0', '5', 'ok', 'ok', '1', 'ok', 'ok')
  await settle()
  t.strictSame(results, [{ outcome: 'failed', stepId: 'send_failed' }])
  t.equal(effects.screen.body, 'Sorry, it could not be sent. Please try again later.')
  t.equal(effects.receipts.length, 0)
  t.equal(clock.pendingTimers, 0)
  t.strictSame(overflowing(effects.screens), [], 'every screen fits the display')
})

t.test('a resident who walks away is timed out at any waiting step with no timers left', async (t) => {
  const walk = ['1', 'ok', 'ok', '1', 'ok'] as const
  const steps = ['identify', 'topic', 'building', 'floor', 'detail', 'phone', 'confirm'] as const
  for (const [index, step] of steps.entries()) {
    const keys = walk.slice(0, Math.max(0, index - 1))
    const { session, results, press, clock } = rig('vi')
    session.start()
    if (step !== 'identify') session.presentIdentity(CCCD)
    press(...keys)
    t.equal(session.currentStepId, step)
    clock.advance(60_000)
    t.strictSame(results, [{ outcome: 'timed_out', stepId: step }])
    t.equal(clock.pendingTimers, 0)
  }
})
