/**
 * What the station trusts chips by (docs/config.md, "Identity documents"): `identity.cscaFiles` read at
 * start with clear errors, and the simulation's issuer made once per data dir, 0600, and kept across
 * restarts. Real files, real certificates.
 */
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { makeTestIssuer } from '../../../drivers/emrtd/sim-issuer.js'
import { loadCscaFiles } from '../../../runtime/chip/csca-files.js'
import { ensureSimIssuer } from '../../../runtime/chip/sim-issuer-file.js'
import { start } from '../../support/station-rig.js'
import { testDir } from '../../support/test-dir.js'

const NOW = new Date('2026-06-01T00:00:00Z')

function pem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`
}

t.test('CSCA files: DER or PEM with several certificates; a missing or foreign file is an error naming it', async (t) => {
  const dir = testDir(t, {})
  const [one, two] = [makeTestIssuer({ now: NOW }), makeTestIssuer({ now: NOW })]
  await writeFile(join(dir, 'one.der'), one.csca.der)
  await writeFile(join(dir, 'both.pem'), pem(one.csca.der) + pem(two.csca.der))
  await writeFile(join(dir, 'junk.pem'), 'not a certificate')
  const certificates = await loadCscaFiles([join(dir, 'one.der'), join(dir, 'both.pem')])
  t.same(certificates.map((der) => Buffer.from(der).toString('hex')), [one.csca.der, one.csca.der, two.csca.der].map((der) => Buffer.from(der).toString('hex')))
  await t.rejects(loadCscaFiles([join(dir, 'missing.pem')]), { code: 'E_CONFIG_INVALID', message: new RegExp(`identity.cscaFiles: cannot read ${join(dir, 'missing.pem')}`) })
  await t.rejects(loadCscaFiles([join(dir, 'junk.pem')]), { code: 'E_CONFIG_INVALID', message: /junk\.pem: CSCA file holds something that is not an X\.509 certificate/ })
  t.same(await loadCscaFiles([]), [])
})

t.test('the simulated issuer is made once in the data dir (0600) and the same after a restart', async (t) => {
  const dataDir = testDir(t, {})
  const first = await ensureSimIssuer(dataDir, NOW)
  t.equal((await stat(join(dataDir, 'sim-issuer', 'issuer.json'))).mode & 0o777, 0o600)
  t.equal((await stat(first.cscaPath)).mode & 0o777, 0o600)
  const again = await ensureSimIssuer(dataDir, new Date(NOW.getTime() + 86_400_000))
  t.same(Buffer.from(again.issuer.csca.der), Buffer.from(first.issuer.csca.der), 'the same CSCA')
  t.equal(again.issuer.documentSigner.serial, first.issuer.documentSigner.serial)
  t.same((await loadCscaFiles([again.cscaPath])).map((der) => Buffer.from(der)), [Buffer.from(first.issuer.csca.der)], 'csca.pem is the CSCA')
  await writeFile(join(dataDir, 'sim-issuer', 'issuer.json'), '{ damaged')
  const remade = await ensureSimIssuer(dataDir, NOW)
  t.notSame(Buffer.from(remade.issuer.csca.der), Buffer.from(first.issuer.csca.der), 'a damaged one is replaced')
})

t.test('a station whose identity.cscaFiles names a missing file does not start, and says which', async (t) => {
  const missing = join(testDir(t, {}), 'nowhere', 'csca.pem')
  await t.rejects(
    start(t, null, (config) => {
      config.identity.cscaFiles = [missing]
    }),
    { code: 'E_CONFIG_INVALID', message: new RegExp(`cannot read ${missing}`) },
  )
})
