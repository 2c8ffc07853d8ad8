import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { RecordingEffects } from '../../support/recording-effects.js'
import type { KeyName } from '../../../config/schema.js'
import { buildVietQr, parseVietQr } from '../../../drivers/payment/vietqr.js'
import { StationError } from '../../../runtime/core/errors.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { FlowSession, type FlowResult } from '../../../flows/engine/flow-session.js'
import type { FlowDefinition } from '../../../flows/engine/flow-types.js'
import { parseFlow } from '../../../flows/engine/flow-validate.js'
import type { Identity } from '../../../flows/engine/identity.js'

const FLOW_YAML = `
id: test-flow
version: 3
title: { vi: "Thử nghiệm", en: "Test flow" }
start: identify
steps:
  identify:
    kind: scan_id
    accept: [cccd_qr]
    text: { vi: "Quét CCCD", en: "Scan ID" }
    timeout_s: 30
    next: pick
  pick:
    kind: choose
    save_as: pick
    text: { vi: "Chọn", en: "Choose" }
    timeout_s: 30
    on_timeout: too_slow
    options:
      - { value: one, label: { vi: "Một", en: "One" }, next: code }
      - { value: two, label: { vi: "Hai", en: "Two" }, next: code }
      - { value: three, label: { vi: "Ba", en: "Three" }, next: code }
      - { value: four, label: { vi: "Bốn", en: "Four" }, next: code }
  code:
    kind: input
    save_as: code
    mode: digits
    min_length: 2
    max_length: 4
    pattern: "^[1-9]"
    text: { vi: "Mã", en: "Code" }
    invalid_text: { vi: "Sai", en: "Wrong" }
    timeout_s: 30
    next: check
  check:
    kind: show
    text: { vi: "{{pick}} {{code}}", en: "{{pick}}/{{pick.value}}/{{code}}" }
    timeout_s: 30
    next: send
  send:
    kind: submit
    fields: [pick, code]
    identity: [id_number, name, birth_date, sex, address]
    legal_basis: public_task
    next: slip
    on_error: not_sent
  slip:
    kind: print
    template:
      - { kind: text, text: { vi: "Mã {{reference}}", en: "Ref {{reference}}" }, bold: true, align: center }
      - { kind: qr, data: "{{reference}}", module_dots: 6 }
      - { kind: text, text: "{{identity.masked}} {{station.id}} {{date}} {{time}}" }
      - { kind: rule }
      - { kind: barcode, data: "{{reference}}" }
      - { kind: feed, lines: 2 }
    next: done
    on_error: no_slip
  no_slip:
    kind: show
    text: { vi: "Không in được {{reference}}", en: "No receipt {{reference}}" }
    timeout_s: 60
    next: done
    on_timeout: done
  done: { kind: end, outcome: completed, text: { vi: "Xong {{reference}}", en: "Done {{reference}}" } }
  not_sent: { kind: end, outcome: failed, text: { vi: "Lỗi", en: "Failed" } }
  too_slow: { kind: end, outcome: cancelled, text: { vi: "Chậm", en: "Slow" } }
`

/** Synthetic identity (docs/protocols.md 7.1), not a real person. */
const CCCD: Identity = {
  source: 'cccd_qr',
  personalId: '079203000001',
  name: 'Nguyễn Văn An',
  birthDate: '15082003',
  sex: 'male',
  address: '12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh',
}

function load(yaml: string): FlowDefinition {
  const { flow, diagnostics } = parseFlow(yaml, 'test.yaml')
  if (!flow) throw new Error(`test flow invalid: ${JSON.stringify(diagnostics)}`)
  return flow
}


