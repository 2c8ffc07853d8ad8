import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parseFlow, type Diagnostic } from '../../../flows/engine/flow-validate.js'

const FLOWS_DIR = fileURLToPath(new URL('../../../flows/', import.meta.url))

/** A referral as the bundled ones were: a hand-written consent naming name and phone, a submit sending more. Lines matter below. */
const REFERRAL = `id: referral
version: 1
title: { vi: "Giới thiệu", en: "Referral" }
start: identify
steps:
  identify:
    kind: scan_id
    accept: [cccd_qr]
    text: { vi: "Quét CCCD", en: "Scan your ID" }
    timeout_s: 60
    next: phone
  phone:
    kind: input
    save_as: phone
    mode: digits
    max_length: 10
    text: { vi: "SĐT", en: "Phone" }
    timeout_s: 60
    next: consent
  consent:
    kind: show
    text:
      vi: "Gửi họ tên, SĐT cho ngân hàng? OK: có"
      en: "Share your name and phone with the bank? OK: yes"
    timeout_s: 60
    next: send
  send:
    kind: submit
    fields: [phone]
    identity: [id_number, name, birth_date, sex, address]
    next: done
    on_error: done
  done:
    kind: end
    outcome: completed
    text: { vi: "Xong", en: "Done" }
`

const CONSENT_STEP = `  consent:
    kind: consent
    recipient: { vi: "ngân hàng", en: "the bank" }
    timeout_s: 60
    next: send
`

const brief = (diagnostics: Diagnostic[]) => diagnostics.map(({ code, severity, line, step }) => ({ code, severity, line, step }))
const mismatches = (diagnostics: Diagnostic[]) => diagnostics.filter((diagnostic) => diagnostic.code === 'FLOW_CONSENT_MISMATCH')

/** The REFERRAL's consent step replaced by `step` (the text from `  consent:` to `  send:`). */
function withConsent(step: string): string {
  const start = REFERRAL.indexOf('  consent:\n')
  const end = REFERRAL.indexOf('  send:\n')
  return REFERRAL.slice(0, start) + step + REFERRAL.slice(end)
}

t.test('a hand-written consent naming fewer fields than the submit sends is refused, with file, line and what is missing', async (t) => {
  const result = parseFlow(REFERRAL, 'referral.yaml')
  t.equal(result.flow, undefined, 'the flow is not loaded')
  const found = mismatches(result.diagnostics)
  t.strictSame(brief(found), [
    // The show step names only the name: its text is checked as a consent.
    { code: 'FLOW_CONSENT_MISMATCH', severity: 'error', line: 23, step: 'consent' },
    // And it is no consent step: the submit has no consent before it.
    { code: 'FLOW_CONSENT_MISMATCH', severity: 'error', line: 30, step: 'send' },
  ])
  t.equal(found[0]?.file, 'referral.yaml')
  t.match(found[0]?.message, /steps\.consent\.text\.vi: does not name id_number, birth_date, sex, address/)
  t.match(found[1]?.message, /steps\.send: sends id_number, name, birth_date, sex, address on a path from 'identify' with no consent step/)
})

t.test('the same flow with a consent step made from the declaration passes, and its screen names every field sent', async (t) => {
  const result = parseFlow(withConsent(CONSENT_STEP), 'referral.yaml')
  t.strictSame(result.diagnostics, [])
  const consent = result.flow?.steps.get('consent')
  t.match(consent, { kind: 'consent', fields: ['id_number', 'name', 'birth_date', 'sex', 'address'], withAnswers: true })
  if (consent?.kind !== 'consent') return
  t.equal(consent.text.vi, 'Gửi cho ngân hàng: số CCCD, họ tên, ngày sinh, giới tính, địa chỉ và thông tin vừa nhập.')
  t.equal(consent.text.en, 'Send to the bank: ID number, name, birth date, sex, address and what you entered.')
})

