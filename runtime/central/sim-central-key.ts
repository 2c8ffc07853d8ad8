/**
 * The simulation's central key (docs/delivery.md): `station run --sim` starts a reference central
 * beside the station, and the station must trust what it signs. The key is made once, 0600, in the
 * data dir and reused on every run; a real station trusts only config `central.trustedKeys`.
 */
import { access, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPairFiles } from '../ops/trusted-keys.js'

/** File name (without extension) of the simulated central's key pair under `<dataDir>/keys/`. */
export const SIM_CENTRAL_KEY_NAME = 'central'

/**
 * Resolves with the path of `<dataDir>/keys/central.key` (PKCS#8 PEM, 0600), generating the pair
 * first when it is not there. The private key file also serves as a trusted key (loadTrustedKeys
 * takes its public half), so a lost `.pub` does not break the demo.
 */
export async function ensureSimCentralKey(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'keys')
  const privatePath = join(dir, `${SIM_CENTRAL_KEY_NAME}.key`)
  try {
    await access(privatePath)
    return privatePath
  } catch {
    // Not there yet: make it below.
  }
  await mkdir(dir, { recursive: true, mode: 0o700 })
  try {
    await generateKeyPairFiles(dir, SIM_CENTRAL_KEY_NAME)
  } catch (error) {
    // Another process made it in between: theirs is as good as ours.
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error
  }
  return privatePath
}