/** Lets promise callbacks (effect results) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

function rig(options: { identity?: Identity | null; language?: 'vi' | 'en'; yaml?: string; effects?: RecordingEffects } = {}) {
  const clock = new SimClock(Date.UTC(2026, 0, 20, 7, 5))
  const effects = options.effects ?? new RecordingEffects()
  const session = new FlowSession({
    flow: load(options.yaml ?? FLOW_YAML),
    language: options.language ?? 'en',
    effects,
    clock,
    identity: options.identity ?? null,
    stationId: 'hcm-q1-001',
  })
  const results: FlowResult[] = []
  session.onEnd((result) => results.push(result))
  const press = (...keys: KeyName[]) => keys.forEach((key) => session.key(key))
  return { clock, effects, session, results, press }
}

t.test('starts at the start step and says so in events carrying only flow, version and step', async (t) => {
  const { session, effects } = rig()
  t.equal(session.currentStepId, null)
  session.start()
  t.equal(session.currentStepId, 'identify')
  t.strictSame(effects.screen, { title: 'Test flow', body: 'Scan ID' })
  t.strictSame(effects.events, [
    { type: 'flow.started', fields: { flow: 'test-flow', version: 3, step: 'identify' } },
    { type: 'flow.step', fields: { flow: 'test-flow', version: 3, step: 'identify' } },
  ])
  t.equal(session.flowId, 'test-flow')
})

t.test('a scan_id step waits for an accepted source and moves on when one is presented', async (t) => {
  const { session, effects } = rig()
  session.start()
  t.equal(session.presentIdentity({ source: 'nfc', personalId: null, cardUid: '04A1B2C3' }), false, 'nfc is not accepted here')
  t.equal(session.currentStepId, 'identify')
  t.equal(session.presentIdentity(CCCD), true)
  t.equal(session.currentStepId, 'pick')
  t.equal(effects.screen.body, 'Choose')
  t.equal(session.presentIdentity(CCCD), false, 'no scan_id step is waiting or ahead with an identity held')
})

t.test('an identity given at construction, or presented before start, satisfies the scan_id step at once', async (t) => {
  const given = rig({ identity: CCCD })
  given.session.start()
  t.equal(given.session.currentStepId, 'pick')
  t.strictSame(given.effects.types(), ['flow.started', 'flow.step', 'flow.step'])

  const early = rig()
  t.equal(early.session.presentIdentity(CCCD), true)
  early.session.start()
  t.equal(early.session.currentStepId, 'pick')
})

t.test('choose: a digit on the page picks its option, 0 turns pages, other numbers are refused with a hint', async (t) => {
  const { session, effects, press } = rig({ identity: CCCD })
  session.start()
  t.strictSame(effects.screen, { title: 'Test flow', body: 'Choose', options: ['One', 'Two', 'Three', 'Four'] })
  press('0')
  t.equal(effects.screen.page, 1, 'body and four options take two pages of three rows')
  press('0')
  t.equal(effects.screen.page ?? 0, 0, 'paging wraps around')
  press('9')
  t.strictSame(effects.screen, { title: 'Test flow', body: 'Choose 1 to 4' }, 'no such option: the numbers there are')
  press('ok', '3')
  t.equal(session.currentStepId, 'pick', 'option 3 is on the next page: not chosen')
  t.strictSame(effects.screen, { title: 'Test flow', body: '3 is not on this page. Press 0 for more' })
  press('0')
  t.equal(effects.screen.page, 1, 'the key after the notice ends it and counts')
  press('1')
  t.equal(session.currentStepId, 'pick', 'option 1 is on the first page: not chosen from the second')
  press('0', '0', '3')
  t.equal(session.currentStepId, 'code')
  t.match(session.state.saved['pick'], { kind: 'answer', value: 'three' })
})

t.test('input: digits append up to max_length, back erases one, ok checks length and pattern', async (t) => {
  const { session, effects, press, clock } = rig({ identity: CCCD })
  session.start()
  press('2')
  t.strictSame(effects.screen, { title: 'Test flow', body: 'Code', input: '' })
  press('1', '2', '3', '4', '5')
  t.equal(effects.screen.input, '1234', 'the fifth digit is ignored')
  press('back')
  t.equal(effects.screen.input, '123')
  t.equal(session.currentStepId, 'code', 'back with typed digits only erases')
  press('back', 'back', 'back')
  t.equal(effects.screen.input, '')

  press('0', '7', 'ok')
  t.strictSame(effects.screen, { title: 'Test flow', body: 'Wrong' }, 'pattern ^[1-9] refuses a leading 0')
  clock.advance(1999)
  t.equal(effects.screen.body, 'Wrong')
  clock.advance(1)
  t.strictSame(effects.screen, { title: 'Test flow', body: 'Code', input: '' }, 're-prompts after 2 s from an empty field')

  press('5', 'ok')
  t.equal(effects.screen.body, 'Wrong', 'too short')
  press('4')
  t.strictSame(effects.screen, { title: 'Test flow', body: 'Code', input: '4' }, 'the next key ends the notice and counts')
  press('2', 'ok')
  t.equal(session.currentStepId, 'check')
  t.equal(effects.screen.body, 'Two/two/42')
})

t.test('back returns to the previous waiting step, keeping what was typed there; at the first waiting step it asks', async (t) => {
  const { session, effects, press, results, clock } = rig()
  session.start()
  session.presentIdentity(CCCD)
  press('1', '4', '2', 'ok')
  t.equal(session.currentStepId, 'check')
  press('back')
  t.equal(session.currentStepId, 'code')
  t.equal(effects.screen.input, '42', 'what the resident typed is kept')
  t.equal(session.state.saved['code'], undefined, 'but no longer an answer until OK')
  press('ok')
  t.equal(session.currentStepId, 'check', 'OK takes it again')
  t.equal(effects.screen.body, 'One/one/42')
  press('back', 'back', 'back')
  t.equal(effects.screen.input, '', 'back erases what was kept, one digit at a time')
  press('back')
  t.equal(session.currentStepId, 'pick')
  press('back')
  t.equal(session.currentStepId, 'identify', 'back to the scan, which asks for the card again')
  t.equal(session.presentIdentity(CCCD), true)
  press('back', 'back')
  t.equal(session.ended, false, 'back on the first waiting step does not end the session')
  t.strictSame(effects.screen, { title: 'Test flow', body: 'End this procedure?', options: ['Yes, end it', 'No, go on'] })
  press('2')
  t.equal(session.currentStepId, 'identify', 'no means no')
  t.strictSame(effects.screen, { title: 'Test flow', body: 'Scan ID' })
  press('back', 'back')
  t.equal(session.ended, false, 'back on the question means no as well')
  t.equal(effects.screen.body, 'Scan ID')
  press('back', '1')
  t.equal(session.ended, true)
  t.strictSame(results, [{ outcome: 'cancelled', stepId: 'identify' }])
  t.strictSame(effects.screen, { title: 'Test flow', body: 'Procedure cancelled. Thank you.' }, 'the screen says so at once')
  t.strictSame(effects.events.at(-1), { type: 'flow.abandoned', fields: { flow: 'test-flow', version: 3, step: 'identify', outcome: 'cancelled' } })
  t.equal(clock.pendingTimers, 0)
  t.equal(session.currentStepId, null)
})

t.test('back on the first waiting step asks even when the scan was skipped, and the question has the step timeout', async (t) => {
  const { session, effects, press, results, clock } = rig({ identity: CCCD, language: 'vi' })
  session.start()
  press('back')
  t.strictSame(effects.screen, { title: 'Thử nghiệm', body: 'Kết thúc thủ tục?', options: ['Có, kết thúc', 'Không, tiếp tục'] })
  t.strictSame(results, [])
  clock.advance(30_000)
  t.strictSame(results, [{ outcome: 'cancelled', stepId: 'too_slow' }], "the step's own on_timeout still applies")
})

t.test('a walk to the end submits answers and identity, prints the receipt and completes', async (t) => {
  const { session, effects, press, results, clock } = rig({ identity: CCCD })
  session.start()
  press('0', '4', '9', '9', 'ok')
  t.equal(effects.screen.body, 'Four/four/99')
  press('ok')
  t.equal(session.currentStepId, 'send')
  t.equal(effects.screen.body, 'Sending, please wait.')
  press('back', 'ok', '1')
  t.equal(session.currentStepId, 'send', 'keys are ignored while an effect runs')
  await settle()
  t.strictSame(effects.submissions, [
    {
      flow: 'test-flow',
      flowVersion: 3,
      data: {
        language: 'en',
        answers: { pick: 'four', code: '99' },
        identity: {
          source: 'cccd_qr',
          verified: 'none',
          personalId: '079203000001',
          name: 'Nguyễn Văn An',
          birthDate: '15082003',
          sex: 'male',
          address: '12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh',
        },
      },
    },
  ])
  await settle()
  t.strictSame(effects.receipts, [
    {
      lines: [
        // The head every receipt gets (this station names no site or agency).
        { kind: 'text', align: 'center', text: 'Station hcm-q1-001' },
        { kind: 'text', align: 'center', text: 'Date: 20/01/2026 14:05' },
        { kind: 'rule' },
        { kind: 'text', bold: true, align: 'center', text: 'Ref K7QX-M2PA' },
        { kind: 'qr', data: 'K7QX-M2PA', moduleDots: 6 },
        { kind: 'text', text: '079*******01 hcm-q1-001 20/01/2026 14:05' },
        { kind: 'rule' },
        { kind: 'barcode', data: 'K7QX-M2PA' },
        { kind: 'feed', lines: 2 },
      ],
    },
  ])
  t.strictSame(results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
  t.equal(effects.screen.body, 'Done K7QX-M2PA')
  t.strictSame(effects.types(), [
    'flow.started', 'flow.step', 'flow.step', 'flow.step', 'flow.step', 'flow.step', 'flow.step', 'flow.step', 'flow.completed',
  ])
  t.equal(clock.pendingTimers, 0)
  const published = JSON.stringify(effects.events)
  for (const secret of ['079203000001', 'Nguyễn', '15082003', 'Lê Lợi', '"99"', 'four']) {
    t.notOk(published.includes(secret), `events do not carry ${secret}`)
  }
})

t.test('a failed submit goes to on_error, reports the error code only, and leaves no timers', async (t) => {
  const { session, effects, press, results, clock } = rig({ identity: CCCD })
  effects.submitWith = async () => {
    throw new StationError('E_OUTBOX_FULL', 'outbox full', { bytes: 1 })
  }
  session.start()
  press('1', '5', '5', 'ok', 'ok')
  await settle()
  t.strictSame(results, [{ outcome: 'failed', stepId: 'not_sent' }])
  t.strictSame(effects.events.find((event) => event.type === 'effect.failed')?.fields, {
    flow: 'test-flow', version: 3, step: 'send', effect: 'submit', code: 'E_OUTBOX_FULL',
  })
  t.equal(effects.receipts.length, 0)
  t.equal(clock.pendingTimers, 0)
})

t.test('a submit that throws instead of rejecting is handled the same way', async (t) => {
  const { session, effects, press, results } = rig({ identity: CCCD })
  effects.submitWith = () => {
    throw new Error('boom')
  }
  session.start()
  press('1', '5', '5', 'ok', 'ok')
  await settle()
  t.strictSame(results, [{ outcome: 'failed', stepId: 'not_sent' }])
  t.equal(effects.events.find((event) => event.type === 'effect.failed')?.fields['code'], 'unknown')
})

t.test('a failed print keeps the reference on screen until ok, then completes; back cannot undo the submit', async (t) => {
  const { session, effects, press, results, clock } = rig({ identity: CCCD, language: 'vi' })
  effects.printWith = async () => {
    throw new StationError('E_PRINTER_NOT_READY', 'paper out')
  }
  session.start()
  press('2', '1', '2', 'ok', 'ok')
  await settle()
  await settle()
  t.equal(session.currentStepId, 'no_slip')
  t.equal(effects.screen.body, 'Không in được K7QX-M2PA')
  press('back')
  t.equal(session.currentStepId, 'no_slip', 'nothing to go back to or cancel after the submit')
  t.equal(session.ended, false)
  press('ok')
  t.strictSame(results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
  t.equal(clock.pendingTimers, 0)
})

t.test('the print-failure screen completes on its own after its timeout', async (t) => {
  const { session, effects, press, results, clock } = rig({ identity: CCCD })
  effects.printWith = () => Promise.reject(new StationError('E_PRINTER_NOT_READY', 'cover open'))
  session.start()
  press('2', '1', '2', 'ok', 'ok')
  await settle()
  await settle()
  clock.advance(59_999)
  t.equal(results.length, 0)
  clock.advance(1)
  t.strictSame(results, [{ outcome: 'completed', stepId: 'done', reference: 'K7QX-M2PA' }])
  t.equal(clock.pendingTimers, 0)
})

t.test('a waiting step times out to on_timeout, or ends timed_out without one; keys restart the countdown', async (t) => {
  const routed = rig({ identity: CCCD })
  routed.session.start()
  routed.clock.advance(20_000)
  routed.press('0')
  routed.clock.advance(20_000)
  t.equal(routed.session.currentStepId, 'pick', 'the key restarted the 30 s countdown')
  routed.clock.advance(10_000)
  t.strictSame(routed.results, [{ outcome: 'cancelled', stepId: 'too_slow' }])
  t.equal(routed.clock.pendingTimers, 0)

  const plain = rig()
  plain.session.start()
  plain.clock.advance(30_000)
  t.strictSame(plain.results, [{ outcome: 'timed_out', stepId: 'identify' }])
  t.strictSame(plain.effects.events.at(-1)?.fields, { flow: 'test-flow', version: 3, step: 'identify', outcome: 'timed_out' })
  t.equal(plain.clock.pendingTimers, 0)
})

t.test('the invalid-input notice timer is cleared when the session ends under it', async (t) => {
  const { session, press, clock, results } = rig({ identity: CCCD })
  session.start()
  press('1', 'ok')
  press('ok')
  t.ok(clock.pendingTimers >= 2, 'step countdown and notice')
  session.cancel('timed_out')
  t.equal(clock.pendingTimers, 0)
  t.strictSame(results, [{ outcome: 'timed_out', stepId: 'code' }])
})

t.test('cancel is idempotent and a late effect result after it is ignored', async (t) => {
  const { session, effects, press, results, clock } = rig({ identity: CCCD })
  let finish: (value: { id: string; reference: string }) => void = () => {}
  effects.submitWith = () => new Promise((resolve) => (finish = resolve))
  session.start()
  press('1', '3', '3', 'ok', 'ok')
  t.equal(session.currentStepId, 'send')
  session.cancel()
  session.cancel('timed_out')
  finish({ id: 'late', reference: 'LATE-0000' })
  await settle()
  t.strictSame(results, [{ outcome: 'cancelled', stepId: 'send' }])
  t.equal(effects.receipts.length, 0)
  t.equal(session.presentIdentity(CCCD), false)
  press('ok')
  t.equal(clock.pendingTimers, 0)
})

t.test('wipe drops the identity and answers', async (t) => {
  const { session, effects, press } = rig({ identity: CCCD })
  session.start()
  press('2', '4', '2', 'ok')
  t.equal(effects.screen.body, 'Two/two/42')
  session.wipe()
  press('ok')
  await settle()
  t.strictSame(effects.submissions[0]?.data, { language: 'en', answers: { pick: null, code: null } })
})

t.test('fails the session instead of looping when scan_id steps pass to each other forever', async (t) => {
  const yaml = `
id: loop
version: 1
title: { vi: "V", en: "L" }
start: a
steps:
  a: { kind: scan_id, accept: [cccd_qr], text: { vi: "a", en: "a" }, timeout_s: 5, next: b, on_timeout: out }
  b: { kind: scan_id, accept: [cccd_qr], text: { vi: "b", en: "b" }, timeout_s: 5, next: a, on_timeout: out }
  out: { kind: end, outcome: cancelled, text: { vi: "x", en: "x" } }
`
  const { session, results, clock } = rig({ yaml, identity: CCCD })
  session.start()
  t.equal(results[0]?.outcome, 'failed')
  t.equal(clock.pendingTimers, 0)
})

t.test('onEnd returns a function that stops listening', async (t) => {
  const { session } = rig()
  const heard: FlowResult[] = []
  const stop = session.onEnd((result) => heard.push(result))
  stop()
  session.start()
  session.cancel()
  t.strictSame(heard, [])
})

t.test('an identity presented before a scan_id step that is still ahead is kept for it', async (t) => {
  const yaml = `
id: later-scan
version: 1
title: { vi: "Sau", en: "Later" }
start: intro
steps:
  intro: { kind: show, text: { vi: "Giới thiệu", en: "Intro" }, timeout_s: 10, next: scan }
  scan: { kind: scan_id, accept: [mrz], text: { vi: "Quét", en: "Scan" }, timeout_s: 10, next: bye }
  bye: { kind: end, outcome: completed, text: { vi: "{{identity.masked}}", en: "{{identity.masked}}" } }
`
  const { session, effects, press, results } = rig({ yaml })
  session.start()
  t.equal(session.presentIdentity(CCCD), false, 'the scan ahead does not accept a QR')
  t.equal(session.presentIdentity({ source: 'mrz', personalId: '079203000001' }), true)
  press('ok')
  t.strictSame(results, [{ outcome: 'completed', stepId: 'bye' }])
  t.equal(effects.screen.body, '079*******01')
})

// ---- request, branch, pay_qr, wait_for (test/flows/fixtures/water-bill.yaml) ----

const WATER_BILL = readFileSync(fileURLToPath(new URL('../fixtures/water-bill.yaml', import.meta.url)), 'utf8')

/** A reply central might send; synthetic account and bill. */
const BILL = { id: 'HD-2026-0042', status: 'unpaid', amount: 185000, bin: '970436', account: '0011004455667', customer: 'KH123456' }

