import t from 'tap'
import { refusalReason } from '../../../drivers/emrtd/chip-errors.js'
import { cscaCertificatesFromFile } from '../../../drivers/emrtd/csca-certificates.js'
import { verifyPassiveAuthentication } from '../../../drivers/emrtd/passive-authentication.js'
import { buildDg1, buildDg13 } from '../../../drivers/emrtd/sim-card-files.js'
import { buildSod, makeTestIssuer } from '../../../drivers/emrtd/sim-issuer.js'

const NOW = new Date('2026-06-01T00:00:00Z')
const issuer = makeTestIssuer({ now: NOW })
const dataGroups = new Map([
  [1, buildDg1(['IDVNM2030000018079203000001<<8', '9001011M3001015VNM<<<<<<<<<<<4', 'NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<'])],
  [13, buildDg13(new Map([[1, '079203000001'], [2, 'Nguyễn Văn An']]))],
])
const sod = buildSod(issuer.documentSigner, issuer.csca.subject, dataGroups)

function refusal(run: () => unknown): string | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    return refusalReason(error) ?? String(error)
  }
}

t.test('a SOD from the configured CSCA over untouched data groups verifies', async (t) => {
  const result = verifyPassiveAuthentication({ sod, dataGroups, cscaCertificates: [issuer.csca.der], validAt: NOW })
  t.same(result.dataGroups, [1, 13])
  t.equal(result.hashAlgorithm, 'sha256')
  t.match(result.csca.subject, /Test CSCA/)
})

t.test('a tampered data group is dg_hash_mismatch', async (t) => {
  const tampered = new Map(dataGroups)
  const dg13 = (dataGroups.get(13) ?? new Uint8Array()).slice()
  dg13[dg13.length - 1] = (dg13[dg13.length - 1] ?? 0) ^ 1
  tampered.set(13, dg13)
  t.equal(refusal(() => verifyPassiveAuthentication({ sod, dataGroups: tampered, cscaCertificates: [issuer.csca.der], validAt: NOW })), 'dg_hash_mismatch')
})

t.test('a data group the SOD does not list is dg_hash_missing', async (t) => {
  const injected = new Map(dataGroups).set(11, Uint8Array.of(0x6b, 0x00))
  t.equal(refusal(() => verifyPassiveAuthentication({ sod, dataGroups: injected, cscaCertificates: [issuer.csca.der], validAt: NOW })), 'dg_hash_missing')
})

t.test('a SOD from an unknown CSCA is csca_unknown', async (t) => {
  const stranger = makeTestIssuer({ now: NOW, organisation: 'Another state' })
  t.equal(refusal(() => verifyPassiveAuthentication({ sod, dataGroups, cscaCertificates: [stranger.csca.der], validAt: NOW })), 'csca_unknown')
  t.equal(refusal(() => verifyPassiveAuthentication({ sod, dataGroups, cscaCertificates: [], validAt: NOW })), 'csca_unknown')
})

t.test('a SOD whose signature bytes were changed is sod_signature_invalid', async (t) => {
  const broken = sod.slice()
  broken[broken.length - 5] = (broken[broken.length - 5] ?? 0) ^ 0x01
  t.equal(refusal(() => verifyPassiveAuthentication({ sod: broken, dataGroups, cscaCertificates: [issuer.csca.der], validAt: NOW })), 'sod_signature_invalid')
})

t.test('an expired document signer is certificate_expired; no check time skips validity', async (t) => {
  const shortLived = makeTestIssuer({ now: NOW, signerValidityDays: 2 })
  const shortSod = buildSod(shortLived.documentSigner, shortLived.csca.subject, dataGroups)
  const later = new Date(NOW.getTime() + 10 * 86_400_000)
  const input = { sod: shortSod, dataGroups, cscaCertificates: [shortLived.csca.der] }
  t.equal(refusal(() => verifyPassiveAuthentication({ ...input, validAt: later })), 'certificate_expired')
  t.equal(refusal(() => verifyPassiveAuthentication({ ...input, validAt: undefined })), undefined)
})

t.test('bytes that are no SOD are sod_invalid', async (t) => {
  t.equal(refusal(() => verifyPassiveAuthentication({ sod: Uint8Array.of(0x77, 0x02, 0x30, 0x00), dataGroups, cscaCertificates: [], validAt: NOW })), 'sod_invalid')
})

t.test('CSCA files: DER, or PEM with several certificates; anything else is E_CONFIG_INVALID', async (t) => {
  const other = makeTestIssuer({ now: NOW, organisation: 'Other' })
  const pem = [issuer.csca.der, other.csca.der]
    .map((der) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`)
    .join('')
  const fromPem = cscaCertificatesFromFile(new TextEncoder().encode(pem), 'list.pem')
  t.equal(fromPem.length, 2)
  t.same(fromPem[0], issuer.csca.der)
  t.same(cscaCertificatesFromFile(issuer.csca.der, 'vn.der'), [issuer.csca.der])
  t.equal(verifyPassiveAuthentication({ sod, dataGroups, cscaCertificates: fromPem, validAt: NOW }).dataGroups.length, 2)
  t.throws(() => cscaCertificatesFromFile(Uint8Array.of(1, 2, 3), 'junk'), { code: 'E_CONFIG_INVALID' })
})
