import { randomBytes } from 'node:crypto'
import { link, open, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Replace-by-rename with the fsyncs that make it survive a power cut: the data is on disk before
 * the name points at it (fsync file), and the new name is on disk before we report success
 * (fsync directory). Plain rename without both is what lowdb/steno do (docs/toolchain.md 4).
 */

export interface AtomicWriteOptions {
  /** File mode of the new file (e.g. 0o600); applied with chmod too, so umask cannot widen or narrow it. */
  mode: number
  /**
   * When true the file is created only if the path does not exist yet (hard link instead of rename);
   * an existing file is left untouched and the call rejects with the fs error code 'EEXIST'.
   */
  exclusive?: boolean
  /**
   * Keeps the file being replaced as this name (state.json.prev): it is renamed there after the new
   * data is synced and before the new file is renamed in, so at every instant one of the two names
   * holds a whole, synced generation. Ignored with `exclusive`.
   */
  previousPath?: string
}

/**
 * Writes `data` to a temp file beside `path`, fsyncs it, moves it over `path`, and fsyncs the directory.
 * The temp name is `<path>.tmp`, so a temp left by a crash is simply overwritten by the next write
 * (one writer per path is assumed); exclusive creation, which exists for racing creators, uses a
 * unique temp name instead. Rejects with the raw fs error (callers wrap it).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions): Promise<void> {
  const tmpPath = options.exclusive === true ? `${path}.${randomBytes(6).toString('hex')}.tmp` : `${path}.tmp`
  const handle = await open(tmpPath, 'w', options.mode)
  try {
    await handle.chmod(options.mode)
    await handle.writeFile(data)
    await handle.sync()
  } catch (error) {
    await handle.close().catch(() => undefined)
    await unlink(tmpPath).catch(() => undefined)
    throw error
  }
  await handle.close()
  try {
    if (options.exclusive === true) {
      // link(2) fails with EEXIST instead of replacing, so two starters can never swap a key.
      await link(tmpPath, path)
      await unlink(tmpPath)
    } else {
      if (options.previousPath !== undefined) {
        await rename(path, options.previousPath).catch((error: unknown) => {
          if ((error as { code?: unknown }).code !== 'ENOENT') throw error
        })
      }
      await rename(tmpPath, path)
    }
  } catch (error) {
    await unlink(tmpPath).catch(() => undefined)
    throw error
  }
  await syncDirectory(dirname(path))
}

/** fsync(2) on a directory, so entries created, renamed or removed in it are durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
