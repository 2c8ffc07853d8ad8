/**
 * Trusted CSCA certificates from the bytes of a configured file (docs/emrtd.md, "Passive
 * authentication"): DER, or PEM with any number of CERTIFICATE blocks. Reading the files is the caller's
 * I/O; this only decodes and checks each is an X.509 certificate.
 */
import { X509Certificate } from 'node:crypto'
import { StationError } from '../../runtime/core/errors.js'

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g

export function cscaCertificatesFromFile(bytes: Uint8Array, name: string): Uint8Array[] {
  const text = new TextDecoder('latin1').decode(bytes)
  const ders = text.includes('-----BEGIN CERTIFICATE-----')
    ? [...text.matchAll(PEM_BLOCK)].map((match) => new Uint8Array(Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64')))
    : [bytes]
  if (ders.length === 0) throw new StationError('E_CONFIG_INVALID', 'CSCA file holds no certificate', { file: name })
  for (const der of ders) {
    try {
      new X509Certificate(der)
    } catch (error) {
      throw new StationError('E_CONFIG_INVALID', 'CSCA file holds something that is not an X.509 certificate', { file: name }, { cause: error })
    }
  }
  return ders
}