/** Types the customer code and presses ok: the session is then at the request. */
function toLookup(r: ReturnType<typeof rig>, code = '12345678'): void {
  r.session.start()
  r.press(...(Array.from(code) as KeyName[]), 'ok')
}

t.test('request: calls the method with the filled body and its timeout, keeps the reply, and a branch reads it', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  r.effects.requestWith = async () => BILL
  toLookup(r)
  t.equal(r.session.currentStepId, 'lookup')
  t.strictSame(r.effects.screen, { title: 'Water bill', body: 'Looking it up' })
  t.equal(r.effects.requests.length, 1)
  const call = r.effects.requests[0]
  t.equal(call?.name, 'bill.lookup')
  t.strictSame(call?.fields, { customer: '12345678', station: 'hcm-q1-001', months: 1, detail: false })
  t.equal(call?.timeoutMs, 10_000)
  t.equal(r.clock.pendingTimers, 1, 'the session keeps its own deadline')
  await settle()
  t.equal(r.session.currentStepId, 'confirm', 'status unpaid and amount > 0: case 2')
  t.equal(r.effects.screen.body, 'Amount 185000 VND. OK to pay')
  t.equal(call?.signal.aborted, false, 'a call that answered is not aborted afterwards')
  t.equal(r.clock.pendingTimers, 1, 'only the confirm step countdown')
})

