/**
 * A small tmpfs for storage-fault tests (docs/storage-faults.md): a real file system that really
 * fills, so ENOSPC and statfs come from the kernel. Mounting needs root; CI runs these tests as
 * root. Without root the test fails with this explanation rather than passing without testing.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, open, rmdir, statfs, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface Teardown {
  teardown(fn: () => unknown): void
}

/**
 * Mounts a tmpfs of `sizeBytes` on a new folder under the system temp dir (not in tap's fixtures,
 * which tap removes itself) and returns the folder; unmounted and removed in teardown.
 */
export async function mountTmpfs(t: Teardown, sizeBytes: number): Promise<string> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'this test mounts a tmpfs to fill a real disk and needs root (CI runs it as root); run it as root, e.g. sudo npx tap <file>',
    )
  }
  const dir = await mkdtemp(join(tmpdir(), 'station-tmpfs-'))
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir])
  } catch (error) {
    throw new Error(`cannot mount a tmpfs at ${dir} (needs CAP_SYS_ADMIN; in a container, --privileged): ${String(error)}`)
  }
  t.teardown(async () => {
    // Lazy when busy: a station killed in the same teardown may still be closing its files.
    await run('umount', [dir]).catch(() => run('umount', ['-l', dir])).catch(() => undefined)
    await rmdir(dir).catch(() => undefined)
  })
  return dir
}

export async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir)
  return stats.bavail * stats.bsize
}

/**
 * Writes `<dir>/filler` until at most `leaveBytes` are free (0: until ENOSPC). Returns its path;
 * remove it with `unfill`. Chunks of 64 KiB, so the last one stops within a chunk of the target.
 */
export async function fill(dir: string, leaveBytes = 0, name = 'filler'): Promise<string> {
  const path = join(dir, name)
  const handle = await open(path, 'a')
  const chunk = Buffer.alloc(64 * 1024, 0x5a)
  try {
    for (;;) {
      const free = await freeBytes(dir)
      if (free <= leaveBytes) break
      const size = leaveBytes === 0 ? chunk.length : Math.min(chunk.length, free - leaveBytes)
      try {
        await handle.write(chunk, 0, size)
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOSPC') break
        throw error
      }
    }
  } finally {
    await handle.close()
  }
  return path
}

export async function unfill(path: string): Promise<void> {
  await unlink(path)
}
