/**
 * The JSON Schema of station.yaml, as committed in `config/station.schema.json` for editors
 * (yaml-language-server completes and checks a file that names it). Written from the one definition in
 * `config/station-options.ts` by `npm run build` (scripts/build-config-schema.mjs); a test fails when the
 * committed file is stale.
 */
import { isObjectSchema, isOptional, type OptionSchema } from './option-problems.js'
import { StationOptions } from './station-options.js'

/** Draft-07: the dialect editors' YAML and JSON language servers support best. */
const DIALECT = 'http://json-schema.org/draft-07/schema#'

/**
 * The schema of what a file may say. The definition describes the config after defaults, where every
 * option is present; in a file every section and option may be left out, except that an optional
 * section given at all (mqtt.tls) must be complete, and list items (touch zones) are complete too.
 */
function fileSchema(schema: OptionSchema): Record<string, unknown> {
  const { required, properties, ...rest } = schema as OptionSchema & Record<string, unknown>
  const copy: Record<string, unknown> = { ...rest }
  if (properties !== undefined) {
    copy['properties'] = Object.fromEntries(
      Object.entries(properties).map(([key, property]) => [key, fileOption(property)]),
    )
  }
  if (required !== undefined && isOptional(schema)) copy['required'] = required
  return copy
}

/**
 * In a file, a key with nothing under it (null) is an empty section, and null unsets an optional
 * option (`config/merge-raw.ts`); the editor must accept both.
 */
function fileOption(schema: OptionSchema): unknown {
  if (isObjectSchema(schema)) return { ...fileSchema(schema), type: ['object', 'null'] }
  if (!isOptional(schema)) return schema
  return { description: schema.description, anyOf: [schema, { type: 'null' }] }
}

/** The file's text: the schema as JSON, two-space indented, one newline at the end. */
export function stationJsonSchemaText(): string {
  // TypeBox keeps its own bookkeeping under symbol keys, which JSON leaves out.
  return `${JSON.stringify({ $schema: DIALECT, ...fileSchema(StationOptions) }, null, 2)}\n`
}
