/**
 * Signed flow bundles (docs/remote-config.md): a set of flow files operations publish retained on
 * `cs/v1/S/flows/bundle`. Built from a folder by `station flows bundle`; on the station checked
 * (shape, names, sizes, stations list, then the same flow validation the station's own folder gets),
 * staged in the data dir and renamed into place with a pointer file written atomically, so a power
 * cut leaves either the old bundle or the new one in use, never half of one.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { isPlainObject } from '../../config/checks.js'
import { loadFlowsDir, type FlowLoadOptions } from '../../flows/engine/flow-folder.js'
import type { Diagnostic } from '../../flows/engine/flow-validate.js'
import { messageOf, StationError } from '../core/errors.js'
import { syncDirectory, writeFileAtomic } from '../core/atomic-write.js'
import type { ReportedDiagnostic } from './config-reported.js'

/** A bundle file name: lower-case words joined by `-`, `.yaml`; no folders, no dots elsewhere. */
export const BUNDLE_FILE_NAME = /^[a-z0-9-]+\.yaml$/

export const BUNDLE_LIMITS = {
  maxFiles: 64,
  maxFileBytes: 256 * 1024,
  maxTotalBytes: 1024 * 1024,
  /** The envelope carries the body in base64 (4/3) plus a few hundred bytes. */
  maxEnvelopeBytes: 1024 * 1024 * 2,
} as const

/** Bundles kept on disk besides the one in use (older ones are removed after an install). */
const KEEP_PREVIOUS_BUNDLES = 2

/** The signed body (docs/security.md, purpose `flow-bundle`). */
export interface FlowBundleBody {
  version: number
  createdAt: string
  /** Stations that may install it; absent = every station. */
  stations?: string[]
  files: Record<string, string>
}

export type ParsedBundle =
  | { ok: true; bundle: FlowBundleBody }
  | { ok: false; reason: 'bad-body' | 'bad-file-name' | 'too-large' | 'wrong-station'; version: number | null; message: string }

/** Checks the body's shape, file names and sizes, and that this station is among `stations`. */
export function parseBundleBody(body: unknown, stationId: string): ParsedBundle {
  if (!isPlainObject(body)) return { ok: false, reason: 'bad-body', version: null, message: 'the bundle body must be an object' }
  const version = Number.isSafeInteger(body.version) && (body.version as number) > 0 ? (body.version as number) : null
  const bad = (reason: 'bad-body' | 'bad-file-name' | 'too-large' | 'wrong-station', message: string): ParsedBundle => ({ ok: false, reason, version, message })
  if (version === null) return bad('bad-body', 'version must be a positive integer')
  if (typeof body.createdAt !== 'string' || Number.isNaN(Date.parse(body.createdAt))) return bad('bad-body', 'createdAt must be an ISO 8601 time')
  const { stations, files } = body
  if (stations !== undefined && !(Array.isArray(stations) && stations.every((id) => typeof id === 'string'))) {
    return bad('bad-body', 'stations must be a list of station ids')
  }
  if (!isPlainObject(files)) return bad('bad-body', 'files must map file names to flow YAML text')
  const names = Object.keys(files)
  if (names.length === 0) return bad('bad-body', 'the bundle has no files')
  if (names.length > BUNDLE_LIMITS.maxFiles) return bad('too-large', `${names.length} files; at most ${BUNDLE_LIMITS.maxFiles}`)
  let total = 0
  for (const name of names) {
    if (!BUNDLE_FILE_NAME.test(name)) return bad('bad-file-name', `file name ${JSON.stringify(name.slice(0, 80))} must match ${BUNDLE_FILE_NAME.source}`)
    const text = files[name]
    if (typeof text !== 'string') return bad('bad-body', `${name}: must be YAML text`)
    const bytes = Buffer.byteLength(text, 'utf8')
    if (bytes > BUNDLE_LIMITS.maxFileBytes) return bad('too-large', `${name}: ${bytes} bytes; at most ${BUNDLE_LIMITS.maxFileBytes}`)
    total += bytes
  }
  if (total > BUNDLE_LIMITS.maxTotalBytes) return bad('too-large', `${total} bytes of flows; at most ${BUNDLE_LIMITS.maxTotalBytes}`)
  if (stations !== undefined && !(stations as string[]).includes(stationId)) {
    return bad('wrong-station', `the bundle is for ${(stations as string[]).join(', ') || 'no station'}, not ${stationId}`)
  }
  return { ok: true, bundle: body as unknown as FlowBundleBody }
}

