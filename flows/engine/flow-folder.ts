/**
 * Loads a folder of flow files: every `*.yaml` / `*.yml` validated (flow-validate.ts), ids unique,
 * in menu order. With a parse cache (flow-cache.ts), a file whose bytes, checks and engine are
 * those of an earlier parse is not parsed again, and the YAML parser and the validator are not even
 * loaded when every file hits: parsing the flows was the largest cost of a station's start
 * (docs/startup.md).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StationError } from '../../runtime/core/errors.js'
import type { Diagnostic } from './diagnostic.js'
import { encodeParse, flowCacheKey, restoreParse, type FlowParseCache, type ParseResult } from './flow-cache.js'
import type { FlowDefinition } from './flow-types.js'
import type { ParseFlowOptions } from './flow-validate.js'

/** The checks, and where earlier parses are kept (absent: every file is parsed). */
export interface FlowLoadOptions extends ParseFlowOptions {
  cache?: FlowParseCache
}

/**
 * Loads every `*.yaml` / `*.yml` file in `dir` (not recursive), in name order. A file with errors,
 * or whose id is already taken by an earlier file (FLOW_SCHEMA), is left out; its diagnostics say why.
 * The map iterates in menu order: ascending `menu_order`, then id; flows without one last, by id.
 * Rejects with E_FLOW_INVALID when the folder cannot be read.
 */
export async function loadFlowsDir(dir: string, options: FlowLoadOptions = {}): Promise<{ flows: Map<string, FlowDefinition>; diagnostics: Diagnostic[] }> {
  let names: string[]
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
      .map((entry) => entry.name)
      .sort()
  } catch (error) {
    throw new StationError('E_FLOW_INVALID', `cannot read the flows folder ${dir}`, { dir }, { cause: error })
  }
  const { cache, ...checks } = options
  const flows = new Map<string, FlowDefinition>()
  const diagnostics: Diagnostic[] = []
  const fileOf = new Map<string, string>()
  for (const name of names) {
    const file = join(dir, name)
    const result = await parseCached(await readFile(file, 'utf8'), file, checks, cache)
    diagnostics.push(...result.diagnostics)
    if (!result.flow) continue
    const earlier = fileOf.get(result.flow.id)
    if (earlier !== undefined) {
      diagnostics.push({
        code: 'FLOW_SCHEMA',
        severity: 'error',
        message: `flow id '${result.flow.id}' is already used by ${earlier}; this file is ignored`,
        file,
        line: 1,
      })
      continue
    }
    fileOf.set(result.flow.id, file)
    flows.set(result.flow.id, result.flow)
  }
  await cache?.persist()
  return { flows: new Map([...flows].sort(([, a], [, b]) => compareMenuOrder(a, b))), diagnostics }
}

/** The cached result for these bytes and checks, else a parse (kept for next time when it encodes faithfully). */
async function parseCached(text: string, file: string, checks: ParseFlowOptions, cache: FlowParseCache | undefined): Promise<ParseResult> {
  const key = cache ? flowCacheKey(await cache.engine(), checks, text) : undefined
  const hit = key === undefined ? undefined : cache?.get(key)
  if (hit !== undefined) {
    const restored = restoreParse(hit, file)
    if (restored) return restored
  }
  // Loaded on a miss only: the YAML parser and the validator are most of the flow engine's load time.
  const { parseFlow } = await import('./flow-validate.js')
  const result = parseFlow(text, file, checks)
  if (cache && key !== undefined) {
    const encoded = encodeParse(result, file)
    if (encoded !== undefined) cache.put(key, encoded)
  }
  return result
}

/** Menu order: ascending `menuOrder`, flows without one after those with one; ties by id. */
export function compareMenuOrder(a: FlowDefinition, b: FlowDefinition): number {
  const rank = (flow: FlowDefinition): number => flow.menuOrder ?? Number.POSITIVE_INFINITY
  if (rank(a) !== rank(b)) return rank(a) < rank(b) ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
