import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { loadFlowsDir } from '../../../flows/engine/flow-folder.js'
import { parseFlow, type Diagnostic } from '../../../flows/engine/flow-validate.js'
import { MAX_WRITTEN_OPTIONS } from '../../../flows/engine/flow-file-schema.js'
import { testDir } from '../../support/test-dir.js'

/** A small valid flow; tests break one thing at a time. Line numbers below refer to this layout. */
const GOOD = `id: tiny
version: 2
title: { vi: "Thử", en: "Try" }
start: ask
steps:
  ask:
    kind: choose
    save_as: pick
    text: { vi: "Chọn", en: "Choose" }
    timeout_s: 30
    options:
      - { value: a, label: { vi: "A", en: "A" }, next: done }
  done:
    kind: end
    outcome: completed
    text: { vi: "Xong {{pick}}", en: "Done {{pick}}" }
`

const brief = (diagnostics: Diagnostic[]) => diagnostics.map(({ code, severity, line, step }) => ({ code, severity, line, step }))

t.test('accepts a valid flow and types its steps', async (t) => {
  const { flow, diagnostics } = parseFlow(GOOD, 'tiny.yaml')
  t.strictSame(diagnostics, [])
  t.ok(flow)
  t.equal(flow?.id, 'tiny')
  t.equal(flow?.version, 2)
  t.equal(flow?.start, 'ask')
  t.strictSame([...(flow?.steps.keys() ?? [])], ['ask', 'done'])
  t.match(flow?.steps.get('ask'), { kind: 'choose', saveAs: 'pick', timeoutS: 30, options: [{ value: 'a', next: 'done' }] })
})

t.test('reports YAML syntax errors as FLOW_SCHEMA with their line and yields no flow', async (t) => {
  const result = parseFlow('id: x\nversion: 1\ntitle: { vi: "a", en: "b"\nstart: a\n', 'broken.yaml')
  t.equal(result.flow, undefined)
  t.ok(result.diagnostics.length > 0)
  t.equal(result.diagnostics[0]?.code, 'FLOW_SCHEMA')
  t.equal(result.diagnostics[0]?.file, 'broken.yaml')
  t.ok((result.diagnostics[0]?.line ?? 0) >= 3)
})

t.test('reports an unknown step kind with the step and its line', async (t) => {
  const result = parseFlow(GOOD.replace('kind: choose', 'kind: pick_one'), 'f.yaml')
  t.equal(result.flow, undefined)
  t.match(brief(result.diagnostics), [{ code: 'FLOW_SCHEMA', severity: 'error', line: 7, step: 'ask' }])
  t.match(result.diagnostics[0]?.message, /pick_one/)
})

t.test('reports unknown keys, wrong types and a bad flow id as FLOW_SCHEMA', async (t) => {
  const yaml = GOOD.replace('id: tiny', 'id: Tiny Flow')
    .replace('version: 2', 'version: "two"')
    .replace('    timeout_s: 30\n', '    timeout_s: 30\n    on_timout: done\n')
  const result = parseFlow(yaml, 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_SCHEMA', severity: 'error', line: 1, step: undefined },
    { code: 'FLOW_SCHEMA', severity: 'error', line: 2, step: undefined },
    { code: 'FLOW_SCHEMA', severity: 'error', line: 11, step: 'ask' },
  ])
  t.match(result.diagnostics[2]?.message, /unknown key 'on_timout'/)
})

t.test('reports a target that names no step as FLOW_UNKNOWN_TARGET on the line of the reference', async (t) => {
  const result = parseFlow(GOOD.replace('next: done', 'next: finish'), 'f.yaml')
  t.equal(result.flow, undefined)
  const unknown = result.diagnostics.filter((d) => d.code === 'FLOW_UNKNOWN_TARGET')
  t.strictSame(brief(unknown), [{ code: 'FLOW_UNKNOWN_TARGET', severity: 'error', line: 12, step: 'ask' }])
  t.match(unknown[0]?.message, /finish/)
  const badStart = parseFlow(GOOD.replace('start: ask', 'start: begin'), 'f.yaml')
  t.strictSame(brief(badStart.diagnostics), [{ code: 'FLOW_UNKNOWN_TARGET', severity: 'error', line: 4, step: undefined }])
})

