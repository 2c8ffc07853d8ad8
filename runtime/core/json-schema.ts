/**
 * TypeBox schemas written as one JSON Schema document, for editors (the `$schema` line of a YAML
 * file) and for tools that validate with a standard validator. The one emitter of the project's
 * generated schemas: `flows/flow.schema.json` (2020-12) and `config/station.schema.json` (draft-07,
 * the dialect editors' YAML language servers support best).
 *
 * A schema marked with `define` is written once under `$defs` (`definitions` in draft-07) and
 * referenced wherever it is used; a union marked with `discriminated` becomes `if kind = x then
 * $defs.x` rules, which editors report far better than an `anyOf` of every variant. A union of
 * constants is written as `enum`, `type` goes first. Annotations kept on schemas under symbol keys
 * (TypeBox's own, and the marks here) never reach the JSON. Pure: schema in, plain JSON value out.
 */
import type { TSchema } from '@sinclair/typebox'

/** The `$defs` name of a schema written once. */
const DEF_NAME = Symbol('json-schema.def')
/** The property whose constant picks a union's variant. */
const DISCRIMINATOR = Symbol('json-schema.discriminator')

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Annotated = TSchema & { [DEF_NAME]?: string; [DISCRIMINATOR]?: string }

export type JsonSchemaDialect = 'draft-07' | '2020-12'

const DIALECT_URI: Record<JsonSchemaDialect, string> = {
  'draft-07': 'http://json-schema.org/draft-07/schema#',
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
}

/** The definitions by name, as declared (the first declaration of a name wins). */
const definitions = new Map<string, TSchema>()

/** Marks `schema` as the `$defs` entry `name`; copies made with `variant` keep the mark. */
export function define<T extends TSchema>(name: string, schema: T): T {
  ;(schema as Annotated)[DEF_NAME] = name
  if (!definitions.has(name)) definitions.set(name, schema)
  return schema
}

/** A copy of `schema` with other options (a description for one use); symbol annotations are kept. */
export function variant<T extends TSchema>(schema: T, options: Record<string, unknown>): T {
  return { ...schema, ...options }
}

/** Marks a union whose object variants each fix `property` to their own constant(s). */
export function discriminated<T extends TSchema>(property: string, schema: T): T {
  ;(schema as Annotated)[DISCRIMINATOR] = property
  return schema
}

/** The property that picks a variant of `schema`, when it is a discriminated union. */
export function discriminatorOf(schema: TSchema): string | undefined {
  return (schema as Annotated)[DISCRIMINATOR]
}

/** The constants a variant gives `property` (a literal or a union of literals). */
export function constantsOf(variantSchema: TSchema, property: string): unknown[] {
  const property_ = (variantSchema['properties'] as Record<string, TSchema> | undefined)?.[property]
  if (!property_) return []
  if ('const' in property_) return [property_['const']]
  const options = property_['anyOf'] as TSchema[] | undefined
  return options?.flatMap((option) => ('const' in option ? [option['const']] : [])) ?? []
}

export interface DocumentOptions {
  dialect: JsonSchemaDialect
  /** Goes first, after `$schema` ($id, title, description). */
  header?: Record<string, string>
}

/** `root` as a JSON Schema document of `dialect`, with the definitions it uses. */
export function schemaDocument(root: TSchema, { dialect, header = {} }: DocumentOptions): Json {
  const defsKey = dialect === 'draft-07' ? 'definitions' : '$defs'
  const defs: Record<string, Json> = {}
  const pending: string[] = []
  const pointer = (name: string): string => `#/${defsKey}/${name}`
  const reference = (name: string, use: TSchema): Json => {
    if (!(name in defs) && !pending.includes(name)) pending.push(name)
    const canonical = definitions.get(name)
    const description = use['description'] as string | undefined
    return description !== undefined && description !== canonical?.['description'] ? { $ref: pointer(name), description } : { $ref: pointer(name) }
  }
  const convert = (node: unknown, top: boolean): Json => {
    if (Array.isArray(node)) return node.map((item) => convert(item, false))
    if (typeof node !== 'object' || node === null) return node as Json
    const schema = node as Annotated
    const name = schema[DEF_NAME]
    if (name !== undefined && !top) return reference(name, schema)
    const discriminator = schema[DISCRIMINATOR]
    if (discriminator !== undefined && Array.isArray(schema['anyOf'])) return dispatch(schema, discriminator)
    const out: Record<string, Json> = {}
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$id') continue
      if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) {
        // A recursive schema's reference to itself, by its $id.
        if (!(value in defs) && !pending.includes(value)) pending.push(value)
        out[key] = pointer(value)
        continue
      }
      out[key] = convert(value, false)
    }
    return simplify(out, dialect)
  }
  const dispatch = (schema: Annotated, property: string): Json => {
    const variants = schema['anyOf'] as TSchema[]
    const values = variants.flatMap((option) => constantsOf(option, property)) as Json[]
    return {
      ...(schema['description'] === undefined ? {} : { description: schema['description'] as string }),
      type: 'object',
      required: [property],
      properties: { [property]: { enum: values } },
      allOf: variants.map((option) => {
        const constants = constantsOf(option, property) as Json[]
        return {
          if: { properties: { [property]: constants.length === 1 ? { const: constants[0] ?? null } : { enum: constants } }, required: [property] },
          then: convert(option, false),
        }
      }),
    }
  }
  const document = { $schema: DIALECT_URI[dialect], ...header, ...(convert(root, true) as Record<string, Json>) }
  while (pending.length > 0) {
    const name = pending.shift() as string
    const schema = definitions.get(name)
    if (!schema) throw new Error(`json-schema: no definition named '${name}'`)
    defs[name] = convert(schema, true)
  }
  return Object.keys(defs).length === 0 ? document : { ...document, [defsKey]: defs }
}

/** The document's text as committed: two-space indent, one newline at the end. */
export function schemaDocumentText(root: TSchema, options: DocumentOptions): string {
  return `${JSON.stringify(schemaDocument(root, options), null, 2)}\n`
}

/** Writes a union of constants as `enum`, and in 2020-12 a tuple as `prefixItems` (it has no array `items`). */
function simplify(written: Record<string, Json>, dialect: JsonSchemaDialect): Json {
  // `type` first, as people write schemas; TypeBox puts the options first.
  const { type, ...others } = written
  const schema: Record<string, Json> = type === undefined ? others : { type, ...others }
  const anyOf = schema['anyOf']
  if (Array.isArray(anyOf) && anyOf.length > 0 && anyOf.every((option) => typeof option === 'object' && option !== null && !Array.isArray(option) && 'const' in option && Object.keys(option).every((key) => key === 'const' || key === 'type'))) {
    const { anyOf: _, ...rest } = schema
    return { ...rest, enum: anyOf.map((option) => (option as Record<string, Json>)['const'] ?? null) }
  }
  const items = schema['items']
  if (dialect === '2020-12' && Array.isArray(items)) {
    const { items: _, additionalItems, ...rest } = schema
    return { ...rest, prefixItems: items, ...(additionalItems === false ? { items: false } : {}) }
  }
  if (schema['const'] !== undefined && schema['type'] !== undefined) {
    const { type: _, ...rest } = schema
    return rest
  }
  return schema
}
