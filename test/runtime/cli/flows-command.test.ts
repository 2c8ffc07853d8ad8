import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { loadFlowsDir } from '../../../flows/engine/flow-folder.js'
import { flowsCheck, flowsGraph, flowsTest, formatDiagnostic, type FlowsIo } from '../../../runtime/cli/flows-command.js'
import { testDir } from '../../support/test-dir.js'

const FLOWS_DIR = fileURLToPath(new URL('../../../flows/', import.meta.url))
const WATER_BILL_FILE = fileURLToPath(new URL('../../flows/fixtures/water-bill.yaml', import.meta.url))
const FIXTURES_DIR = fileURLToPath(new URL('../../flows/fixtures/', import.meta.url))
const FEEDBACK_FILE = join(FLOWS_DIR, 'security-feedback.yaml')

/** A small valid flow; tests break one thing at a time. Line numbers below refer to this layout. */
const GOOD = `id: tiny
version: 1
title: { vi: "Thử", en: "Try" }
start: ask
steps:
  ask:
    kind: show
    text: { vi: "Xem", en: "Look" }
    timeout_s: 30
    next: done
  done:
    kind: end
    outcome: completed
    text: { vi: "Xong", en: "Done" }
`

function capture(): FlowsIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (text) => stdout.push(text), err: (text) => stderr.push(text) }
}

t.test('check: a valid flow prints only the summary and exits 0', async (t) => {
  const dir = testDir(t, { 'tiny.yaml': GOOD })
  const io = capture()
  t.equal(await flowsCheck([join(dir, 'tiny.yaml')], io), 0)
  t.strictSame(io.stdout, ['1 file checked: 0 errors, 0 warnings'])
  t.strictSame(io.stderr, [])
})

t.test('check: a dangling target is an error named with its step and line, exit 1', async (t) => {
  const dir = testDir(t, { 'tiny.yaml': GOOD.replace('    next: done\n', '    next: done\n    on_timeout: gone\n') })
  const file = join(dir, 'tiny.yaml')
  const io = capture()
  t.equal(await flowsCheck([file], io), 1)
  t.strictSame(io.stdout, [
    `${file}:11: error FLOW_UNKNOWN_TARGET ask: steps.ask.on_timeout: no step named 'gone'`,
    '1 file checked: 1 error, 0 warnings',
  ])
})

t.test('check: a waiting step without a timeout is an error named with its step, exit 1', async (t) => {
  const dir = testDir(t, { 'tiny.yaml': GOOD.replace('    timeout_s: 30\n', '') })
  const file = join(dir, 'tiny.yaml')
  const io = capture()
  t.equal(await flowsCheck([file], io), 1)
  t.strictSame(io.stdout, [
    `${file}:6: error FLOW_NO_TIMEOUT ask: steps.ask: missing 'timeout_s': a step that waits must say how long it waits`,
    '1 file checked: 1 error, 0 warnings',
  ])
})

t.test('check: an unreachable step is a warning named with its step; warnings alone exit 0', async (t) => {
  const dir = testDir(t, { 'tiny.yaml': `${GOOD}  orphan:\n    kind: end\n    outcome: failed\n    text: { vi: "Lạc", en: "Lost" }\n` })
  const file = join(dir, 'tiny.yaml')
  const io = capture()
  t.equal(await flowsCheck([file], io), 0)
  t.strictSame(io.stdout, [`${file}:15: warning FLOW_UNREACHABLE orphan: steps.orphan: no path from 'ask' leads here`, '1 file checked: 0 errors, 1 warning'])
})

