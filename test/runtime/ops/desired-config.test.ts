import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { defaultConfig } from '../../../config/defaults.js'
import { withOverride } from '../../../config/env.js'
import { FILE_LIST_OPTIONS, FILE_OPTIONS, NEVER_REMOTE, optionAt } from '../../../config/option-paths.js'
import {
  changedPaths,
  composeDesired,
  leafPaths,
  LIVE_PATHS,
  loadDesiredAtStart,
  notSettableProblems,
  parseDesiredBody,
  readDesiredState,
  writeDesiredState,
} from '../../../runtime/ops/desired-config.js'
import { configOf } from '../../support/validated-config.js'
import { testDir } from '../../support/test-dir.js'

const NOW = '2026-12-02T04:00:00.000Z'

t.test('the body must be well formed and for this station', async (t) => {
  const good = { station: 'st-1', version: 3, config: {}, issuedAt: NOW }
  t.same(parseDesiredBody(good, 'st-1'), { ok: true, body: good })
  t.match(parseDesiredBody({ ...good, station: 'st-2' }, 'st-1'), { ok: false, reason: 'wrong-station', version: 3 })
  const bad = parseDesiredBody({ station: 1, version: 0, config: [], issuedAt: 'yesterday' }, 'st-1')
  t.match(bad, { ok: false, reason: 'bad-body', version: null })
  t.equal(bad.ok ? 0 : bad.problems.length, 4, 'every shape problem at once')
  t.match(parseDesiredBody('x', 'st-1'), { ok: false, reason: 'bad-body' })
})

t.test('leaf paths, not-settable paths and diffs', async (t) => {
  t.same(leafPaths({ session: { idleTimeoutS: 5 }, mqtt: { urls: ['mqtt://a'], tls: { caFile: '/x' } } }), ['session.idleTimeoutS', 'mqtt.urls', 'mqtt.tls.caFile'])
  t.same(notSettableProblems({ mqtt: { tls: { caFile: '/x' }, keepaliveS: 5 }, central: { trustedKeys: [] }, station: { id: 'x', defaultLanguage: 'en' }, control: { group: 'wheel' } }), [
    "mqtt.tls.caFile: cannot be set remotely (set it in the station's config file)",
    "central.trustedKeys: cannot be set remotely (set it in the station's config file)",
    "station.id: cannot be set remotely (set it in the station's config file)",
    "control.group: cannot be set remotely (set it in the station's config file)",
  ])
  t.same(changedPaths({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { b: 2, c: [1, 2] }, d: 1, e: 3 }), ['a.b', 'e'])
})

t.test('every file option and every marked section of the definition is refused, however it is written', async (t) => {
  for (const path of [...FILE_OPTIONS, ...FILE_LIST_OPTIONS]) {
    const problems = notSettableProblems(withOverride({}, path, '/elsewhere') as Record<string, unknown>)
    t.strictSame(problems, [`${path.join('.')}: cannot be set remotely (set it in the station's config file)`], path.join('.'))
  }
  for (const entry of NEVER_REMOTE) {
    const partial = withOverride({}, entry.path.split('.'), null) as Record<string, unknown>
    t.equal(notSettableProblems(partial).length, 1, `${entry.path}: null (unset) is refused too`)
  }
  t.strictSame(notSettableProblems({ hardware: { gpio: { sysfsRoot: '/tmp/fake-gpio' } } }), ["hardware.gpio.sysfsRoot: cannot be set remotely (set it in the station's config file)"], 'a device folder on disk')
  t.strictSame(notSettableProblems({ session: { endScreenS: 3 }, mqtt: { url: 'mqtt://other:1883' } }), [], 'ordinary options stay settable')
  for (const path of LIVE_PATHS) {
    t.ok(optionAt(path), `live ${path} exists in the definition`)
    t.strictSame(notSettableProblems(withOverride({}, path.split('.'), 1) as Record<string, unknown>), [], `live ${path} is settable`)
  }
})

t.test('composition validates over the file config with the file validator, listing every problem', async (t) => {
  const file = configOf({}, defaultConfig('/var/lib/station', '/opt/flows'))
  const ok = composeDesired({ session: { idleTimeoutS: 30 } }, file)
  t.equal(ok.ok && ok.config.session.idleTimeoutS, 30)
  t.equal(ok.ok && ok.config.session.endScreenS, file.session.endScreenS, 'the rest comes from the file')
  const bad = composeDesired({ dataDir: '/tmp', session: { idleTimeoutS: 'soon', extra: 1 }, mqtt: { reconnectMinMs: 90_000 } }, file)
  t.equal(bad.ok, false)
  if (!bad.ok) {
    t.equal(bad.problems[0], "dataDir: cannot be set remotely (set it in the station's config file)")
    t.ok(bad.problems.some((p) => p.startsWith('session.idleTimeoutS')))
    t.ok(bad.problems.some((p) => p.startsWith('session.extra')))
    t.ok(bad.problems.some((p) => p.startsWith('mqtt.reconnectMinMs')), 'cross-field rules too')
  }
})

t.test('the stored state: written atomically, read back, and never a reason not to start', async (t) => {
  const dataDir = testDir(t, {})
  const file = configOf({}, defaultConfig(dataDir, '/opt/flows'))
  t.same(await readDesiredState(dataDir), { state: { accepted: null, refused: null } })
  const accepted = { version: 2, config: { session: { endScreenS: 4 } }, issuedAt: NOW, keyId: 'k', acceptedAt: NOW, digest: 'd' }
  await writeDesiredState(dataDir, { accepted, refused: null })
  const started = await loadDesiredAtStart(file, NOW)
  t.equal(started.config.session.endScreenS, 4)
  t.same(started.applied, ['session.endScreenS'])
  t.equal(started.ignored, undefined)

  await writeDesiredState(dataDir, { accepted: { ...accepted, config: { session: { endScreenS: 0 } } }, refused: null })
  const ignored = await loadDesiredAtStart(file, NOW)
  t.equal(ignored.config, file, 'the file config alone')
  t.match(ignored.ignored, { version: 2, reason: 'invalid-over-file-config', problems: [/session\.endScreenS/] })

  mkdirSync(join(dataDir, 'ops'), { recursive: true })
  writeFileSync(join(dataDir, 'ops', 'desired-config.json'), '{"accepted": {"version": "two"}}')
  const corrupt = await loadDesiredAtStart(file, NOW)
  t.equal(corrupt.config, file)
  t.match(corrupt.ignored, { version: null, reason: 'unreadable-state' })
})
