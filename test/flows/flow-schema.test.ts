import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parse } from 'yaml'
import { CONDITION_OPERATORS } from '../../flows/engine/conditions.js'
import { READER_KEYS } from '../../flows/engine/flow-read.js'
import { INPUT_MODES, STEP_KINDS } from '../../flows/engine/flow-types.js'
import { parseFlow } from '../../flows/engine/flow-validate.js'
import { IDENTITY_SOURCES } from '../../flows/engine/identity.js'
import { FIELD_TYPES } from '../../flows/engine/reply-shape.js'
import { RESERVED_NAMES } from '../../flows/engine/template.js'

const SCHEMA_FILE = fileURLToPath(new URL('../../flows/flow.schema.json', import.meta.url))
const FEEDBACK_FILE = fileURLToPath(new URL('../../flows/security-feedback.yaml', import.meta.url))
const WATER_BILL_FILE = fileURLToPath(new URL('fixtures/water-bill.yaml', import.meta.url))
/** The bundled flows that declare reply shapes. */
const BUNDLED_WITH_REPLIES = ['pay-bill', 'track-dossier', 'book-exam'].map((id) => fileURLToPath(new URL(`../../flows/${id}.yaml`, import.meta.url)))

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type SchemaObject = { [key: string]: Json }

const schema = JSON.parse(await readFile(SCHEMA_FILE, 'utf8')) as SchemaObject

function object(value: Json | undefined, where: string): SchemaObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: not a schema object`)
  return value
}

const defs = object(schema['$defs'], '$defs')
const def = (name: string): SchemaObject => object(defs[name], `$defs.${name}`)
const propertyKeys = (subschema: SchemaObject): string[] => Object.keys(object(subschema['properties'], 'properties')).sort()
const sorted = (items: readonly string[]): string[] => [...items].sort()

/**
 * Just enough of JSON Schema 2020-12 to check flows against flow.schema.json. It refuses any keyword
 * it does not know, so the schema cannot use one that this test would silently skip.
 */
function validate(subschema: Json, value: unknown, path = '$'): string[] {
  if (subschema === true) return []
  if (subschema === false) return [`${path}: not allowed`]
  const s = object(subschema, path)
  const errors: string[] = []
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  const typeOf = (v: unknown): string[] => {
    if (v === null) return ['null']
    if (Array.isArray(v)) return ['array']
    if (typeof v === 'number') return Number.isInteger(v) ? ['integer', 'number'] : ['number']
    return [typeof v]
  }
  for (const [keyword, argument] of Object.entries(s)) {
    switch (keyword) {
      case '$schema': case '$id': case '$defs': case 'title': case 'description':
        break
      case '$ref': {
        const name = /^#\/\$defs\/(.+)$/.exec(String(argument))?.[1]
        if (name === undefined) throw new Error(`${path}: unsupported $ref ${String(argument)}`)
        errors.push(...validate(def(name), value, path))
        break
      }
      case 'type': {
        const allowed = Array.isArray(argument) ? argument : [argument]
        if (!typeOf(value).some((type) => allowed.includes(type))) errors.push(`${path}: expected ${allowed.join('|')}`)
        break
      }
      case 'enum':
        if (!(argument as Json[]).includes(value as Json)) errors.push(`${path}: not one of ${JSON.stringify(argument)}`)
        break
      case 'const':
        if (value !== argument) errors.push(`${path}: expected ${JSON.stringify(argument)}`)
        break
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(String(argument), 'u').test(value)) errors.push(`${path}: does not match ${String(argument)}`)
        break
      case 'minLength':
        if (typeof value === 'string' && Array.from(value).length < Number(argument)) errors.push(`${path}: too short`)
        break
      case 'minimum':
        if (typeof value === 'number' && value < Number(argument)) errors.push(`${path}: below ${String(argument)}`)
        break
      case 'maximum':
        if (typeof value === 'number' && value > Number(argument)) errors.push(`${path}: above ${String(argument)}`)
        break
      case 'exclusiveMinimum':
        if (typeof value === 'number' && value <= Number(argument)) errors.push(`${path}: not above ${String(argument)}`)
        break
      case 'minItems':
        if (Array.isArray(value) && value.length < Number(argument)) errors.push(`${path}: too few items`)
        break
      case 'maxItems':
        if (Array.isArray(value) && value.length > Number(argument)) errors.push(`${path}: too many items`)
        break
      case 'uniqueItems':
        if (argument === true && Array.isArray(value) && new Set(value.map((item) => JSON.stringify(item))).size !== value.length) {
          errors.push(`${path}: repeated items`)
        }
        break
      case 'prefixItems':
        if (Array.isArray(value)) (argument as Json[]).forEach((item, index) => index < value.length && errors.push(...validate(item, value[index], `${path}[${index}]`)))
        break
      case 'items':
        if (Array.isArray(value)) {
          const from = Array.isArray(s['prefixItems']) ? s['prefixItems'].length : 0
          value.slice(from).forEach((item, index) => errors.push(...validate(argument, item, `${path}[${index + from}]`)))
        }
        break
      case 'required':
        if (isObject(value)) for (const key of argument as string[]) if (!(key in value)) errors.push(`${path}: missing ${key}`)
        break
      case 'properties':
        if (isObject(value)) {
          for (const [key, propertySchema] of Object.entries(object(argument, `${path}.properties`))) {
            if (key in value) errors.push(...validate(propertySchema, value[key], `${path}.${key}`))
          }
        }
        break
      case 'additionalProperties':
        if (isObject(value)) {
          const known = Object.keys(isObject(s['properties']) ? s['properties'] : {})
          for (const key of Object.keys(value)) if (!known.includes(key)) errors.push(...validate(argument, value[key], `${path}.${key}`))
        }
        break
      case 'propertyNames':
        if (isObject(value)) for (const key of Object.keys(value)) errors.push(...validate(argument, key, `${path}{${key}}`))
        break
      case 'minProperties':
        if (isObject(value) && Object.keys(value).length < Number(argument)) errors.push(`${path}: too few properties`)
        break
      case 'maxProperties':
        if (isObject(value) && Object.keys(value).length > Number(argument)) errors.push(`${path}: too many properties`)
        break
      case 'allOf':
        for (const part of argument as Json[]) errors.push(...validate(part, value, path))
        break
      case 'anyOf':
        if (!(argument as Json[]).some((part) => validate(part, value, path).length === 0)) errors.push(`${path}: matches none of anyOf`)
        break
      case 'oneOf':
        if ((argument as Json[]).filter((part) => validate(part, value, path).length === 0).length !== 1) errors.push(`${path}: must match exactly one of oneOf`)
        break
      case 'not':
        if (validate(argument, value, path).length === 0) errors.push(`${path}: matches a forbidden schema`)
        break
      case 'if': {
        const branch = validate(argument, value, path).length === 0 ? s['then'] : s['else']
        if (branch !== undefined) errors.push(...validate(branch, value, path))
        break
      }
      case 'then': case 'else':
        break
      default:
        throw new Error(`${path}: keyword '${keyword}' is not supported by this test's validator`)
    }
  }
  return errors
}

