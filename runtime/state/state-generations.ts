import { readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { syncDirectory } from '../core/atomic-write.js'

/**
 * Picks the state to start from among `state.json` and the generation before it (`state.json.prev`),
 * validating each strictly, and says what it found (docs/storage-faults.md). Reads only; the one
 * change it makes is moving a damaged main file aside so it is kept for a human and never rotated
 * over the good `.prev`.
 */

/** Why a state file was not used. */
export type StateFileProblem = 'missing' | 'unreadable' | 'not-json' | 'invalid'

export type StateSource =
  /** The main file, as normal. */
  | 'main'
  /** Neither file exists: a new station. */
  | 'new'
  /** The main file was missing or damaged; the previous generation was used, counters moved past it. */
  | 'prev'
  /** Both were unusable: counters start from the clock-based floor. */
  | 'floor'

export interface StateRecovery {
  source: StateSource
  /** Why the main file was not used (absent for `main` and `new`). */
  main?: StateFileProblem
  /** Why the previous generation was not used (only for `floor`). */
  prev?: StateFileProblem
  /** Where the damaged main file was moved (`state.json.damaged`), when it was. */
  damagedCopy?: string
}

/** Counters a reset would repeat: validated strictly and never taken from defaults when a file exists. */
export const STATE_COUNTERS = ['bootCount', 'receiptSeq'] as const
export type StateCounter = (typeof STATE_COUNTERS)[number]

type Checked<T> = { ok: true; data: T } | { ok: false; problem: StateFileProblem }

/** A field check: true when `value` (present in the file) has the right shape. */
export type FieldCheck = (value: unknown) => boolean

/**
 * Reads `path` and checks it: a JSON object, every counter present and a non-negative safe integer,
 * every other known field of the right type when present. Unknown fields are dropped (a later
 * version's extras), so what is returned has only fields this version understands.
 */
export async function readStateFile<T>(path: string, fields: Readonly<Record<string, FieldCheck>>): Promise<Checked<T>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    return { ok: false, problem: (error as { code?: unknown }).code === 'ENOENT' ? 'missing' : 'unreadable' }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return { ok: false, problem: 'not-json' }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, problem: 'invalid' }
  const record = parsed as Record<string, unknown>
  const data: Record<string, unknown> = {}
  for (const counter of STATE_COUNTERS) {
    const value = record[counter]
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return { ok: false, problem: 'invalid' }
  }
  for (const [name, check] of Object.entries(fields)) {
    if (!(name in record) || record[name] === undefined) continue
    if (!check(record[name])) return { ok: false, problem: 'invalid' }
    data[name] = record[name]
  }
  for (const counter of STATE_COUNTERS) data[counter] = record[counter]
  return { ok: true, data: data as T }
}

/**
 * The counters to start from when neither file can be read: seconds since the epoch. A station
 * cannot have started, or handed out a number, more than once per second on average since 1970, so
 * with a set clock this is above anything it used before; it needs no disk at all (docs/storage-faults.md).
 */
export function counterFloor(nowMs: number): number {
  return Math.max(0, Math.floor(nowMs / 1000))
}

export interface ChosenState<T> {
  data: T | null
  recovery: StateRecovery
}

/**
 * The state to open with. From `.prev` every counter is moved one past its value: the main file is
 * at most one write newer than `.prev`, and each write bumps at most one counter by one, so this
 * never repeats a number the lost main file may already have used.
 */
export async function chooseStateGeneration<T extends Record<StateCounter, number>>(
  path: string,
  previousPath: string,
  fields: Readonly<Record<string, FieldCheck>>,
  nowMs: number,
): Promise<ChosenState<T>> {
  const main = await readStateFile<T>(path, fields)
  if (main.ok) return { data: main.data, recovery: { source: 'main' } }
  const prev = await readStateFile<T>(previousPath, fields)
  if (main.problem === 'missing' && !prev.ok && prev.problem === 'missing') return { data: null, recovery: { source: 'new' } }
  const damagedCopy = main.problem === 'missing' ? undefined : await moveAside(path)
  const aside = damagedCopy === undefined ? {} : { damagedCopy }
  if (prev.ok) {
    const data = { ...prev.data }
    for (const counter of STATE_COUNTERS) data[counter] = prev.data[counter] + 1
    return { data, recovery: { source: 'prev', main: main.problem, ...aside } }
  }
  const floor = counterFloor(nowMs)
  const data = { bootCount: floor, receiptSeq: floor } as T
  return { data, recovery: { source: 'floor', main: main.problem, prev: prev.problem, ...aside } }
}

/** Renames a damaged state file to `<file>.damaged` (one copy, the latest) and syncs the folder; undefined when that fails. */
async function moveAside(path: string): Promise<string | undefined> {
  const target = `${path}.damaged`
  try {
    await rename(path, target)
    await syncDirectory(dirname(path))
    return target
  } catch {
    return undefined
  }
}
