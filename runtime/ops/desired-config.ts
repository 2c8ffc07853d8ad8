/**
 * Desired config from operations (`cs/v1/S/config/desired`, docs/remote-config.md): the signed body
 * is checked, validated over the station's file config by the same validator as the file, split into
 * what can change live and what needs a restart, and kept in the data dir so it survives a restart.
 * Everything here is pure except the two functions that read and write the state file.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Config } from '../../config/schema.js'
import { isPlainObject } from '../../config/checks.js'
import { NEVER_REMOTE } from '../../config/option-paths.js'
import { validateConfig } from '../../config/validate.js'
import { messageOf } from '../core/errors.js'
import { writeFileAtomic } from '../core/atomic-write.js'

/** Where the accepted desired config lives, relative to the data dir. */
export const DESIRED_CONFIG_FILE = join('ops', 'desired-config.json')

/** Largest signed desired-config envelope accepted (a whole config is a few KiB). */
export const MAX_DESIRED_CONFIG_BYTES = 64 * 1024

/**
 * Options operations can never set remotely, read from the definition (`config/option-paths.ts`):
 * every file on the station's disk and every option or section marked `x-never-remote` (its
 * identity, the keys it trusts, the control socket, the broker's TLS files, simulated hardware).
 * A path below one of these (`mqtt.tls.caFile`) is refused too.
 */
export const NEVER_REMOTE_PATHS: readonly string[] = NEVER_REMOTE.map((entry) => entry.path)

/** Options the running station changes without a restart (between two residents). */
export const LIVE_PATHS: readonly string[] = [
  'session.idleTimeoutS',
  'session.endScreenS',
  'mqtt.telemetryIntervalS',
  'log.level',
  'station.defaultLanguage',
  'station.site',
  'station.agency',
]

/** The signed body (docs/security.md, purpose `config`). */
export interface DesiredConfigBody {
  station: string
  version: number
  /** A partial config, in the same shape as the file. */
  config: Record<string, unknown>
  issuedAt: string
}

/**
 * Why a desired config was not taken: the envelope's refusals (signed-envelope.ts), or
 * `wrong-station`, `bad-body`, `old-version`, `invalid-config`, `store-failed`, and at start
 * `invalid-over-file-config` or `unreadable-state`.
 */
export type DesiredRefusalReason = string

export interface DesiredRefusal {
  /** null when the body could not be read far enough to know it. */
  version: number | null
  reason: DesiredRefusalReason
  /** Every problem, one line each (`path: problem (got value)`, as the file validator writes them). */
  problems: string[]
  at: string
}

export interface AcceptedDesiredConfig {
  version: number
  config: Record<string, unknown>
  issuedAt: string
  keyId: string
  acceptedAt: string
  /** SHA-256 of the config, to tell a re-delivered retained message from a different one with the same version. */
  digest: string
}

/** The state file: the last accepted desired config and the last refusal. */
export interface DesiredConfigState {
  accepted: AcceptedDesiredConfig | null
  refused: DesiredRefusal | null
}

export type ParsedDesired =
  | { ok: true; body: DesiredConfigBody }
  | { ok: false; reason: DesiredRefusalReason; version: number | null; problems: string[] }

/** Checks the body's shape and that it is addressed to this station. */
export function parseDesiredBody(body: unknown, stationId: string): ParsedDesired {
  if (!isPlainObject(body)) return { ok: false, reason: 'bad-body', version: null, problems: ['(body): must be an object'] }
  const version = Number.isSafeInteger(body.version) && (body.version as number) > 0 ? (body.version as number) : null
  const problems: string[] = []
  if (typeof body.station !== 'string') problems.push('station: must be the station id')
  if (version === null) problems.push('version: must be a positive integer')
  if (!isPlainObject(body.config)) problems.push('config: must be a mapping of options')
  if (typeof body.issuedAt !== 'string' || Number.isNaN(Date.parse(body.issuedAt))) problems.push('issuedAt: must be an ISO 8601 time')
  if (problems.length > 0) return { ok: false, reason: 'bad-body', version, problems }
  if (body.station !== stationId) {
    return { ok: false, reason: 'wrong-station', version, problems: [`station: is ${String(body.station)}, not this station (${stationId})`] }
  }
  return { ok: true, body: body as unknown as DesiredConfigBody }
}

