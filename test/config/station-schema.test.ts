import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { FORMAT_CHECKERS } from '../../config/formats.js'
import { withOptionTables } from '../../config/options-table.js'
import { stationJsonSchemaText } from '../../config/station-json-schema.js'

const file = (name: string): string => fileURLToPath(new URL(`../../config/${name}`, import.meta.url))
const committed = await readFile(file('station.schema.json'), 'utf8')

t.test('the committed config/station.schema.json is the one the schema definition writes', async (t) => {
  t.ok(committed === stationJsonSchemaText(), 'config/station.schema.json is stale: run `npm run build` and commit it')
})

t.test('the option tables of docs/config.md are the ones the schema definition writes', async (t) => {
  const doc = await readFile(fileURLToPath(new URL('../../docs/config.md', import.meta.url)), 'utf8')
  const blocks = doc.match(/<!-- options: /g) ?? []
  t.ok(blocks.length >= 5, 'the doc has its option tables')
  t.ok(doc === withOptionTables(doc), 'docs/config.md option tables are stale: run `npm run build` and commit it')
  for (const option of ['mqtt.url', 'hardware.keypad.touch.zones', 'control.mode', 'hardware.buzzer.keyClick']) {
    t.match(doc, `| \`${option}\` |`, `${option} has a row`)
  }
})

/** An editor's view of the file: plain JSON Schema; the formats are the station's own checks, not an editor's. */
function editorValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true, formats: Object.fromEntries(Object.keys(FORMAT_CHECKERS).map((name) => [name, true])) })
  return ajv.compile(JSON.parse(committed) as object)
}

t.test('the shipped configs pass the JSON Schema an editor checks them with', async (t) => {
  const validate = editorValidator()
  for (const name of ['sim.yaml', 'station.example.yaml']) {
    const text = await readFile(file(name), 'utf8')
    t.match(text, /^# yaml-language-server: \$schema=station\.schema\.json\n/, `${name} names the schema for its editor`)
    t.ok(validate(parse(text)), `${name}: ${JSON.stringify(validate.errors)}`)
  }
})

t.test('the JSON Schema refuses what the station refuses: a mistyped key, a value out of range', async (t) => {
  const validate = editorValidator()
  t.notOk(validate({ mqtt: { urll: 'mqtt://h' } }), 'unknown option')
  t.notOk(validate({ hardware: { tamper: { line: 54 } } }), 'BCM line above 53')
  t.notOk(validate({ station: { id: 'Bad Id!' } }), 'station id pattern')
  t.ok(validate({ session: null, mqtt: { urls: null }, hardware: { keypad: { irqLine: null } } }), 'an empty section, an unset option')
  t.notOk(validate({ mqtt: { tls: { caFile: '/etc/ca.pem' } } }), 'a tls section names all three files')
  t.ok(validate({ hardware: { keypad: { address: '0x5b', electrodes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 'back', 0, 'ok'] } } }), 'hex text and digit keys')
})
