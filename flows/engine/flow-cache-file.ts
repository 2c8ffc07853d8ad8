/**
 * A flow parse cache kept in a file (docs/startup.md): `<dataDir>/flows-cache.json` for the parses
 * a station made, and read-only beside it the one `npm run build` made for the bundled flows, so
 * the first start is fast too.
 *
 * The file is two lines: a header `{ format, version, engine, digest }` and the entries, a JSON
 * array of [key, entry]; `digest` is the SHA-256 of the second line. A file that does not check out
 * (torn, edited, another format) is reported and ignored: every flow is parsed, and the next write
 * replaces it. A file of another engine is ignored silently (an upgrade). Writes are atomic
 * (runtime/core/atomic-write.ts) and one at a time.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { messageOf } from '../../runtime/core/errors.js'
import { writeFileAtomic } from '../../runtime/core/atomic-write.js'
import { ENGINE_DIR, engineFingerprint } from './engine-fingerprint.js'
import type { EncodedParse, FlowParseCache } from './flow-cache.js'

/** The station's own cache, in its data dir. */
export const FLOWS_CACHE_FILE = 'flows-cache.json'

/** The cache `npm run build` writes for the bundled flows, beside the built engine. */
export const PREBUILT_FLOWS_CACHE = join(ENGINE_DIR, 'flows-cache.prebuilt.json')

const FORMAT = 'citizen-station flows cache'
const VERSION = 1

/** Entries kept at most: a station uses one folder of a few dozen flows; installs add to it. */
export const MAX_CACHE_ENTRIES = 256

export interface FlowCacheFileOptions {
  /** The file written: `<dataDir>/flows-cache.json`. */
  path: string
  /** Read-only caches consulted after `path` (the build's, PREBUILT_FLOWS_CACHE). */
  prebuilt?: readonly string[]
  /** A damaged file, or a write that failed: worth a warning, never a failure. */
  onProblem?: (message: string) => void
  /** The engine fingerprint; default engineFingerprint(). */
  engine?: string
  /** Mode of the written file; default 0o600 (the build's is 0o644: the station's user reads it). */
  mode?: number
}

type Read = { entries: Map<string, EncodedParse>; rewrite: boolean }

export async function openFlowCacheFile(options: FlowCacheFileOptions): Promise<FlowParseCache> {
  const engine = options.engine ?? (await engineFingerprint())
  const problem = options.onProblem ?? (() => undefined)
  const own = await readCacheFile(options.path, engine, problem)
  const prebuilt = await Promise.all((options.prebuilt ?? []).map((path) => readCacheFile(path, engine, problem)))
  const entries = own.entries
  let dirty = own.rewrite
  let writing: Promise<void> = Promise.resolve()
  return {
    engine: async () => engine,
    get(key) {
      const mine = entries.get(key)
      if (mine !== undefined) {
        // Most recently used last: the oldest go first when the cache is full.
        entries.delete(key)
        entries.set(key, mine)
        return mine
      }
      for (const other of prebuilt) {
        const found = other.entries.get(key)
        if (found !== undefined) return found
      }
      return undefined
    },
    put(key, entry) {
      entries.delete(key)
      entries.set(key, entry)
      while (entries.size > MAX_CACHE_ENTRIES) entries.delete(entries.keys().next().value as string)
      dirty = true
    },
    persist() {
      writing = writing.then(async () => {
        if (!dirty) return
        dirty = false
        try {
          await writeFileAtomic(options.path, encodeCacheFile(engine, entries), { mode: options.mode ?? 0o600 })
        } catch (error) {
          dirty = true
          problem(`cannot write the flows cache ${options.path}: ${messageOf(error)}`)
        }
      })
      return writing
    },
  }
}

export function encodeCacheFile(engine: string, entries: ReadonlyMap<string, EncodedParse>): string {
  const body = JSON.stringify([...entries])
  const digest = createHash('sha256').update(body, 'utf8').digest('hex')
  return `${JSON.stringify({ format: FORMAT, version: VERSION, engine, digest })}\n${body}\n`
}

async function readCacheFile(path: string, engine: string, problem: (message: string) => void): Promise<Read> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { entries: new Map(), rewrite: false }
    problem(`flows cache ${path} not read (${messageOf(error)}); flows are parsed`)
    return { entries: new Map(), rewrite: true }
  }
  const decoded = decodeCacheFile(text, engine)
  if ('damaged' in decoded) {
    problem(`flows cache ${path} ignored (${decoded.damaged}); flows are parsed and the cache rewritten`)
    return { entries: new Map(), rewrite: true }
  }
  // Another engine's entries can never hit: dropped at the next write.
  return 'stale' in decoded ? { entries: new Map(), rewrite: true } : { entries: decoded.entries, rewrite: false }
}

export function decodeCacheFile(text: string, engine: string): { entries: Map<string, EncodedParse> } | { stale: true } | { damaged: string } {
  const newline = text.indexOf('\n')
  if (newline < 0 || !text.endsWith('\n')) return { damaged: 'truncated' }
  const body = text.slice(newline + 1, -1)
  let header: unknown
  let list: unknown
  try {
    header = JSON.parse(text.slice(0, newline))
  } catch {
    return { damaged: 'header is not JSON' }
  }
  if (typeof header !== 'object' || header === null) return { damaged: 'no header' }
  const fields = header as Record<string, unknown>
  if (fields.format !== FORMAT) return { damaged: 'not a flows cache' }
  if (fields.version !== VERSION || fields.engine !== engine) return { stale: true }
  if (fields.digest !== createHash('sha256').update(body, 'utf8').digest('hex')) return { damaged: 'digest does not match' }
  try {
    list = JSON.parse(body)
  } catch {
    return { damaged: 'entries are not JSON' }
  }
  if (!Array.isArray(list)) return { damaged: 'entries are not a list' }
  const entries = new Map<string, EncodedParse>()
  for (const item of list) {
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string' || typeof item[1] !== 'object' || item[1] === null) {
      return { damaged: 'an entry is not [key, entry]' }
    }
    entries.set(item[0], item[1] as EncodedParse)
  }
  return { entries }
}
