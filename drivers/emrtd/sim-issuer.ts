/**
 * A test issuing state for the simulated chip (docs/emrtd.md, "Simulated chip"): a CSCA and a document
 * signer made at start with node:crypto (brainpoolP256r1, ECDSA-SHA256, like the Vietnamese PKI's
 * curve family), and EF.SOD signed over the chip's data groups. Keys live in memory only: nothing here is
 * written anywhere, and nothing is trusted unless a test or the simulator configures this CSCA.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { encodeTlv } from './ber-tlv.js'
import { bitString, boolean, explicit, integer, octetString, oid, printableString, sequence, set, time, utf8String } from './der-builder.js'
import { LDS_SECURITY_OBJECT_OID } from './passive-authentication.js'

const ECDSA_SHA256 = '1.2.840.10045.4.3.2'
const SHA256 = '2.16.840.1.101.3.4.2.1'
const SIGNED_DATA = '1.2.840.113549.1.7.2'
const DAY_MS = 86_400_000

export interface IssuedCertificate {
  readonly der: Uint8Array
  readonly privateKey: KeyObject
  readonly subject: Uint8Array
  readonly serial: bigint
}

export interface TestIssuer {
  readonly csca: IssuedCertificate
  readonly documentSigner: IssuedCertificate
}

export interface TestIssuerOptions {
  /** Validity starts a day before this. */
  readonly now: Date
  readonly country?: string
  readonly organisation?: string
  /** Days the document signer stays valid; default 3650. */
  readonly signerValidityDays?: number
}

function name(country: string, organisation: string, commonName: string): Uint8Array {
  return sequence(
    set(sequence(oid('2.5.4.6'), printableString(country))),
    set(sequence(oid('2.5.4.10'), utf8String(organisation))),
    set(sequence(oid('2.5.4.3'), utf8String(commonName))),
  )
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return sequence(oid(id), boolean(critical), octetString(value))
}

interface CertificateRequest {
  readonly serial: bigint
  readonly issuer: Uint8Array
  readonly subject: Uint8Array
  readonly notBefore: Date
  readonly notAfter: Date
  readonly publicKey: KeyObject
  readonly signingKey: KeyObject
  readonly ca: boolean
}

function certificate(request: CertificateRequest): Uint8Array {
  const algorithm = sequence(oid(ECDSA_SHA256))
  const extensions = request.ca
    ? [extension('2.5.29.19', true, sequence(boolean(true))), extension('2.5.29.15', true, bitString(Uint8Array.of(0x06), 1))]
    : [extension('2.5.29.15', true, bitString(Uint8Array.of(0x80), 7))]
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(request.serial),
    algorithm,
    request.issuer,
    sequence(time(request.notBefore), time(request.notAfter)),
    request.subject,
    new Uint8Array(request.publicKey.export({ type: 'spki', format: 'der' })),
    explicit(3, sequence(...extensions)),
  )
  return sequence(tbs, algorithm, bitString(new Uint8Array(sign('sha256', tbs, request.signingKey))))
}

function brainpoolKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' })
}

/** A fresh CSCA and a document signer it signed. */
export function makeTestIssuer(options: TestIssuerOptions): TestIssuer {
  const country = options.country ?? 'VN'
  const organisation = options.organisation ?? 'Simulated issuing state'
  const notBefore = new Date(options.now.getTime() - DAY_MS)
  const cscaKeys = brainpoolKeyPair()
  const cscaName = name(country, organisation, 'Test CSCA')
  const cscaSerial = BigInt(1 + Math.floor(options.now.getTime() / 1000))
  const csca: IssuedCertificate = {
    der: certificate({ serial: cscaSerial, issuer: cscaName, subject: cscaName, notBefore, notAfter: new Date(notBefore.getTime() + 15 * 365 * DAY_MS), publicKey: cscaKeys.publicKey, signingKey: cscaKeys.privateKey, ca: true }),
    privateKey: cscaKeys.privateKey,
    subject: cscaName,
    serial: cscaSerial,
  }
  const signerKeys = brainpoolKeyPair()
  const signerSerial = cscaSerial + 1n
  const signerName = name(country, organisation, 'Test document signer')
  const signerDays = options.signerValidityDays ?? 3650
  const documentSigner: IssuedCertificate = {
    der: certificate({ serial: signerSerial, issuer: cscaName, subject: signerName, notBefore, notAfter: new Date(notBefore.getTime() + signerDays * DAY_MS), publicKey: signerKeys.publicKey, signingKey: cscaKeys.privateKey, ca: false }),
    privateKey: signerKeys.privateKey,
    subject: signerName,
    serial: signerSerial,
  }
  return { csca, documentSigner }
}

const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest())

/** EF.SOD (tag 77) over `dataGroups` (raw files by number), SHA-256, signed by `signer`. */
export function buildSod(signer: IssuedCertificate, issuer: Uint8Array, dataGroups: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const hashes = [...dataGroups].sort(([a], [b]) => a - b).map(([number, bytes]) => sequence(integer(number), octetString(sha256(bytes))))
  const lds = sequence(integer(0), sequence(oid(SHA256)), sequence(...hashes))
  const attributes = [
    sequence(oid('1.2.840.113549.1.9.3'), set(oid(LDS_SECURITY_OBJECT_OID))),
    sequence(oid('1.2.840.113549.1.9.4'), set(octetString(sha256(lds)))),
  ]
  const signature = new Uint8Array(sign('sha256', set(...attributes), signer.privateKey))
  const signerInfo = sequence(
    integer(1),
    sequence(issuer, integer(signer.serial)),
    sequence(oid(SHA256)),
    encodeTlv(0xa0, ...attributes),
    sequence(oid(ECDSA_SHA256)),
    octetString(signature),
  )
  const signedData = sequence(
    integer(3),
    set(sequence(oid(SHA256))),
    sequence(oid(LDS_SECURITY_OBJECT_OID), explicit(0, octetString(lds))),
    encodeTlv(0xa0, signer.der),
    set(signerInfo),
  )
  return encodeTlv(0x77, sequence(oid(SIGNED_DATA), explicit(0, signedData)))
}
