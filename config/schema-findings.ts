/**
 * TypeBox's verdict on a merged config, turned into the config's own terms: one problem sentence per
 * option (worded by `config/option-problems.ts`), and the keys no schema knows. Pure.
 */
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'
import { Value } from '@sinclair/typebox/value'
import { isObjectSchema, problemOf, type OptionSchema } from './option-problems.js'
import { renderOption } from './problem-lines.js'

export interface OptionProblem {
  /** "must be …", without the path and the value. */
  readonly problem: string
  /** The rejected value as the problem line shows it. */
  readonly rendered: string
  /** A required option is missing (only in a section that has no base to take it from). */
  readonly required?: boolean
}

export interface SchemaFindings {
  /** Dotted option path → its first problem. */
  readonly problems: Map<string, OptionProblem>
  /** Dotted paths of keys no schema knows, in the order they were found. */
  readonly unknown: string[]
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~')
}

function valueAt(value: unknown, segments: readonly string[]): unknown {
  let current = value
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return undefined
    current = (current as Record<string, unknown>)[segment]
  }
  return current
}

/** Why one item of a list option is refused; only for items whose problem depends on them (mappings, formats). */
function itemDetail(list: OptionSchema, rest: readonly string[], error: ValueError, value: unknown): string | undefined {
  const item = list.items
  const [index, field] = rest
  if (item === undefined || index === undefined) return undefined
  if (isObjectSchema(item)) {
    if (field === undefined) return `item ${index} is not a mapping`
    if (error.type === ValueErrorType.ObjectAdditionalProperties) return `item ${index} has unknown option ${field}`
    const fieldSchema = item.properties?.[field]
    if (error.type === ValueErrorType.ObjectRequiredProperty || fieldSchema === undefined) return `item ${index} lacks ${field}`
    return `item ${index} ${field} ${problemOf(fieldSchema, value)}`
  }
  return item.format === undefined ? undefined : `item ${index} ${problemOf(item, value)}`
}

function optionProblem(schema: OptionSchema, rest: readonly string[], error: ValueError, optionValue: unknown): OptionProblem {
  if (rest.length === 0 && error.type === ValueErrorType.ObjectRequiredProperty) {
    return { problem: `is required (${schema.title ?? 'it has no default'})`, rendered: 'nothing', required: true }
  }
  const detail = rest.length === 0 ? undefined : itemDetail(schema, rest, error, error.value)
  const problem = problemOf(schema, optionValue)
  return { problem: detail === undefined ? problem : `${problem}: ${detail}`, rendered: renderOption(schema, optionValue) }
}

/** Every problem TypeBox finds in `value` (a merged config), by option. */
export function schemaFindings(root: OptionSchema, value: unknown): SchemaFindings {
  const problems = new Map<string, OptionProblem>()
  const unknown: string[] = []
  for (const error of Value.Errors(root, value)) {
    const segments = error.path.split('/').slice(1).map(unescapePointer)
    let schema = root
    let depth = 0
    // Down the mappings to the option the error is about; a list is one option, its items are its value.
    while (depth < segments.length && isObjectSchema(schema)) {
      const child = schema.properties?.[segments[depth] as string]
      if (child === undefined) break
      schema = child
      depth++
    }
    const path = segments.slice(0, depth).join('.')
    if (isObjectSchema(schema) && depth < segments.length) {
      unknown.push(segments.slice(0, depth + 1).join('.'))
      continue
    }
    if (problems.has(path)) continue
    problems.set(path, optionProblem(schema, segments.slice(depth), error, valueAt(value, segments.slice(0, depth))))
  }
  return { problems, unknown }
}

/** Every option and section path of `root`, in schema order. */
export function knownPaths(root: OptionSchema, prefix = ''): string[] {
  return Object.entries(root.properties ?? {}).flatMap(([key, schema]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`
    return isObjectSchema(schema) ? [path, ...knownPaths(schema, path)] : [path]
  })
}