t.test('a consent step whose own text leaves out a field, or names one not sent, is refused in the language that disagrees', async (t) => {
  const written = (vi: string, en: string) => withConsent(`  consent:
    kind: consent
    recipient: { vi: "ngân hàng", en: "the bank" }
    text: { vi: "${vi}", en: "${en}" }
    timeout_s: 60
    next: send
`)
  const agreeing = written('Gửi số CCCD, họ và tên, ngày sinh, giới tính, địa chỉ cho ngân hàng?', 'Send your ID number, name, date of birth, sex and address to the bank?')
  t.strictSame(parseFlow(agreeing, 'f.yaml').diagnostics, [], 'a text naming every field (in other words of the catalogue) passes')

  const fewerInEnglish = parseFlow(written('Gửi số CCCD, họ tên, ngày sinh, giới tính, địa chỉ?', 'Send your name and ID number?'), 'f.yaml')
  t.strictSame(brief(mismatches(fewerInEnglish.diagnostics)), [{ code: 'FLOW_CONSENT_MISMATCH', severity: 'error', line: 23, step: 'consent' }])
  t.match(mismatches(fewerInEnglish.diagnostics)[0]?.message, /text\.en: does not name birth_date, sex, address/)

  const vague = parseFlow(written('Gửi thông tin CCCD cho ngân hàng?', 'Share your ID data with the bank?'), 'f.yaml')
  t.match(mismatches(vague.diagnostics)[0]?.message, /does not name id_number, name, birth_date, sex, address \(saying "ID data" does not say which\)/)

  const narrow = REFERRAL.replace('identity: [id_number, name, birth_date, sex, address]', 'identity: [id_number, name]')
  const start = narrow.indexOf('  consent:\n')
  const extra = narrow.slice(0, start) + `  consent:
    kind: consent
    recipient: { vi: "ngân hàng", en: "the bank" }
    text: { vi: "Gửi số CCCD, họ tên, địa chỉ?", en: "Send your ID number, name and address?" }
    timeout_s: 60
    next: send
` + narrow.slice(narrow.indexOf('  send:\n'))
  const other = mismatches(parseFlow(extra, 'f.yaml').diagnostics)
  t.equal(other.length, 1)
  t.match(other[0]?.message, /names address, which no submission after it sends/)
})

t.test('"name" inside a longer word is not the name field', async (t) => {
  const narrow = REFERRAL.replace('identity: [id_number, name, birth_date, sex, address]', 'identity: [id_number]')
  const yaml = narrow.slice(0, narrow.indexOf('  consent:\n')) + `  consent:
    kind: consent
    recipient: { vi: "ngân hàng", en: "the bank" }
    text: { vi: "Gửi số CCCD?", en: "Send your ID number (no username)?" }
    timeout_s: 60
    next: send
` + narrow.slice(narrow.indexOf('  send:\n'))
  t.strictSame(parseFlow(yaml, 'f.yaml').diagnostics, [])
})

t.test('a submit on consent needs a consent step on every path; another legal basis needs none', async (t) => {
  const noConsent = withConsent('').replace('    next: consent\n', '    next: send\n')
  t.strictSame(brief(mismatches(parseFlow(noConsent, 'f.yaml').diagnostics)), [{ code: 'FLOW_CONSENT_MISMATCH', severity: 'error', line: 23, step: 'send' }])
  const publicTask = noConsent.replace('    identity: [id_number, name, birth_date, sex, address]\n', '    identity: [id_number, name, birth_date, sex, address]\n    legal_basis: public_task\n')
  t.strictSame(parseFlow(publicTask, 'f.yaml').diagnostics, [])

  // A path around the consent step (the phone step's timeout goes straight to the submit).
  const around = withConsent(CONSENT_STEP).replace('    next: consent\n', '    next: consent\n    on_timeout: send\n')
  t.strictSame(brief(mismatches(parseFlow(around, 'f.yaml').diagnostics)), [{ code: 'FLOW_CONSENT_MISMATCH', severity: 'error', line: 29, step: 'send' }])
})