t.test('branch: the first case that holds wins, otherwise when none does', async (t) => {
  for (const [reply, step] of [
    [{ ...BILL, status: 'paid' }, 'already_paid'],
    [{ ...BILL, amount: 0 }, 'offline'],
    [{ ...BILL, status: 'unknown' }, 'offline'],
    [{ ...BILL, amount: 'n/a' }, 'offline'],
  ] as const) {
    const r = rig({ yaml: WATER_BILL })
    r.effects.requestWith = async () => reply
    toLookup(r)
    await settle()
    t.equal(r.results[0]?.stepId, step, JSON.stringify(reply))
    t.equal(r.clock.pendingTimers, 0)
  }
})

t.test('pay_qr: builds the VietQR from the reply, prints it on the slip, then wait_for waits for the matching payment', async (t) => {
  const r = rig({ yaml: WATER_BILL, language: 'vi' })
  r.effects.requestWith = async () => BILL
  toLookup(r)
  await settle()
  r.press('ok')
  t.equal(r.session.currentStepId, 'pay')
  t.equal(r.effects.screen.body, 'Đang in mã QR')
  await settle()
  const expected = buildVietQr({ bin: '970436', account: '0011004455667', amount: '185000', purpose: 'Tiền nước HD-2026-0042' })
  t.strictSame(r.effects.receipts, [
    {
      lines: [
        // A payment slip is a receipt too: the same head.
        { kind: 'text', align: 'center', text: 'Trạm hcm-q1-001' },
        { kind: 'text', align: 'center', text: 'Ngày giờ: 20/01/2026 14:05' },
        { kind: 'rule' },
        { kind: 'text', align: 'center', text: 'Hóa đơn HD-2026-0042' },
        { kind: 'qr', data: expected },
        { kind: 'text', text: '185.000 đ' },
      ],
    },
  ])
  t.match(parseVietQr(expected), { bin: '970436', account: '0011004455667', amount: '185000', purpose: 'Tien nuoc HD-2026-0042' })
  t.equal(r.session.currentStepId, 'paying')
  t.equal(r.effects.screen.body, 'Quét mã QR để trả')
  t.equal(r.effects.waits.length, 1)
  t.equal(r.effects.waits[0]?.name, 'payment.confirmed')
  t.strictSame(r.effects.waits[0]?.fields, { bill: 'HD-2026-0042' })
  t.equal(r.effects.waits[0]?.timeoutMs, 300_000)
})

