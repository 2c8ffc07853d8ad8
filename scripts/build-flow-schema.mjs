// Writes flows/flow.schema.json from the one definition of the flow format
// (flows/engine/flow-file-schema.ts), for editors. Runs after tsc (it uses the built module) and
// before copy-assets (which ships the file in dist/). The file is committed so that a flow opened in
// an editor finds it without a build; test/flows/flow-schema.test.ts fails when the committed file
// is not what this writes.
import { readFile, writeFile } from 'node:fs/promises'
import { flowJsonSchemaText } from '../dist/flows/engine/flow-file-schema.js'

const file = new URL('../flows/flow.schema.json', import.meta.url)
const text = flowJsonSchemaText()
const current = await readFile(file, 'utf8').catch(() => undefined)
// Written only when it changed, so a build leaves the tree's timestamps alone.
if (current !== text) await writeFile(file, text)
