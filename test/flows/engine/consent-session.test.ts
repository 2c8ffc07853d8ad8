import t from 'tap'
import type { KeyName } from '../../../config/schema.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { FlowSession, type FlowResult } from '../../../flows/engine/flow-session.js'
import type { FlowDefinition } from '../../../flows/engine/flow-types.js'
import { parseFlow } from '../../../flows/engine/flow-validate.js'
import type { Identity } from '../../../flows/engine/identity.js'
import { renderScreen } from '../../../flows/engine/render-screen.js'
import { RecordingEffects } from '../../support/recording-effects.js'

/** Synthetic identity (docs/protocols.md 7.1), not a real person; with a card UID no submission may carry. */
const CCCD: Identity = {
  source: 'cccd_qr',
  personalId: '079203000001',
  name: 'Nguyễn Văn An',
  birthDate: '2003-08-15',
  sex: 'male',
  address: '12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh',
  cardUid: '04A224E2C85A80',
}

const flowYaml = (identity: string) => `id: consent-test
version: 1
title: { vi: "Thử", en: "Try" }
start: identify
steps:
  identify:
    kind: scan_id
    accept: [cccd_qr, mrz]
    text: { vi: "Quét CCCD", en: "Scan your ID" }
    timeout_s: 60
    next: pick
  pick:
    kind: choose
    save_as: pick
    text: { vi: "Chọn", en: "Choose" }
    timeout_s: 60
    options:
      - { value: techcombank, label: { vi: "Techcombank", en: "Techcombank" }, next: consent }
  consent:
    kind: consent
    recipient: { vi: "{{pick}}", en: "{{pick}}" }
    timeout_s: 60
    next: send
  send:
    kind: submit
    fields: [pick]
    identity: ${identity}
    next: done
    on_error: done
  done: { kind: end, outcome: completed, text: { vi: "Xong", en: "Done" } }
`

function load(yaml: string): FlowDefinition {
  const { flow, diagnostics } = parseFlow(yaml, 'consent-test.yaml')
  if (!flow) throw new Error(`test flow invalid: ${JSON.stringify(diagnostics)}`)
  return flow
}

function rig(identity: string, language: 'vi' | 'en', presented: Identity = CCCD) {
  const clock = new SimClock(Date.UTC(2026, 0, 20, 7, 5))
  const effects = new RecordingEffects()
  const session = new FlowSession({ flow: load(flowYaml(identity)), language, effects, clock, identity: presented })
  const results: FlowResult[] = []
  session.onEnd((result) => results.push(result))
  const press = (...keys: KeyName[]) => keys.forEach((key) => session.key(key))
  return { session, effects, results, press }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve))
const rows = (effects: RecordingEffects) => renderScreen(effects.screen, { cols: 20, rows: 4, page: effects.screen.page ?? 0 }).rows

t.test('a submission carries exactly the declared identity fields: no other field, no card UID', async (t) => {
  const { session, effects, press } = rig('[id_number, sex]', 'en')
  session.start()
  press('1')
  for (let page = 0; page < 5 && session.currentStepId === 'consent'; page++) press('ok')
  t.equal(session.currentStepId, 'send', 'ok agrees on the last page')
  await settle()
  t.strictSame(effects.submissions[0]?.data, { language: 'en', answers: { pick: 'techcombank' }, identity: { source: 'cccd_qr', verified: 'none', personalId: '079203000001', sex: 'male' } })
  const sent = JSON.stringify(effects.submissions)
  for (const undeclared of ['Nguyễn Văn An', '2003-08-15', 'Lê Lợi', '04A224E2C85A80']) t.notOk(sent.includes(undeclared), `${undeclared} is not sent`)
})

t.test('a declared field the document does not carry goes as null, so central sees it was asked for', async (t) => {
  const mrz: Identity = { source: 'mrz', personalId: '079203000001', name: 'NGUYEN VAN AN', sex: 'male' }
  const { session, effects, press } = rig('[id_number, name, address]', 'en', mrz)
  session.start()
  press('1')
  for (let page = 0; page < 5 && session.currentStepId === 'consent'; page++) press('ok')
  await settle()
  t.strictSame(effects.submissions[0]?.data['identity'], { source: 'mrz', verified: 'none', personalId: '079203000001', name: 'NGUYEN VAN AN', address: null })
})

for (const language of ['vi', 'en'] as const) {
  t.test(`(${language}) a long consent pages on the 20x4 display, ok reads on, and only the last page agrees`, async (t) => {
    const { session, effects, press } = rig('[id_number, name, birth_date, sex, address]', language)
    session.start()
    press('1')
    t.equal(session.currentStepId, 'consent')
    const pageCount = renderScreen(effects.screen, { cols: 20, rows: 4, page: 0 }).pageCount
    t.ok(pageCount >= 2, 'five fields do not fit one screen')
    const seen: string[] = []
    for (let page = 0; page < pageCount; page++) {
      t.equal(session.currentStepId, 'consent', `still asking on page ${page + 1}`)
      const shown = rows(effects)
      t.match(shown[0], new RegExp(`${page + 1}/${pageCount}$`), 'the title row says which page')
      seen.push(...shown.slice(1))
      t.strictSame(effects.submissions, [], 'nothing is sent while reading')
      press('ok')
    }
    t.equal(session.currentStepId, 'send', 'ok on the last page agrees')
    const text = seen.map((row) => row.trim()).join(' ')
    const names = language === 'vi' ? ['Techcombank', 'số CCCD', 'họ tên', 'ngày sinh', 'giới tính', 'địa chỉ', 'OK: đồng ý', 'Trở lại: không'] : ['Techcombank', 'ID number', 'name', 'birth date', 'sex', 'address', 'OK: I agree', 'Back: no']
    for (const name of names) t.ok(text.includes(name), `the resident read "${name}"`)
    await settle()
    t.equal(effects.submissions.length, 1)
  })
}

t.test('back on the consent refuses: nothing is sent and the resident is back at the choice', async (t) => {
  const { session, effects, results, press } = rig('[id_number, name, birth_date, sex, address]', 'vi')
  session.start()
  press('1', 'ok', 'back')
  t.equal(session.currentStepId, 'pick', 'back even after reading on a page')
  press('back')
  t.strictSame(results, [], 'the card was given before the flow: back on the first waiting step asks first')
  press('1')
  await settle()
  t.strictSame(results, [{ outcome: 'cancelled', stepId: 'pick' }], 'and yes cancels')
  t.strictSame(effects.submissions, [])
})
