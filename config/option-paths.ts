/**
 * Which options hold files on the station's disk, and which operations may never set remotely, read
 * from the one definition (`config/station-options.ts`) instead of listed by hand: a new path option
 * is resolved against its file's folder and refused by desired config without anyone remembering to
 * add it to a list.
 * - A file option is one whose format names a place on the station's disk (`absolute-path`,
 *   `socket-path`), or a list of such (trusted key files). Serial ports (`serial-path`) are devices,
 *   not files, and are not resolved.
 * - Never remote: every file option (what the station reads from its own disk is set on its disk),
 *   and every option or section marked `'x-never-remote': reason`, with everything under it.
 */
import { dirname } from 'node:path'
import { Kind } from '@sinclair/typebox'
import { isObjectSchema, type OptionSchema } from './option-problems.js'
import { resolvePathAt, resolvePathListAt } from './raw-config.js'
import { StationOptions } from './station-options.js'

/** Formats whose values are places on the station's own disk. */
const FILE_FORMATS: ReadonlySet<string> = new Set(['absolute-path', 'socket-path'])

/** Why a file option is never remote, in the words docs/remote-config.md lists. */
export const FILE_NEVER_REMOTE = "a file or folder on the station's disk"

/** Every option and section under `schema`, with its keys from the root, in schema order. */
export function optionEntries(schema: OptionSchema = StationOptions, prefix: readonly string[] = []): Array<{ path: readonly string[]; schema: OptionSchema }> {
  return Object.entries(schema.properties ?? {}).flatMap(([key, option]) => {
    const path = [...prefix, key]
    return [{ path, schema: option }, ...(isObjectSchema(option) ? optionEntries(option, path) : [])]
  })
}

/** The schema of the option or section at a dotted path; undefined when the definition has none. */
export function optionAt(dotted: string, schema: OptionSchema = StationOptions): OptionSchema | undefined {
  let found: OptionSchema | undefined = schema
  for (const key of dotted.split('.')) found = found?.properties?.[key]
  return found
}

function isFile(schema: OptionSchema | undefined): boolean {
  return schema?.[Kind] === 'String' && schema.format !== undefined && FILE_FORMATS.has(schema.format)
}

/** Options holding one file path (resolved against the folder of whoever set them). */
export const FILE_OPTIONS: readonly (readonly string[])[] = optionEntries()
  .filter((entry) => isFile(entry.schema))
  .map((entry) => entry.path)

/** Options holding a list of file paths, resolved item by item. */
export const FILE_LIST_OPTIONS: readonly (readonly string[])[] = optionEntries()
  .filter((entry) => entry.schema[Kind] === 'Array' && isFile(entry.schema.items))
  .map((entry) => entry.path)

/** Every file option of a file's raw config, resolved against the file's folder. */
export function resolveFilePaths(raw: unknown, file: string): unknown {
  let result = raw
  for (const path of FILE_OPTIONS) result = resolvePathAt(result, path, dirname(file))
  for (const path of FILE_LIST_OPTIONS) result = resolvePathListAt(result, path, dirname(file))
  return result
}

/** An option or section operations can never set, with the reason (docs/remote-config.md). */
export interface NeverRemote {
  readonly path: string
  readonly reason: string
}

function neverRemote(): NeverRemote[] {
  const found: NeverRemote[] = []
  const isCovered = (path: string) => found.some((root) => path === root.path || path.startsWith(`${root.path}.`))
  for (const entry of optionEntries()) {
    const path = entry.path.join('.')
    if (isCovered(path)) continue
    const marked = entry.schema['x-never-remote']
    const isFileOption = isFile(entry.schema) || (entry.schema[Kind] === 'Array' && isFile(entry.schema.items))
    if (marked !== undefined) found.push({ path, reason: marked })
    else if (isFileOption) found.push({ path, reason: FILE_NEVER_REMOTE })
  }
  return found
}

/** What desired config refuses (a path below one of these too), in schema order. */
export const NEVER_REMOTE: readonly NeverRemote[] = neverRemote()

/** The block of docs/remote-config.md between `<!-- never remote -->` and `<!-- end never remote -->`. */
export function neverRemoteList(): string {
  return NEVER_REMOTE.map((entry) => {
    const schema = optionAt(entry.path)
    const section = schema !== undefined && isObjectSchema(schema) ? ' (all of it)' : ''
    return `- \`${entry.path}\`${section}: ${entry.reason}`
  }).join('\n')
}

const BLOCK = /(<!-- never remote -->\n)[\s\S]*?(<!-- end never remote -->)/

/** The doc with its never-remote block rewritten from the definition; a doc without the block is an error. */
export function withNeverRemoteList(doc: string): string {
  if (!BLOCK.test(doc)) throw new Error('docs/remote-config.md has no <!-- never remote --> block')
  return doc.replace(BLOCK, (_match, open: string, close: string) => `${open}${neverRemoteList()}\n${close}`)
}
