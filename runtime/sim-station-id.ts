/**
 * A simulated station's id (docs/config.md): `npm start` on two accounts of one machine
 * joins the same broker, and a shared fixed id makes the broker drop one client whenever the other
 * connects. So a simulated station with no configured id makes `sim-<8 hex>` once, keeps it in the
 * data dir and reuses it on every run; config `station.id` or STATION_ID still wins.
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stationId } from '../config/option-checks.js'
import { writeFileAtomic } from './core/atomic-write.js'

/** File in the data dir holding the generated id (one line). */
export const SIM_STATION_ID_FILE = 'station-id'

/** `sim-` and 8 hex digits from 4 random bytes. */
export function newSimStationId(random: (size: number) => Buffer = randomBytes): string {
  return `sim-${random(4).toString('hex')}`
}

/** The kept id; 'missing' when there is no file; 'invalid' when it holds something else. */
async function readId(path: string): Promise<string | 'missing' | 'invalid'> {
  try {
    const text = (await readFile(path, 'utf8')).trim()
    return stationId(text) === null ? text : 'invalid'
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return 'missing'
    throw error
  }
}

/**
 * Resolves with the id kept in `<dataDir>/station-id`, making and storing a new one first when the
 * file is missing or does not hold a valid id. Rejects with the fs error when the data dir cannot be
 * read or written.
 */
export async function ensureSimStationId(dataDir: string, random?: (size: number) => Buffer): Promise<string> {
  const path = join(dataDir, SIM_STATION_ID_FILE)
  const kept = await readId(path)
  if (kept !== 'missing' && kept !== 'invalid') return kept
  const id = newSimStationId(random)
  try {
    // Exclusive when there is no file: of two stations started at once, both end up with the same id.
    // A file edited by hand into something that is not an id is replaced, not obeyed.
    await writeFileAtomic(path, `${id}\n`, { mode: 0o600, exclusive: kept === 'missing' })
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error
    const theirs = await readId(path)
    if (theirs !== 'missing' && theirs !== 'invalid') return theirs
    throw error
  }
  return id
}