t.test('wait_for: the event moves on and its fields are kept like a reply; no timer or call is left', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  r.effects.requestWith = async () => BILL
  let confirm: (fields: Record<string, unknown>) => void = () => {}
  r.effects.waitWith = () => new Promise((resolve) => (confirm = resolve))
  toLookup(r)
  await settle()
  r.press('ok')
  await settle()
  t.equal(r.session.currentStepId, 'paying')
  r.clock.advance(299_999)
  confirm({ bill: 'HD-2026-0042', amount: 185000, txn: 'FT26020' })
  await settle()
  t.strictSame(r.results, [{ outcome: 'completed', stepId: 'thanks' }])
  t.equal(r.effects.screen.body, 'Received 185000 VND')
  t.equal(r.effects.waits[0]?.signal.aborted, false)
  t.equal(r.clock.pendingTimers, 0)
  const published = JSON.stringify(r.effects.events)
  t.notOk(published.includes('12345678'), 'events do not carry the customer code')
})

t.test('wait_for: a timeout goes to on_timeout and aborts the wait', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  r.effects.requestWith = async () => BILL
  toLookup(r)
  await settle()
  r.press('ok')
  await settle()
  r.clock.advance(300_000)
  t.strictSame(r.results, [{ outcome: 'cancelled', stepId: 'not_paid' }])
  t.equal(r.effects.waits[0]?.signal.aborted, true)
  await settle()
  t.equal(r.clock.pendingTimers, 0)
})

t.test('wait_for: after the slip there is no step to go back to, so back asks; yes abandons the wait', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  r.effects.requestWith = async () => BILL
  toLookup(r)
  await settle()
  r.press('ok')
  await settle()
  r.press('1', 'ok')
  t.equal(r.session.currentStepId, 'paying', 'other keys are ignored while waiting')
  r.press('back')
  t.equal(r.effects.screen.body, 'End this procedure?')
  t.equal(r.effects.waits[0]?.signal.aborted, false, 'the wait goes on while the resident answers')
  r.press('2')
  t.equal(r.session.currentStepId, 'paying', 'no: still waiting')
  t.strictSame(r.results, [])
  r.press('back', '1')
  t.strictSame(r.results, [{ outcome: 'cancelled', stepId: 'paying' }])
  t.equal(r.effects.waits[0]?.signal.aborted, true)
  t.match(r.effects.waits[0]?.signal.reason, { code: 'E_CANCELED' })
  await settle()
  t.equal(r.clock.pendingTimers, 0)
})

t.test('request: back abandons the call, returns to the previous step with its answer forgotten, and ignores a late reply', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  let reply: (value: unknown) => void = () => {}
  r.effects.requestWith = () => new Promise((resolve) => (reply = resolve))
  toLookup(r)
  r.press('5', 'ok')
  t.equal(r.session.currentStepId, 'lookup', 'keys other than back are ignored')
  r.press('back')
  t.equal(r.session.currentStepId, 'customer')
  t.strictSame(r.effects.screen, { title: 'Water bill', body: 'Customer code', input: '12345678' }, 'the code typed is kept')
  t.equal(r.effects.requests[0]?.signal.aborted, true)
  reply(BILL)
  await settle()
  t.equal(r.session.currentStepId, 'customer', 'the late reply is ignored')
  t.equal(r.clock.pendingTimers, 1, 'only the input countdown')
  r.press(...Array.from({ length: 9 }, () => 'back' as const), '1')
  t.strictSame(r.results, [{ outcome: 'cancelled', stepId: 'customer' }])
  t.equal(r.clock.pendingTimers, 0)
})

