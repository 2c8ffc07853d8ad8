import { constants, statfsSync } from 'node:fs'
import * as fsp from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { Clock } from '../core/clock.js'
import { StationError } from '../core/errors.js'

/**
 * The file-system calls the outbox makes, in one seam so tests can count syncs or make a write fail
 * with ENOSPC or EIO (docs/outbox.md, "Tests"); production uses `nodeOutboxFiles`.
 */
export interface OutboxFiles {
  open(path: string, flags: string | number, mode?: number): Promise<FileHandle>
  rename(fromPath: string, toPath: string): Promise<void>
  unlink(path: string): Promise<void>
  readdir(dir: string): Promise<string[]>
  mkdir(dir: string, mode: number): Promise<void>
  /** Copies `fromPath` to a new file `toPath` (fails with EEXIST when it exists). */
  copyFile(fromPath: string, toPath: string): Promise<void>
  /** Bytes free to an unprivileged user on the filesystem holding `dir`. Synchronous: `storage()` is. */
  freeBytes(dir: string): number
}

export const nodeOutboxFiles: OutboxFiles = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  rename: (fromPath, toPath) => fsp.rename(fromPath, toPath),
  unlink: (path) => fsp.unlink(path),
  readdir: (dir) => fsp.readdir(dir),
  mkdir: async (dir, mode) => {
    await fsp.mkdir(dir, { recursive: true, mode })
  },
  copyFile: (fromPath, toPath) => fsp.copyFile(fromPath, toPath, constants.COPYFILE_EXCL),
  freeBytes: (dir) => {
    const stats = statfsSync(dir)
    return stats.bavail * stats.bsize
  },
}

/** Outbox files are only for the station's own user. */
export const FILE_MODE = 0o600
export const DIR_MODE = 0o700

/** fsync(2) on a directory, so entries created, renamed or removed in it are durable. */
export async function syncDirectory(files: OutboxFiles, dir: string): Promise<void> {
  const handle = await files.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Writes all of `bytes` at `positionBytes` (a write may land partly). */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, positionBytes: number): Promise<void> {
  let written = 0
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, positionBytes + written)
    written += bytesWritten
  }
}

/**
 * Creates `path` holding `bytes` atomically (temp file, fsync, rename, fsync directory), mode 0600:
 * after a crash the file either does not exist or is whole.
 */
export async function createFileAtomic(files: OutboxFiles, path: string, bytes: Uint8Array): Promise<void> {
  const tmpPath = `${path}.tmp`
  const handle = await files.open(tmpPath, 'w', FILE_MODE)
  try {
    await handle.chmod(FILE_MODE)
    await writeFully(handle, bytes, 0)
    await handle.sync()
  } catch (error) {
    await handle.close().catch(() => undefined)
    await files.unlink(tmpPath).catch(() => undefined)
    throw error
  }
  await handle.close()
  try {
    await files.rename(tmpPath, path)
  } catch (error) {
    await files.unlink(tmpPath).catch(() => undefined)
    throw error
  }
  await syncDirectory(files, dirname(path))
}

/** Copies a damaged file to `<path>.damaged-<ms>` (0600, fsync'd, directory fsync'd) before anything changes it. */
export async function keepDamagedCopy(files: OutboxFiles, path: string, clock: Clock): Promise<string> {
  const stampMs = clock.now()
  for (let attempt = 0; ; attempt++) {
    const candidate = attempt === 0 ? `${path}.damaged-${stampMs}` : `${path}.damaged-${stampMs}-${attempt}`
    try {
      await files.copyFile(path, candidate)
    } catch (error) {
      if (errnoOf(error) === 'EEXIST' && attempt < 100) continue
      throw outboxIoError('copy damaged file', path, error)
    }
    const copy = await files.open(candidate, 'r+')
    try {
      await copy.chmod(FILE_MODE)
      await copy.sync()
    } finally {
      await copy.close()
    }
    await syncDirectory(files, dirname(path))
    return candidate
  }
}

export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Whether the error says the disk (or the quota) is full: nothing was lost, space may come back. */
export function isNoSpace(error: unknown): boolean {
  const errno = errnoOf(error) ?? (error instanceof StationError ? String(error.context.errno) : undefined)
  return errno === 'ENOSPC' || errno === 'EDQUOT'
}

/** E_OUTBOX_IO naming the action, the path and the errno; never the content. */
export function outboxIoError(action: string, path: string, cause: unknown): StationError {
  if (cause instanceof StationError) return cause
  return new StationError('E_OUTBOX_IO', `outbox ${action} failed for ${path}`, { path, errno: errnoOf(cause) }, { cause })
}

/** Runs `operation`, turning a raw fs error into E_OUTBOX_IO. */
export async function wrapIo<T>(action: string, path: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    throw outboxIoError(action, path, error)
  }
}

/** `seg-00000001.log` of a path, for log lines that should not repeat the data dir. */
export function fileLabel(path: string): string {
  return basename(path)
}
