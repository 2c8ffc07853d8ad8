/**
 * Passive authentication (ICAO 9303 Part 11 §5.1, Part 12; RFC 5652; docs/emrtd.md, "Passive
 * authentication"): EF.SOD is a CMS SignedData over the LDS security object, which lists a hash of every
 * data group. The chip's data is the state's when (1) every data group read hashes to the SOD's value,
 * (2) the SOD's signature verifies with the document signer certificate (DSC) it carries, and (3) the
 * DSC is signed by one of the configured country signing CA certificates (CSCA). Each refusal names its
 * reason. @peculiar/asn1-cms decodes the CMS structure; the exact DER of the signed attributes and the
 * certificates is taken from the bytes as received, because signatures cover those bytes, not a re-encoding.
 */
import { createHash, verify, X509Certificate, type KeyObject } from 'node:crypto'
import { AsnConvert } from '@peculiar/asn1-schema'
import { ContentInfo, SignedData, id_signedData } from '@peculiar/asn1-cms'
import { readTlv, readTlvs, type Tlv } from './ber-tlv.js'
import { bytesToBigint, equalBytes, toHex } from './bytes.js'
import { chipRefusal, refusalReason } from './chip-errors.js'
import { decodeOid } from './object-identifier.js'

export const LDS_SECURITY_OBJECT_OID = '2.23.136.1.1.1'
/** An older eContentType some documents carry for the same structure. */
const LEGACY_LDS_SECURITY_OBJECT_OID = '1.3.27.1.1.1'
const CONTENT_TYPE_ATTRIBUTE = '1.2.840.113549.1.9.3'
const MESSAGE_DIGEST_ATTRIBUTE = '1.2.840.113549.1.9.4'

const HASHES: ReadonlyMap<string, string> = new Map([
  ['1.3.14.3.2.26', 'sha1'],
  ['2.16.840.1.101.3.4.2.4', 'sha224'],
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
])

/** Signature algorithms: the hash they name (undefined = the SignerInfo's digest algorithm) and RSA-PSS. */
const SIGNATURES: ReadonlyMap<string, { hash?: string; pss?: boolean }> = new Map([
  ['1.2.840.10045.4.1', { hash: 'sha1' }],
  ['1.2.840.10045.4.3.1', { hash: 'sha224' }],
  ['1.2.840.10045.4.3.2', { hash: 'sha256' }],
  ['1.2.840.10045.4.3.3', { hash: 'sha384' }],
  ['1.2.840.10045.4.3.4', { hash: 'sha512' }],
  ['1.2.840.10045.2.1', {}],
  ['1.2.840.113549.1.1.1', {}],
  ['1.2.840.113549.1.1.5', { hash: 'sha1' }],
  ['1.2.840.113549.1.1.11', { hash: 'sha256' }],
  ['1.2.840.113549.1.1.12', { hash: 'sha384' }],
  ['1.2.840.113549.1.1.13', { hash: 'sha512' }],
  ['1.2.840.113549.1.1.10', { pss: true }],
])

export interface PassiveAuthenticationInput {
  /** EF.SOD as read (from tag 77). */
  readonly sod: Uint8Array
  /** Every data group read, raw, by number. All of them are checked. */
  readonly dataGroups: ReadonlyMap<number, Uint8Array>
  /** Trusted CSCA certificates, DER (docs/emrtd.md, "Passive authentication": configuration, not code). */
  readonly cscaCertificates: readonly Uint8Array[]
  /** When certificates must be valid; undefined skips the validity check (a policy choice, docs/emrtd.md). */
  readonly validAt: Date | undefined
}

export interface PassiveAuthenticationResult {
  readonly hashAlgorithm: string
  /** Data groups whose hash matched, ascending. */
  readonly dataGroups: readonly number[]
  /** Every data group number the SOD lists. */
  readonly sodDataGroups: readonly number[]
  readonly documentSigner: { readonly subject: string; readonly issuer: string; readonly serialNumber: string }
  readonly csca: { readonly subject: string; readonly serialNumber: string }
}

function hashName(oid: string): string {
  const name = HASHES.get(oid)
  if (name === undefined) throw chipRefusal('algorithm_unsupported', 'unknown hash algorithm', { oid })
  return name
}

function digest(algorithm: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(data).digest())
}