t.test('check: a folder means its yaml files; problems are reported per file, and a repeated id is an error', async (t) => {
  const dir = testDir(t, {
    'a.yaml': GOOD,
    'a2.yaml': GOOD.replace('next: done', 'next: finish').replace('id: tiny', 'id: tiny-2'),
    'b.yml': GOOD,
    'c.yaml': GOOD.replace('id: tiny', 'id: other').replace('kind: show', 'kind: shows'),
    'notes.txt': 'not a flow',
  })
  const io = capture()
  t.equal(await flowsCheck([dir], io), 1)
  t.strictSame(io.stdout, [
    `${join(dir, 'a2.yaml')}:4: error FLOW_NO_END no end step can be reached from 'ask'`,
    `${join(dir, 'a2.yaml')}:10: error FLOW_UNKNOWN_TARGET ask: steps.ask.next: no step named 'finish'`,
    `${join(dir, 'a2.yaml')}:11: warning FLOW_UNREACHABLE done: steps.done: no path from 'ask' leads here`,
    `${join(dir, 'b.yml')}:1: error FLOW_SCHEMA flow id 'tiny' is already used by ${join(dir, 'a.yaml')}`,
    `${join(dir, 'c.yaml')}:7: error FLOW_SCHEMA ask: steps.ask.kind: expected one of scan_id, choose, input, show, consent, submit, print, request, pay_qr, wait_for, branch, end (got 'shows')`,
    '4 files checked: 4 errors, 1 warning',
  ])
})

t.test('check: the bundled flows folder passes', async (t) => {
  const io = capture()
  t.equal(await flowsCheck([FLOWS_DIR], io), 0)
  t.equal(io.stdout.length, 1)
  t.match(io.stdout[0], /^\d+ files? checked: 0 errors, 0 warnings$/)
})

t.test('check: capabilities refuse what the station lacks', async (t) => {
  const io = capture()
  t.equal(await flowsCheck([WATER_BILL_FILE], io, { capabilities: { requestMethods: ['bill.lookup'], effects: ['request', 'print'] } }), 1)
  t.strictSame(io.stdout, [
    `${WATER_BILL_FILE}:56: error FLOW_CAPABILITY paying: steps.paying: this station has no 'waitFor' effect (it has: request, print)`,
    '1 file checked: 1 error, 0 warnings',
  ])
  const all = capture()
  t.equal(await flowsCheck([WATER_BILL_FILE], all, { capabilities: { requestMethods: ['bill.lookup'], effects: ['request', 'print', 'waitFor'] } }), 0)
})

t.test('check: a path that cannot be read is an error; no path at all is a usage error', async (t) => {
  const dir = testDir(t, { 'tiny.yaml': GOOD })
  const io = capture()
  t.equal(await flowsCheck([join(dir, 'missing.yaml'), join(dir, 'tiny.yaml')], io), 1)
  t.match(io.stderr[0], /missing\.yaml: cannot read/)
  t.strictSame(io.stdout, ['1 file checked: 0 errors, 0 warnings'])
  const none = capture()
  t.equal(await flowsCheck([], none), 2)
  t.match(none.stderr[0], /usage: station flows check/)
})

