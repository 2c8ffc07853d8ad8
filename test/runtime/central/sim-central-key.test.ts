import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ensureSimCentralKey } from '../../../runtime/central/sim-central-key.js'
import { loadSigningKey, loadTrustedKeys } from '../../../runtime/ops/trusted-keys.js'
import { keyIdOf } from '../../../runtime/ops/signed-envelope.js'
import { testDir } from '../../support/test-dir.js'

t.test('the simulated central key is made once, 0600, and trusted by its own file', async (t) => {
  const dataDir = join(testDir(t, {}), 'data')
  const path = await ensureSimCentralKey(dataDir)
  t.equal(path, join(dataDir, 'keys', 'central.key'))
  t.equal(statSync(path).mode & 0o777, 0o600, 'private key readable by the owner only')
  t.equal(statSync(join(dataDir, 'keys')).mode & 0o777, 0o700)
  const first = readFileSync(path, 'utf8')
  t.equal(await ensureSimCentralKey(dataDir), path)
  t.equal(readFileSync(path, 'utf8'), first, 'reused, never replaced')
  const signing = await loadSigningKey(path)
  const trusted = await loadTrustedKeys([path, join(dataDir, 'keys', 'central.pub')])
  t.strictSame([...trusted.keys()], [keyIdOf(signing)], 'the key file and its .pub are one trusted key')
})

t.test('two starters racing make one key', async (t) => {
  const dataDir = join(testDir(t, {}), 'data')
  const [a, b] = await Promise.all([ensureSimCentralKey(dataDir), ensureSimCentralKey(dataDir)])
  t.equal(a, b)
  await t.resolves(loadSigningKey(a))
})