/** Dotted paths of every leaf a partial config sets; arrays are leaves (the validator replaces them whole). */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (!isPlainObject(value)) return prefix === '' ? [] : [prefix]
  const paths: string[] = []
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`
    if (isPlainObject(child) && Object.keys(child).length > 0) paths.push(...leafPaths(child, path))
    else paths.push(path)
  }
  return paths
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}.`)
}

/** One problem line per path that may not be set remotely. */
export function notSettableProblems(partial: Record<string, unknown>): string[] {
  return leafPaths(partial)
    .filter((path) => NEVER_REMOTE_PATHS.some((root) => isUnder(path, root)))
    .map((path) => `${path}: cannot be set remotely (set it in the station's config file)`)
}

export type ComposedConfig = { ok: true; config: Config } | { ok: false; problems: string[] }

/** The effective config: `partial` over the file config, with every problem listed (not-settable paths first). */
export function composeDesired(partial: Record<string, unknown>, fileConfig: Config): ComposedConfig {
  const forbidden = notSettableProblems(partial)
  const validated = validateConfig(partial, fileConfig)
  const problems = [...forbidden, ...(validated.ok ? [] : validated.problems)]
  if (problems.length > 0 || !validated.ok) return { ok: false, problems }
  return { ok: true, config: validated.config }
}

/** Dotted leaf paths whose values differ between two configs (arrays compared whole). */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)])
    return [...keys].sort().flatMap((key) => changedPaths(before[key], after[key], prefix === '' ? key : `${prefix}.${key}`))
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix]
}

export function isLivePath(path: string): boolean {
  return LIVE_PATHS.includes(path)
}

/** SHA-256 hex of a JSON value's serialisation (key order as received). */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex')
}

/**
 * Reads the state file; a missing file is an empty state. Never throws: an unreadable or corrupt
 * file is reported as `problem` (and an empty state), so it can never stop the station starting.
 */
export async function readDesiredState(dataDir: string): Promise<{ state: DesiredConfigState; problem?: string }> {
  const path = join(dataDir, DESIRED_CONFIG_FILE)
  const empty: DesiredConfigState = { accepted: null, refused: null }
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { state: empty }
    return { state: empty, problem: `${path}: cannot read (${messageOf(error)})` }
  }
  try {
    const parsed = JSON.parse(text) as unknown
    if (!isPlainObject(parsed)) throw new Error('not an object')
    const accepted = parsed.accepted
    if (accepted !== null && !(isPlainObject(accepted) && Number.isSafeInteger(accepted.version) && isPlainObject(accepted.config))) {
      throw new Error('accepted is not a desired config record')
    }
    return { state: { accepted: (accepted ?? null) as AcceptedDesiredConfig | null, refused: (parsed.refused ?? null) as DesiredRefusal | null } }
  } catch (error) {
    return { state: empty, problem: `${path}: not a desired config state file (${messageOf(error)})` }
  }
}

/** Durably replaces the state file (0600: it is the station's own business). */
export async function writeDesiredState(dataDir: string, state: DesiredConfigState): Promise<void> {
  const path = join(dataDir, DESIRED_CONFIG_FILE)
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 })
}

export interface DesiredAtStart {
  /** The config to run: the accepted desired config over the file config, or the file config alone. */
  config: Config
  state: DesiredConfigState
  /** Paths the accepted desired config sets that are in effect now. */
  applied: string[]
  /** Why the stored desired config is not in effect (it no longer validates, or the file is unreadable). */
  ignored?: DesiredRefusal
}

/**
 * Applies the stored desired config over the file config at start. A stored config that no longer
 * validates over a changed file config (or a corrupt state file) is reported and ignored, never a
 * start failure.
 */
export async function loadDesiredAtStart(fileConfig: Config, nowIso: string): Promise<DesiredAtStart> {
  const { state, problem } = await readDesiredState(fileConfig.dataDir)
  if (problem !== undefined) {
    const ignored: DesiredRefusal = { version: null, reason: 'unreadable-state', problems: [problem], at: nowIso }
    return { config: fileConfig, state: { ...state, refused: ignored }, applied: [], ignored }
  }
  if (state.accepted === null) return { config: fileConfig, state, applied: [] }
  const composed = composeDesired(state.accepted.config, fileConfig)
  if (!composed.ok) {
    const ignored: DesiredRefusal = { version: state.accepted.version, reason: 'invalid-over-file-config', problems: composed.problems, at: nowIso }
    return { config: fileConfig, state: { ...state, refused: ignored }, applied: [], ignored }
  }
  return { config: composed.config, state, applied: leafPaths(state.accepted.config) }
}
