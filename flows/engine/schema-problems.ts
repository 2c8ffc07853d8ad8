/**
 * TypeBox's errors for a flow file, worded as the flow checks report them: `path: problem (got
 * value)` with a diagnostic code, and where in the file the problem is (the value, its key, or the
 * mapping that lacks a key) so that flow-read.ts can give the line. The wording comes from the
 * `ReaderHint`s of flow-file-schema.ts. A union is not reported as "matches none of its variants":
 * the variant the value is meant to be (by its JSON type, or by the constant of its `kind`) is
 * checked instead, so a mistake in a step is reported as one problem in that step. Pure.
 */
import type { TSchema } from '@sinclair/typebox'
import { Kind } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'
import type { DiagnosticCode } from './diagnostic.js'
import { hintOf } from './flow-file-schema.js'
import { constantsOf, discriminatorOf } from '../../runtime/core/json-schema.js'

/** One problem with a value, at `path` (keys and list indexes from the file's root). */
export interface SchemaProblem {
  code: DiagnosticCode
  path: string[]
  message: string
  /** What the line is of: the value at `path`, its key, or the mapping at `path` (which lacks a key). */
  at: 'value' | 'key' | 'owner'
}

/** The problems of `value` against `schema`; `skip` leaves out a part another reader words (conditions). */
export function schemaProblems(schema: TSchema, value: unknown, skip: (path: string[]) => boolean = () => false): SchemaProblem[] {
  const problems: SchemaProblem[] = []
  collect(schema, value, [], root(value), skip, problems, undefined)
  return problems
}

/** Renders a path as the messages write it: `steps.ask.options[0].next`; the root is `flow`. */
export function pathText(rootValue: unknown, path: readonly string[]): string {
  if (path.length === 0) return 'flow'
  let text = ''
  let value = rootValue
  for (const segment of path) {
    text += Array.isArray(value) ? `[${segment}]` : `${text === '' ? '' : '.'}${segment}`
    value = child(value, segment)
  }
  return text
}

/** How a value is named in a message: a text quoted, a number as written, a mapping or list by its kind. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `'${value}'`
  return String(value)
}

/** The whole file's value, for rendering paths. */
interface Root {
  value: unknown
}

function root(value: unknown): Root {
  return { value }
}

/** The variant of a discriminated union the value is in, for "does not apply" wording. */
interface VariantContext {
  name: string
  union: TSchema
  /** Where the variant's mapping is. */
  path: string[]
}

function collect(schema: TSchema, value: unknown, prefix: string[], top: Root, skip: (path: string[]) => boolean, problems: SchemaProblem[], variant: VariantContext | undefined): void {
  const missing = new Set<string>()
  for (const error of Value.Errors(schema, value)) {
    const path = [...prefix, ...segments(error.path)]
    if (error.type !== ValueErrorType.ObjectRequiredProperty && skip(path)) continue
    // A missing key is also visited as an undefined value; the first report is enough.
    if (error.value === undefined && error.type !== ValueErrorType.ObjectRequiredProperty && missing.has(path.join('/'))) continue
    if (error.type === ValueErrorType.ObjectRequiredProperty) missing.add(path.join('/'))
    report(error, path, top, skip, problems, variant)
  }
}

