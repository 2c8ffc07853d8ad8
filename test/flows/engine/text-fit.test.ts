import t from 'tap'
import { parseFlow, type Diagnostic } from '../../../flows/engine/flow-validate.js'

/** A valid flow whose texts each test makes too long, one at a time. Line numbers refer to this layout. */
const FLOW = `id: fit
version: 1
title: { vi: "Thử", en: "Try" }
start: ask
steps:
  ask:
    kind: input
    save_as: code
    mode: digits
    max_length: 4
    text: { vi: "Nhập mã", en: "Type the code" }
    invalid_text: { vi: "Sai", en: "Wrong" }
    timeout_s: 30
    next: look
  look:
    kind: show
    text: { vi: "Mã {{code}}", en: "Code {{code}}" }
    timeout_s: 30
    next: done
  done:
    kind: end
    outcome: completed
    text: { vi: "Xong", en: "Done" }
`

/** 21 columns: one more than a row. */
const ROW_PLUS_ONE = 'abcdefghij klmnopqrst'
/** Four rows of 20 columns. */
const FOUR_ROWS = 'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp'

const brief = (diagnostics: Diagnostic[]) => diagnostics.map(({ code, severity, line, step }) => ({ code, severity, line, step }))

t.test('texts that fit produce no diagnostic', async (t) => {
  t.strictSame(parseFlow(FLOW, 'fit.yaml').diagnostics, [])
})

t.test('an end text needing more rows than the screen has is an error, with its step and line', async (t) => {
  const result = parseFlow(FLOW.replace('en: "Done"', `en: "${FOUR_ROWS}"`), 'fit.yaml')
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_TEXT_TOO_LONG', severity: 'error', line: 23, step: 'done' }])
  t.match(result.diagnostics[0]?.message, /steps\.done\.text\.en: needs 4 rows; the screen has 3 and cannot turn pages/)
})

t.test('a show text that pages is a warning, and the flow still loads', async (t) => {
  const result = parseFlow(FLOW.replace('en: "Code {{code}}"', `en: "${FOUR_ROWS} {{code}}"`), 'fit.yaml')
  t.ok(result.flow)
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_TEXT_TOO_LONG', severity: 'warning', line: 17, step: 'look' }])
  t.match(result.diagnostics[0]?.message, /press 0/)
})

t.test('an input prompt has one row less (the last row echoes the input), and its notice cannot page', async (t) => {
  const threeRows = 'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll'
  const result = parseFlow(FLOW.replace('en: "Type the code"', `en: "${threeRows}"`).replace('en: "Wrong"', `en: "${FOUR_ROWS}"`), 'fit.yaml')
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_TEXT_TOO_LONG', severity: 'error', line: 11, step: 'ask' },
    { code: 'FLOW_TEXT_TOO_LONG', severity: 'error', line: 12, step: 'ask' },
  ])
  t.match(result.diagnostics[0]?.message, /needs 3 rows; the screen has 2/)
  t.match(result.diagnostics[1]?.message, /invalid_text\.en/)
})

t.test('a title over 20 columns is an error unless a short title fits', async (t) => {
  const long = FLOW.replace('title: { vi: "Thử", en: "Try" }', `title: { vi: "Thử", en: "${ROW_PLUS_ONE}" }`)
  const result = parseFlow(long, 'fit.yaml')
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_TEXT_TOO_LONG', severity: 'error', line: 3, step: undefined }])
  t.match(result.diagnostics[0]?.message, /title\.en: 21 columns; the title row has 20 \(add a short_title\)/)
  const shortened = long.replace('start: ask', 'short_title: { vi: "Thử", en: "Try" }\nstart: ask')
  t.strictSame(parseFlow(shortened, 'fit.yaml').diagnostics, [])
  const badShort = long.replace('start: ask', `short_title: { vi: "${ROW_PLUS_ONE}", en: "Try" }\nstart: ask`)
  t.strictSame(brief(parseFlow(badShort, 'fit.yaml').diagnostics), [{ code: 'FLOW_TEXT_TOO_LONG', severity: 'error', line: 4, step: undefined }])
})

t.test('counts only the fixed parts: variables may be long or short at run time', async (t) => {
  const result = parseFlow(FLOW.replace('en: "Done"', 'en: "{{code}} {{code}} {{code}} {{code}} {{code}} {{code}} {{code}} {{code}}"'), 'fit.yaml')
  t.strictSame(result.diagnostics, [])
  const lines = parseFlow(FLOW.replace('en: "Done"', 'en: "{{code}}\\n{{code}}\\n{{code}}\\n{{code}}"'), 'fit.yaml')
  t.strictSame(brief(lines.diagnostics), [{ code: 'FLOW_TEXT_TOO_LONG', severity: 'error', line: 23, step: 'done' }], 'forced line breaks still count')
})

t.test('Vietnamese is measured in characters as the display shows them, not in bytes', async (t) => {
  // 20 precomposed characters fill a row exactly: three such rows fit an end screen.
  const row = 'Điền đầy đủ thông tin'.slice(0, 20)
  t.equal(Array.from(row).length, 20)
  const result = parseFlow(FLOW.replace('vi: "Xong"', `vi: "${row}\\n${row}\\n${row}"`), 'fit.yaml')
  t.strictSame(result.diagnostics, [])
})

t.test('checks against the display it is given', async (t) => {
  const result = parseFlow(FLOW.replace('en: "Done"', 'en: "Done, thank you for coming"'), 'fit.yaml', { display: { cols: 16, rows: 2 } })
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_TEXT_TOO_LONG', severity: 'error', line: 11, step: 'ask' },
    { code: 'FLOW_TEXT_TOO_LONG', severity: 'error', line: 23, step: 'done' },
  ])
  t.match(result.diagnostics[0]?.message, /the screen has 0/, 'a 16x2 display has no row left for an input prompt')
  t.match(result.diagnostics[1]?.message, /needs 2 rows; the screen has 1/)
})

t.test('effect texts (submit, print, request, pay_qr, wait_for) cannot page', async (t) => {
  const yaml = `id: fx
version: 1
title: { vi: "T", en: "T" }
start: ask
steps:
  ask: { kind: request, method: a.b, save_as: r, reply: {}, timeout_s: 5, text: { vi: "x", en: "${FOUR_ROWS}" }, next: wait, on_error: done }
  wait: { kind: wait_for, event: c.d, timeout_s: 5, text: { vi: "${FOUR_ROWS}", en: "x" }, next: done, on_timeout: done }
  done: { kind: end, outcome: completed, text: { vi: "x", en: "x" } }
`
  const result = parseFlow(yaml, 'fx.yaml')
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_TEXT_TOO_LONG', severity: 'error', line: 6, step: 'ask' },
    { code: 'FLOW_TEXT_TOO_LONG', severity: 'error', line: 7, step: 'wait' },
  ])
})
