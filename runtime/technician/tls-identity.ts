import { X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { messageOf } from '../core/errors.js'

/** The certificate is read again at most this often (a renewed one shows up within a minute). */
const REREAD_MS = 60_000

export interface TlsIdentity {
  subject: string
  validTo: string
}

/**
 * The link's client certificate as the technician sees it: the subject's CN (the station's name
 * for the broker) and when it expires. Public data, never the key.
 */
export function tlsIdentityReader(certFile: string, nowMs: () => number): () => Promise<TlsIdentity> {
  let cached: { atMs: number; identity: TlsIdentity } | null = null
  return async () => {
    if (cached && nowMs() - cached.atMs < REREAD_MS) return cached.identity
    let identity: TlsIdentity
    try {
      const certificate = new X509Certificate(await readFile(certFile))
      const lines = certificate.subject.split('\n')
      identity = {
        subject: lines.find((line) => line.startsWith('CN=')) ?? lines[0] ?? '(no subject)',
        validTo: new Date(certificate.validTo).toISOString().slice(0, 10),
      }
    } catch (error) {
      identity = { subject: `(unreadable: ${messageOf(error)})`, validTo: '-' }
    }
    cached = { atMs: nowMs(), identity }
    return identity
  }
}
