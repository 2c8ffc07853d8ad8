import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { RecordingEffects } from '../../support/recording-effects.js'
import type { KeyName } from '../../../config/schema.js'
import type { Receipt } from '../../../drivers/printer/receipt.js'
import { StationError } from '../../../runtime/core/errors.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { FlowSession, type FlowResult } from '../../../flows/engine/flow-session.js'
import type { FlowDefinition, LocalizedText, Step } from '../../../flows/engine/flow-types.js'
import { loadFlowsDir } from '../../../flows/engine/flow-folder.js'
import { parseFlow } from '../../../flows/engine/flow-validate.js'
import { currentStep, keysToChoose } from '../../../flows/engine/session-machine.js'
import type { Identity } from '../../../flows/engine/identity.js'
import { renderScreen } from '../../../flows/engine/render-screen.js'
import { CONSENT_PROMPT } from '../../../flows/engine/consent.js'
import type { Screen } from '../../../flows/engine/screen.js'

const FLOWS_DIR = fileURLToPath(new URL('../../../flows/', import.meta.url))

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
const PHONE = '0912345678'
const REFERENCE = 'K7QX-M2PA'
/** A synthetic site and agency (config `station.site`, `station.agency`). */
const SITE = 'Trạm DVC - 5 Đường Thử, Quận 9'
const AGENCY = 'UBND Phường Thử Nghiệm'

/**
 * One bundled procedure as a resident walks it. `toPhone` are the keys from the first choice to the
 * phone step (a multi-digit string is typed digit by digit, `#n` chooses option n, turning pages
 * first); `answers` is what the walk submits.
 */
interface Procedure {
  id: string
  title: LocalizedText
  toPhone: string[]
  answers: Record<string, string>
  /** Whether a consent step sits between the phone and the confirmation. */
  consent: boolean
  /** The identity keys the submission carries (the flow's declaration), and what the consent screen names. */
  identity: string[]
  /** Who the consent screen names as the recipient, after a CCCD walk. */
  recipient?: LocalizedText
  /** Screen body at the confirmation after the walk. */
  confirm: LocalizedText
  /** Receipt lines that say what was filed and what happens next. */
  receipt: { vi: string[]; en: string[] }
  /** The built-in phone check's message. */
  invalidPhone: LocalizedText
  /** The waiting steps, in walking order. */
  waiting: string[]
}

const PHONE_INVALID: LocalizedText = { vi: 'Số điện thoại gồm 10 số, bắt đầu bằng 0', en: 'Phone: 10 digits starting with 0' }