t.test('request: an error is tried again after a pause, up to retries, then goes to on_error', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  r.effects.requestWith = () => Promise.reject(new StationError('E_MQTT_UNAVAILABLE', 'offline'))
  toLookup(r)
  await settle()
  t.equal(r.effects.requests.length, 1)
  r.clock.advance(999)
  t.equal(r.effects.requests.length, 1, 'no retry before the pause is over')
  r.clock.advance(1)
  t.equal(r.effects.requests.length, 2)
  await settle()
  r.clock.advance(1000)
  await settle()
  t.equal(r.effects.requests.length, 3, 'one attempt and two retries')
  t.strictSame(r.results, [{ outcome: 'failed', stepId: 'offline' }])
  t.strictSame(
    r.effects.events.filter((event) => event.type === 'effect.failed').map((event) => event.fields),
    [1, 2, 3].map((attempt) => ({ flow: 'water-bill', version: 2, step: 'lookup', effect: 'request', code: 'E_MQTT_UNAVAILABLE', attempt })),
  )
  t.equal(r.clock.pendingTimers, 0)
})

t.test('request: each attempt times out on the session clock, is aborted, and the last timeout goes to on_timeout', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  r.effects.requestWith = (call) => new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason)))
  toLookup(r)
  r.clock.advance(9_999)
  t.equal(r.effects.requests.length, 1)
  r.clock.advance(1)
  t.equal(r.effects.requests[0]?.signal.aborted, true)
  t.equal(r.effects.requests.length, 2, 'after a timeout the next attempt starts at once')
  r.clock.advance(20_000)
  await settle()
  t.equal(r.effects.requests.length, 3)
  t.strictSame(r.results, [{ outcome: 'failed', stepId: 'slow' }])
  t.ok(r.effects.requests.every((call) => call.signal.aborted))
  t.strictSame(r.effects.events.filter((event) => event.type === 'effect.failed').map((event) => event.fields['code']), ['timeout', 'timeout', 'timeout'])
  t.equal(r.clock.pendingTimers, 0)
})

t.test('request: a timeout reported by the effect counts as a timeout; a reply that is not an object as an invalid reply', async (t) => {
  const timedOut = rig({ yaml: WATER_BILL.replace('retries: 2', 'retries: 0') })
  timedOut.effects.requestWith = () => Promise.reject(new StationError('E_DEVICE_TIMEOUT', 'no reply'))
  toLookup(timedOut)
  await settle()
  t.strictSame(timedOut.results, [{ outcome: 'failed', stepId: 'slow' }])

  const odd = rig({ yaml: WATER_BILL.replace('retries: 2', 'retries: 0') })
  odd.effects.requestWith = async () => ['not', 'an', 'object']
  toLookup(odd)
  await settle()
  t.strictSame(odd.results, [{ outcome: 'failed', stepId: 'offline' }])
  t.match(odd.effects.events.find((event) => event.type === 'effect.failed')?.fields, { code: 'E_REPLY_INVALID', field: '', problem: 'not_object' })
})

t.test('request: a timeout without on_timeout goes to on_error', async (t) => {
  const r = rig({ yaml: WATER_BILL.replace('retries: 2', 'retries: 0').replace('    on_timeout: slow\n', '') })
  r.effects.requestWith = (call) => new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason)))
  toLookup(r)
  r.clock.advance(10_000)
  await settle()
  t.strictSame(r.results, [{ outcome: 'failed', stepId: 'offline' }])
})

t.test('a station without request or waitFor takes the failure path at run time', async (t) => {
  const noRequest = new RecordingEffects()
  delete noRequest.request
  const r = rig({ yaml: WATER_BILL, effects: noRequest })
  toLookup(r)
  t.strictSame(r.results, [{ outcome: 'failed', stepId: 'offline' }])
  t.match(r.effects.events.find((event) => event.type === 'effect.failed')?.fields, { effect: 'request', code: 'unsupported' })

  const noWait = new RecordingEffects()
  delete noWait.waitFor
  noWait.requestWith = async () => BILL
  const w = rig({ yaml: WATER_BILL, effects: noWait })
  toLookup(w)
  await settle()
  w.press('ok')
  await settle()
  t.strictSame(w.results, [{ outcome: 'cancelled', stepId: 'not_paid' }], 'no on_error: on_timeout')
  t.equal(w.clock.pendingTimers, 0)
})

t.test('wait_for: a failing wait goes to on_error when there is one', async (t) => {
  const yaml = WATER_BILL.replace('    on_timeout: not_paid\n', '    on_timeout: not_paid\n    on_error: no_slip\n')
  const r = rig({ yaml })
  r.effects.requestWith = async () => BILL
  r.effects.waitWith = () => Promise.reject(new StationError('E_MQTT_UNAVAILABLE', 'gone'))
  toLookup(r)
  await settle()
  r.press('ok')
  await settle()
  await settle()
  t.strictSame(r.results, [{ outcome: 'failed', stepId: 'no_slip' }])
  t.match(r.effects.events.find((event) => event.type === 'effect.failed')?.fields, { effect: 'waitFor', code: 'E_MQTT_UNAVAILABLE' })
})

t.test('pay_qr: a bill that cannot make a VietQR goes to on_error without printing', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  r.effects.requestWith = async () => ({ ...BILL, account: 'not an account!' })
  toLookup(r)
  await settle()
  r.press('ok')
  await settle()
  t.strictSame(r.results, [{ outcome: 'failed', stepId: 'no_slip' }])
  t.equal(r.effects.receipts.length, 0)
  t.match(r.effects.events.find((event) => event.type === 'effect.failed')?.fields, { step: 'pay', effect: 'pay_qr', code: 'E_CODEC_INVALID' })
})

