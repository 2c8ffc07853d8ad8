import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { loadFlowsDir } from '../../../flows/engine/flow-folder.js'
import { parseFlow, type Diagnostic, type FlowCapabilities } from '../../../flows/engine/flow-validate.js'
import { testDir } from '../../support/test-dir.js'

const WATER_BILL_FILE = fileURLToPath(new URL('../fixtures/water-bill.yaml', import.meta.url))
const FEEDBACK_FILE = fileURLToPath(new URL('../../../flows/security-feedback.yaml', import.meta.url))

/** Everything the water-bill flow needs. */
const FULL: FlowCapabilities = { requestMethods: ['bill.lookup', 'bill.pay'], effects: ['request', 'waitFor', 'print'], identitySources: ['cccd_qr', 'mrz'] }

const brief = (diagnostics: Diagnostic[]) => diagnostics.map(({ code, severity, line, step }) => ({ code, severity, line, step }))

t.test('a flow that needs only what the station has passes', async (t) => {
  const result = parseFlow(await readFile(WATER_BILL_FILE, 'utf8'), 'w.yaml', { capabilities: FULL })
  t.strictSame(result.diagnostics, [])
  t.ok(result.flow)
})

t.test('without capabilities nothing is refused for want of one', async (t) => {
  const result = parseFlow(await readFile(WATER_BILL_FILE, 'utf8'), 'w.yaml', { capabilities: {} })
  t.strictSame(result.diagnostics, [])
})

t.test('a request method central does not offer is refused, on the method line', async (t) => {
  const result = parseFlow(await readFile(WATER_BILL_FILE, 'utf8'), 'w.yaml', { capabilities: { ...FULL, requestMethods: ['bill.pay'] } })
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_CAPABILITY', severity: 'error', line: 20, step: 'lookup' }])
  t.match(result.diagnostics[0]?.message, /no request method 'bill\.lookup'.*known: bill\.pay/)
})

t.test('steps whose effect the station lacks are refused, each named', async (t) => {
  const result = parseFlow(await readFile(WATER_BILL_FILE, 'utf8'), 'w.yaml', { capabilities: { effects: [] } })
  t.equal(result.flow, undefined)
  t.strictSame(brief(result.diagnostics), [
    { code: 'FLOW_CAPABILITY', severity: 'error', line: 18, step: 'lookup' },
    { code: 'FLOW_CAPABILITY', severity: 'error', line: 43, step: 'pay' },
    { code: 'FLOW_CAPABILITY', severity: 'error', line: 56, step: 'paying' },
  ])
  t.match(result.diagnostics.map((d) => d.message).join('\n'), /no 'request' effect \(it has: none\)[\s\S]*no 'print' effect[\s\S]*no 'waitFor' effect/)
})

t.test('a scan_id step needs at least one source the station reads', async (t) => {
  const text = await readFile(FEEDBACK_FILE, 'utf8')
  t.strictSame(parseFlow(text, 'f.yaml', { capabilities: { identitySources: ['mrz'] } }).diagnostics, [], 'one of cccd_qr and mrz is enough')
  const result = parseFlow(text, 'f.yaml', { capabilities: { identitySources: ['nfc'], effects: ['print'] } })
  t.equal(result.flow, undefined)
  // The diagnostic points at the step's `accept` list, wherever the file has it.
  const kindLine = text.split('\n').findIndex((line) => line.includes('accept: [cccd_qr, mrz]')) + 1
  t.strictSame(brief(result.diagnostics), [{ code: 'FLOW_CAPABILITY', severity: 'error', line: kindLine, step: 'identify' }])
  t.match(result.diagnostics[0]?.message, /reads none of cccd_qr, mrz \(it reads: nfc\)/)
})

t.test('loadFlowsDir checks against the capabilities it is given', async (t) => {
  const dir = testDir(t, { 'water-bill.yaml': await readFile(WATER_BILL_FILE, 'utf8') })
  t.strictSame([...(await loadFlowsDir(dir, { capabilities: FULL })).flows.keys()], ['water-bill'])
  const refused = await loadFlowsDir(dir, { capabilities: { effects: ['print', 'request'] } })
  t.strictSame([...refused.flows.keys()], [])
  t.strictSame(refused.diagnostics.map((d) => [d.code, d.step]), [['FLOW_CAPABILITY', 'paying']])
})
