import { randomBytes } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import { readdir, readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Test } from 'tap'
import { nodeOutboxFiles, type OutboxFiles } from '../../../runtime/outbox/outbox-files.js'
import type { Submission } from '../../../runtime/outbox/outbox-types.js'
import type { SegmentOutboxOptions } from '../../../runtime/outbox/segment-outbox.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { captureLog } from '../../support/capture-log.js'

/** From vectors.json cccd/qr_valid_hcm_male_2003. */
export const CITIZEN_ID = '079203000001'
export const CITIZEN_NAME = 'Nguyễn Văn An'
export const CITIZEN_ADDRESS = '12 Lê Lợi, Phường Bến Thành'

export const KEY = randomBytes(32)

export function submission(n: number, extra: Record<string, unknown> = {}): Submission {
  return {
    id: `sub-${n}`,
    flow: 'health-insurance',
    flowVersion: 3,
    createdAt: new Date(Date.UTC(2026, 0, 1, 8, 0, n)).toISOString(),
    data: { citizenId: CITIZEN_ID, name: CITIZEN_NAME, address: CITIZEN_ADDRESS, answer: n, ...extra },
  }
}

export { captureLog }

export function options(dir: string, overrides: Partial<SegmentOutboxOptions> = {}): SegmentOutboxOptions {
  return {
    dir,
    key: KEY,
    clock: new SimClock(Date.UTC(2026, 0, 2)),
    maxBytes: 1024 * 1024,
    log: captureLog().log,
    reserveBytes: 0,
    ...overrides,
  }
}

/**
 * The real file system with a hand on it: counts fdatasyncs and writes on segment files, and can
 * make the next writes fail with an errno (after writing half, as a full disk does), or report
 * any free space.
 */
export interface FaultyFiles {
  files: OutboxFiles
  datasyncs: number
  writes: number
  /** When set, writes to files whose name matches fail with this errno (a partial write lands first). */
  failWrites: { errno: string; match: RegExp } | null
  /** Bytes `freeBytes` reports; null: the real figure. */
  freeBytes: number | null
  freeBytesCalls: number
}

export function faultyFiles(): FaultyFiles {
  const state: FaultyFiles = {
    files: nodeOutboxFiles,
    datasyncs: 0,
    writes: 0,
    failWrites: null,
    freeBytes: null,
    freeBytesCalls: 0,
  }
  state.files = {
    ...nodeOutboxFiles,
    open: async (path, flags, mode) => wrapHandle(await nodeOutboxFiles.open(path, flags, mode), basename(path), state),
    freeBytes: (dir) => {
      state.freeBytesCalls++
      return state.freeBytes ?? nodeOutboxFiles.freeBytes(dir)
    },
  }
  return state
}

function wrapHandle(handle: FileHandle, name: string, state: FaultyFiles): FileHandle {
  const write = handle.write.bind(handle) as (buffer: Uint8Array, offset: number, length: number, position: number) => Promise<{ bytesWritten: number }>
  const datasync = handle.datasync.bind(handle)
  const patched = handle as unknown as Record<string, unknown>
  patched['write'] = async (buffer: Uint8Array, offset: number, length: number, position: number) => {
    const fault = state.failWrites
    if (fault && fault.match.test(name)) {
      const half = Math.floor(length / 2)
      if (half > 0) await write(buffer, offset, half, position)
      throw Object.assign(new Error(`${fault.errno}: injected`), { code: fault.errno })
    }
    state.writes++
    return write(buffer, offset, length, position)
  }
  patched['datasync'] = async () => {
    // Counted once done, so a test that saw the count go up knows the bytes are synced.
    await datasync()
    state.datasyncs++
  }
  return handle
}

/** Every byte of every file under `dir`, so a test can look for personal data anywhere. */
export async function allBytes(dir: string): Promise<Buffer> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true })
  const files = names.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
  return Buffer.concat(await Promise.all(files.map((file) => readFile(file))))
}

export function assertNoPersonalData(t: Test, bytes: Buffer, where: string): void {
  for (const secret of [CITIZEN_ID, CITIZEN_NAME, 'Nguy', CITIZEN_ADDRESS, 'Lê Lợi']) {
    t.equal(bytes.indexOf(Buffer.from(secret, 'utf8')), -1, `${where} does not contain ${JSON.stringify(secret)}`)
  }
}

/** Segment file names in `dir`, oldest first. */
export async function segmentNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /^seg-\d{8}\.log$/.test(name)).sort()
}
