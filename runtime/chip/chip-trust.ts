/**
 * What the station trusts a CCCD chip by (docs/config.md, "Identity documents"): the CSCAs of
 * `identity.cscaFiles`, and on a simulated station also its own test issuer (made once in the data
 * dir), which `station sim card chip` signs its chips with.
 */
import type { Config } from '../../config/schema.js'
import type { TestIssuer } from '../../drivers/emrtd/sim-issuer.js'
import type { Logger } from '../core/logger.js'
import { loadCscaFiles } from './csca-files.js'
import { ensureSimIssuer } from './sim-issuer-file.js'

export interface ChipTrust {
  /** Trusted CSCA certificates, DER. */
  readonly cscaCertificates: readonly Uint8Array[]
  /** The simulation's issuing state; null on real hardware. */
  readonly simIssuer: TestIssuer | null
}

/** Rejects with E_CONFIG_INVALID naming a CSCA file that cannot be read or holds no certificate. */
export async function loadChipTrust(config: Config, simulated: boolean, now: Date, log: Logger): Promise<ChipTrust> {
  const configured = await loadCscaFiles(config.identity.cscaFiles)
  const sim = simulated ? await ensureSimIssuer(config.dataDir, now) : null
  const cscaCertificates = sim ? [...configured, sim.issuer.csca.der] : configured
  if (config.hardware.nfc.enabled && cscaCertificates.length === 0) {
    log.warn('identity.cscaFiles is empty: every CCCD chip will be refused (csca_unknown)')
  }
  return { cscaCertificates, simIssuer: sim?.issuer ?? null }
}