t.test('warns about a step no path reaches, and still yields the flow', async (t) => {
  const yaml = `${GOOD}  orphan:
    kind: show
    text: { vi: "Lạc", en: "Lost" }
    timeout_s: 5
    next: done
`
  const result = parseFlow(yaml, 'f.yaml')
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_UNREACHABLE', severity: 'warning', line: 17, step: 'orphan' }])
  t.ok(result.flow)
})

t.test('requires timeout_s on every waiting step (FLOW_NO_TIMEOUT)', async (t) => {
  const result = parseFlow(GOOD.replace('    timeout_s: 30\n', ''), 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_NO_TIMEOUT', severity: 'error', line: 6, step: 'ask' }])
})

t.test('requires on_error on submit and print steps (FLOW_NO_FAILURE_PATH)', async (t) => {
  const yaml = GOOD.replace('next: done }', 'next: send }') + `  send:
    kind: submit
    fields: [pick]
    next: slip
  slip:
    kind: print
    template: [ { kind: text, text: "{{reference}}" } ]
    next: done
`
  const result = parseFlow(yaml, 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_NO_FAILURE_PATH', severity: 'error', line: 17, step: 'send' },
    { code: 'FLOW_NO_FAILURE_PATH', severity: 'error', line: 21, step: 'slip' },
  ])
})

t.test('requires both languages in every text (FLOW_MISSING_TRANSLATION)', async (t) => {
  const yaml = GOOD.replace('text: { vi: "Chọn", en: "Choose" }', 'text: { vi: "Chọn" }')
    .replace('label: { vi: "A", en: "A" }', 'label: "A"')
  const result = parseFlow(yaml, 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_MISSING_TRANSLATION', severity: 'error', line: 9, step: 'ask' },
    { code: 'FLOW_MISSING_TRANSLATION', severity: 'error', line: 12, step: 'ask' },
  ])
  t.match(result.diagnostics[0]?.message, /missing 'en'/)
})

t.test('reports variables that no earlier step sets (FLOW_UNDEFINED_VARIABLE)', async (t) => {
  const yaml = GOOD.replace('text: { vi: "Chọn", en: "Choose" }', 'text: { vi: "Chọn {{pick}}", en: "Choose {{station.id}} {{date}} {{time}}" }')
    .replace('"Done {{pick}}"', '"Done {{pick.value}} {{reference}} {{identity.masked}} {{identity.personalId}}"')
  const result = parseFlow(yaml, 'f.yaml')
  t.equal(result.flow, undefined)
  const messages = result.diagnostics.map((d) => d.message)
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 9, step: 'ask' },
    { code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 16, step: 'done' },
    { code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 16, step: 'done' },
    { code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 16, step: 'done' },
  ])
  t.match(messages[0], /\{\{pick\}\}/)
  t.match(messages.slice(1).join('\n'), /\{\{reference\}\}/)
  t.match(messages.slice(1).join('\n'), /\{\{identity\.masked\}\}/)
  t.match(messages.slice(1).join('\n'), /raw identity fields never are/)
})

t.test('counts an answer as set only after the step succeeds, not after its timeout', async (t) => {
  const yaml = GOOD.replace('    timeout_s: 30\n', '    timeout_s: 30\n    on_timeout: late\n') + `  late:
    kind: end
    outcome: cancelled
    text: { vi: "Hết giờ {{pick}}", en: "Too late {{pick}}" }
`
  const result = parseFlow(yaml, 'f.yaml')
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 21, step: 'late' },
  ])
})

t.test('checks submit fields and identity against earlier steps', async (t) => {
  const yaml = GOOD.replace('next: done }', 'next: send }') + `  send:
    kind: submit
    fields: [pick, phone]
    identity: [name]
    legal_basis: public_task
    next: done
    on_error: done
`
  const result = parseFlow(yaml, 'f.yaml')
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 19, step: 'send' },
    { code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 20, step: 'send' },
  ])
  t.match(result.diagnostics[1]?.message, /scan_id/)
})