function children(tlv: Tlv): Tlv[] {
  return readTlvs(tlv.value)
}

interface LdsSecurityObject {
  readonly hashAlgorithm: string
  readonly hashes: ReadonlyMap<number, Uint8Array>
}

function parseLdsSecurityObject(der: Uint8Array): LdsSecurityObject {
  const [version, algorithm, hashList] = children(readTlv(der))
  if (version?.tag !== 0x02 || algorithm?.tag !== 0x30 || hashList?.tag !== 0x30) throw new Error('LDSSecurityObject shape')
  const oid = children(algorithm)[0]
  if (oid?.tag !== 0x06) throw new Error('LDSSecurityObject hash algorithm')
  const hashes = new Map<number, Uint8Array>()
  for (const entry of children(hashList)) {
    const [number, value] = children(entry)
    if (number?.tag !== 0x02 || value?.tag !== 0x04) throw new Error('DataGroupHash shape')
    hashes.set(Number(bytesToBigint(number.value)), value.value)
  }
  return { hashAlgorithm: hashName(decodeOid(oid.value)), hashes }
}

/** The raw pieces signatures cover: certificates' DER and the first SignerInfo's [0] signed attributes. */
function rawSignedDataParts(signedDataDer: Uint8Array): { certificates: Uint8Array[]; signedAttributes: Uint8Array | undefined } {
  const fields = children(readTlv(signedDataDer))
  const certificateSet = fields.find((field) => field.tag === 0xa0)
  const certificates = certificateSet === undefined ? [] : children(certificateSet).filter((c) => c.tag === 0x30).map((c) => certificateSet.value.slice(c.start, c.end))
  const signerInfos = fields[fields.length - 1]
  const signerInfo = signerInfos === undefined ? undefined : children(signerInfos)[0]
  const attributes = signerInfo === undefined ? undefined : children(signerInfo).find((field) => field.tag === 0xa0)
  if (attributes === undefined || signerInfo === undefined) return { certificates, signedAttributes: undefined }
  const der = signerInfo.value.slice(attributes.start, attributes.end)
  der[0] = 0x31 // RFC 5652 §5.4: the signature covers the attributes as a SET OF, not as [0] IMPLICIT.
  return { certificates, signedAttributes: der }
}

function verifySignature(algorithmOid: string, digestHash: string, data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  const algorithm = SIGNATURES.get(algorithmOid)
  if (algorithm === undefined) throw chipRefusal('algorithm_unsupported', 'unknown signature algorithm', { oid: algorithmOid })
  const hash = algorithm.hash ?? digestHash
  try {
    if (algorithm.pss === true) return verify(hash, data, { key, padding: 6, saltLength: -2 }, signature)
    return verify(hash, data, key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'der' } : key, signature)
  } catch {
    return false
  }
}

function within(certificate: X509Certificate, at: Date | undefined): boolean {
  if (at === undefined) return true
  return new Date(certificate.validFrom) <= at && at <= new Date(certificate.validTo)
}

function decodeSod(sod: Uint8Array): { signedData: SignedData; signedDataDer: Uint8Array } {
  const outer = readTlv(sod)
  if (outer.tag !== 0x77) throw new Error('EF.SOD does not start with 77')
  const contentInfo = AsnConvert.parse(outer.value, ContentInfo)
  if (contentInfo.contentType !== id_signedData) throw new Error('EF.SOD is not SignedData')
  const signedDataDer = new Uint8Array(contentInfo.content)
  return { signedData: AsnConvert.parse(signedDataDer, SignedData), signedDataDer }
}

/** Runs passive authentication; resolves with what was proven, or throws a chip refusal with its reason. */
export function verifyPassiveAuthentication(input: PassiveAuthenticationInput): PassiveAuthenticationResult {
  try {
    return verifyUnchecked(input)
  } catch (error) {
    if (refusalReason(error) !== undefined) throw error
    throw chipRefusal('sod_invalid', 'EF.SOD does not parse as an LDS security object', {}, error)
  }
}