const PROCEDURES: Procedure[] = [
  {
    id: 'submit-dossier',
    identity: ['personalId', 'name', 'birthDate', 'sex', 'address'],
    title: { vi: 'BIÊN NHẬN HỒ SƠ', en: 'DOSSIER RECEIPT' },
    toPhone: ['#4', '12', 'ok'],
    answers: { dossier: 'land_use_certificate', pages: '12', phone: PHONE },
    consent: false,
    confirm: { vi: 'Sổ đỏ (GCN QSDĐ)\nSố trang: 12\nBấm OK để nộp', en: 'Land-use cert.\nPages: 12\nPress OK to submit' },
    receipt: {
      vi: [
        'Hồ sơ: Sổ đỏ (GCN QSDĐ)', 'Số trang: 12', `SĐT liên hệ: ${PHONE}`, 'Bộ phận một cửa sẽ xử lý hồ sơ.', 'Giấy tờ bản gốc:',
        'Mang 12 trang hồ sơ bản giấy và thẻ CCCD đến Bộ phận một cửa trong 5 ngày làm việc; đưa biên nhận này cho cán bộ.',
        'Không nộp giấy tờ vào trạm.',
      ],
      en: [
        'Dossier: Land-use cert.', 'Pages: 12', `Contact phone: ${PHONE}`, 'The one-stop desk will process it.', 'Paper documents:',
        'Bring the 12 pages on paper and your ID card to the one-stop desk within 5 working days, with this receipt.',
        'Do not put papers into the station.',
      ],
    },
    invalidPhone: PHONE_INVALID,
    waiting: ['identify', 'dossier', 'pages', 'phone', 'confirm'],
  },
  {
    id: 'health-insurance',
    identity: ['personalId', 'name', 'birthDate', 'sex', 'address'],
    title: { vi: 'ĐĂNG KÝ BẢO HIỂM Y TẾ', en: 'HEALTH INSURANCE REGISTRATION' },
    toPhone: ['#2', '#3'],
    answers: { category: 'student', months: '12', phone: PHONE },
    consent: false,
    confirm: { vi: 'Học sinh/sinh viên\n12 tháng\nBấm OK để đăng ký', en: 'Pupil or student\n12 months\nPress OK to register' },
    receipt: {
      vi: ['Đối tượng: Học sinh/sinh viên', 'Thời hạn: 12 tháng', `SĐT liên hệ: ${PHONE}`, 'BHXH sẽ gọi hướng dẫn đóng tiền trong 3 ngày làm việc.'],
      en: ['Category: Pupil or student', 'Period: 12 months', `Contact phone: ${PHONE}`, 'Social Security will call you about payment within 3 working days.'],
    },
    invalidPhone: PHONE_INVALID,
    waiting: ['identify', 'category', 'months', 'phone', 'confirm'],
  },
  {
    id: 'referral-bank-account',
    identity: ['personalId', 'name', 'birthDate', 'sex', 'address'],
    recipient: { vi: 'Gửi cho Techcombank:', en: 'Send to Techcombank:' },
    title: { vi: 'GIỚI THIỆU MỞ TÀI KHOẢN', en: 'BANK ACCOUNT REFERRAL' },
    toPhone: ['#5'],
    answers: { bank: 'techcombank', phone: PHONE },
    consent: true,
    confirm: { vi: `Techcombank\nSĐT: ${PHONE}\nBấm OK để gửi`, en: `Techcombank\nPhone: ${PHONE}\nPress OK to send` },
    receipt: {
      vi: ['Ngân hàng: Techcombank', `SĐT ngân hàng sẽ gọi: ${PHONE}`, 'Ngân hàng sẽ gọi cho ông/bà trong 2 ngày làm việc.'],
      en: ['Bank: Techcombank', `The bank will call: ${PHONE}`, 'The bank will call you within 2 working days.'],
    },
    invalidPhone: PHONE_INVALID,
    waiting: ['identify', 'bank', 'phone', 'consent', 'confirm'],
  },
  {
    id: 'referral-consumer-loan',
    identity: ['personalId', 'name', 'birthDate', 'address'],
    recipient: { vi: 'Gửi cho bên cho vay:', en: 'Send to a licensed lender:' },
    title: { vi: 'GIỚI THIỆU VAY TIÊU DÙNG', en: 'CONSUMER LOAN REFERRAL' },
    toPhone: ['#5', '#4'],
    answers: { amount: 'over_100m', term: '36', phone: PHONE },
    consent: true,
    confirm: { vi: 'Vay: Trên 100 triệu\nThời hạn: 36 tháng\nBấm OK để gửi', en: 'Loan: Over 100M VND\nTerm: 36 months\nPress OK to send' },
    receipt: {
      vi: ['Số tiền: Trên 100 triệu', 'Thời hạn: 36 tháng', `SĐT bên cho vay sẽ gọi: ${PHONE}`, 'Bên cho vay sẽ gọi cho ông/bà trong 2 ngày làm việc.'],
      en: ['Amount: Over 100M VND', 'Term: 36 months', `The lender will call: ${PHONE}`, 'The lender will call you within 2 working days.'],
    },
    invalidPhone: PHONE_INVALID,
    waiting: ['identify', 'amount', 'term', 'phone', 'consent', 'confirm'],
  },
  {
    id: 'referral-mobile-id',
    identity: ['personalId', 'name', 'birthDate', 'sex'],
    recipient: { vi: 'Gửi cho nhà mạng Vietnamobile:', en: 'Send to Vietnamobile:' },
    title: { vi: 'CHUẨN HÓA THÔNG TIN THUÊ BAO', en: 'MOBILE SUBSCRIBER IDENTIFICATION' },
    toPhone: ['#4'],
    answers: { carrier: 'vietnamobile', phone: PHONE },
    consent: true,
    confirm: { vi: `Vietnamobile\nSố: ${PHONE}\nBấm OK để gửi`, en: `Vietnamobile\nNumber: ${PHONE}\nPress OK to send` },
    receipt: {
      vi: ['Nhà mạng: Vietnamobile', `Số thuê bao cần chuẩn hóa: ${PHONE}`, 'Nhà mạng sẽ nhắn tin đến số thuê bao trong 2 ngày làm việc.'],
      en: ['Carrier: Vietnamobile', `Number to identify: ${PHONE}`, 'The carrier will text that number within 2 working days.'],
    },
    invalidPhone: { vi: 'Số thuê bao gồm 10 số, bắt đầu bằng 0', en: 'Number: 10 digits starting with 0' },
    waiting: ['identify', 'carrier', 'phone', 'consent', 'confirm'],
  },
]

