/**
 * The simulation's issuing state (docs/config.md, "Identity documents"; docs/emrtd.md, "Simulated
 * chip"): a test CSCA and document signer made once per data dir by a `--sim` station, so the chips
 * `station sim card chip` presents are signed by something the station trusts, and a restart keeps
 * trusting the chips of the previous run. Written under `<dataDir>/sim-issuer/` (0600, never in the
 * repository): `issuer.json` holds the keys, `csca.pem` the certificate the station adds to its CSCAs.
 * A real station trusts only `identity.cscaFiles`.
 */
import { createPrivateKey } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { IssuedCertificate, TestIssuer } from '../../drivers/emrtd/sim-issuer.js'
import { writeFileAtomic } from '../core/atomic-write.js'
import { messageOf, StationError } from '../core/errors.js'

interface StoredCertificate {
  der: string
  privateKey: string
  subject: string
  serial: string
}

function store(certificate: IssuedCertificate): StoredCertificate {
  return {
    der: Buffer.from(certificate.der).toString('base64'),
    privateKey: String(certificate.privateKey.export({ type: 'pkcs8', format: 'pem' })),
    subject: Buffer.from(certificate.subject).toString('hex'),
    serial: certificate.serial.toString(),
  }
}

function restore(stored: StoredCertificate): IssuedCertificate {
  return {
    der: new Uint8Array(Buffer.from(stored.der, 'base64')),
    privateKey: createPrivateKey(stored.privateKey),
    subject: new Uint8Array(Buffer.from(stored.subject, 'hex')),
    serial: BigInt(stored.serial),
  }
}

function pem(der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}

export interface SimIssuerFiles {
  readonly issuer: TestIssuer
  /** The CSCA certificate (PEM) the simulated station trusts. */
  readonly cscaPath: string
}

/** The data dir's simulated issuer, made at `now` when there is none yet (or the stored one is unreadable). */
export async function ensureSimIssuer(dataDir: string, now: Date): Promise<SimIssuerFiles> {
  const dir = join(dataDir, 'sim-issuer')
  const file = join(dir, 'issuer.json')
  const cscaPath = join(dir, 'csca.pem')
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as { csca: StoredCertificate; documentSigner: StoredCertificate }
    const issuer = { csca: restore(stored.csca), documentSigner: restore(stored.documentSigner) }
    await readFile(cscaPath)
    return { issuer, cscaPath }
  } catch {
    // None yet, or damaged: a new one below. Chips of the old one are simply no longer trusted.
  }
  // Made once per data dir: its certificate builder loads only then, not at every start.
  const { makeTestIssuer } = await import('../../drivers/emrtd/sim-issuer.js')
  const issuer = makeTestIssuer({ now })
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await writeFileAtomic(file, `${JSON.stringify({ csca: store(issuer.csca), documentSigner: store(issuer.documentSigner) })}\n`, { mode: 0o600 })
    await writeFileAtomic(cscaPath, pem(issuer.csca.der), { mode: 0o600 })
  } catch (error) {
    throw new StationError('E_CONFIG_INVALID', `cannot write the simulated issuer to ${dir}: ${messageOf(error)}`, { path: dir }, { cause: error })
  }
  return { issuer, cscaPath }
}