t.test('the schema is JSON Schema 2020-12 and every definition is used', async (t) => {
  t.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema')
  const text = JSON.stringify(schema)
  for (const name of Object.keys(defs)) t.ok(text.includes(`"#/$defs/${name}"`), `$defs.${name} is referenced`)
})

t.test('the schema and the reader accept the same keys, everywhere (no drift)', async (t) => {
  t.strictSame(propertyKeys(schema), sorted(READER_KEYS.flow), 'top level')
  t.strictSame(sorted(object(object(def('step')['properties'], 'properties')['kind'], 'kind')['enum'] as string[]), sorted(STEP_KINDS), 'step kinds')
  const dispatched = (def('step')['allOf'] as Json[]).map((rule) => JSON.stringify(rule))
  for (const kind of STEP_KINDS) {
    t.strictSame(propertyKeys(def(`step_${kind}`)), sorted(READER_KEYS.steps[kind]), `keys of ${kind}`)
    t.ok(dispatched.some((rule) => rule.includes(`"const":"${kind}"`) && rule.includes(`"#/$defs/step_${kind}"`)), `${kind} dispatches to step_${kind}`)
  }
  const lineKinds = Object.keys(READER_KEYS.receiptLines) as Array<keyof typeof READER_KEYS.receiptLines>
  t.strictSame(sorted(object(object(def('receipt_line')['properties'], 'p')['kind'], 'kind')['enum'] as string[]), sorted(lineKinds), 'receipt line kinds')
  for (const kind of lineKinds) t.strictSame(propertyKeys(def(`line_${kind}`)), sorted(READER_KEYS.receiptLines[kind]), `keys of receipt line ${kind}`)
  t.strictSame(propertyKeys(def('option')), sorted(READER_KEYS.option), 'choose options')
  t.strictSame(propertyKeys(def('case')), sorted(READER_KEYS.branchCase), 'branch cases')
  t.strictSame(propertyKeys(def('text')), sorted(READER_KEYS.text), 'texts')
  const fullField = object((def('reply_field')['anyOf'] as Json[])[2], 'full reply field')
  t.strictSame(propertyKeys(fullField), sorted(READER_KEYS.replyField), 'reply fields')
  const alternatives = def('condition')['anyOf'] as Json[]
  t.strictSame(propertyKeys(object(alternatives[1], 'operators')), sorted(CONDITION_OPERATORS), 'condition operators')
})

