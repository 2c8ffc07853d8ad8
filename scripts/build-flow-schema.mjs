// Writes flows/flow.schema.json from the one definition of the flow format
// (flows/engine/flow-file-schema.ts), for editors, and the limits table of docs/flows.md from the
// constants (flows/engine/flow-limits-table.ts). Runs after tsc (it uses the built modules) and
// before copy-assets (which ships the schema in dist/). Both files are committed, so that a flow opened
// in an editor finds the schema without a build; test/flows/flow-schema.test.ts fails when either
// committed file is not what this writes.
import { readFile, writeFile } from 'node:fs/promises'
import { flowJsonSchemaText } from '../dist/flows/engine/flow-file-schema.js'
import { withFlowLimits } from '../dist/flows/engine/flow-limits-table.js'

/** Writes `text` only when it changed, so a build leaves the tree's timestamps alone. */
async function update(file, text) {
  const current = await readFile(file, 'utf8').catch(() => undefined)
  if (current !== text) await writeFile(file, text)
}

await update(new URL('../flows/flow.schema.json', import.meta.url), flowJsonSchemaText())
const doc = new URL('../docs/flows.md', import.meta.url)
await update(doc, withFlowLimits(await readFile(doc, 'utf8')))
