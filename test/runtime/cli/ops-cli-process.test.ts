/**
 * The operator commands through the built `station` binary against a `station run` process: the
 * argv dispatch in main.ts and the run-command start path (stored desired config, installed bundle).
 * Needs `npm run build` first.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startMosquitto } from '../../support/mosquitto.js'
import { QR, writeTestConfig } from '../../support/sim-residents.js'
import { startStationProcess, station, waitForScreen, waitUntil } from '../../support/station-process.js'
import { editedFeedback, editedFlowVersion, opsKeys } from '../ops/ops-fixtures.js'
import { testDir } from '../../support/test-dir.js'

t.test('bundle, publish and configure with the station command; both survive a restart of the process', async (t) => {
  const broker = await startMosquitto(t)
  const root = testDir(t, {})
  const keys = await opsKeys(join(root, 'keys'))
  const dataDir = join(root, 'data')
  const config = writeTestConfig(root, `ops:\n  trustedKeys: [${JSON.stringify(keys.publicPath)}]\n`)
  const args = ['--sim', '--no-central', '--config', config, '--broker', broker.url]
  let proc = await startStationProcess(t, dataDir, args)
  await waitUntil('link up', async () => ((await proc.request('status')) as any).link.connected || undefined)

  const flows = join(root, 'flows')
  mkdirSync(flows)
  for (const [name, text] of Object.entries(editedFeedback(2))) writeFileSync(join(flows, name), text)
  const bundleFile = join(root, 'bundle.json')
  const bundled = await station(['flows', 'bundle', flows, '--version', '2', '--sign', keys.privatePath, '--out', bundleFile])
  t.equal(bundled.code, 0, bundled.stderr)
  const published = await station(['ops', 'publish-flows', 'lobby-test', bundleFile, '--broker', broker.url])
  t.equal(published.code, 0, published.stderr)
  t.match(published.stdout, /lobby-test: in use/)

  const desired = join(root, 'desired.json')
  writeFileSync(desired, JSON.stringify({ station: { defaultLanguage: 'en' }, mqtt: { keepaliveS: 20 } }))
  const configured = await station(['ops', 'config', 'lobby-test', desired, '--key', keys.privatePath, '--broker', broker.url, '--version', '1'])
  t.equal(configured.code, 0, configured.stderr)
  t.match(JSON.parse(configured.stdout.split('\n').slice(1).join('\n')), { version: 1, applied: ['station.defaultLanguage'], pendingRestart: ['mqtt.keepaliveS'] })
  // The welcome screen speaks both languages; the menu a card opens speaks the default one.
  await proc.request('sim.card', { kind: 'cccd', text: QR })
  await waitForScreen(proc, /Services/)

  t.equal(await proc.stop(), 0)
  proc = await startStationProcess(t, dataDir, args)
  const status = (await proc.request('status')) as { flows: Array<{ id: string; version: number }> }
  t.equal(status.flows.find((flow) => flow.id === 'security-feedback')?.version, editedFlowVersion(2), 'the bundle after a restart')
  await proc.request('sim.card', { kind: 'cccd', text: QR })
  await waitForScreen(proc, /Services/)
  t.equal(await proc.stop(), 0)
})