t.test('the schema walks to no key the reader does not know', async (t) => {
  const known = new Set<string>([
    ...READER_KEYS.flow, ...Object.values(READER_KEYS.steps).flat(), ...Object.values(READER_KEYS.receiptLines).flat(),
    ...READER_KEYS.option, ...READER_KEYS.branchCase, ...READER_KEYS.text, ...READER_KEYS.replyField, ...CONDITION_OPERATORS,
  ])
  const found: string[] = []
  const walk = (node: Json): void => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (typeof node !== 'object' || node === null) return
    if (typeof node['properties'] === 'object' && node['properties'] !== null && !Array.isArray(node['properties'])) found.push(...Object.keys(node['properties']))
    Object.values(node).forEach(walk)
  }
  walk(schema)
  t.strictSame(found.filter((key) => !known.has(key)), [])
})

t.test('the schema lists the same enumerations as the engine', async (t) => {
  const props = (name: string) => object(def(name)['properties'], name)
  t.strictSame(object(props('step_input')['mode'], 'mode')['enum'], [...INPUT_MODES])
  t.strictSame(object(object(props('step_scan_id')['accept'], 'accept')['items'], 'items')['enum'], [...IDENTITY_SOURCES])
  t.strictSame(object(def('answer_name')['not'], 'not')['enum'], [...RESERVED_NAMES])
  const fullField = object((def('reply_field')['anyOf'] as Json[])[2], 'full reply field')
  t.strictSame(object(object(fullField['properties'], 'properties')['type'], 'type')['enum'], [...FIELD_TYPES])
  t.strictSame(object((def('reply_field')['anyOf'] as Json[])[0], 'compact')['enum'], [...FIELD_TYPES, ...FIELD_TYPES.map((type) => `${type}?`)])
})

t.test('the bundled flow and the payment fixture are valid against the schema, and reference it', async (t) => {
  for (const file of [FEEDBACK_FILE, WATER_BILL_FILE, ...BUNDLED_WITH_REPLIES]) {
    const text = await readFile(file, 'utf8')
    t.match(text.split('\n')[0], /^# yaml-language-server: \$schema=(\.\/|.*\/flows\/)flow\.schema\.json$/, `${file} references the schema`)
    t.strictSame(validate(schema, parse(text)), [], file)
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
    t.not(validate(schema, flow).length, 0, `schema refuses: ${why}`)
  }
  t.equal(parseFlow(JSON.stringify(cases[0]?.[1]), 'x.yaml').flow, undefined, 'and so does the reader (JSON is YAML)')
})

t.test('menu_order: the schema and the reader accept 1..99 and refuse the rest', async (t) => {
  const good = parse(await readFile(WATER_BILL_FILE, 'utf8')) as Record<string, unknown>
  for (const menuOrder of [1, 42, 99]) {
    const flow = { ...good, menu_order: menuOrder }
    t.strictSame(validate(schema, flow), [], `schema accepts ${menuOrder}`)
    t.equal(parseFlow(JSON.stringify(flow), 'x.yaml').flow?.menuOrder, menuOrder, `reader keeps ${menuOrder}`)
  }
  for (const menuOrder of [0, 100, 2.5, 'first']) {
    const flow = { ...good, menu_order: menuOrder }
    t.not(validate(schema, flow).length, 0, `schema refuses ${JSON.stringify(menuOrder)}`)
    const { flow: read, diagnostics } = parseFlow(JSON.stringify(flow), 'x.yaml')
    t.equal(read, undefined, `reader refuses ${JSON.stringify(menuOrder)}`)
    t.match(diagnostics.map((diagnostic) => diagnostic.message), [/^menu_order: expected an integer 1\.\.99/])
  }
  t.equal(parseFlow(JSON.stringify(good), 'x.yaml').flow?.menuOrder, undefined, 'absent stays absent')
})
