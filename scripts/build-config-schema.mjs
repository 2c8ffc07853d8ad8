// Writes config/station.schema.json (editor completion for station.yaml) from the config's one
// definition, config/station-options.ts. Runs after tsc (it uses the built module) and before
// copy-assets (which ships the file in dist/). test/config/station-schema.test.ts fails when the
// committed file differs from what this writes.
import { readFile, writeFile } from 'node:fs/promises'
import { stationJsonSchemaText } from '../dist/config/station-json-schema.js'

const file = new URL('../config/station.schema.json', import.meta.url)
const text = stationJsonSchemaText()
const current = await readFile(file, 'utf8').catch(() => undefined)
// Written only when it changed, so a build leaves the tree's timestamps alone.
if (current !== text) await writeFile(file, text)
