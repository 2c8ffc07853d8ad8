/**
 * What a flow parse cache holds and how it is keyed (docs/startup.md). Pure: the file that keeps
 * the entries is flow-cache-file.ts.
 *
 * The key is a SHA-256 of the cache format, the engine's fingerprint (engine-fingerprint.ts: the
 * engine's own code and the YAML parser's version), the checks (capabilities, display size) and the
 * file's bytes. Anything that could change the result changes the key, so an entry is never
 * "refreshed": a different key simply misses. The file name is not in the key (the same bytes give
 * the same result anywhere); diagnostics are stored without it and get the reading's file back.
 */
import { createHash } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import type { Diagnostic } from './diagnostic.js'
import type { FlowDefinition } from './flow-types.js'
import type { ParseFlowOptions } from './flow-validate.js'

/** What parseFlow returns. */
export type ParseResult = { flow?: FlowDefinition; diagnostics: Diagnostic[] }

/** A parse result as stored: plain JSON (Maps and Sets tagged), diagnostics without their file. */
export interface EncodedParse {
  readonly flow: unknown
  readonly diagnostics: readonly unknown[]
}

/** Earlier parses by key; see flow-cache-file.ts. */
export interface FlowParseCache {
  /** The engine fingerprint the keys are made with. */
  engine(): Promise<string>
  get(key: string): EncodedParse | undefined
  put(key: string, entry: EncodedParse): void
  /** Writes what was added since the last write; never rejects (a cache that cannot be written only costs time). */
  persist(): Promise<void>
}

/** Bumped when the key's inputs or the entry encoding change. */
const KEY_FORMAT = 'flow-parse/1'

export function flowCacheKey(engine: string, checks: ParseFlowOptions, text: string): string {
  return createHash('sha256')
    .update(JSON.stringify([KEY_FORMAT, engine, checks.capabilities ?? null, checks.display ?? null]))
    .update('\n')
    .update(text, 'utf8')
    .digest('hex')
}

const MAP_TAG = '$flow-cache:map'
const SET_TAG = '$flow-cache:set'

function tagCollections(_key: string, value: unknown): unknown {
  if (value instanceof Map) return { [MAP_TAG]: [...value] }
  if (value instanceof Set) return { [SET_TAG]: [...value] }
  return value
}

function untagCollections(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const keys = Object.keys(value)
  if (keys.length !== 1) return value
  const record = value as Record<string, unknown>
  if (keys[0] === MAP_TAG && Array.isArray(record[MAP_TAG])) return new Map(record[MAP_TAG] as Array<[unknown, unknown]>)
  if (keys[0] === SET_TAG && Array.isArray(record[SET_TAG])) return new Set(record[SET_TAG] as unknown[])
  return value
}

/**
 * The entry for a parse of `file`, or undefined when it would not come back identical (a value
 * JSON cannot carry, a key that looks like a tag): such a file is simply parsed every time.
 */
export function encodeParse(result: ParseResult, file: string): EncodedParse | undefined {
  if (result.diagnostics.some((diagnostic) => diagnostic.file !== file)) return undefined
  const stored = {
    flow: result.flow ?? null,
    diagnostics: result.diagnostics.map(({ file: _file, ...rest }) => rest),
  }
  let encoded: EncodedParse
  try {
    encoded = JSON.parse(JSON.stringify(stored, tagCollections)) as EncodedParse
  } catch {
    return undefined
  }
  return isDeepStrictEqual(restoreParse(encoded, file), result) ? encoded : undefined
}

/** The parse result of an entry read back for `file`; undefined for an entry of the wrong shape. */
export function restoreParse(entry: EncodedParse, file: string): ParseResult | undefined {
  if (typeof entry !== 'object' || entry === null || !Array.isArray(entry.diagnostics)) return undefined
  if (!entry.diagnostics.every((d) => typeof d === 'object' && d !== null && !Array.isArray(d))) return undefined
  const diagnostics = entry.diagnostics.map((d) => ({ ...(d as Omit<Diagnostic, 'file'>), file }))
  if (entry.flow === null) return { diagnostics }
  // Decoded from text every time: the caller gets its own objects, never shared with the cache.
  const flow = JSON.parse(JSON.stringify(entry.flow), untagCollections) as FlowDefinition
  if (typeof flow !== 'object' || flow === null || !(flow.steps instanceof Map)) return undefined
  return { flow, diagnostics }
}