t.test('pay_qr: a failed print goes to on_error', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  r.effects.requestWith = async () => BILL
  r.effects.printWith = () => Promise.reject(new StationError('E_PRINTER_NOT_READY', 'paper out'))
  toLookup(r)
  await settle()
  r.press('ok')
  await settle()
  t.strictSame(r.results, [{ outcome: 'failed', stepId: 'no_slip' }])
  t.equal(r.effects.waits.length, 0)
})

t.test('cancel during a request aborts it and leaves no timer', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  r.effects.requestWith = (call) => new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason)))
  toLookup(r)
  r.session.cancel('timed_out')
  t.equal(r.effects.requests[0]?.signal.aborted, true)
  await settle()
  t.strictSame(r.results, [{ outcome: 'timed_out', stepId: 'lookup' }])
  t.equal(r.clock.pendingTimers, 0)
})

t.test('back during the pause before a retry cancels the retry too', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  r.effects.requestWith = () => Promise.reject(new StationError('E_MQTT_UNAVAILABLE', 'offline'))
  toLookup(r)
  await settle()
  r.press('back')
  t.equal(r.session.currentStepId, 'customer')
  r.clock.advance(5_000)
  t.equal(r.effects.requests.length, 1)
  t.equal(r.clock.pendingTimers, 1, 'only the input countdown')
})

t.test('replies give templates their declared fields only: no undeclared field, no inherited members', async (t) => {
  const yaml = WATER_BILL.replace('"Amount {{bill.amount}} VND. OK to pay"', '"{{bill.constructor}}|{{bill.note}}|{{bill.status}}"')
    .replace('account: string, id: string }', 'account: string, id: string, constructor: string?, note: string? }')
  const r = rig({ yaml })
  r.effects.requestWith = async () => ({ ...BILL, nested: { a: 1 }, extra: 'x' })
  toLookup(r)
  await settle()
  t.equal(r.effects.screen.body, '||unpaid')
})

t.test('input in text mode takes the keys like digits and has its own built-in "not valid" text', async (t) => {
  const r = rig({ yaml: WATER_BILL.replace('    pattern: "^[0-9]+$"\n', '') })
  r.session.start()
  r.press('1', '2', 'ok')
  t.equal(r.effects.screen.body, 'Please check it and type it again.')
})

t.test('a submit may carry a reply: its declared fields, as central sent them', async (t) => {
  const yaml = WATER_BILL.replace('    next: pay\n', '    next: keep\n').replace('  pay:\n', `  keep:
    kind: submit
    fields: [bill, customer]
    next: pay
    on_error: offline
  pay:
`)
  const r = rig({ yaml })
  r.effects.requestWith = async () => BILL
  toLookup(r)
  await settle()
  r.press('ok')
  await settle()
  const { customer: _undeclared, ...declared } = BILL
  t.strictSame(r.effects.submissions[0]?.data, { language: 'en', answers: { bill: declared, customer: '12345678' } })
  t.equal(r.effects.submissions[0]?.flow, 'water-bill')
  t.equal(r.effects.submissions[0]?.flowVersion, 2)
})

t.test('a branch loop fails the session instead of spinning', async (t) => {
  const yaml = `
id: spin
version: 1
title: { vi: "V", en: "S" }
start: a
steps:
  a: { kind: branch, cases: [ { when: true, next: b } ], otherwise: out }
  b: { kind: branch, cases: [ { when: { not: false }, next: a } ], otherwise: out }
  out: { kind: end, outcome: completed, text: { vi: "x", en: "x" } }
`
  const { session, results, clock } = rig({ yaml })
  session.start()
  t.equal(results[0]?.outcome, 'failed')
  t.equal(clock.pendingTimers, 0)
})

t.test('wait_for: a timeout the effect reports (AbortSignal.timeout) goes to on_timeout; a sender of junk is not waited on forever', async (t) => {
  const timedOut = rig({ yaml: WATER_BILL })
  timedOut.effects.requestWith = async () => BILL
  timedOut.effects.waitWith = () => Promise.reject(new DOMException('The operation timed out.', 'TimeoutError'))
  toLookup(timedOut)
  await settle()
  timedOut.press('ok')
  await settle()
  await settle()
  t.strictSame(timedOut.results, [{ outcome: 'cancelled', stepId: 'not_paid' }])
  t.notOk(timedOut.effects.types().includes('effect.failed'), 'a timeout is not a failure of the effect')

  const odd = rig({ yaml: WATER_BILL })
  odd.effects.requestWith = async () => BILL
  odd.effects.waitWith = async () => null as unknown as Record<string, unknown>
  toLookup(odd)
  await settle()
  odd.press('ok')
  await settle()
  await settle()
  t.strictSame(odd.results, [{ outcome: 'cancelled', stepId: 'not_paid' }], 'no on_error: on_timeout, before the deadline')
  const refused = odd.effects.events.filter((event) => event.type === 'effect.failed')
  t.equal(refused.length, 20, 'twenty notifications refused, then the wait fails')
  t.match(refused[0]?.fields, { step: 'paying', effect: 'waitFor', code: 'E_EVENT_INVALID', field: '', problem: 'not_object' })
  t.equal(odd.effects.waits.length, 20)
  t.equal(odd.clock.pendingTimers, 0)
})

t.test('request: a timeout error without a StationError code is reported as "timeout"', async (t) => {
  const r = rig({ yaml: WATER_BILL.replace('retries: 2', 'retries: 0') })
  r.effects.requestWith = () => Promise.reject(new DOMException('The operation timed out.', 'TimeoutError'))
  toLookup(r)
  await settle()
  t.strictSame(r.results, [{ outcome: 'failed', stepId: 'slow' }])
  t.equal(r.effects.events.find((event) => event.type === 'effect.failed')?.fields['code'], 'timeout')
})

// ---- replies and events are checked against their declared shapes ----