t.test('requires an end step reachable from start (FLOW_NO_END)', async (t) => {
  const yaml = `id: loop
version: 1
title: { vi: "Vòng", en: "Loop" }
start: a
steps:
  a:
    kind: show
    text: { vi: "A", en: "A" }
    timeout_s: 5
    next: a
    on_timeout: a
`
  const result = parseFlow(yaml, 'loop.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_NO_END', severity: 'error', line: 4, step: undefined }])
})

t.test('checks input steps: pattern, lengths, reserved names', async (t) => {
  const yaml = GOOD.replace('next: done }', 'next: phone }') + `  phone:
    kind: input
    text: { vi: "SĐT", en: "Phone" }
    save_as: reference
    mode: digits
    min_length: 5
    max_length: 3
    pattern: "^(0\\\\d{9}$"
    timeout_s: 30
    next: done
`
  const result = parseFlow(yaml, 'f.yaml')
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_SCHEMA', severity: 'error', line: 20, step: 'phone' },
    { code: 'FLOW_SCHEMA', severity: 'error', line: 23, step: 'phone' },
    { code: 'FLOW_SCHEMA', severity: 'error', line: 24, step: 'phone' },
  ])
  t.match(result.diagnostics[0]?.message, /reserved/)
  t.match(result.diagnostics[2]?.message, /regular expression/)
})

t.test('checks receipt lines: kinds, styles, QR module size', async (t) => {
  const yaml = GOOD.replace('next: done }', 'next: slip }') + `  slip:
    kind: print
    template:
      - { kind: text, text: { vi: "A", en: "B" }, align: middle }
      - { kind: qr, data: "x", module_dots: 40 }
      - { kind: picture }
      - { kind: feed, lines: 2 }
    next: done
    on_error: done
`
  const result = parseFlow(yaml, 'f.yaml')
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_SCHEMA', severity: 'error', line: 20, step: 'slip' },
    { code: 'FLOW_SCHEMA', severity: 'error', line: 21, step: 'slip' },
    { code: 'FLOW_SCHEMA', severity: 'error', line: 22, step: 'slip' },
  ])
})

t.test('reports a choose step with more written options than MAX_WRITTEN_OPTIONS, and takes that many', async (t) => {
  const written = (count: number): string => {
    const options = Array.from({ length: count }, (_, i) => `      - { value: v${i}, label: { vi: "${i}", en: "${i}" }, next: done }`).join('\n')
    return GOOD.replace('      - { value: a, label: { vi: "A", en: "A" }, next: done }', options)
  }
  const result = parseFlow(written(MAX_WRITTEN_OPTIONS + 1), 'f.yaml')
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_SCHEMA', severity: 'error', line: 12, step: 'ask' }])
  t.match(result.diagnostics[0]?.message, new RegExp(`between 1 and ${MAX_WRITTEN_OPTIONS} options`))
  t.strictSame(parseFlow(written(MAX_WRITTEN_OPTIONS), 'f.yaml').diagnostics, [])
})

t.test('loads every yaml file of a folder and reports problems by file', async (t) => {
  const dir = testDir(t, {
    'a-tiny.yaml': GOOD,
    'b-copy.yml': GOOD,
    'c-broken.yaml': GOOD.replace('    timeout_s: 30\n', ''),
    'notes.txt': 'not a flow',
  })
  await mkdir(join(dir, 'sub.yaml'))
  await writeFile(join(dir, 'd-other.yaml'), GOOD.replace('id: tiny', 'id: other'))
  const { flows, diagnostics } = await loadFlowsDir(dir)
  t.strictSame([...flows.keys()].sort(), ['other', 'tiny'])
  t.strictSame(
    diagnostics.map((d) => [d.code, d.file.slice(dir.length + 1)]),
    [
      ['FLOW_SCHEMA', 'b-copy.yml'],
      ['FLOW_NO_TIMEOUT', 'c-broken.yaml'],
    ],
  )
})