function verifyUnchecked(input: PassiveAuthenticationInput): PassiveAuthenticationResult {
  const { signedData, signedDataDer } = decodeSod(input.sod)
  const eContentType = signedData.encapContentInfo.eContentType
  if (eContentType !== LDS_SECURITY_OBJECT_OID && eContentType !== LEGACY_LDS_SECURITY_OBJECT_OID) {
    throw chipRefusal('sod_invalid', 'EF.SOD does not carry an LDS security object', { eContentType })
  }
  const content = signedData.encapContentInfo.eContent?.single?.buffer
  if (content === undefined) throw chipRefusal('sod_invalid', 'EF.SOD has no content')
  const eContent = new Uint8Array(content)
  const lds = parseLdsSecurityObject(eContent)

  const checked: number[] = []
  for (const [number, bytes] of [...input.dataGroups].sort(([a], [b]) => a - b)) {
    const expected = lds.hashes.get(number)
    if (expected === undefined) throw chipRefusal('dg_hash_missing', 'a data group read has no hash in EF.SOD', { dataGroup: number })
    if (!equalBytes(digest(lds.hashAlgorithm, bytes), expected)) {
      throw chipRefusal('dg_hash_mismatch', "a data group's hash differs from EF.SOD's", { dataGroup: number })
    }
    checked.push(number)
  }

  const signer = signedData.signerInfos[0]
  if (signer === undefined || signer.signedAttrs === undefined) throw chipRefusal('sod_invalid', 'EF.SOD has no signed attributes')
  const digestHash = hashName(signer.digestAlgorithm.algorithm)
  const attribute = (oid: string) => signer.signedAttrs?.find((candidate) => candidate.attrType === oid)?.attrValues[0]
  const contentType = attribute(CONTENT_TYPE_ATTRIBUTE)
  const messageDigest = attribute(MESSAGE_DIGEST_ATTRIBUTE)
  if (contentType === undefined || messageDigest === undefined) throw chipRefusal('sod_invalid', 'EF.SOD lacks contentType or messageDigest')
  if (decodeOid(readTlv(new Uint8Array(contentType)).value) !== eContentType) {
    throw chipRefusal('sod_signature_invalid', 'signed contentType differs from the content')
  }
  if (!equalBytes(readTlv(new Uint8Array(messageDigest)).value, digest(digestHash, eContent))) {
    throw chipRefusal('sod_signature_invalid', 'signed messageDigest differs from the content')
  }

  const raw = rawSignedDataParts(signedDataDer)
  const serial = signer.sid.issuerAndSerialNumber === undefined ? undefined : toHex(new Uint8Array(signer.sid.issuerAndSerialNumber.serialNumber)).replace(/^(00)+(?=.)/, '')
  const candidates = raw.certificates.map((der) => new X509Certificate(der))
  const documentSigner = candidates.find((certificate) => serial !== undefined && certificate.serialNumber.replace(/^(00)+(?=.)/, '') === serial) ?? (candidates.length === 1 ? candidates[0] : undefined)
  if (documentSigner === undefined || raw.signedAttributes === undefined) throw chipRefusal('sod_invalid', 'EF.SOD carries no document signer certificate')
  const signature = new Uint8Array(signer.signature.buffer)
  if (!verifySignature(signer.signatureAlgorithm.algorithm, digestHash, raw.signedAttributes, documentSigner.publicKey, signature)) {
    throw chipRefusal('sod_signature_invalid', "EF.SOD's signature does not verify with its document signer")
  }

  const csca = input.cscaCertificates
    .map((der) => new X509Certificate(der))
    .find((candidate) => documentSigner.checkIssued(candidate) && documentSigner.verify(candidate.publicKey))
  if (csca === undefined) throw chipRefusal('csca_unknown', 'the document signer is not signed by a configured CSCA', { issuer: documentSigner.issuer })
  if (!within(documentSigner, input.validAt)) throw chipRefusal('certificate_expired', 'the document signer certificate is not valid now', { validTo: documentSigner.validTo })
  if (!within(csca, input.validAt)) throw chipRefusal('certificate_expired', 'the CSCA certificate is not valid now', { validTo: csca.validTo })

  return {
    hashAlgorithm: lds.hashAlgorithm,
    dataGroups: checked,
    sodDataGroups: [...lds.hashes.keys()].sort((a, b) => a - b),
    documentSigner: { subject: documentSigner.subject, issuer: documentSigner.issuer, serialNumber: documentSigner.serialNumber },
    csca: { subject: csca.subject, serialNumber: csca.serialNumber },
  }
}