t.test('graph: prints the Mermaid or DOT graph of a flow in a folder', async (t) => {
  const mermaid = capture()
  t.equal(await flowsGraph('security-feedback', FLOWS_DIR, 'mermaid', mermaid), 0)
  t.equal(mermaid.stdout.length, 1)
  t.match(mermaid.stdout[0], /^flowchart TD\n {2}s0\["identify \(scan_id\)"\]\n/)
  t.match(mermaid.stdout[0], / {2}s7 -->\|on_error\| s11\n/, 'send (s7) fails to send_failed (s11)')
  const dot = capture()
  t.equal(await flowsGraph('security-feedback', FLOWS_DIR, 'dot', dot), 0)
  t.match(dot.stdout[0], /^digraph "security-feedback" \{\n/)
  t.match(dot.stdout[0], / {2}"send" -> "send_failed" \[label="on_error"\];\n/)
})

t.test('graph: an unknown or invalid flow, an unreadable folder or an unknown format exit 1', async (t) => {
  const dir = testDir(t, { 'tiny.yaml': GOOD, 'bad.yaml': GOOD.replace('id: tiny', 'id: bad').replace('next: done', 'next: nowhere') })
  const unknown = capture()
  t.equal(await flowsGraph('water', dir, 'mermaid', unknown), 1)
  t.match(unknown.stderr[0], /no valid flow 'water'.*valid flows: tiny/)
  const invalid = capture()
  t.equal(await flowsGraph('bad', dir, 'dot', invalid), 1)
  t.match(invalid.stderr[0], /no valid flow 'bad'/)
  const missing = capture()
  t.equal(await flowsGraph('tiny', join(dir, 'nope'), 'dot', missing), 1)
  t.match(missing.stderr[0], /cannot read the flows folder/)
  const format = capture()
  t.equal(await flowsGraph('tiny', dir, 'svg', format), 1)
  t.match(format.stderr[0], /unknown graph format 'svg': use mermaid or dot/)
  t.strictSame([...unknown.stdout, ...invalid.stdout, ...missing.stdout, ...format.stdout], [])
})

t.test('formats a diagnostic without a step as file:line: severity CODE message', async (t) => {
  t.equal(formatDiagnostic({ code: 'FLOW_NO_END', severity: 'error', message: 'no end', file: 'a.yaml', line: 4 }), 'a.yaml:4: error FLOW_NO_END no end')
  t.equal(
    formatDiagnostic({ code: 'FLOW_TEXT_TOO_LONG', severity: 'warning', message: 'long', file: 'a.yaml', line: 9, step: 'ask' }),
    'a.yaml:9: warning FLOW_TEXT_TOO_LONG ask: long',
  )
})

t.test('test: the payment fixture is walked completely and exits 0', async (t) => {
  const io = capture()
  t.equal(await flowsTest(FIXTURES_DIR, io), 0)
  t.equal(io.stdout.length, 1, io.stdout.join('\n'))
  t.match(io.stdout[0], /^water-bill@2: steps 12\/12 \(100%\), transitions 12\/12 \(100%\), \d+ paths$/)
  t.strictSame(io.stderr, [])
})

t.test('test: the bundled security feedback flow is walked completely and exits 0', async (t) => {
  // A copy in a folder of its own: other flows in flows/ are their authors' to complete.
  const dir = testDir(t, { 'security-feedback.yaml': await readFile(FEEDBACK_FILE, 'utf8') })
  const io = capture()
  t.equal(await flowsTest(dir, io), 0)
  t.equal(io.stdout.length, 1, io.stdout.join('\n'))
  t.match(io.stdout[0], /^security-feedback@3: steps 12\/12 \(100%\), transitions 41\/41 \(100%\), \d+ paths$/)
})

t.test('test: every bundled flow is walked completely (replies built from their declared shapes) and exits 0', async (t) => {
  const io = capture()
  t.equal(await flowsTest(FLOWS_DIR, io), 0, io.stdout.join('\n'))
  t.equal(io.stdout.length, 9, io.stdout.join('\n'))
  for (const line of io.stdout) t.match(line, /^[a-z-]+@\d+: steps (\d+)\/\1 \(100%\), transitions (\d+)\/\2 \(100%\), \d+ paths$/)
  t.strictSame(io.stderr, [])
})

t.test('check: a request without a reply shape, and a template naming a field the shape lacks, are errors', async (t) => {
  const water = await readFile(WATER_BILL_FILE, 'utf8')
  const dir = testDir(t, {
    'no-reply.yaml': water.replace(/^ {4}reply: .*\n/m, ''),
    'undeclared.yaml': water.replace('id: water-bill', 'id: water-2').replace('"Amount {{bill.amount}} VND. OK to pay"', '"Amount {{bill.total}} VND. OK to pay"'),
  })
  const io = capture()
  t.equal(await flowsCheck([dir], io), 1)
  t.strictSame(io.stdout, [
    `${join(dir, 'no-reply.yaml')}:18: error FLOW_NO_REPLY_SHAPE lookup: steps.lookup: missing 'reply': a request must declare the shape of central's reply`,
    `${join(dir, 'undeclared.yaml')}:40: error FLOW_UNDECLARED_FIELD confirm: steps.confirm: {{bill.total}}: the reply saved as 'bill' declares no field 'total' (it has: status, amount, bin, account, id)`,
    '2 files checked: 2 errors, 0 warnings',
  ])
})

t.test('test: a missing step and transition are listed under their flow and exit 1; flows print in menu order', async (t) => {
  const orphan = `${GOOD.replace('id: tiny', 'id: lost')}  orphan:\n    kind: end\n    outcome: failed\n    text: { vi: "Lạc", en: "Lost" }\n`
  const dir = testDir(t, {
    'a.yaml': GOOD.replace('id: tiny', 'id: zeta\nmenu_order: 5'),
    'b.yaml': GOOD.replace('id: tiny', 'id: alpha'),
    'c.yaml': orphan,
    'd.yaml': GOOD.replace('id: tiny', 'id: omega\nmenu_order: 2'),
  })
  const io = capture()
  t.equal(await flowsTest(dir, io), 1)
  t.strictSame(io.stdout.map((line) => line.replace(/, \d+ paths?$/, '')), [
    'omega@1: steps 2/2 (100%), transitions 1/1 (100%)',
    'zeta@1: steps 2/2 (100%), transitions 1/1 (100%)',
    'alpha@1: steps 2/2 (100%), transitions 1/1 (100%)',
    'lost@1: steps 2/3 (66%), transitions 1/1 (100%)',
    '  missing step: orphan',
  ])
  const unreachableCase = capture()
  const branchy = GOOD.replace('    next: done\n', '    next: pick\n') +
    '  pick:\n    kind: branch\n    cases:\n      - when: false\n        next: done\n    otherwise: done\n'
  t.equal(await flowsTest(testDir(t, { 'tiny.yaml': branchy }), unreachableCase), 1)
  t.strictSame(unreachableCase.stdout.map((line) => line.replace(/, \d+ paths?$/, '')), [
    'tiny@1: steps 3/3 (100%), transitions 2/3 (66%)',
    '  missing transition: pick -> done (case 1)',
  ])
})

t.test('test: a file with errors is printed as its diagnostics and exits 1; an unreadable folder exits 1', async (t) => {
  const dir = testDir(t, { 'bad.yaml': GOOD.replace('next: done', 'next: nowhere') })
  const io = capture()
  t.equal(await flowsTest(dir, io), 1)
  t.strictSame(io.stdout, [
    `${join(dir, 'bad.yaml')}:4: error FLOW_NO_END no end step can be reached from 'ask'`,
    `${join(dir, 'bad.yaml')}:10: error FLOW_UNKNOWN_TARGET ask: steps.ask.next: no step named 'nowhere'`,
  ])
  const missing = capture()
  t.equal(await flowsTest(join(dir, 'nope'), missing), 1)
  t.match(missing.stderr[0], /cannot read the flows folder/)
})

t.test('test: the path bound is reported, and coverage alone decides the exit code', async (t) => {
  const io = capture()
  t.equal(await flowsTest(FIXTURES_DIR, io, { maxPaths: 2 }), 1)
  t.match(io.stdout[0], /^water-bill@2: steps \d+\/12 \(\d+%\), transitions \d+\/12 \(\d+%\), 2 paths$/)
  t.equal(io.stdout[io.stdout.length - 1], '  stopped at 2 paths: not every path was walked')
})

t.test('loadFlowsDir lists flows by menu_order, then id; flows without one last', async (t) => {
  const dir = testDir(t, {
    '1.yaml': GOOD.replace('id: tiny', 'id: c-last'),
    '2.yaml': GOOD.replace('id: tiny', 'id: b-second\nmenu_order: 7'),
    '3.yaml': GOOD.replace('id: tiny', 'id: a-third\nmenu_order: 7'),
    '4.yaml': GOOD.replace('id: tiny', 'id: z-first\nmenu_order: 1'),
    '5.yaml': GOOD.replace('id: tiny', 'id: a-last'),
  })
  const { flows, diagnostics } = await loadFlowsDir(dir)
  t.strictSame(diagnostics, [])
  t.strictSame([...flows.keys()], ['z-first', 'a-third', 'b-second', 'a-last', 'c-last'])
  t.equal(flows.get('z-first')?.menuOrder, 1)
  t.equal(flows.get('a-last')?.menuOrder, undefined)
})
