/**
 * The option tables of docs/config.md, written from the config's one definition: each option's
 * default, allowed values and meaning (its schema's `description`). `npm run build` rewrites the blocks
 * between `<!-- options: … -->` and `<!-- end options -->`; a test fails when the doc is stale.
 */
import { Kind } from '@sinclair/typebox'
import { isObjectSchema, isOptional, type OptionSchema } from './option-problems.js'
import { optionAt } from './option-paths.js'

const MIB = 1024 * 1024
const FORMAT_TEXT: Readonly<Record<string, string>> = {
  'absolute-path': 'path',
  'serial-path': 'stable serial path',
  'socket-path': 'path, ≤ 107 bytes',
  'broker-url': 'broker URL or `auto`',
  'listed-broker-url': 'broker URL',
}

/** A value as the YAML file would write it, in code quotes. */
function code(value: unknown): string {
  const text = Array.isArray(value) ? `[${value.map(String).join(', ')}]` : typeof value === 'string' ? value : JSON.stringify(value)
  return `\`${text}\``
}

function renderDefault(schema: OptionSchema): string {
  const value: unknown = schema.default
  if (value === undefined) return schema['x-default'] ?? 'unset'
  if (schema['x-render'] === 'hex' && typeof value === 'number') return code(`0x${value.toString(16).padStart(2, '0')}`)
  if (typeof value === 'string' && schema['x-render'] === 'octal') return code(`'${value}'`)
  if (typeof value === 'number' && value >= MIB && value % MIB === 0) return `${code(value)} (${value / MIB} MiB)`
  return code(value)
}

function allowed(schema: OptionSchema): string {
  if (schema['x-allowed'] !== undefined) return schema['x-allowed']
  if (schema.format !== undefined) return FORMAT_TEXT[schema.format] ?? schema.format
  switch (schema[Kind]) {
    case 'Integer':
      return `${schema.minimum ?? '…'}–${schema.maximum ?? '…'}`
    case 'Boolean':
      return '`true`, `false`'
    case 'Literal':
      return code(schema.const)
    case 'Union': {
      const members = schema.anyOf ?? []
      if (members.every((member) => member[Kind] === 'Literal')) return members.map((member) => code(member.const)).join(', ')
      if (schema['x-render'] === 'hex') return '0x08–0x77'
      if (schema['x-render'] === 'octal') return "octal, quoted: `'0660'`"
      if (members.some((member) => member[Kind] === 'Null')) return 'name or `null`'
      return 'see meaning'
    }
    case 'Array': {
      const item = schema.items
      return item === undefined || isObjectSchema(item) ? 'list' : `list (each: ${allowed(item)})`
    }
    case 'String':
      return 'text'
  }
  return 'see meaning'
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|')
}

function row(path: string, option: OptionSchema): string {
  const meaning = `${isOptional(option) ? 'optional: ' : ''}${option.description ?? ''}`
  return `| \`${path}\` | ${escapeCell(renderDefault(option))} | ${escapeCell(allowed(option))} | ${escapeCell(meaning)} |`
}

/** Rows for every option under `schema`, with dotted paths from `prefix`. */
function rows(schema: OptionSchema, prefix: string): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, option]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`
    return isObjectSchema(option) ? rows(option, path) : [row(path, option)]
  })
}

function schemaAt(path: string): OptionSchema {
  const schema = optionAt(path)
  if (schema === undefined) throw new Error(`docs/config.md names an unknown option ${path}`)
  return schema
}

/** The markdown table of the named sections' options (or single options), in schema order. */
export function optionsTable(paths: readonly string[]): string {
  const body = paths.flatMap((path) => {
    const schema = schemaAt(path)
    return isObjectSchema(schema) ? rows(schema, path) : [row(path, schema)]
  })
  return ['| option | default | allowed | meaning |', '|---|---|---|---|', ...body].join('\n')
}

const BLOCK = /(<!-- options: ([^>]*?) -->\n)[\s\S]*?(<!-- end options -->)/g

/** The doc with every options block rewritten from the definition. */
export function withOptionTables(doc: string): string {
  return doc.replace(BLOCK, (_match, open: string, names: string, close: string) => `${open}${optionsTable(names.trim().split(/\s+/))}\n${close}`)
}
