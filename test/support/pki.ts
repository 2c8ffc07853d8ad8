/**
 * A throwaway PKI for TLS broker tests, made with the `openssl` CLI in a test's own folder: a CA,
 * a broker certificate for 127.0.0.1/localhost, client certificates whose CN is a station id (or
 * `central`), an expired client certificate, and one from a CA the broker does not trust.
 * Nothing here is committed; every run makes fresh keys.
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { testDir } from './test-dir.js'

const run = promisify(execFile)

/** One certificate and its key, as PEM files. */
export interface CertFiles {
  certFile: string
  keyFile: string
}

/** What a station's `mqtt.tls` config names. */
export interface ClientTls extends CertFiles {
  caFile: string
}

export interface TestPki {
  dir: string
  /** The CA the broker trusts, and that signed the broker's certificate. */
  caFile: string
  server: CertFiles
  /** Valid client certificates by CN (each station id asked for, plus `central`). */
  clients: Record<string, ClientTls>
  /** CN = the first station id, signed by the trusted CA, expired a day ago. */
  expired: ClientTls
  /** CN = the first station id, signed by a CA the broker does not know. */
  untrusted: ClientTls
}

/** P-256 keys: quick to make, and every TLS stack in use speaks them. */
const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args)
}

async function makeCa(dir: string, name: string, days: number): Promise<CertFiles> {
  const files = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) }
  await openssl(['req', '-x509', ...KEY_ARGS, '-keyout', files.keyFile, '-out', files.certFile, '-days', String(days), '-subj', `/CN=${name}`])
  return files
}

/** A certificate for `cn`, signed by `ca`, valid for `days` (negative = already expired). */
async function makeLeaf(dir: string, ca: CertFiles, name: string, cn: string, extensions: string, days: number): Promise<CertFiles> {
  const files = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) }
  const csr = join(dir, `${name}.csr`)
  const ext = join(dir, `${name}.ext`)
  await writeFile(ext, extensions)
  await openssl(['req', ...KEY_ARGS, '-keyout', files.keyFile, '-out', csr, '-subj', `/CN=${cn}`])
  await openssl([
    'x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial',
    '-out', files.certFile, '-days', String(days), '-extfile', ext,
  ])
  return files
}

const CLIENT_EXT = 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n'
const SERVER_EXT = 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n'

/**
 * Makes the whole PKI in `dir` (use testDir(t)). `stationIds[0]` is also the CN of the expired and
 * untrusted certificates. The CAs and valid certificates last `validDays` (2 by default: a test that
 * needs certificates far from expiry asks for more).
 */
export async function createTestPki(dir: string, stationIds: readonly string[], options: { validDays?: number } = {}): Promise<TestPki> {
  const days = options.validDays ?? 2
  const first = stationIds[0]
  if (first === undefined) throw new Error('createTestPki needs at least one station id')
  const ca = await makeCa(dir, 'test-ca', days)
  const otherCa = await makeCa(dir, 'untrusted-ca', days)
  const server = await makeLeaf(dir, ca, 'broker', 'localhost', SERVER_EXT, days)
  const clients: Record<string, ClientTls> = {}
  for (const cn of [...stationIds, 'central']) {
    clients[cn] = { caFile: ca.certFile, ...(await makeLeaf(dir, ca, `client-${cn}`, cn, CLIENT_EXT, days)) }
  }
  const expired = { caFile: ca.certFile, ...(await makeLeaf(dir, ca, 'expired', first, CLIENT_EXT, -1)) }
  const untrusted = { caFile: ca.certFile, ...(await makeLeaf(dir, otherCa, 'untrusted', first, CLIENT_EXT, days)) }
  return { dir, caFile: ca.certFile, server, clients, expired, untrusted }
}
