// Writes config/station.schema.json (editor completion for station.yaml), the option tables of
// docs/config.md and the never-remote list of docs/remote-config.md from the config's one definition, config/station-options.ts. Runs after tsc (it uses
// the built modules) and before copy-assets (which ships the schema in dist/).
// test/config/station-schema.test.ts and option-paths.test.ts fail when a committed file differs from what this writes.
import { readFile, writeFile } from 'node:fs/promises'
import { withNeverRemoteList } from '../dist/config/option-paths.js'
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

// So does the list of options desired config refuses, in docs/remote-config.md (config/option-paths.ts).
const remoteDoc = new URL('../docs/remote-config.md', import.meta.url)
const remoteText = await readFile(remoteDoc, 'utf8')
const listed = withNeverRemoteList(remoteText)
if (listed !== remoteText) await writeFile(remoteDoc, listed)