const LANGUAGES = ['vi', 'en'] as const

const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

const flows = new Map<string, FlowDefinition>()

t.before(async () => {
  for (const procedure of PROCEDURES) {
    const file = `${FLOWS_DIR}${procedure.id}.yaml`
    const result = parseFlow(await readFile(file, 'utf8'), file)
    if (result.flow) flows.set(procedure.id, result.flow)
  }
})

function flowOf(id: string): FlowDefinition {
  const flow = flows.get(id)
  if (!flow) throw new Error(`${id}.yaml did not load`)
  return flow
}

function rig(procedure: Procedure, language: 'vi' | 'en', flow: FlowDefinition = flowOf(procedure.id)) {
  const clock = new SimClock(Date.UTC(2026, 0, 20, 7, 5))
  const effects = new RecordingEffects('b1f0c2d4')
  const session = new FlowSession({ flow, language, effects, clock, stationId: 'hcm-q1-001', site: SITE, agency: AGENCY })
  const results: FlowResult[] = []
  session.onEnd((result) => results.push(result))
  /** Presses each key; a token of several digits is typed digit by digit; `#n` chooses option n. */
  const press = (...tokens: string[]) => {
    for (const token of tokens) {
      const step = currentStep(flow, session.state)
      const keys = token.startsWith('#') && step?.kind === 'choose'
        ? keysToChoose(step, session.state, clock.now(), Number(token.slice(1)) - 1)
        : token === 'ok' || token === 'back' ? [token] : Array.from(token)
      for (const key of keys) session.key(key as KeyName)
    }
  }
  /** Presses back until the session is at `stepId` (an input erases what was typed first). */
  const backTo = (stepId: string) => {
    for (let i = 0; i < 50 && session.currentStepId !== stepId; i++) session.key('back')
  }
  /** Starts, identifies and walks to the phone step. */
  const toPhone = () => {
    session.start()
    session.presentIdentity(language === 'vi' ? CCCD : MRZ)
    press(...procedure.toPhone)
  }
  /** Walks on from the phone step to the confirmation. */
  const toConfirm = () => {
    toPhone()
    press(PHONE, 'ok')
    // ok reads the consent page by page and agrees on the last one.
    for (let page = 0; procedure.consent && page < 6 && session.currentStepId === 'consent'; page++) press('ok')
  }
  return { clock, effects, session, results, press, toPhone, toConfirm, backTo }
}

/** Bodies of the screens that do not fit the 20x4 display on one page (choice lists and consents may page). */
function overflowing(screens: Screen[]): string[] {
  const consent = (screen: Screen) => screen.hint === CONSENT_PROMPT.vi || screen.hint === CONSENT_PROMPT.en
  return screens
    .filter((screen) => !screen.options && !consent(screen) && renderScreen(screen, { cols: 20, rows: 4, page: 0 }).pageCount > 1)
    .map((screen) => screen.body)
}

/** Option labels that would wrap after their "1 " number on a 20-column row, splitting an option over two rows. */
function wrappingOptions(screens: Screen[]): string[] {
  return screens.flatMap((screen) => (screen.options ?? []).filter((label) => Array.from(label).length > 18))
}