function report(error: ValueError, path: string[], top: Root, skip: (path: string[]) => boolean, problems: SchemaProblem[], variant: VariantContext | undefined): void {
  const hint = hintOf(error.schema)
  const value = error.value
  const parent = path.slice(0, -1)
  const key = path[path.length - 1] ?? ''
  const where = pathText(top.value, path)
  const add = (problem: Omit<SchemaProblem, 'code'> & { code?: DiagnosticCode }): void => {
    problems.push({ code: 'FLOW_SCHEMA', ...problem })
  }
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty: {
      const code = hint.missing?.code ?? (hint.language ? 'FLOW_MISSING_TRANSLATION' : 'FLOW_SCHEMA')
      add({ code, path: parent, at: 'owner', message: `${pathText(top.value, parent)}: missing '${key}'${hint.missing?.why ?? ''}` })
      return
    }
    case ValueErrorType.ObjectAdditionalProperties: {
      const owner = error.schema
      const ownerWhere = pathText(top.value, parent)
      const ownerValue = valueAt(top.value, parent)
      if (owner['patternProperties'] !== undefined) {
        // TypeBox stops at a record's first stray key; every one is worth reporting.
        const pattern = new RegExp(Object.keys(owner['patternProperties'] as object)[0] ?? '')
        for (const stray of Object.keys(ownerValue as object).filter((name) => !pattern.test(name))) {
          add({ path: [...parent, stray], at: 'key', message: `${ownerWhere}: ${hint.badKey?.(stray) ?? `unknown key '${stray}'`}` })
        }
        return
      }
      const inVariant = variant && hintOf(variant.union).foreignKeys && variant.path.join('/') === parent.join('/') ? variant : undefined
      if (inVariant && keysOfUnion(inVariant.union).includes(key)) {
        add({ path, at: 'value', message: `${where}: ${hintOf(inVariant.union).foreignKeys?.(inVariant.name) ?? ''}` })
        return
      }
      const allowed = inVariant ? keysOfUnion(inVariant.union) : Object.keys(owner['properties'] as object)
      add({ path, at: 'key', message: `${ownerWhere}: unknown key '${key}' (allowed: ${allowed.join(', ')})` })
      return
    }
    case ValueErrorType.Object:
      if (hint.translation) {
        const got = typeof value !== 'object' || value === null ? `a plain ${describe(value)}` : 'a non-mapping'
        add({ code: 'FLOW_MISSING_TRANSLATION', path, at: 'value', message: `${where}: expected { vi, en } with both languages; got ${got}` })
        return
      }
      add({ path, at: 'value', message: `${where}: expected ${hint.expected ?? 'a mapping'} (got ${describe(value)})` })
      return
    case ValueErrorType.Array:
      add({ path, at: 'value', message: `${where}: expected ${hint.expected ?? 'a list'} (got ${describe(value)})` })
      return
    case ValueErrorType.ArrayMinItems:
    case ValueErrorType.ArrayMaxItems:
    case ValueErrorType.ObjectMinProperties:
    case ValueErrorType.ObjectMaxProperties: {
      const count = Array.isArray(value) ? value.length : Object.keys(value as object).length
      add({ path, at: 'value', message: `${where}: ${hint.count?.(count) ?? `expected ${hint.expected ?? noun(error.schema)} (got ${describe(value)})`}` })
      return
    }
    case ValueErrorType.ArrayUniqueItems: {
      const items = value as unknown[]
      const index = items.findIndex((item, i) => items.slice(0, i).some((earlier) => JSON.stringify(earlier) === JSON.stringify(item)))
      // A repeated item that is wrong in itself is reported as wrong, once.
      if (!Value.Check(error.schema['items'] as TSchema, items[index])) return
      add({ path: [...path, String(index)], at: 'value', message: `${where}: ${hint.repeated?.(items[index]) ?? 'an item is listed twice'}` })
      return
    }
    case ValueErrorType.Union:
      union(error.schema, value, path, top, skip, problems)
      return
    case ValueErrorType.String:
    case ValueErrorType.StringPattern:
    case ValueErrorType.StringMinLength:
      if (hint.language) {
        if (value === null || value === '') add({ code: 'FLOW_MISSING_TRANSLATION', path, at: 'value', message: `${pathText(top.value, parent)}: missing '${key}'` })
        else if (typeof value === 'string') add({ code: 'FLOW_MISSING_TRANSLATION', path, at: 'value', message: `${where}: blank` })
        else add({ path, at: 'value', message: `${where}: expected a string (got ${describe(value)})` })
        return
      }
      if (typeof value === 'string') {
        add({ path, at: 'value', message: `${where}: '${value}' is not ${hint.expected ?? String(error.schema['pattern'])}` })
        return
      }
      add({ path, at: 'value', message: `${where}: expected ${hint.expected ?? noun(error.schema)} (got ${describe(value)})` })
      return
    default:
      add({ path, at: 'value', message: `${where}: expected ${hint.expected ?? noun(error.schema)} (got ${describe(value)})` })
  }
}

/**
 * A value that fits none of a union's variants: checks it against the variant it is meant to be.
 * A mapping picks its variant by the union's discriminator (`kind`, `type`); other values by their
 * JSON type. A scalar that fits no variant is one problem, worded by the union's hint.
 */
