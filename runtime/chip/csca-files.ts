/**
 * The trusted country signing CA certificates of `identity.cscaFiles` (docs/config.md, "Identity
 * documents"; docs/emrtd.md, "Passive authentication"), read once at start. A file that cannot be read
 * or holds no certificate stops the start with an error naming it: a station that silently trusted no
 * CSCA would refuse every chip, and the cause would be found only at the reader.
 */
import { readFile } from 'node:fs/promises'
import { cscaCertificatesFromFile } from '../../drivers/emrtd/csca-certificates.js'
import { messageOf, StationError } from '../core/errors.js'

/** Every certificate of every file, DER, in the order given. Rejects with E_CONFIG_INVALID naming the file. */
export async function loadCscaFiles(paths: readonly string[]): Promise<Uint8Array[]> {
  const certificates: Uint8Array[] = []
  for (const path of paths) {
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await readFile(path))
    } catch (error) {
      throw new StationError('E_CONFIG_INVALID', `identity.cscaFiles: cannot read ${path}: ${messageOf(error)}`, { file: path }, { cause: error })
    }
    try {
      certificates.push(...cscaCertificatesFromFile(bytes, path))
    } catch (error) {
      throw new StationError('E_CONFIG_INVALID', `identity.cscaFiles: ${path}: ${messageOf(error)}`, { file: path }, { cause: error })
    }
  }
  return certificates
}