/** The identity a submission should carry: the source and each declared key, null when the document lacks it. */
function sent(identity: Identity, keys: string[]): Record<string, unknown> {
  const record = identity as unknown as Record<string, unknown>
  return { source: identity.source, verified: 'none', ...Object.fromEntries(keys.map((key) => [key, record[key] ?? null])) }
}

/** Every page of the screen shown now, rows trimmed and joined by spaces (key 0 turns the pages round to the first). */
function allPages(session: FlowSession, effects: RecordingEffects): string {
  const count = renderScreen(effects.screen, { cols: 20, rows: 4, page: 0 }).pageCount
  const text: string[] = []
  for (let page = 0; page < count; page++) {
    text.push(...renderScreen(effects.screen, { cols: 20, rows: 4, page: effects.screen.page ?? 0 }).rows.slice(1).map((row) => row.trim()))
    session.key('0')
  }
  return text.filter((row) => row !== '').join(' ')
}

function receiptTexts(receipt: Receipt | undefined): string[] {
  return receipt?.lines.flatMap((line) => (line.kind === 'text' ? [line.text] : [])) ?? []
}

t.test('every bundled flow in flows/ loads with no error, and these five with no diagnostic at all', async (t) => {
  const loaded = await loadFlowsDir(FLOWS_DIR)
  t.strictSame(loaded.diagnostics.filter((diagnostic) => diagnostic.severity === 'error'), [])
  for (const procedure of PROCEDURES) {
    t.ok(loaded.flows.has(procedure.id), `${procedure.id} is loaded`)
    t.strictSame(loaded.diagnostics.filter((diagnostic) => diagnostic.file.endsWith(`${procedure.id}.yaml`)), [], `${procedure.id} has no warning`)
    const flow = loaded.flows.get(procedure.id)
    t.equal(flow?.version, 1)
    t.ok(Array.from(flow?.shortTitle?.vi ?? '').length <= 16 && Array.from(flow?.shortTitle?.en ?? '').length <= 16, `${procedure.id} short title fits`)
  }
  t.ok(loaded.flows.has('security-feedback'), 'the earlier bundled flow still loads')
})