t.test('request: a reply that does not fit its shape fails at once, to on_error, with the field and the problem but never the value', async (t) => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['a status that is an object', { ...BILL, status: { code: 'unpaid' } }, 'status', 'type'],
    ['a status outside the enumeration', { ...BILL, status: 'overdue' }, 'status', 'enum'],
    ['an amount below min', { ...BILL, amount: -185000 }, 'amount', 'range'],
    ['an amount that is not whole', { ...BILL, amount: 185000.5 }, 'amount', 'type'],
    ['an amount written as text', { ...BILL, amount: '185000' }, 'amount', 'type'],
    ['a missing id', (({ id: _id, ...rest }) => rest)(BILL), 'id', 'missing'],
    ['a null id', { ...BILL, id: null }, 'id', 'missing'],
    ['a bin that does not fit its pattern', { ...BILL, bin: '97043' }, 'bin', 'pattern'],
    ['an id with a control character', { ...BILL, id: 'HD-2026\n0042' }, 'id', 'characters'],
    ['an id with a bidi override', { ...BILL, id: 'HD-\u202E2400' }, 'id', 'characters'],
    ['an id longer than max_length', { ...BILL, id: 'X'.repeat(201) }, 'id', 'length'],
  ]
  for (const [why, reply, field, problem] of cases) {
    const r = rig({ yaml: WATER_BILL })
    r.effects.requestWith = async () => reply
    toLookup(r)
    await settle()
    t.strictSame(r.results, [{ outcome: 'failed', stepId: 'offline' }], why)
    t.equal(r.effects.requests.length, 1, `${why}: central answered, so no retry`)
    const failed = r.effects.events.filter((event) => event.type === 'effect.failed')
    t.strictSame(failed.map((event) => event.fields), [{ flow: 'water-bill', version: 2, step: 'lookup', effect: 'request', code: 'E_REPLY_INVALID', field, problem, attempt: 1 }], why)
    t.notOk(JSON.stringify(r.effects.events).includes('HD-2026'), `${why}: no value from the reply in any event`)
    t.notOk(r.effects.screens.some((screen) => screen.body.includes('Amount')), `${why}: nothing of the reply was shown`)
    t.equal(r.clock.pendingTimers, 0)
  }
})

t.test('request: a reply that fits keeps its declared fields only; optional fields may be absent or null', async (t) => {
  const yaml = WATER_BILL.replace('account: string, id: string }', 'account: string, id: string, note: { type: string, optional: true }, found: boolean? }')
    .replace('"Amount {{bill.amount}} VND. OK to pay"', '"{{bill.amount}}|{{bill.note}}|{{bill.extra}}"')
  const refused = parseFlow(yaml, 'f.yaml')
  t.match(refused.diagnostics, [{ code: 'FLOW_UNDECLARED_FIELD' }], 'the check refuses a field no shape declares')
  const r = rig({ yaml: yaml.replace('|{{bill.extra}}', '') })
  r.effects.requestWith = async () => ({ ...BILL, note: null, extra: 'dropped', found: true })
  toLookup(r)
  await settle()
  t.equal(r.session.currentStepId, 'confirm')
  t.equal(r.effects.screen.body, '185000|')
})

t.test('wait_for: the whole match goes to the effect; a notification for another amount, or one that does not fit, is waited past', async (t) => {
  const yaml = WATER_BILL.replace('match: { bill: "{{bill.id}}" }', 'match: { bill: "{{bill.id}}", amount: "{{bill.amount}}" }')
  const r = rig({ yaml })
  r.effects.requestWith = async () => BILL
  const answers: Array<Record<string, unknown>> = [
    { bill: 'HD-2026-0042', amount: 1000 },
    { bill: 'HD-2026-0042', amount: '185000' },
    { bill: 'HD-2026-0042', amount: 185000, paidAt: '2026-02-01T03:00:00.000Z', txn: 'FT1' },
  ]
  r.effects.waitWith = async () => answers.shift() ?? {}
  toLookup(r)
  await settle()
  r.press('ok')
  await settle()
  t.strictSame(r.results, [{ outcome: 'completed', stepId: 'thanks' }])
  t.equal(r.effects.screen.body, 'Received 185000 VND')
  t.strictSame(r.effects.waits.map((call) => call.fields), Array(3).fill({ bill: 'HD-2026-0042', amount: '185000' }))
  t.strictSame(r.effects.waits.map((call) => call.timeoutMs), [300_000, 300_000, 300_000], 'the time left of the step (no time passed between)')
  t.strictSame(
    r.effects.events.filter((event) => event.type === 'effect.failed').map((event) => event.fields),
    [
      { flow: 'water-bill', version: 2, step: 'paying', effect: 'waitFor', code: 'E_EVENT_MISMATCH', field: 'amount' },
      { flow: 'water-bill', version: 2, step: 'paying', effect: 'waitFor', code: 'E_EVENT_INVALID', field: 'amount', problem: 'type' },
    ],
  )
  t.equal(r.clock.pendingTimers, 0)
})

t.test('wait_for: a refused notification does not move the deadline', async (t) => {
  const r = rig({ yaml: WATER_BILL })
  r.effects.requestWith = async () => BILL
  let calls = 0
  r.effects.waitWith = (call) => (++calls === 1 ? Promise.resolve({ bill: 'HD-2026-0042', amount: 'lots' }) : new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason))))
  toLookup(r)
  await settle()
  r.press('ok')
  await settle()
  r.clock.advance(100_000)
  await settle()
  t.equal(r.session.currentStepId, 'paying')
  r.clock.advance(200_000)
  await settle()
  t.strictSame(r.results, [{ outcome: 'cancelled', stepId: 'not_paid' }])
  t.equal(r.effects.waits[1]?.signal.aborted, true)
  t.equal(r.clock.pendingTimers, 0)
})
