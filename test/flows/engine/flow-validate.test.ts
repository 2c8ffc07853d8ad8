import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { loadFlowsDir, parseFlow, type Diagnostic } from '../../../flows/engine/flow-validate.js'

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
    identity: true
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

t.test('reports a choose step with more than nine options', async (t) => {
  const options = Array.from({ length: 10 }, (_, i) => `      - { value: v${i}, label: { vi: "${i}", en: "${i}" }, next: done }`).join('\n')
  const yaml = GOOD.replace('      - { value: a, label: { vi: "A", en: "A" }, next: done }', options)
  const result = parseFlow(yaml, 'f.yaml')
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_SCHEMA', severity: 'error', line: 12, step: 'ask' }])
})

t.test('loads every yaml file of a folder and reports problems by file', async (t) => {
  const dir = t.testdir({
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
  await t.rejects(loadFlowsDir(join(t.testdir({}), 'missing')), { code: 'E_FLOW_INVALID' })
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
