/**
 * The JSON Schema of station.yaml, as committed in `config/station.schema.json` for editors
 * (yaml-language-server completes and checks a file that names it). Written from the one definition in
 * `config/station-options.ts` by `npm run build` (scripts/build-config-schema.mjs) with the project's one
 * emitter (`runtime/core/json-schema.ts`); a test fails when the committed file is stale. What is the
 * config's own here is the shape of a file, which differs from the config after defaults.
 */
import { schemaDocumentText } from '../runtime/core/json-schema.js'
import { isObjectSchema, isOptional, type OptionSchema } from './option-problems.js'
import { StationOptions } from './station-options.js'

/**
 * The schema of what a file may say. The definition describes the config after defaults, where every
 * option is present; in a file every section and option may be left out, except that an optional
 * section given at all (mqtt.tls) must be complete, and list items (touch zones) are complete too.
 */
function fileSchema(schema: OptionSchema): OptionSchema {
  const { required, properties, ...rest } = schema
  const copy: OptionSchema = { ...rest }
  if (properties !== undefined) {
    copy.properties = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, fileOption(property)]))
  }
  if (required !== undefined && isOptional(schema)) copy.required = required
  return copy
}

/**
 * In a file, a key with nothing under it (null) is an empty section, and null unsets an optional
 * option (`config/merge-raw.ts`); the editor must accept both.
 */
function fileOption(schema: OptionSchema): OptionSchema {
  if (isObjectSchema(schema)) return { ...fileSchema(schema), type: ['object', 'null'] }
  if (!isOptional(schema)) return schema
  return { description: schema.description, anyOf: [schema, { type: 'null' }] } as OptionSchema
}

/** The file's text, in the draft-07 dialect: the one editors' YAML and JSON language servers support best. */
export function stationJsonSchemaText(): string {
  return schemaDocumentText(fileSchema(StationOptions), { dialect: 'draft-07' })
}
