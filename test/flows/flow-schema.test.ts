import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Ajv2020 } from 'ajv/dist/2020.js'
import t from 'tap'
import { parse } from 'yaml'
import { flowJsonSchemaText, MAX_RETRIES, MENU_ORDER } from '../../flows/engine/flow-file-schema.js'
import { FLOW_LIMITS, withFlowLimits } from '../../flows/engine/flow-limits-table.js'
import { parseFlow } from '../../flows/engine/flow-validate.js'

const SCHEMA_FILE = fileURLToPath(new URL('../../flows/flow.schema.json', import.meta.url))
const WATER_BILL_FILE = fileURLToPath(new URL('fixtures/water-bill.yaml', import.meta.url))
const FLOWS_DIR = fileURLToPath(new URL('../../flows/', import.meta.url))
const BUNDLED = (await readdir(FLOWS_DIR)).filter((name) => name.endsWith('.yaml')).map((name) => `${FLOWS_DIR}${name}`)

const committed = await readFile(SCHEMA_FILE, 'utf8')
// Strict: a keyword the standard does not know, or a schema that is not one, fails to compile.
const check = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(committed) as object)
const validate = (flow: unknown): string[] => (check(flow) ? [] : (check.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`))

t.test('flows/flow.schema.json is what the build writes from flows/engine/flow-file-schema.ts (run npm run build)', async (t) => {
  t.equal(committed, flowJsonSchemaText())
})

t.test('the limits table of docs/flows.md is what the build writes from the constants, and the prose names them', async (t) => {
  const doc = await readFile(fileURLToPath(new URL('../../docs/flows.md', import.meta.url)), 'utf8')
  t.equal(doc, withFlowLimits(doc), 'docs/flows.md limits table is stale: run `npm run build` and commit it')
  t.match(doc, `| \`MAX_RETRIES\` | \`retries\` of a request | 0–${MAX_RETRIES} |`)
  t.match(doc, `| \`MENU_ORDER\` | \`menu_order\` | ${MENU_ORDER.min}–${MENU_ORDER.max} |`)
  t.throws(() => withFlowLimits('# Flows\n'), /no <!-- flow limits --> block/, 'a doc that lost its block is an error, not silently left alone')
  const prose = (await readFile(fileURLToPath(new URL('../../flows/engine/flow-types.ts', import.meta.url)), 'utf8')).split('*/')[0] ?? ''
  for (const limit of FLOW_LIMITS) t.ok(prose.includes(limit.name) || doc.split('## Limits')[0]?.includes(limit.name), `${limit.name} is named in the prose`)
  // The numbers themselves are written only in the constants: the prose gives none of them.
  t.notMatch(prose, /\b(1\.\.9|0\.\.5|1\.\.99|1\.\.16|1\.\.255|200|2000|3600|64)\b/, 'flow-types.ts prose repeats no limit by value')
})

