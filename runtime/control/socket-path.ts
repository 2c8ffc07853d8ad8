import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * Unix socket paths are limited to 107 bytes on Linux (sun_path). A data dir deep in a test folder
 * can exceed that, so both server and client fall back to the same short path in the temp dir,
 * derived from the absolute data dir.
 */
export const MAX_SOCKET_PATH_BYTES = 100

export function controlSocketPath(dataDir: string, configured?: string): string {
  const wanted = configured ?? join(resolve(dataDir), 'station.sock')
  if (Buffer.byteLength(wanted) <= MAX_SOCKET_PATH_BYTES) return wanted
  const digest = createHash('sha256').update(resolve(wanted)).digest('hex').slice(0, 16)
  return join(tmpdir(), `citizen-station-${digest}.sock`)
}
