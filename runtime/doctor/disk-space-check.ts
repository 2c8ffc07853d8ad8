import { dirname } from 'node:path'
import { fail, pass, warn, type CheckResult, type DoctorIo } from './check-result.js'

export interface DiskSpaceOptions {
  dataDir: string
  /** storage.reserveBytes: below this free, the station refuses new submissions (docs/storage-faults.md). */
  reserveBytes: number
  /** storage.outboxMaxBytes: what a full outbox can take on top. */
  outboxMaxBytes: number
}

const MIB = 1024 * 1024

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0)} MiB`
}

/**
 * Free space on the data dir's file system, counted as the station counts it (statfs bavail x bsize).
 * Fail below storage.reserveBytes: the station would refuse submissions from the start. Warn below
 * reserve + outboxMaxBytes: an outbox filling to its bound while offline would hit the reserve first.
 * A data dir not made yet is measured at its nearest existing parent (the station creates it).
 */
export async function diskSpaceCheck(io: DoctorIo, options: DiskSpaceOptions): Promise<CheckResult> {
  let dir = options.dataDir
  let stats: { bavail: number; bsize: number } | null = null
  for (;;) {
    try {
      stats = await io.statfs(dir)
      break
    } catch (error) {
      const parent = dirname(dir)
      if ((error as { code?: unknown }).code !== 'ENOENT' || parent === dir) {
        return fail('disk', `cannot measure free space at ${options.dataDir}: ${(error as Error).message}`, 'check the data dir path and its permissions')
      }
      dir = parent
    }
  }
  const freeBytes = stats.bavail * stats.bsize
  const where = dir === options.dataDir ? options.dataDir : `${options.dataDir} (not made yet; measured at ${dir})`
  const summary = `${mib(freeBytes)} free at ${where}`
  const comfortable = options.reserveBytes + options.outboxMaxBytes
  if (freeBytes < options.reserveBytes) {
    return fail('disk', `${summary}, below storage.reserveBytes ${mib(options.reserveBytes)}`, 'free disk space (journalctl --vacuum-size, old logs) or use a larger card')
  }
  if (freeBytes < comfortable) {
    return warn('disk', `${summary}: under reserve + outbox bound (${mib(comfortable)})`, 'free disk space, or lower storage.outboxMaxBytes')
  }
  return pass('disk', summary)
}