t.test('every bundled flow and the payment fixture are valid against the schema, and reference it', async (t) => {
  for (const file of [...BUNDLED, WATER_BILL_FILE]) {
    const text = await readFile(file, 'utf8')
    t.match(text.split('\n')[0], /^# yaml-language-server: \$schema=(\.\/|.*\/flows\/)flow\.schema\.json$/, `${file} references the schema`)
    t.strictSame(validate(parse(text)), [], file)
  }
})

t.test('the schema refuses what the reader refuses, for the mistakes an editor should catch', async (t) => {
  const good = parse(await readFile(WATER_BILL_FILE, 'utf8')) as Record<string, unknown>
  const mutate = (change: (flow: { steps: Record<string, Record<string, unknown>> } & Record<string, unknown>) => void) => {
    const copy = structuredClone(good) as { steps: Record<string, Record<string, unknown>> } & Record<string, unknown>
    change(copy)
    return copy
  }
  const cases: Array<[string, object]> = [
    ['unknown top-level key', mutate((f) => (f['owner'] = 'x'))],
    ['unknown step kind', mutate((f) => (f.steps['check'] = { kind: 'switch' }))],
    ['unknown key in a request', mutate((f) => (f.steps['lookup'] = { ...f.steps['lookup'], retry: 2 }))],
    ['request without timeout', mutate((f) => delete f.steps['lookup']?.['timeout_s'])],
    ['too many retries', mutate((f) => (f.steps['lookup'] = { ...f.steps['lookup'], retries: 6 }))],
    ['a text with one language', mutate((f) => (f['title'] = { vi: 'Tiền nước' }))],
    ['an unknown condition operator', mutate((f) => (f.steps['check'] = { kind: 'branch', cases: [{ when: { like: ['a', 'b'] }, next: 'thanks' }], otherwise: 'thanks' }))],
    ['a comparison with one value', mutate((f) => (f.steps['check'] = { kind: 'branch', cases: [{ when: { '==': ['a'] }, next: 'thanks' }], otherwise: 'thanks' }))],
    ['wait_for without on_timeout', mutate((f) => delete f.steps['paying']?.['on_timeout'])],
    ['a reserved save_as', mutate((f) => (f.steps['paying'] = { ...f.steps['paying'], save_as: 'payment' }))],
    ['a receipt line of unknown kind', mutate((f) => (f.steps['pay'] = { ...f.steps['pay'], template: [{ kind: 'image' }] }))],
    ['a bad step id', mutate((f) => (f.steps['Check'] = { kind: 'end', outcome: 'completed', text: { vi: 'a', en: 'b' } }))],
    ['a request without a reply shape', mutate((f) => delete f.steps['lookup']?.['reply'])],
    ['a wait_for that saves the event without fields', mutate((f) => delete f.steps['paying']?.['fields'])],
    ['an unknown field type', mutate((f) => (f.steps['lookup'] = { ...f.steps['lookup'], reply: { id: 'text' } }))],
    ['a bad reply field name', mutate((f) => (f.steps['lookup'] = { ...f.steps['lookup'], reply: { 'bill-id': 'string' } }))],
    ['an empty enumeration', mutate((f) => (f.steps['lookup'] = { ...f.steps['lookup'], reply: { status: [] } }))],
    ['a pattern without an example', mutate((f) => (f.steps['lookup'] = { ...f.steps['lookup'], reply: { id: { type: 'string', pattern: '^a$' } } }))],
    ['min on a string', mutate((f) => (f.steps['lookup'] = { ...f.steps['lookup'], reply: { id: { type: 'string', min: 1 } } }))],
    ['max_length on an integer', mutate((f) => (f.steps['lookup'] = { ...f.steps['lookup'], reply: { id: { type: 'integer', max_length: 3 } } }))],
    ['an unknown key in a reply field', mutate((f) => (f.steps['lookup'] = { ...f.steps['lookup'], reply: { id: { type: 'string', format: 'date' } } }))],
  ]
  for (const [why, flow] of cases) {
    t.not(validate(flow).length, 0, `schema refuses: ${why}`)
    t.equal(parseFlow(JSON.stringify(flow), 'x.yaml').flow, undefined, `and so does the reader (JSON is YAML): ${why}`)
  }
})

t.test('menu_order: the schema and the reader accept 1..99 and refuse the rest', async (t) => {
  const good = parse(await readFile(WATER_BILL_FILE, 'utf8')) as Record<string, unknown>
  for (const menuOrder of [1, 42, 99]) {
    const flow = { ...good, menu_order: menuOrder }
    t.strictSame(validate(flow), [], `schema accepts ${menuOrder}`)
    t.equal(parseFlow(JSON.stringify(flow), 'x.yaml').flow?.menuOrder, menuOrder, `reader keeps ${menuOrder}`)
  }
  for (const menuOrder of [0, 100, 2.5, 'first']) {
    const flow = { ...good, menu_order: menuOrder }
    t.not(validate(flow).length, 0, `schema refuses ${JSON.stringify(menuOrder)}`)
    const { flow: read, diagnostics } = parseFlow(JSON.stringify(flow), 'x.yaml')
    t.equal(read, undefined, `reader refuses ${JSON.stringify(menuOrder)}`)
    t.match(diagnostics.map((diagnostic) => diagnostic.message), [/^menu_order: expected an integer 1\.\.99/])
  }
  t.equal(parseFlow(JSON.stringify(good), 'x.yaml').flow?.menuOrder, undefined, 'absent stays absent')
})