t.test('rejects with E_FLOW_INVALID when the folder cannot be read', async (t) => {
  await t.rejects(loadFlowsDir(join(testDir(t, {}), 'missing')), { code: 'E_FLOW_INVALID' })
})

t.test('reports an empty file or a file that is not a mapping, at line 1', async (t) => {
  for (const text of ['', '- a\n- b\n', 'just text\n']) {
    const result = parseFlow(text, 'odd.yaml')
    t.equal(result.flow, undefined)
    t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_SCHEMA', severity: 'error', line: 1, step: undefined }], JSON.stringify(text))
  }
})

t.test('reports every missing top-level key and a step that is not a mapping', async (t) => {
  const result = parseFlow('id: x\nsteps:\n  a: 42\n', 'f.yaml')
  t.strictSame(
    result.diagnostics.map((d) => [d.code, d.line, d.step ?? null]),
    [
      ['FLOW_SCHEMA', 1, null],
      ['FLOW_SCHEMA', 1, null],
      ['FLOW_SCHEMA', 1, null],
      ['FLOW_SCHEMA', 3, 'a'],
    ],
  )
  t.match(result.diagnostics.map((d) => d.message).join('\n'), /missing 'version'[\s\S]*missing 'title'[\s\S]*missing 'start'/)
})

t.test('resolves YAML anchors and aliases, so a text can be written once and reused', async (t) => {
  const yaml = GOOD.replace('text: { vi: "Chọn", en: "Choose" }', 'text: &ask { vi: "Chọn", en: "Choose" }')
    .replace('label: { vi: "A", en: "A" }', 'label: *ask')
  const result = parseFlow(yaml, 'f.yaml')
  t.strictSame(result.diagnostics, [])
  const ask = result.flow?.steps.get('ask')
  t.strictSame(ask?.kind === 'choose' ? ask.options[0]?.label : undefined, { vi: 'Chọn', en: 'Choose' })
})

t.test('a typo in one step kind does not also make the steps after it unreachable', async (t) => {
  const yaml = GOOD.replace('kind: choose', 'kind: chose')
  const result = parseFlow(yaml, 'f.yaml')
  t.strictSame(result.diagnostics.map((d) => d.code), ['FLOW_SCHEMA'])
})

// ---- request, branch, pay_qr, wait_for (line numbers refer to test/flows/fixtures/water-bill.yaml) ----

const WATER_BILL = readFileSync(fileURLToPath(new URL('../fixtures/water-bill.yaml', import.meta.url)), 'utf8')

t.test('reads request, branch, pay_qr and wait_for steps into typed steps', async (t) => {
  const { flow, diagnostics } = parseFlow(WATER_BILL, 'water-bill.yaml')
  t.strictSame(diagnostics, [])
  t.strictSame(flow?.steps.get('lookup'), {
    kind: 'request', id: 'lookup', method: 'bill.lookup',
    body: { customer: '{{customer.value}}', station: '{{station.id}}', months: 1, detail: false },
    saveAs: 'bill',
    reply: new Map<string, unknown>([
      ['status', { type: 'string', optional: false, maxLength: 200, enum: ['paid', 'unpaid'] }],
      ['amount', { type: 'integer', optional: false, min: 0 }],
      ['bin', { type: 'string', optional: false, maxLength: 200, pattern: '^[0-9]{6}$', example: '970436' }],
      ['account', { type: 'string', optional: false, maxLength: 200 }],
      ['id', { type: 'string', optional: false, maxLength: 200 }],
    ]),
    timeoutS: 10, retries: 2, next: 'check', onError: 'offline', onTimeout: 'slow',
    text: { vi: 'Đang tra cứu', en: 'Looking it up' },
  })
  t.match(flow?.steps.get('check'), {
    kind: 'branch',
    cases: [
      { when: { op: '==', left: '{{bill.status}}', right: 'paid' }, next: 'already_paid' },
      { when: { op: 'and', all: [{ op: '==' }, { op: '>', left: '{{bill.amount}}', right: 0 }] }, next: 'confirm' },
    ],
    otherwise: 'offline',
  })
  t.match(flow?.steps.get('pay'), { kind: 'pay_qr', bin: '{{bill.bin}}', account: '{{bill.account}}', amount: '{{bill.amount}}', purpose: 'Tiền nước {{bill.id}}', onError: 'no_slip' })
  t.match(flow?.steps.get('paying'), { kind: 'wait_for', event: 'payment.confirmed', match: { bill: '{{bill.id}}' }, saveAs: 'paid', timeoutS: 300, onTimeout: 'not_paid' })
  t.match(flow?.steps.get('customer'), { kind: 'input', mode: 'text' })
})