/**
 * Reads the flow files of `dir` for a bundle. Rejects (E_FLOW_INVALID) for a YAML file whose name a
 * station would refuse, so the author hears of it before anything is signed.
 */
export async function readBundleFolder(dir: string): Promise<Record<string, string>> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (error) {
    throw new StationError('E_FLOW_INVALID', `cannot read the flows folder ${dir} (${messageOf(error)})`, { dir }, { cause: error })
  }
  const files: Record<string, string> = {}
  for (const entry of entries.filter((item) => item.isFile() && /\.ya?ml$/i.test(item.name)).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!BUNDLE_FILE_NAME.test(entry.name)) {
      throw new StationError('E_FLOW_INVALID', `${entry.name}: a bundle file name must match ${BUNDLE_FILE_NAME.source}`, { file: entry.name })
    }
    files[entry.name] = await readFile(join(dir, entry.name), 'utf8')
  }
  if (Object.keys(files).length === 0) throw new StationError('E_FLOW_INVALID', `no flow files (*.yaml) in ${dir}`, { dir })
  return files
}

/** Loads a folder with the station's flow checks; every diagnostic with its file reduced to the bundle's file name. */
export async function checkFlowsFolder(dir: string, options: FlowLoadOptions): Promise<{ errors: number; diagnostics: ReportedDiagnostic[]; flows: number }> {
  const loaded = await loadFlowsDir(dir, options)
  const diagnostics = loaded.diagnostics.map(reportedDiagnostic)
  return { errors: diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length, diagnostics, flows: loaded.flows.size }
}

function reportedDiagnostic(diagnostic: Diagnostic): ReportedDiagnostic {
  return {
    code: diagnostic.code,
    severity: diagnostic.severity,
    file: basename(diagnostic.file),
    line: diagnostic.line,
    ...(diagnostic.step === undefined ? {} : { step: diagnostic.step }),
    message: diagnostic.message,
  }
}

/** The pointer file: which installed bundle new sessions use. */
export interface InstalledBundle {
  version: number
  createdAt: string
  installedAt: string
  files: string[]
  /** SHA-256 of the signed payload, so the same retained message arriving again is recognised. */
  payloadDigest: string
}

export const BUNDLES_DIR = join('flows', 'bundles')
export const BUNDLE_POINTER_FILE = join('flows', 'current.json')

/** The folder of an installed bundle version. */
export function bundleDir(dataDir: string, version: number): string {
  return join(dataDir, BUNDLES_DIR, String(version))
}

export type PointerRead =
  | { ok: true; installed: InstalledBundle | null }
  | { ok: false; problem: string }

/** Reads the pointer; null when none was ever installed. Never throws. */
export async function readBundlePointer(dataDir: string): Promise<PointerRead> {
  const path = join(dataDir, BUNDLE_POINTER_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { ok: true, installed: null }
    return { ok: false, problem: `${path}: cannot read (${messageOf(error)})` }
  }
  try {
    const parsed = JSON.parse(text) as unknown
    if (!isPlainObject(parsed) || !Number.isSafeInteger(parsed.version) || (parsed.version as number) <= 0 || !Array.isArray(parsed.files)) {
      throw new Error('not a bundle pointer')
    }
    return { ok: true, installed: parsed as unknown as InstalledBundle }
  } catch (error) {
    return { ok: false, problem: `${path}: corrupt (${messageOf(error)})` }
  }
}

export interface FlowsAtStart {
  dir: string
  /** The bundle in use, or null for flows.dir. */
  installed: InstalledBundle | null
  /** Why an installed bundle is not used (pointer corrupt, folder missing, flow errors). */
  fallback?: string
  /** The highest bundle version ever installed, even when it fell back: no rollback below it. */
  highestVersion: number
}

/**
 * Chooses the flows folder at start: the installed bundle when its pointer, folder and flows are
 * good, else `flowsDir` with the reason. Never throws for a bad bundle.
 */
