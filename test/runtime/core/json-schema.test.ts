import t from 'tap'
import { Type } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { define, discriminated, schemaDocument, schemaDocumentText, variant } from '../../../runtime/core/json-schema.js'

const Point = define('json-schema-test-point', Type.Tuple([Type.Integer(), Type.Integer()], { description: 'x and y' }))
const Shape = discriminated(
  'kind',
  Type.Union([
    Type.Object({ kind: Type.Literal('dot'), at: Point }, { additionalProperties: false }),
    Type.Object({ kind: Type.Union([Type.Literal('line'), Type.Literal('arrow')]), from: Point, to: variant(Point, { description: 'the end' }) }, { additionalProperties: false }),
  ]),
)
const Drawing = Type.Object({ colour: Type.Union([Type.Literal('red'), Type.Literal('blue')]), shapes: Type.Array(Shape) }, { additionalProperties: false })
const good = { colour: 'red', shapes: [{ kind: 'dot', at: [1, 2] }, { kind: 'arrow', from: [0, 0], to: [3, 4] }] }

t.test('2020-12: definitions under $defs, tuples as prefixItems, a discriminated union as if/then rules', async (t) => {
  const document = schemaDocument(Drawing, { dialect: '2020-12', header: { title: 'drawing' } }) as Record<string, unknown>
  t.equal(document['$schema'], 'https://json-schema.org/draft/2020-12/schema')
  t.equal(Object.keys(document)[1], 'title', 'the header follows $schema')
  t.match(document, { properties: { colour: { enum: ['red', 'blue'] }, shapes: { items: { required: ['kind'], properties: { kind: { enum: ['dot', 'line', 'arrow'] } } } } } })
  t.match(document['$defs'], { 'json-schema-test-point': { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'integer' }] } })
  t.match(JSON.stringify(document), /"to":\{"\$ref":"#\/\$defs\/json-schema-test-point","description":"the end"\}/, 'a use with its own description keeps it')
  const check = new Ajv2020({ strict: true }).compile(document)
  t.ok(check(good), JSON.stringify(check.errors))
  t.notOk(check({ ...good, shapes: [{ kind: 'dot', at: [1, 2], to: [1, 1] }] }), 'a key of another variant')
  t.notOk(check({ ...good, colour: 'green' }), 'a constant not listed')
})

t.test('draft-07: definitions under `definitions`, tuples keep `items`; no definitions, no section', async (t) => {
  const document = schemaDocument(Drawing, { dialect: 'draft-07' }) as Record<string, unknown>
  t.equal(document['$schema'], 'http://json-schema.org/draft-07/schema#')
  t.notOk('$defs' in document)
  t.match(document['definitions'], { 'json-schema-test-point': { type: 'array', items: [{ type: 'integer' }, { type: 'integer' }] } })
  const check = new Ajv({ strict: false }).compile(document)
  t.ok(check(good), JSON.stringify(check.errors))
  t.notOk(check({ ...good, shapes: [{ kind: 'line', from: [0, 0], to: [1] }] }), 'a short tuple')
  const plain = schemaDocument(Type.Object({ a: Type.String() }), { dialect: 'draft-07' }) as Record<string, unknown>
  t.strictSame(Object.keys(plain), ['$schema', 'type', 'required', 'properties'], 'type first, no empty definitions')
})

t.test('the text is the JSON with two-space indent and one final newline; symbol annotations never reach it', async (t) => {
  const marked = Object.assign(Type.String(), { [Symbol('note')]: 'kept out' })
  const text = schemaDocumentText(marked, { dialect: '2020-12' })
  t.equal(text, '{\n  "$schema": "https://json-schema.org/draft/2020-12/schema",\n  "type": "string"\n}\n')
})

t.test('a reference to a name never defined is an error, not a dangling $ref', async (t) => {
  const Tree = Type.Recursive((self) => Type.Object({ children: Type.Array(self) }), { $id: 'json-schema-test-undefined' })
  t.throws(() => schemaDocument(Tree, { dialect: '2020-12' }), /no definition named 'json-schema-test-undefined'/)
})