for (const procedure of PROCEDURES) {
  for (const language of LANGUAGES) {
    t.test(`${procedure.id} (${language}): a full walk submits the answers with the identity and prints a receipt with a masked id`, async (t) => {
      const { session, effects, results, clock, toConfirm, press } = rig(procedure, language)
      toConfirm()
      t.equal(session.currentStepId, 'confirm')
      t.equal(effects.screen.body, procedure.confirm[language])
      t.strictSame(effects.submissions, [], 'nothing is sent before the confirmation')
      press('ok')
      await settle()
      t.strictSame(effects.submissions, [
        {
          flow: procedure.id,
          flowVersion: 1,
          data: { language, answers: procedure.answers, identity: sent(language === 'vi' ? CCCD : MRZ, procedure.identity) },
        },
      ])
      t.equal(effects.receipts.length, 1)
      const receipt = effects.receipts[0]
      const texts = receiptTexts(receipt)
      // 07:05 UTC is 14:05 in Asia/Ho_Chi_Minh.
      const head = [AGENCY, SITE, language === 'vi' ? 'Trạm hcm-q1-001' : 'Station hcm-q1-001', language === 'vi' ? 'Ngày giờ: 20/01/2026 14:05' : 'Date: 20/01/2026 14:05']
      t.strictSame(texts.slice(0, 5), [...head, procedure.title[language]], 'agency, site, station, Vietnam date and time, then the procedure')
      t.match(receipt?.lines[0], { bold: true, align: 'center' }, 'the agency heads the receipt')
      for (const line of procedure.receipt[language]) t.ok(texts.includes(line), `receipt says "${line}"`)
      t.ok(texts.includes(language === 'vi' ? 'Số CCCD: 079*******01' : 'ID number: 079*******01'), 'masked id')
      t.match(receipt?.lines.find((line) => line.kind === 'text' && line.text === REFERENCE), { size: 'double', bold: true }, 'reference in large text')
      t.ok(receipt?.lines.some((line) => line.kind === 'qr' && line.data === REFERENCE), 'reference as a QR code')
      const printed = JSON.stringify(receipt)
      // The phone the resident gave is theirs to check and to follow up with; the card's data is not printed.
      for (const secret of ['079203000001', 'Nguyễn', 'NGUYEN', '15082003', 'Lê Lợi']) {
        t.notOk(printed.includes(secret), `the receipt does not show ${secret}`)
      }
      const published = JSON.stringify(effects.events)
      for (const secret of ['079203000001', 'Nguyễn', 'NGUYEN', PHONE]) {
        t.notOk(published.includes(secret), `events do not carry ${secret}`)
      }
      t.strictSame(results, [{ outcome: 'completed', stepId: 'done', reference: REFERENCE }])
      t.ok(effects.screen.body.endsWith(`\n${REFERENCE}`), 'the last screen keeps the reference')
      t.equal(clock.pendingTimers, 0)
      t.strictSame(overflowing(effects.screens), [], 'every screen fits the display')
      t.strictSame(wrappingOptions(effects.screens), [], 'every option fits on one row')
    })
  }

  t.test(`${procedure.id}: without identity on the submit step the submission carries no identity`, async (t) => {
    const flow = flowOf(procedure.id)
    const send = flow.steps.get('send')
    t.ok(send?.kind === 'submit' && send.identity.length === procedure.identity.length, 'the bundled flow declares the identity it sends')
    if (send?.kind !== 'submit') return
    const steps = new Map<string, Step>(flow.steps)
    steps.set('send', { ...send, identity: [] })
    const { effects, toConfirm, press } = rig(procedure, 'vi', { ...flow, steps })
    toConfirm()
    press('ok')
    await settle()
    t.strictSame(effects.submissions[0]?.data, { language: 'vi', answers: procedure.answers })
  })

  t.test(`${procedure.id}: an invalid phone number shows why and asks again`, async (t) => {
    const { session, effects, clock, toPhone, press } = rig(procedure, 'en')
    toPhone()
    t.equal(session.currentStepId, 'phone')
    press('12345', 'ok')
    t.equal(effects.screen.body, procedure.invalidPhone.en)
    clock.advance(2000)
    t.equal(session.currentStepId, 'phone')
    t.equal(effects.screen.input, '', 'asks again from an empty field')
    press('1234567890', 'ok')
    t.equal(effects.screen.body, procedure.invalidPhone.en, 'ten digits not starting with 0')
    press(PHONE, 'ok')
    t.equal(session.currentStepId, procedure.consent ? 'consent' : 'confirm')
    t.strictSame(effects.submissions, [])
    t.strictSame(overflowing(effects.screens), [], 'every screen fits the display')
  })

  t.test(`${procedure.id}: when printing fails the reference stays on screen, and the session still completes`, async (t) => {
    const { session, effects, results, clock, toConfirm, press } = rig(procedure, 'vi')
    effects.printWith = () => Promise.reject(new StationError('E_PRINTER_NOT_READY', 'paper out'))
    toConfirm()
    press('ok')
    await settle()
    t.equal(session.currentStepId, 'no_receipt')
    t.equal(effects.screen.body, `Máy in đang lỗi.\nGhi lại mã tra cứu:\n${REFERENCE}`)
    clock.advance(120_000)
    t.strictSame(results, [{ outcome: 'completed', stepId: 'done', reference: REFERENCE }], 'completes when the resident leaves')
    t.equal(clock.pendingTimers, 0)
  })

  t.test(`${procedure.id}: when the submission cannot be stored the session ends failed with an apology`, async (t) => {
    const { effects, results, clock, toConfirm, press } = rig(procedure, 'en')
    effects.submitWith = () => Promise.reject(new StationError('E_OUTBOX_IO', 'disk full'))
    toConfirm()
    press('ok')
    await settle()
    t.strictSame(results, [{ outcome: 'failed', stepId: 'send_failed' }])
    t.equal(effects.screen.body, 'Sorry, it could not be sent. Please try again later.')
    t.equal(effects.receipts.length, 0)
    t.equal(clock.pendingTimers, 0)
    t.strictSame(overflowing(effects.screens), [], 'every screen fits the display')
  })

  t.test(`${procedure.id}: a resident who walks away is timed out at every waiting step, with nothing sent and no timers left`, async (t) => {
    for (const stepId of procedure.waiting) {
      const { session, effects, results, clock, toConfirm, backTo } = rig(procedure, 'vi')
      if (stepId === 'identify') session.start()
      else {
        // Walk to the confirmation, then back up to the step under test.
        toConfirm()
        backTo(stepId)
      }
      t.equal(session.currentStepId, stepId)
      clock.advance(59_999)
      t.strictSame(results, [], `${stepId} still waits just before 60 s`)
      clock.advance(1)
      t.strictSame(results, [{ outcome: 'timed_out', stepId }], `${stepId} times out`)
      t.strictSame(effects.submissions, [])
      t.equal(clock.pendingTimers, 0)
    }
  })
}

