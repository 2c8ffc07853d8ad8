import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { BUNDLE_LIMITS, bundleDir, flowsAtStart, installBundle, parseBundleBody, readBundlePointer } from '../../../runtime/ops/flow-bundle.js'
import { FLOWS_DIR } from '../../support/station-rig.js'
import { editedFeedback } from './ops-fixtures.js'
import { testDir } from '../../support/test-dir.js'

const NOW = '2026-12-02T04:00:00.000Z'
const OPTIONS = { capabilities: { identitySources: ['cccd_qr', 'mrz'] }, display: { cols: 20, rows: 4 } }
const body = (extra: Record<string, unknown> = {}) => ({ version: 2, createdAt: NOW, files: { 'a.yaml': 'id: a' }, ...extra })

t.test('the body: shape, names, sizes, stations', async (t) => {
  t.match(parseBundleBody(body(), 'st-1'), { ok: true })
  t.match(parseBundleBody(body({ stations: ['st-1'] }), 'st-1'), { ok: true })
  t.match(parseBundleBody(body({ stations: ['st-2'] }), 'st-1'), { ok: false, reason: 'wrong-station', version: 2 })
  for (const name of ['../x.yaml', 'sub/x.yaml', 'X.yaml', 'x.yml', '.yaml', 'x.yaml.bak']) {
    t.match(parseBundleBody(body({ files: { [name]: 'id: x' } }), 'st-1'), { ok: false, reason: 'bad-file-name' }, name)
  }
  t.match(parseBundleBody(body({ files: { 'a.yaml': 'x'.repeat(BUNDLE_LIMITS.maxFileBytes + 1) } }), 'st-1'), { ok: false, reason: 'too-large' })
  const many = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}.yaml`, 'x'.repeat(BUNDLE_LIMITS.maxFileBytes - 10)]))
  t.match(parseBundleBody(body({ files: many }), 'st-1'), { ok: false, reason: 'too-large' }, 'total size bounded')
  const tooMany = Object.fromEntries(Array.from({ length: BUNDLE_LIMITS.maxFiles + 1 }, (_, i) => [`f${i}.yaml`, '']))
  t.match(parseBundleBody(body({ files: tooMany }), 'st-1'), { ok: false, reason: 'too-large' })
  t.match(parseBundleBody(body({ version: 1.5 }), 'st-1'), { ok: false, reason: 'bad-body', version: null })
  t.match(parseBundleBody(body({ files: {} }), 'st-1'), { ok: false, reason: 'bad-body' })
  t.match(parseBundleBody(body({ files: { 'a.yaml': 3 } }), 'st-1'), { ok: false, reason: 'bad-body' })
  t.match(parseBundleBody(body({ stations: 'st-1' }), 'st-1'), { ok: false, reason: 'bad-body' })
})

t.test('install: checked in staging, renamed into place, pointer written, old versions pruned', async (t) => {
  const dataDir = testDir(t, {})
  for (const version of [2, 3, 4, 5]) {
    const outcome = await installBundle(dataDir, { version, createdAt: NOW, files: editedFeedback(version) }, `d${version}`, OPTIONS, NOW)
    t.equal(outcome.ok, true, `version ${version} installs`)
  }
  const pointer = await readBundlePointer(dataDir)
  t.match(pointer, { ok: true, installed: { version: 5, payloadDigest: 'd5' } })
  t.same(readdirSync(join(dataDir, 'flows', 'bundles')).sort(), ['3', '4', '5'], 'the two before the current are kept')
  const broken = editedFeedback(6)
  broken['security-feedback.yaml'] = (broken['security-feedback.yaml'] ?? '').replace('next: topic', 'next: nowhere')
  const refused = await installBundle(dataDir, { version: 6, createdAt: NOW, files: broken }, 'd6', OPTIONS, NOW)
  t.match(refused, { ok: false, reason: 'flow-errors' })
  t.notOk(existsSync(bundleDir(dataDir, 6)), 'nothing of a refused bundle stays')
  t.same(readdirSync(join(dataDir, 'flows', 'bundles')).sort(), ['3', '4', '5'], 'no staging left behind')
  t.match(await flowsAtStart(dataDir, FLOWS_DIR, OPTIONS), { dir: bundleDir(dataDir, 5), installed: { version: 5 }, highestVersion: 5 })
})

t.test('at start a bad pointer or folder falls back to flows.dir and never throws', async (t) => {
  const dataDir = testDir(t, {})
  t.same(await flowsAtStart(dataDir, FLOWS_DIR, OPTIONS), { dir: FLOWS_DIR, installed: null, highestVersion: 0 })
  mkdirSync(join(dataDir, 'flows'), { recursive: true })
  writeFileSync(join(dataDir, 'flows', 'current.json'), '{"version":')
  t.match(await flowsAtStart(dataDir, FLOWS_DIR, OPTIONS), { dir: FLOWS_DIR, installed: null, fallback: /corrupt/ })
  await installBundle(dataDir, { version: 3, createdAt: NOW, files: editedFeedback(3) }, 'd3', OPTIONS, NOW)
  writeFileSync(join(bundleDir(dataDir, 3), 'extra.yaml'), 'id: extra')
  t.match(await flowsAtStart(dataDir, FLOWS_DIR, OPTIONS), { dir: FLOWS_DIR, fallback: /differ/, highestVersion: 3 })
  writeFileSync(join(bundleDir(dataDir, 3), 'extra.yaml'), '')
  await installBundle(dataDir, { version: 4, createdAt: NOW, files: editedFeedback(4) }, 'd4', OPTIONS, NOW)
  writeFileSync(join(bundleDir(dataDir, 4), 'security-feedback.yaml'), 'id: [broken')
  t.match(await flowsAtStart(dataDir, FLOWS_DIR, OPTIONS), { dir: FLOWS_DIR, fallback: /bundle 4: \d+ flow errors/, highestVersion: 4 })
})
