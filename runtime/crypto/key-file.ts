import { randomBytes } from 'node:crypto'
import { mkdir, open } from 'node:fs/promises'
import { dirname } from 'node:path'
import { StationError } from '../core/errors.js'
import { writeFileAtomic } from '../core/atomic-write.js'

/** AES-256 key length: 256 bits (NIST SP 800-38D with FIPS 197 AES-256). */
export const KEY_BYTES = 32

/** Permission bits for group and others; any of them set means someone besides the owner can read or change the key. */
const GROUP_OTHER_BITS = 0o077

/**
 * Reads the station's at-rest encryption key, or creates one when the file is absent.
 * Creation: directory 0700, file 0600 with 32 random bytes (raw), written atomically and never over
 * an existing file. An existing key is refused (E_OUTBOX_IO) when it is not exactly 32 bytes or is
 * accessible to group/others; the message says how to fix it. The key itself is never logged or
 * put in an error.
 */
export async function loadOrCreateKey(path: string): Promise<Buffer> {
  const existing = await readKeyFile(path)
  if (existing) return existing
  await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw ioError(`cannot create the key directory for ${path}`, path, error)
  })
  try {
    await writeFileAtomic(path, randomBytes(KEY_BYTES), { mode: 0o600, exclusive: true })
  } catch (error) {
    // Another starter created it between our read and our link: use theirs.
    if (errnoOf(error) !== 'EEXIST') throw ioError(`cannot create the key file ${path}`, path, error)
  }
  const created = await readKeyFile(path)
  if (!created) throw new StationError('E_OUTBOX_IO', `key file ${path} vanished right after it was created`, { path })
  return created
}

async function readKeyFile(path: string): Promise<Buffer | null> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null
    throw ioError(`cannot open the key file ${path}`, path, error)
  }
  try {
    // fstat on the open handle: the checks apply to exactly the file we read.
    const stats = await handle.stat()
    if (!stats.isFile()) {
      throw new StationError('E_OUTBOX_IO', `key file ${path} is not a regular file`, { path })
    }
    const mode = stats.mode & 0o777
    if ((mode & GROUP_OTHER_BITS) !== 0) {
      throw new StationError(
        'E_OUTBOX_IO',
        `key file ${path} is accessible to group or others (mode ${mode.toString(8).padStart(4, '0')}); fix with: chmod 600 ${path}`,
        { path, mode: mode.toString(8) },
      )
    }
    if (stats.size !== KEY_BYTES) {
      throw new StationError(
        'E_OUTBOX_IO',
        `key file ${path} must hold exactly ${KEY_BYTES} raw bytes but holds ${stats.size}; restore the original key (records sealed with it cannot be read without it)`,
        { path, sizeBytes: stats.size },
      )
    }
    const key = await handle.readFile()
    if (key.length !== KEY_BYTES) {
      throw new StationError('E_OUTBOX_IO', `key file ${path} changed while it was read`, { path })
    }
    return key
  } catch (error) {
    if (error instanceof StationError) throw error
    throw ioError(`cannot read the key file ${path}`, path, error)
  } finally {
    await handle.close()
  }
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function ioError(message: string, path: string, cause: unknown): StationError {
  return new StationError('E_OUTBOX_IO', message, { path, errno: errnoOf(cause) }, { cause })
}
