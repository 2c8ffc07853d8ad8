// Writes config/station.schema.json (editor completion for station.yaml) and the option tables of
// docs/config.md from the config's one definition, config/station-options.ts. Runs after tsc (it uses
// the built modules) and before copy-assets (which ships the schema in dist/).
// test/config/station-schema.test.ts fails when either committed file differs from what this writes.
import { readFile, writeFile } from 'node:fs/promises'
import { withOptionTables } from '../dist/config/options-table.js'
import { stationJsonSchemaText } from '../dist/config/station-json-schema.js'

const file = new URL('../config/station.schema.json', import.meta.url)
const text = stationJsonSchemaText()
const current = await readFile(file, 'utf8').catch(() => undefined)
// Written only when it changed, so a build leaves the tree's timestamps alone.
if (current !== text) await writeFile(file, text)

// The option tables of docs/config.md come from the same definition (config/options-table.ts).
const doc = new URL('../docs/config.md', import.meta.url)
const docText = await readFile(doc, 'utf8')
const tables = withOptionTables(docText)
if (tables !== docText) await writeFile(doc, tables)
