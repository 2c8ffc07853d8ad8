/**
 * `station flows check <path>…`, `station flows graph <id>` and `station flows test`: the flow author's tools. They take
 * paths and an output pair and return the exit code; main.ts owns argv and the process.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { renderDot, renderMermaid } from '../../flows/engine/flow-graph-render.js'
import { loadFlowsDir } from '../../flows/engine/flow-folder.js'
import { parseFlow, type Diagnostic, type FlowCapabilities } from '../../flows/engine/flow-validate.js'
import { walkFlow, type WalkCoverage, type WalkOptions } from '../../flows/engine/flow-walker.js'
import { messageOf } from '../core/errors.js'

/** Where a command writes: `out` for results, `err` for failures of the command itself. Each call is one line or block. */
export interface FlowsIo {
  out: (text: string) => void
  err: (text: string) => void
}

export const GRAPH_FORMATS = ['mermaid', 'dot'] as const

export type GraphFormat = (typeof GRAPH_FORMATS)[number]

/**
 * Checks flow files. Each path is a flow file, or a folder whose `*.yaml` / `*.yml` files are checked
 * (not recursively). Prints one line per diagnostic, `file:line: severity CODE step: message` (no
 * `step: ` when the problem is not in a step), then a summary. Ids used by two files are an error,
 * as the station refuses the second. Exit code: 0 with no error (warnings allowed), 1 with any error
 * or unreadable path, 2 with no path at all.
 */
export async function flowsCheck(paths: readonly string[], io: FlowsIo, options: { capabilities?: FlowCapabilities } = {}): Promise<number> {
  if (paths.length === 0) {
    io.err('usage: station flows check <flow.yaml | folder>...')
    return 2
  }
  let failed = false
  const files: string[] = []
  for (const path of paths) {
    try {
      files.push(...(await flowFiles(path)))
    } catch (error) {
      io.err(`${path}: cannot read (${messageOf(error)})`)
      failed = true
    }
  }
  const diagnostics: Diagnostic[] = []
  const fileOfId = new Map<string, string>()
  for (const file of files) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      io.err(`${file}: cannot read (${messageOf(error)})`)
      failed = true
      continue
    }
    const result = parseFlow(text, file, options.capabilities ? { capabilities: options.capabilities } : {})
    diagnostics.push(...result.diagnostics)
    if (!result.flow) continue
    const earlier = fileOfId.get(result.flow.id)
    if (earlier === undefined) fileOfId.set(result.flow.id, file)
    else {
      diagnostics.push({ code: 'FLOW_SCHEMA', severity: 'error', message: `flow id '${result.flow.id}' is already used by ${earlier}`, file, line: 1 })
    }
  }
  for (const diagnostic of diagnostics) io.out(formatDiagnostic(diagnostic))
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length
  const warnings = diagnostics.length - errors
  io.out(`${count(files.length, 'file')} checked: ${count(errors, 'error')}, ${count(warnings, 'warning')}`)
  return failed || errors > 0 ? 1 : 0
}

/**
 * Prints the step graph of flow `id` from the flows folder `dir` as Mermaid or DOT. Exit code 0, or
 * 1 when the folder cannot be read, the flow is not there or does not validate, or the format is unknown.
 */
export async function flowsGraph(id: string, dir: string, format: string, io: FlowsIo): Promise<number> {
  if (!isGraphFormat(format)) {
    io.err(`unknown graph format '${format}': use ${GRAPH_FORMATS.join(' or ')}`)
    return 1
  }
  let loaded: Awaited<ReturnType<typeof loadFlowsDir>>
  try {
    loaded = await loadFlowsDir(dir)
  } catch (error) {
    io.err(messageOf(error))
    return 1
  }
  const flow = loaded.flows.get(id)
  if (!flow) {
    const known = [...loaded.flows.keys()].sort()
    io.err(`no valid flow '${id}' in ${dir} (valid flows: ${known.length === 0 ? 'none' : known.join(', ')}); run station flows check ${dir}`)
    return 1
  }
  io.out(format === 'mermaid' ? renderMermaid(flow) : renderDot(flow))
  return 0
}

/**
 * Walks every path of every valid flow in the folder `dir` (flow-walker.ts) and prints, per flow in
 * menu order, `id@version: steps 12/12 (100%), transitions 25/25 (100%), N paths`, then one indented
 * line per missing step, missing transition and failure (and a note when the path bound stopped
 * the walk). Files that do not validate are printed as diagnostics. Exit code: 0 when every flow
 * reached 100% of both without a failure; 1 when one did not, a file has errors, or the folder
 * cannot be read.
 */
export async function flowsTest(dir: string, io: FlowsIo, options: WalkOptions & { capabilities?: FlowCapabilities } = {}): Promise<number> {
  const { capabilities, ...walkOptions } = options
  let loaded: Awaited<ReturnType<typeof loadFlowsDir>>
  try {
    loaded = await loadFlowsDir(dir, capabilities ? { capabilities } : {})
  } catch (error) {
    io.err(messageOf(error))
    return 1
  }
  const errors = loaded.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')
  for (const diagnostic of errors) io.out(formatDiagnostic(diagnostic))
  let failed = errors.length > 0
  for (const flow of loaded.flows.values()) {
    const result = await walkFlow(flow, walkOptions)
    io.out(`${flow.id}@${flow.version}: steps ${coverage(result.steps)}, transitions ${coverage(result.transitions)}, ${count(result.paths, 'path')}`)
    for (const id of result.steps.missing) io.out(`  missing step: ${id}`)
    for (const transition of result.transitions.missing) io.out(`  missing transition: ${transition}`)
    for (const failure of result.failures) io.out(`  failure: ${failure}`)
    if (result.truncated) io.out(`  stopped at ${count(result.paths, 'path')}: not every path was walked`)
    const complete = result.steps.missing.length === 0 && result.transitions.missing.length === 0
    if (!complete || result.failures.length > 0) failed = true
  }
  if (loaded.flows.size === 0 && errors.length === 0) io.out(`no flows in ${dir}`)
  return failed ? 1 : 0
}

/** `12/12 (100%)`; the percentage is rounded down, so only complete coverage shows 100%. */
function coverage(items: WalkCoverage): string {
  const percent = items.total === 0 ? 100 : Math.floor((items.covered * 100) / items.total)
  return `${items.covered}/${items.total} (${percent}%)`
}

/** `file:line: severity CODE step: message`. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const step = diagnostic.step === undefined ? '' : `${diagnostic.step}: `
  return `${diagnostic.file}:${diagnostic.line}: ${diagnostic.severity} ${diagnostic.code} ${step}${diagnostic.message}`
}

async function flowFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path]
  return (await readdir(path, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
    .map((entry) => join(path, entry.name))
    .sort()
}

function isGraphFormat(format: string): format is GraphFormat {
  return (GRAPH_FORMATS as readonly string[]).includes(format)
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