t.test('a consent step with no identity submit after it asks for nothing and is refused', async (t) => {
  const nothing = withConsent(CONSENT_STEP).replace('    identity: [id_number, name, birth_date, sex, address]\n', '')
  t.strictSame(brief(mismatches(parseFlow(nothing, 'f.yaml').diagnostics)), [{ code: 'FLOW_CONSENT_MISMATCH', severity: 'error', line: 20, step: 'consent' }])
})

t.test('identity: true is refused with the list it must be instead', async (t) => {
  const result = parseFlow(withConsent(CONSENT_STEP).replace('identity: [id_number, name, birth_date, sex, address]', 'identity: true'), 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_SCHEMA', severity: 'error', line: 28, step: 'send' }], 'one problem, not also a consent that asks for nothing')
  t.match(result.diagnostics[0]?.message, /steps\.send\.identity: expected a list of identity fields \(id_number, name, birth_date, sex, address\) \(got true\)/)
  const unknown = parseFlow(withConsent(CONSENT_STEP).replace('identity: [id_number, name, birth_date, sex, address]', 'identity: [id_number, phone]'), 'f.yaml')
  t.strictSame(brief(unknown.diagnostics), [{ code: 'FLOW_SCHEMA', severity: 'error', line: 28, step: 'send' }])
  t.match(unknown.diagnostics[0]?.message, /identity\[1\]: expected one of id_number, name/)
})

t.test('each bundled referral as it was (a hand-written consent naming name and phone only) is refused; as bundled it passes', async (t) => {
  for (const id of ['referral-bank-account', 'referral-consumer-loan', 'referral-mobile-id']) {
    const file = `${FLOWS_DIR}${id}.yaml`
    const bundled = await readFile(file, 'utf8')
    t.strictSame(parseFlow(bundled, file).diagnostics, [], `${id} passes as bundled`)
    const start = bundled.indexOf('  consent:\n')
    const end = bundled.indexOf('\n\n', start)
    t.ok(start > 0 && end > start, `${id} has a consent step`)
    const old = bundled.slice(0, start) + `  consent:
    kind: show
    text:
      vi: "Gửi họ tên, SĐT cho\\nbên nhận? OK: có\\nTrở lại: không"
      en: "Share your name and phone?\\nOK: yes  Back: no"
    timeout_s: 60
    next: confirm` + bundled.slice(end)
    const refused = mismatches(parseFlow(old, file).diagnostics)
    t.ok(refused.some((diagnostic) => diagnostic.step === 'consent' && /does not name id_number/.test(diagnostic.message)), `${id}: the old consent text is refused`)
    t.ok(refused.some((diagnostic) => diagnostic.step === 'send'), `${id}: the submit has no consent before it`)
  }
})

t.test('a show step naming an identity word in one language only (a reply field labelled "Name") is not taken for a consent', async (t) => {
  const publicTask = REFERRAL.replace('    identity: [id_number, name, birth_date, sex, address]\n', '    identity: [id_number]\n    legal_basis: public_task\n')
  const yaml = publicTask.replace('      vi: "Gửi họ tên, SĐT cho ngân hàng? OK: có"\n      en: "Share your name and phone with the bank? OK: yes"', '      vi: "Khách hàng: {{phone}}"\n      en: "Name: {{phone}}"')
  t.notOk(yaml.includes('Gửi họ tên'), 'the text was replaced')
  t.strictSame(parseFlow(yaml, 'f.yaml').diagnostics, [])
  const both = publicTask.replace('      en: "Share your name and phone with the bank? OK: yes"', '      en: "Share your name and phone with the bank? OK: yes"')
  t.match(mismatches(parseFlow(both, 'f.yaml').diagnostics), [{ step: 'consent', message: /does not name id_number/ }], 'in both languages it is a consent, checked')
})
