import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { flowsBundle } from '../../../runtime/cli/bundle-command.js'
import { EXIT_NO_REPORT, opsConfig, opsPublishFlows, parseStationsFile } from '../../../runtime/cli/ops-publish.js'
import { openEnvelope, keyIdOf } from '../../../runtime/ops/signed-envelope.js'
import { loadTrustedKeys } from '../../../runtime/ops/trusted-keys.js'
import { startMosquitto } from '../../support/mosquitto.js'
import { start } from '../../support/station-rig.js'
import { bundledFlowFiles, editedFeedback, editedFlowVersion, opsKeys } from '../ops/ops-fixtures.js'
import { testDir } from '../../support/test-dir.js'

function capture() {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (text: string) => void out.push(text), err: (text: string) => void err.push(text) }, out, err }
}

function writeFolder(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

t.test('station flows bundle signs a clean folder and refuses one with errors, printing the diagnostics', async (t) => {
  const root = testDir(t, {})
  const keys = await opsKeys(join(root, 'keys'))
  const good = writeFolder(join(root, 'good'), editedFeedback(2))
  const out = join(root, 'bundle.json')
  const ok = capture()
  t.equal(await flowsBundle(good, { version: '2', sign: keys.privatePath, out, stations: 'lobby-test, hall-2' }, ok.io), 0, ok.err.join('\n'))
  t.match(ok.out.at(-1), /^bundle version 2: 9 files, signed by key [0-9a-f]{16} for lobby-test, hall-2 -> /)
  const opened = openEnvelope(readFileSync(out), 'flow-bundle', await loadTrustedKeys([keys.publicPath]), 4 * 1024 * 1024)
  t.equal(opened.ok, true)
  if (opened.ok) {
    t.match(opened.body, { version: 2, stations: ['lobby-test', 'hall-2'] })
    t.equal(opened.keyId, keyIdOf(keys.privateKey))
    t.equal(Object.keys((opened.body as { files: object }).files).length, 9)
  }

  const brokenFiles = bundledFlowFiles()
  brokenFiles['security-feedback.yaml'] = (brokenFiles['security-feedback.yaml'] ?? '').replace('next: topic', 'next: nowhere')
  const broken = writeFolder(join(root, 'broken'), brokenFiles)
  const refused = capture()
  const brokenOut = join(root, 'broken.json')
  t.equal(await flowsBundle(broken, { version: '3', sign: keys.privatePath, out: brokenOut }, refused.io), 1)
  t.match(refused.out.join('\n'), /security-feedback\.yaml:\d+: error FLOW_\w+/, 'the diagnostics are printed with file and line')
  t.match(refused.err.join('\n'), /not signed/)
  t.throws(() => readFileSync(brokenOut), 'nothing is written')

  const badName = writeFolder(join(root, 'bad-name'), { 'Feedback.yaml': 'id: x' })
  const named = capture()
  t.equal(await flowsBundle(badName, { version: '3', sign: keys.privatePath, out: brokenOut }, named.io), 1)
  t.match(named.err.join('\n'), /Feedback\.yaml: a bundle file name must match/)

  const usage = capture()
  t.equal(await flowsBundle(good, { version: '0', sign: keys.privatePath, out }, usage.io), 2)
  t.equal(await flowsBundle(good, { version: '2', out }, usage.io), 2)
})

t.test('stations files: one id a line, comments and blanks ignored', async (t) => {
  t.same(parseStationsFile('# lobby\nlobby-test\n\n  hall-2  # second floor\n'), ['lobby-test', 'hall-2'])
})

t.test('station ops config and ops publish-flows against a running station', async (t) => {
  const broker = await startMosquitto(t)
  const root = testDir(t, {})
  const keys = await opsKeys(join(root, 'keys'))
  const s = await start(t, broker.url, (config) => {
    config.ops.trustedKeys = [keys.publicPath]
  }, { dataDir: join(root, 'data') })
  await s.waitFor('the link', async () => (await s.status()).link.connected)
  const brokerOptions = { broker: broker.url }

  const desired = join(root, 'desired.yaml')
  writeFileSync(desired, 'session:\n  endScreenS: 3\nmqtt:\n  keepaliveS: 40\n')
  const accepted = capture()
  t.equal(await opsConfig({ station: 'lobby-test', file: desired, key: keys.privatePath, version: '4' }, brokerOptions, accepted.io), 0, accepted.err.join('\n'))
  const report = JSON.parse(accepted.out.slice(1).join('\n'))
  t.match(report, { version: 4, applied: ['session.endScreenS'], pendingRestart: ['mqtt.keepaliveS'] })

  const badFile = join(root, 'bad.json')
  writeFileSync(badFile, JSON.stringify({ session: { endScreenS: 0 }, storage: { keyFile: '/tmp/k' } }))
  const refused = capture()
  t.equal(await opsConfig({ station: 'lobby-test', file: badFile, key: keys.privatePath, version: '5' }, brokerOptions, refused.io), 1)
  t.match(refused.err.join('\n'), /refused \(invalid-config\):\n {2}storage\.keyFile: cannot be set remotely.*\n {2}session\.endScreenS:/s)

  const silent = capture()
  t.equal(await opsConfig({ station: 'nobody-here', file: desired, key: keys.privatePath, version: '1', waitMs: 500 }, brokerOptions, silent.io), EXIT_NO_REPORT)
  t.match(silent.err.join('\n'), /no report from nobody-here/)

  const usage = capture()
  t.equal(await opsConfig({ station: 'lobby-test', file: desired, key: keys.privatePath, version: 'x' }, brokerOptions, usage.io), 2)

  // A bundle to every station seen by its retained status.
  const folder = writeFolder(join(root, 'flows'), editedFeedback(2))
  const bundleFile = join(root, 'bundle.json')
  t.equal(await flowsBundle(folder, { version: '2', sign: keys.privatePath, out: bundleFile }, capture().io), 0)
  const published = capture()
  t.equal(await opsPublishFlows({ target: 'all', bundle: bundleFile, discoverMs: 500 }, brokerOptions, published.io), 0, published.err.join('\n'))
  t.match(published.out.join('\n'), /published flow bundle version 2 to 1 station: lobby-test\nlobby-test: in use/)
  t.equal((await s.status()).flows.find((flow) => flow.id === 'security-feedback')?.version, editedFlowVersion(2))

  // The same version again: refused as old, and the tool says so.
  const again = capture()
  const olderFile = join(root, 'bundle-again.json')
  t.equal(await flowsBundle(folder, { version: '2', sign: keys.privatePath, out: olderFile }, capture().io), 0)
  t.equal(await opsPublishFlows({ target: 'lobby-test', bundle: olderFile }, brokerOptions, again.io), 1)
  t.match(again.out.join('\n'), /lobby-test: refused \(old-version\)/)

  // A stations file and a bundle limited to other stations: nothing to publish to.
  const stationsFile = join(root, 'stations.txt')
  writeFileSync(stationsFile, 'lobby-test\n')
  const limitedFile = join(root, 'bundle-limited.json')
  t.equal(await flowsBundle(folder, { version: '3', sign: keys.privatePath, out: limitedFile, stations: 'hall-9' }, capture().io), 0)
  const limited = capture()
  t.equal(await opsPublishFlows({ target: 'all', bundle: limitedFile, stationsFile }, brokerOptions, limited.io), 1)
  t.match(limited.out.join('\n'), /skipped \(not in the bundle's stations list\): lobby-test/)

  const notBundle = capture()
  t.equal(await opsPublishFlows({ target: 'lobby-test', bundle: desired }, brokerOptions, notBundle.io), 1)
  const noBroker = capture()
  t.equal(await opsPublishFlows({ target: 'lobby-test', bundle: bundleFile }, { broker: 'mqtt://127.0.0.1:1' }, noBroker.io), 1)
  t.match(noBroker.err.join('\n'), /cannot connect to mqtt:\/\/127\.0\.0\.1:1/)
})