t.test('requires timeout_s on request and wait_for steps (FLOW_NO_TIMEOUT, on the step line)', async (t) => {
  const result = parseFlow(WATER_BILL.replace('    timeout_s: 10\n', '').replace('    timeout_s: 300\n', ''), 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_NO_TIMEOUT', severity: 'error', line: 18, step: 'lookup' },
    { code: 'FLOW_NO_TIMEOUT', severity: 'error', line: 55, step: 'paying' },
  ])
})

t.test('requires a failure path: on_error on request and pay_qr, on_timeout on wait_for (FLOW_NO_FAILURE_PATH)', async (t) => {
  const yaml = WATER_BILL.replace('    on_error: offline\n', '').replace('    on_error: no_slip\n', '').replace('    on_timeout: not_paid\n', '')
  const result = parseFlow(yaml, 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics.filter((d) => d.code === 'FLOW_NO_FAILURE_PATH')), [
    { code: 'FLOW_NO_FAILURE_PATH', severity: 'error', line: 18, step: 'lookup' },
    { code: 'FLOW_NO_FAILURE_PATH', severity: 'error', line: 42, step: 'pay' },
    { code: 'FLOW_NO_FAILURE_PATH', severity: 'error', line: 54, step: 'paying' },
  ])
})

t.test('refuses an unknown condition operator, on the line of the condition that uses it (FLOW_BAD_CONDITION)', async (t) => {
  const result = parseFlow(WATER_BILL.replace('{ "==": ["{{bill.status}}", paid] }', '{ like: ["{{bill.status}}", paid] }'), 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_BAD_CONDITION', severity: 'error', line: 33, step: 'check' }])
  t.match(result.diagnostics[0]?.message, /steps\.check\.cases\[0\]\.when: unknown operator 'like'/)
})

t.test('points a bad condition at the nested part, and reports every problem in it', async (t) => {
  const yaml = WATER_BILL.replace(
    '      - when: { and: [ { "==": ["{{bill.status}}", unpaid] }, { ">": ["{{bill.amount}}", 0] } ] }\n',
    `      - when:
          and:
            - { "==": ["{{bill.status}}"] }
            - { matches: ["{{bill.amount}}", "^1"] }
            - { "!=": [{ "==": [1, 1] }, true] }
            - { ">": [1, 2], "<": [2, 1] }
`,
  )
  const result = parseFlow(yaml, 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(result.diagnostics.map((d) => [d.code, d.line, d.step]), [
    ['FLOW_BAD_CONDITION', 37, 'check'],
    ['FLOW_BAD_CONDITION', 38, 'check'],
    ['FLOW_BAD_CONDITION', 39, 'check'],
    ['FLOW_BAD_CONDITION', 40, 'check'],
  ])
  const messages = result.diagnostics.map((d) => d.message).join('\n')
  t.match(messages, /'==' takes two values \(got 1\)/)
  t.match(messages, /unknown operator 'matches'/)
  t.match(messages, /operators cannot be nested as values/)
  t.match(messages, /exactly one operator/)
})

t.test('checks reply fields and the payment variables against what sets them (FLOW_UNDEFINED_VARIABLE)', async (t) => {
  const yaml = WATER_BILL.replace('"Amount {{bill.amount}} VND. OK to pay"', '"{{bill}} {{customer.code}} {{payment.qr}}"')
    .replace('"Customer code"', '"Code {{bill.id}}"')
  const result = parseFlow(yaml, 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 15, step: 'customer' },
    { code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 40, step: 'confirm' },
    { code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 40, step: 'confirm' },
    { code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 40, step: 'confirm' },
  ])
  const messages = result.diagnostics.map((d) => d.message)
  t.match(messages[0], /\{\{bill\.id\}\} is used before any step saves 'bill'/)
  t.match(messages[1], /'bill' is a reply/)
  t.match(messages[2], /'customer' is an answer/)
  t.match(messages[3], /\{\{payment\.qr\}\} is used outside a pay_qr step/)
})