for (const procedure of PROCEDURES.filter((p) => p.consent)) {
  for (const language of LANGUAGES) {
    t.test(`${procedure.id} (${language}): refusing consent with back sends nothing, and backing out asks, then cancels`, async (t) => {
      const { session, effects, results, clock, toPhone, press } = rig(procedure, language)
      toPhone()
      press(PHONE, 'ok')
      t.equal(session.currentStepId, 'consent')
      const read = allPages(session, effects)
      t.ok(read.includes(language === 'vi' ? 'Trở lại: không' : 'Back: no'), 'says how to refuse')
      t.ok(read.startsWith(procedure.recipient?.[language] ?? '?'), `names the recipient: ${read}`)
      const names = language === 'vi'
        ? { personalId: 'số CCCD', name: 'họ tên', birthDate: 'ngày sinh', sex: 'giới tính', address: 'địa chỉ' }
        : { personalId: 'ID number', name: 'name', birthDate: 'birth date', sex: 'sex', address: 'address' }
      for (const [key, name] of Object.entries(names)) {
        const words = new RegExp(`(^|[ ,:])${name}([ ,.]|$)`, 'u')
        t.equal(words.test(read), procedure.identity.includes(key), `${name} is named exactly when it is sent`)
      }
      press('back')
      t.equal(session.currentStepId, 'phone', 'back returns to the phone step')
      t.equal(effects.screen.input, PHONE, 'with the number typed kept')
      for (let i = 0; i < 30 && !session.state.leaving; i++) press('back')
      t.strictSame(results, [], 'back alone never cancels')
      t.equal(effects.screen.body, language === 'vi' ? 'Kết thúc thủ tục?' : 'End this procedure?')
      press('1')
      await settle()
      t.strictSame(results, [{ outcome: 'cancelled', stepId: 'identify' }])
      t.strictSame(effects.submissions, [], 'nothing was submitted')
      t.equal(effects.receipts.length, 0)
      t.equal(clock.pendingTimers, 0)
      t.strictSame(overflowing(effects.screens), [], 'every screen fits the display')
    })
  }
}

t.test('submit-dossier refuses zero pages and asks again', async (t) => {
  const procedure = PROCEDURES[0] as Procedure
  const { session, effects, clock, press } = rig(procedure, 'vi')
  session.start()
  session.presentIdentity(CCCD)
  press('1', '0', 'ok')
  t.equal(effects.screen.body, 'Nhập số trang, từ 1 đến 999')
  clock.advance(2000)
  t.equal(session.currentStepId, 'pages')
  press('3', 'ok')
  t.equal(session.currentStepId, 'phone')
})

t.test('submit-dossier takes an empty phone and submits it as empty', async (t) => {
  const procedure = PROCEDURES[0] as Procedure
  const { session, effects, press } = rig(procedure, 'en')
  session.start()
  session.presentIdentity(MRZ)
  press('0')
  t.equal(effects.screen.page, 1, 'key 0 shows the next options')
  press('#6', '2', 'ok', 'ok')
  t.equal(effects.screen.body, 'Other dossier\nPages: 2\nPress OK to submit')
  press('ok')
  await settle()
  t.strictSame(effects.submissions[0]?.data, {
    language: 'en',
    answers: { dossier: 'other', pages: '2', phone: '' },
    identity: { source: 'mrz', verified: 'none', personalId: '079203000001', name: 'NGUYEN VAN AN', birthDate: null, sex: 'male', address: null },
  })
})
