import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { Low } from 'lowdb'
import { StationError } from '../errors.js'
import { DurableJSONFile } from './durable-json-file.js'

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

export interface StationState {
  /** A snapshot of the current state (frozen). */
  get(): Readonly<StationStateData>
  /** Merges `partial` in and persists (fsync'd) before resolving. Rejects with E_OUTBOX_IO. */
  update(partial: Partial<StationStateData>): Promise<void>
  /** Increments and persists the receipt counter, then returns it; never hands out the same number twice, even across a crash. */
  nextReceiptSeq(): Promise<number>
  /** Increments and persists the boot counter, then returns it. */
  recordBoot(): Promise<number>
}

/**
 * Opens the state file (JSON through lowdb with the fsync'ing DurableJSONFile adapter), creating
 * its folder (0700) when needed. Missing fields take values from `defaults`; counters that are not
 * non-negative integers are refused (E_OUTBOX_IO) rather than reset, since a reset counter would
 * repeat receipt numbers.
 */
export async function openStationState(file: string, defaults: StationStateData): Promise<StationState> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw new StationError('E_OUTBOX_IO', `cannot create the folder for ${file}`, { path: file }, { cause: error })
  })
  const db = new Low<StationStateData>(new DurableJSONFile<StationStateData>(file), { ...defaults })
  await db.read()
  db.data = { ...defaults, ...db.data }
  for (const counter of ['bootCount', 'receiptSeq'] as const) {
    const value = db.data[counter]
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new StationError('E_OUTBOX_IO', `state file ${file} has an invalid ${counter}`, { path: file, counter })
    }
  }

  async function increment(counter: 'bootCount' | 'receiptSeq'): Promise<number> {
    // Mutate and snapshot synchronously, so concurrent callers get distinct numbers.
    const value = db.data[counter] + 1
    db.data = { ...db.data, [counter]: value }
    await db.write()
    return value
  }

  return {
    get: () => Object.freeze({ ...db.data }),
    async update(partial) {
      db.data = { ...db.data, ...partial }
      await db.write()
    },
    nextReceiptSeq: () => increment('receiptSeq'),
    recordBoot: () => increment('bootCount'),
  }
}