t.test('a reply is not available on the failure paths of the request that saves it', async (t) => {
  const result = parseFlow(WATER_BILL.replace('"No answer from central"', '"No answer for {{bill.id}}"'), 'f.yaml')
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_UNDEFINED_VARIABLE', severity: 'error', line: 69, step: 'slow' }])
})

t.test('reports case and otherwise targets that name no step (FLOW_UNKNOWN_TARGET)', async (t) => {
  const result = parseFlow(WATER_BILL.replace('        next: confirm\n', '        next: confrim\n').replace('otherwise: offline', 'otherwise: ofline'), 'f.yaml')
  t.strictSame(brief(result.diagnostics.filter((d) => d.code === 'FLOW_UNKNOWN_TARGET')), [
    { code: 'FLOW_UNKNOWN_TARGET', severity: 'error', line: 36, step: 'check' },
    { code: 'FLOW_UNKNOWN_TARGET', severity: 'error', line: 37, step: 'check' },
  ])
  t.match(result.diagnostics.map((d) => d.message).join('\n'), /cases\[1\]\.next: no step named 'confrim'[\s\S]*otherwise: no step named 'ofline'/)
})

t.test('checks the shape of the new steps (FLOW_SCHEMA)', async (t) => {
  const yaml = WATER_BILL.replace('retries: 2', 'retries: 9')
    .replace('method: bill.lookup', 'method: Bill.Lookup')
    .replace('months: 1,', 'months: [1],')
    .replace('bin: "{{bill.bin}}"', 'bin: "97043"')
    .replace('save_as: paid', 'save_as: payment')
    .replace('    otherwise: offline\n', '')
  const result = parseFlow(yaml, 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(result.diagnostics.filter((d) => d.code === 'FLOW_SCHEMA').map((d) => [d.line, d.step]), [
    [20, 'lookup'],
    [21, 'lookup'],
    [25, 'lookup'],
    [30, 'check'],
    [44, 'pay'],
    [59, 'paying'],
  ])
  const messages = result.diagnostics.map((d) => d.message).join('\n')
  t.match(messages, /not a dotted name/)
  t.match(messages, /months: expected a text, a number or true\/false/)
  t.match(messages, /retries: expected an integer 0\.\.5/)
  t.match(messages, /missing 'otherwise'/)
  t.match(messages, /'97043' is not a 6-digit bank BIN/)
  t.match(messages, /'payment' is reserved/)
})

t.test('literal VietQR values are checked at once; numbers are taken as their digits', async (t) => {
  const yaml = WATER_BILL.replace('bin: "{{bill.bin}}"', 'bin: 970436').replace('account: "{{bill.account}}"', 'account: "0011004455667"').replace('amount: "{{bill.amount}}"', 'amount: 0')
  const result = parseFlow(yaml, 'f.yaml')
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_SCHEMA', severity: 'error', line: 47, step: 'pay' }])
  const fixed = parseFlow(yaml.replace('amount: 0', 'amount: 50000'), 'f.yaml')
  t.strictSame(fixed.diagnostics, [])
  t.match(fixed.flow?.steps.get('pay'), { bin: '970436', amount: '50000' })
})

t.test('a typo in a branch kind still counts its case targets as reachable', async (t) => {
  const result = parseFlow(WATER_BILL.replace('kind: branch', 'kind: brnach'), 'f.yaml')
  t.strictSame(result.diagnostics.map((d) => d.code), ['FLOW_SCHEMA'])
})

t.test('checks request bodies, event matches and branch cases for shape (FLOW_SCHEMA)', async (t) => {
  const yaml = WATER_BILL.replace('body: { customer: "{{customer.value}}", station: "{{station.id}}", months: 1, detail: false }', 'body: "customer={{customer.value}}"')
    .replace('match: { bill: "{{bill.id}}" }', 'match: { bill-id: "{{bill.id}}", "2nd": x }')
    .replace('      - when: { "==": ["{{bill.status}}", paid] }\n        next: already_paid\n', '      - { next: already_paid }\n')
  const result = parseFlow(yaml, 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(result.diagnostics.map((d) => [d.code, d.line, d.step]), [
    ['FLOW_SCHEMA', 21, 'lookup'],
    ['FLOW_SCHEMA', 33, 'check'],
    ['FLOW_SCHEMA', 58, 'paying'],
    ['FLOW_SCHEMA', 58, 'paying'],
  ])
  const messages = result.diagnostics.map((d) => d.message)
  t.match(messages[0], /body: expected a mapping of field name to value/)
  t.match(messages[1], /cases\[0\]: missing 'when'/)
  t.match(messages[2], /field name 'bill-id' must match/)
  t.match(messages[3], /field name '2nd' must match/)
  const empty = parseFlow(WATER_BILL.replace(/ {4}cases:\n[\s\S]*? {4}otherwise: offline\n/, '    cases: []\n    otherwise: offline\n'), 'f.yaml')
  t.match(empty.diagnostics.find((d) => d.code === 'FLOW_SCHEMA')?.message, /at least one case/)
})

// ---- reply shapes (line numbers refer to test/flows/fixtures/water-bill.yaml) ----

const REPLY_LINE = '    reply: { status: [paid, unpaid], amount: { type: integer, min: 0 }, bin: { type: string, pattern: "^[0-9]{6}$", example: "970436" }, account: string, id: string }\n'

t.test('a request without a reply shape, and a wait_for that saves an event without fields, are refused (FLOW_NO_REPLY_SHAPE)', async (t) => {
  t.ok(WATER_BILL.includes(REPLY_LINE))
  const yaml = WATER_BILL.replace(REPLY_LINE, '').replace('    fields: { bill: string, amount: integer, paidAt: string? }\n', '')
  const result = parseFlow(yaml, 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_NO_REPLY_SHAPE', severity: 'error', line: 18, step: 'lookup' },
    { code: 'FLOW_NO_REPLY_SHAPE', severity: 'error', line: 55, step: 'paying' },
  ])
  t.match(result.diagnostics[0]?.message, /steps\.lookup: missing 'reply'/)
  t.match(result.diagnostics[1]?.message, /steps\.paying: missing 'fields'/)
  const unsaved = parseFlow(WATER_BILL.replace('    save_as: paid\n', '').replace('    fields: { bill: string, amount: integer, paidAt: string? }\n', '').replace(/\{\{paid\.amount\}\}/g, 'x'), 'f.yaml')
  t.strictSame(unsaved.diagnostics, [], 'a wait_for that saves nothing need not declare fields')
})

t.test('a template or condition naming a field the reply does not declare is refused (FLOW_UNDECLARED_FIELD)', async (t) => {
  const yaml = WATER_BILL.replace('"Amount {{bill.amount}} VND. OK to pay"', '"Amount {{bill.total}} VND. OK to pay"')
    .replace('{ "==": ["{{bill.status}}", paid] }', '{ "==": ["{{bill.state}}", paid] }')
    .replace('"Received {{paid.amount}} VND"', '"Received {{paid.sum}} VND"')
  const result = parseFlow(yaml, 'f.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_UNDECLARED_FIELD', severity: 'error', line: 33, step: 'check' },
    { code: 'FLOW_UNDECLARED_FIELD', severity: 'error', line: 40, step: 'confirm' },
    { code: 'FLOW_UNDECLARED_FIELD', severity: 'error', line: 66, step: 'thanks' },
  ])
  const messages = result.diagnostics.map((d) => d.message)
  t.match(messages[0], /\{\{bill\.state\}\}: the reply saved as 'bill' declares no field 'state' \(it has: status, amount, bin, account, id\)/)
  t.match(messages[1], /declares no field 'total'/)
  t.match(messages[2], /the reply saved as 'paid' declares no field 'sum' \(it has: bill, amount, paidAt\)/)
})

