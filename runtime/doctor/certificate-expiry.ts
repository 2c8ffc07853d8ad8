import { X509Certificate } from 'node:crypto'
import { fail, pass, warn, type CheckResult } from './check-result.js'

/** Below this many days left a certificate is a warn: time to renew before the fleet goes dark. */
export const CERT_WARN_DAYS = 30
const DAY_MS = 86_400_000

export interface CertValidity {
  /** The certificate's subject CN (or whole subject), for the message. */
  name: string
  validFromMs: number
  validToMs: number
}

export function validityOf(certificate: X509Certificate): CertValidity {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1]
  return { name: cn ?? certificate.subject.replace(/\n/g, ', '), validFromMs: Date.parse(certificate.validFrom), validToMs: Date.parse(certificate.validTo) }
}

/** PEM text holding one or more certificates (a CA bundle), each parsed. */
export function certificatesInPem(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  return blocks.map((block) => new X509Certificate(block))
}

/**
 * `what` ('broker chain', 'station certificate') against the clock: fail when one is expired or not yet
 * valid, warn when the soonest expiry is under CERT_WARN_DAYS away. Pure.
 */
export function certificateExpiryCheck(what: string, certs: readonly CertValidity[], nowMs: number, renew: string): CheckResult {
  if (certs.length === 0) return fail('tls', `${what}: no certificate found`, renew)
  const notYet = certs.find((cert) => cert.validFromMs > nowMs)
  if (notYet) return fail('tls', `${what}: ${notYet.name} is not valid yet (clock behind?)`, 'set the clock (NTP), then check again')
  const soonest = [...certs].sort((a, b) => a.validToMs - b.validToMs)[0] as CertValidity
  const daysLeft = Math.floor((soonest.validToMs - nowMs) / DAY_MS)
  if (soonest.validToMs <= nowMs) return fail('tls', `${what}: ${soonest.name} has expired`, renew)
  const when = `${soonest.name} expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`
  if (daysLeft < CERT_WARN_DAYS) return warn('tls', `${what}: ${when}`, renew)
  return pass('tls', `${what} valid: ${when}`)
}