export async function flowsAtStart(dataDir: string, flowsDir: string, options: FlowLoadOptions): Promise<FlowsAtStart> {
  const pointer = await readBundlePointer(dataDir)
  if (!pointer.ok) return { dir: flowsDir, installed: null, fallback: pointer.problem, highestVersion: 0 }
  const installed = pointer.installed
  if (installed === null) return { dir: flowsDir, installed: null, highestVersion: 0 }
  const dir = bundleDir(dataDir, installed.version)
  const fallback = (why: string): FlowsAtStart => ({ dir: flowsDir, installed: null, fallback: `bundle ${installed.version}: ${why}`, highestVersion: installed.version })
  try {
    if (!(await stat(dir)).isDirectory()) return fallback(`${dir} is not a folder`)
    const present = (await readdir(dir)).filter((name) => BUNDLE_FILE_NAME.test(name)).sort()
    const expected = [...installed.files].sort()
    if (JSON.stringify(present) !== JSON.stringify(expected)) return fallback(`files in ${dir} differ from the pointer's list`)
    const checked = await checkFlowsFolder(dir, options)
    if (checked.errors > 0) return fallback(`${checked.errors} flow errors (first: ${checked.diagnostics.find((d) => d.severity === 'error')?.message ?? ''})`)
  } catch (error) {
    return fallback(messageOf(error))
  }
  return { dir, installed, highestVersion: installed.version }
}

export type InstallOutcome =
  | { ok: true; installed: InstalledBundle; dir: string; diagnostics: ReportedDiagnostic[] }
  | { ok: false; reason: 'flow-errors' | 'install-failed'; message: string; diagnostics: ReportedDiagnostic[] }

/**
 * Writes the bundle's files into a staging folder beside the installed bundles, checks them there
 * with the station's flow options (any error refuses the bundle whole), renames the folder into
 * place and writes the pointer atomically. Older bundles beyond the last few are removed.
 */
export async function installBundle(
  dataDir: string,
  bundle: FlowBundleBody,
  payloadDigest: string,
  options: FlowLoadOptions,
  nowIso: string,
): Promise<InstallOutcome> {
  const root = join(dataDir, BUNDLES_DIR)
  const staging = join(root, `.staging-${bundle.version}-${randomBytes(4).toString('hex')}`)
  try {
    await mkdir(staging, { recursive: true, mode: 0o700 })
    for (const [name, text] of Object.entries(bundle.files)) await writeFile(join(staging, name), text, { mode: 0o600 })
    const checked = await checkFlowsFolder(staging, options)
    if (checked.errors > 0) {
      await rm(staging, { recursive: true, force: true })
      return { ok: false, reason: 'flow-errors', message: `${checked.errors} flow errors`, diagnostics: checked.diagnostics }
    }
    for (const name of Object.keys(bundle.files)) await syncFile(join(staging, name))
    await syncDirectory(staging)
    const target = bundleDir(dataDir, bundle.version)
    // A folder of this version left by an interrupted install (or a repair after a fallback) is replaced.
    await rm(target, { recursive: true, force: true })
    await rename(staging, target)
    await syncDirectory(root)
    const installed: InstalledBundle = {
      version: bundle.version,
      createdAt: bundle.createdAt,
      installedAt: nowIso,
      files: Object.keys(bundle.files).sort(),
      payloadDigest,
    }
    await writeFileAtomic(join(dataDir, BUNDLE_POINTER_FILE), `${JSON.stringify(installed, null, 2)}\n`, { mode: 0o600 })
    await pruneBundles(root, bundle.version)
    return { ok: true, installed, dir: target, diagnostics: checked.diagnostics }
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined)
    return { ok: false, reason: 'install-failed', message: messageOf(error), diagnostics: [] }
  }
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Removes staging leftovers and all but the newest few versions (never the one just installed). */
async function pruneBundles(root: string, current: number): Promise<void> {
  const names = await readdir(root)
  const versions = names.filter((name) => /^[0-9]+$/.test(name)).map(Number).filter((version) => version !== current).sort((a, b) => b - a)
  const doomed = [...versions.slice(KEEP_PREVIOUS_BUNDLES).map(String), ...names.filter((name) => name.startsWith('.staging-'))]
  for (const name of doomed) await rm(join(root, name), { recursive: true, force: true }).catch(() => undefined)
}