t.test('reads the compact and the full forms of reply fields', async (t) => {
  const yaml = WATER_BILL.replace(REPLY_LINE, `    reply:
      status: [paid, unpaid]
      amount: { type: integer, min: 0, max: 100 }
      rate: { type: number, min: -1.5 }
      bin: { type: string, pattern: "^[0-9]{6}$", example: "970436", max_length: 6 }
      account: string?
      id: { type: string, optional: true, required_when: { found: true } }
      found: boolean
      ok: boolean?
`)
  const { flow, diagnostics } = parseFlow(yaml, 'f.yaml')
  t.strictSame(diagnostics, [])
  const step = flow?.steps.get('lookup')
  t.strictSame(step?.kind === 'request' ? [...step.reply] : null, [
    ['status', { type: 'string', optional: false, maxLength: 200, enum: ['paid', 'unpaid'] }],
    ['amount', { type: 'integer', optional: false, min: 0, max: 100 }],
    ['rate', { type: 'number', optional: false, min: -1.5 }],
    ['bin', { type: 'string', optional: false, maxLength: 6, pattern: '^[0-9]{6}$', example: '970436' }],
    ['account', { type: 'string', optional: true, maxLength: 200 }],
    ['id', { type: 'string', optional: true, requiredWhen: { field: 'found', value: true }, maxLength: 200 }],
    ['found', { type: 'boolean', optional: false }],
    ['ok', { type: 'boolean', optional: true }],
  ])
})