function union(schema: TSchema, value: unknown, path: string[], top: Root, skip: (path: string[]) => boolean, problems: SchemaProblem[]): void {
  const hint = hintOf(schema)
  const where = pathText(top.value, path)
  const variants = (schema['anyOf'] as TSchema[]).filter((option) => accepts(option, value))
  const discriminator = discriminatorOf(schema)
  if (discriminator !== undefined && isMapping(value)) {
    const constants = variants.flatMap((option) => constantsOf(option, discriminator))
    const chosen = value[discriminator]
    if (chosen === undefined) {
      problems.push({ code: 'FLOW_SCHEMA', path, at: 'owner', message: `${where}: missing '${discriminator}' (one of ${constants.join(', ')})` })
      return
    }
    const picked = variants.find((option) => constantsOf(option, discriminator).includes(chosen))
    if (!picked) {
      problems.push({ code: 'FLOW_SCHEMA', path: [...path, discriminator], at: 'value', message: `${where}.${discriminator}: expected one of ${constants.join(', ')} (got ${describe(chosen)})` })
      return
    }
    collect(picked, value, path, top, skip, problems, { name: String(chosen), union: schema, path })
    return
  }
  const [only] = variants
  if (variants.length === 1 && only !== undefined && (isMapping(value) || Array.isArray(value))) {
    if (only[Kind] === 'Union') union(only, value, path, top, skip, problems)
    else collect(only, value, path, top, skip, problems, undefined)
    return
  }
  if (Array.isArray(value) && (schema['anyOf'] as TSchema[]).some((option) => hintOf(option).translation)) {
    // Text or a { vi, en }: a list is a text that is not one, as for a { vi, en } alone.
    problems.push({ code: 'FLOW_MISSING_TRANSLATION', path, at: 'value', message: `${where}: expected { vi, en } with both languages; got a non-mapping` })
    return
  }
  problems.push({ code: 'FLOW_SCHEMA', path, at: 'value', message: `${where}: expected ${hint.expected ?? noun(schema)} (got ${describe(value)})` })
}

/** Whether `schema` is for values of `value`'s JSON type (not whether `value` fits it). */
function accepts(schema: TSchema, value: unknown): boolean {
  switch (schema[Kind]) {
    case 'Union':
      return (schema['anyOf'] as TSchema[]).some((option) => accepts(option, value))
    case 'Object':
    case 'Record':
      return isMapping(value)
    case 'Array':
    case 'Tuple':
      return Array.isArray(value)
    case 'String':
      return typeof value === 'string'
    case 'Number':
    case 'Integer':
      return typeof value === 'number'
    case 'Boolean':
      return typeof value === 'boolean'
    case 'Null':
      return value === null
    case 'Literal':
      return typeof value === typeof schema['const']
    default:
      return false
  }
}

/** What a schema expects, when its hint does not say. */
function noun(schema: TSchema): string {
  switch (schema[Kind]) {
    case 'String':
      return 'a string'
    case 'Integer':
      return schema['minimum'] !== undefined && schema['maximum'] !== undefined ? `an integer ${String(schema['minimum'])}..${String(schema['maximum'])}` : 'a whole number'
    case 'Number':
      return 'a number'
    case 'Boolean':
      return 'true or false'
    case 'Literal':
      return describe(schema['const'])
    case 'Union':
      return `one of ${(schema['anyOf'] as TSchema[]).map(noun).join(', ')}`
    default:
      return 'something else'
  }
}

/** Every key some variant of a discriminated union has, in the order they are declared. */
function keysOfUnion(schema: TSchema): string[] {
  const keys: string[] = []
  for (const option of schema['anyOf'] as TSchema[]) {
    for (const key of Object.keys((option['properties'] as object | undefined) ?? {})) if (!keys.includes(key)) keys.push(key)
  }
  return keys
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A JSON pointer's segments, unescaped. */
function segments(pointer: string): string[] {
  if (pointer === '') return []
  return pointer.slice(1).split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function child(value: unknown, segment: string): unknown {
  if (Array.isArray(value)) return value[Number(segment)]
  return isMapping(value) ? value[segment] : undefined
}

/** The value at `path` in `rootValue`. */
export function valueAt(rootValue: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((value, segment) => child(value, segment), rootValue)
}
