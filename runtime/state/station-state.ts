import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { Low } from 'lowdb'
import { StationError } from '../core/errors.js'
import { DurableJSONFile } from './durable-json-file.js'
import { chooseStateGeneration, type FieldCheck, type StateCounter, type StateRecovery } from './state-generations.js'

/** Small station state kept across restarts (never personal data). */
export interface StationStateData {
  /** Station id once provisioned. */
  stationId?: string
  /** Starts of the runtime so far; incremented by `recordBoot`. */
  bootCount: number
  /** Last receipt sequence number handed out; receipts use `nextReceiptSeq`. */
  receiptSeq: number
  /** Maintenance mode survives a restart. */
  maintenance: boolean
  /** Who put the station in maintenance: 'tamper', 'technician' or 'central'. */
  maintenanceReason?: 'tamper' | 'technician' | 'central' | undefined
  /** Version of the flow bundle in use. */
  flowsVersion?: string
}

const MAINTENANCE_REASONS: ReadonlySet<unknown> = new Set(['tamper', 'technician', 'central'])

/** The shape of every field but the counters (checked in state-generations.ts). */
const FIELD_CHECKS: Readonly<Record<keyof Omit<StationStateData, StateCounter>, FieldCheck>> = {
  stationId: (value) => typeof value === 'string',
  maintenance: (value) => typeof value === 'boolean',
  maintenanceReason: (value) => MAINTENANCE_REASONS.has(value),
  flowsVersion: (value) => typeof value === 'string',
}

export interface StationState {
  /** A snapshot of the current state (frozen). */
  get(): Readonly<StationStateData>
  /** Merges `partial` in and persists (fsync'd) before resolving. Rejects with E_OUTBOX_IO. */
  update(partial: Partial<StationStateData>): Promise<void>
  /** Increments and persists the receipt counter, then returns it; never hands out the same number twice, even across a crash. */
  nextReceiptSeq(): Promise<number>
  /**
   * Increments and persists the boot counter, then returns it. The new value is in memory even
   * when the write fails (a full disk): the error says so, and `persist()` retries later.
   */
  recordBoot(): Promise<number>
  /** Writes the current state again; for a write that failed (ENOSPC) once space is back. Rejects with E_OUTBOX_IO. */
  persist(): Promise<void>
  /** True while the last write failed, so what is in memory is newer than the file. */
  readonly unsaved: boolean
  /** Which generation the state came from, and why (docs/storage-faults.md). */
  readonly recovery: StateRecovery
}

export interface StationStateOptions {
  /** Wall clock for the counter floor used when both generations are damaged (runtime/core/clock.ts). */
  nowMs?: () => number
}

/**
 * Opens the state file (JSON through lowdb with the fsync'ing DurableJSONFile adapter), creating
 * its folder (0700) when needed. Every write keeps the generation it replaces as `<file>.prev`;
 * a main file that is missing, unreadable or not of the right shape is replaced by `.prev` with its
 * counters moved on, and when both are bad the counters start from a clock-based floor
 * (state-generations.ts) rather than at zero, since a reset counter would repeat boot and receipt
 * numbers. `recovery` says which happened; reporting it is the caller's job. Fields missing from a
 * good file take values from `defaults`. Rejects with E_OUTBOX_IO only when the folder cannot be made.
 */
export async function openStationState(file: string, defaults: StationStateData, options: StationStateOptions = {}): Promise<StationState> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw new StationError('E_OUTBOX_IO', `cannot create the folder for ${file}`, { path: file }, { cause: error })
  })
  const previousPath = `${file}.prev`
  const nowMs = options.nowMs ?? Date.now
  const chosen = await chooseStateGeneration<StationStateData>(file, previousPath, FIELD_CHECKS, nowMs())
  const adapter = new DurableJSONFile<StationStateData>(file, { previousPath })
  // A damaged main that could not be moved aside must not become the next `.prev`.
  if (chosen.recovery.main !== undefined && chosen.recovery.main !== 'missing' && chosen.recovery.damagedCopy === undefined) {
    adapter.rotate = false
  }
  const db = new Low<StationStateData>(adapter, { ...defaults })
  db.data = { ...defaults, ...chosen.data }
  let unsaved = false

  async function write(): Promise<void> {
    try {
      await db.write()
      unsaved = false
    } catch (error) {
      unsaved = true
      throw error
    }
  }

  async function increment(counter: StateCounter): Promise<number> {
    // Mutate and snapshot synchronously, so concurrent callers get distinct numbers.
    const value = db.data[counter] + 1
    db.data = { ...db.data, [counter]: value }
    await write()
    return value
  }

  return {
    get: () => Object.freeze({ ...db.data }),
    async update(partial) {
      db.data = { ...db.data, ...partial }
      await write()
    },
    nextReceiptSeq: () => increment('receiptSeq'),
    recordBoot: () => increment('bootCount'),
    persist: () => write(),
    get unsaved() {
      return unsaved
    },
    recovery: chosen.recovery,
  }
}