t.test('refuses reply shapes that cannot be right (FLOW_SCHEMA, on the line of the field)', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['status: text', /status: expected one of string, integer, number, boolean/],
    ['status: []', /an enumeration needs at least one value/],
    ['status: [paid, paid]', /listed twice/],
    ['status: { enum: [paid] }', /missing 'type'/],
    ['status: { type: date }', /type: expected one of string, integer, number, boolean/],
    ['status: { type: string, min: 1 }', /min: does not apply to a string field/],
    ['status: { type: boolean, max_length: 3 }', /max_length: does not apply to a boolean field/],
    ['status: { type: string, pattern: "^[a-z]+$" }', /a pattern needs an example/],
    ['status: { type: string, pattern: "^[a-z]+$", example: "A1" }', /'A1' does not fit the field itself \(pattern\)/],
    ['status: { type: string, pattern: "(" , example: x }', /not a valid regular expression/],
    ['status: { type: string, enum: [paid, unpaid], max_length: 4 }', /'unpaid' does not fit the field itself \(length\)/],
    ['status: { type: string, max_length: 0 }', /max_length: expected an integer 1\.\.2000/],
    ['status: { type: integer, min: 0.5 }', /min: expected a whole number/],
    ['status: { type: integer, min: 5, max: 1 }', /min 5 is greater than max 1/],
    ['status: { type: string, required_when: { nothing: true } }', /required_when: 'nothing' is not another field/],
    ['status: { type: string, required_when: { amount: yes } }', /required_when: 'yes' is not a value 'amount' can have/],
    ['status: { type: string, required_when: { amount: 1, id: 2 } }', /required_when: expected \{ other_field: value \}/],
    ['bill-id: string', /field name 'bill-id' must match/],
  ]
  for (const [field, message] of cases) {
    const yaml = WATER_BILL.replace(REPLY_LINE, `    reply:\n      amount: integer\n      id: string\n      ${field}\n`)
    const result = parseFlow(yaml, 'f.yaml')
    t.equal(result.flow, undefined, field)
    const schema = result.diagnostics.filter((d) => d.code === 'FLOW_SCHEMA')
    t.equal(schema.length, 1, `${field}: ${JSON.stringify(result.diagnostics.map((d) => d.message))}`)
    t.match(schema[0], { line: 26, step: 'lookup', message }, field)
  }
})
