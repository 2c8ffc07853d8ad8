// Writes flows/flow.schema.json from the one definition of the flow format
// (flows/engine/flow-file-schema.ts), for editors. Runs after tsc: it uses the built module. The
// file is committed so that a flow opened in an editor finds it without a build;
// test/flows/flow-schema.test.ts fails when the committed file is not what this writes.
import { writeFile } from 'node:fs/promises'
import { flowJsonSchemaText } from '../dist/flows/engine/flow-file-schema.js'

await writeFile(new URL('../flows/flow.schema.json', import.meta.url), flowJsonSchemaText())
