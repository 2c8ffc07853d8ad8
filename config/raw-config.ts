/**
 * The config file before validation: read and parsed, with its relative paths made absolute against
 * the file's folder. Light on purpose (no validator, no drivers, no schema): client commands use it to
 * find the control socket (config/socket-location.ts), `loadConfig` to start from. Which options are
 * paths comes from the definition (`config/option-paths.ts`), which the light path does not load.
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { messageOf } from '../runtime/core/errors.js'
import { withOverride } from './env.js'

export function getIn(raw: unknown, path: readonly string[]): unknown {
  let value = raw
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

/** The list of paths at `path`, each relative one resolved against `baseDir`. */
export function resolvePathListAt(raw: unknown, path: readonly string[], baseDir: string): unknown {
  const value = getIn(raw, path)
  if (!Array.isArray(value)) return raw
  return withOverride(raw, path, value.map((item: unknown) => (typeof item === 'string' && item !== '' && !isAbsolute(item) ? resolve(baseDir, item) : item)))
}

/** The path at `path`, resolved against `baseDir` when relative. */
export function resolvePathAt(raw: unknown, path: readonly string[], baseDir: string): unknown {
  const value = getIn(raw, path)
  if (typeof value !== 'string' || value === '' || isAbsolute(value)) return raw
  return withOverride(raw, path, resolve(baseDir, value))
}

/** Line and column (1-based) of an option's key in the file. */
export interface FilePosition {
  readonly line: number
  readonly col: number
}

/** Where the option at `path` (keys from the root) is written in the file; undefined when it is not. */
export type LocateOption = (path: readonly string[]) => FilePosition | undefined

export type Parsed = { readonly raw: unknown; readonly locate: LocateOption } | { readonly problems: string[] }

export async function readYaml(file: string): Promise<Parsed> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { problems: [`${file}: file not found`] }
    return { problems: [`${file}: cannot read (${code ?? messageOf(error)})`] }
  }
  // Loaded here, not at the top: a station started on the built-in defaults never parses YAML.
  const { isMap, isScalar, LineCounter, parseDocument } = await import('yaml')
  const lineCounter = new LineCounter()
  // uniqueKeys: a key given twice is a mistake, not "the last one wins".
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0])
        const message = error.message.split('\n')[0] ?? error.message
        return `${file}:${line}:${col}: YAML syntax error: ${message}`
      }),
    }
  }
  // The yaml library's node ranges: the key of each mapping entry on the way down to the option.
  const locate: LocateOption = (path) => {
    let node: unknown = document.contents
    let offset: number | undefined
    for (const key of path) {
      if (!isMap(node)) return undefined
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key)
      if (pair === undefined || !isScalar(pair.key) || pair.key.range === undefined || pair.key.range === null) return undefined
      offset = pair.key.range[0]
      node = pair.value
    }
    return offset === undefined ? undefined : lineCounter.linePos(offset)
  }
  try {
    return { raw: document.toJS(), locate }
  } catch (error) {
    // toJS throws for alias expansion beyond maxAliasCount (a "billion laughs" file).
    return { problems: [`${file}: ${messageOf(error)}`] }
  }
}
