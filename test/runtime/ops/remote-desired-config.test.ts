import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { encodeSignedEnvelope } from '../../../runtime/ops/signed-envelope.js'
import { startMosquitto, subscribeCollect, type CollectedMessage } from '../../support/mosquitto.js'
import { start } from '../../support/station-rig.js'
import { QR } from '../../support/sim-residents.js'
import { opsKeys, publishRetained } from './ops-fixtures.js'
import { testDir } from '../../support/test-dir.js'

const TOPIC = 'cs/v1/lobby-test/config/desired'
const body = (version: number, config: Record<string, unknown>, station = 'lobby-test') => ({
  station,
  version,
  config,
  issuedAt: new Date().toISOString(),
})

t.test('desired config: every problem listed, live changes between residents, restart changes pending, no rollback, kept over a restart', async (t) => {
  const broker = await startMosquitto(t)
  const root = testDir(t, {})
  const keys = await opsKeys(join(root, 'keys'))
  const dataDir = join(root, 'data')
  const reported = await subscribeCollect(broker.url, 'cs/v1/lobby-test/config/reported')
  const events = await subscribeCollect(broker.url, 'cs/v1/lobby-test/events')
  t.teardown(() => reported.close())
  t.teardown(() => events.close())
  const adjust = (config: { ops: { trustedKeys: string[] } }) => {
    config.ops.trustedKeys = [keys.publicPath]
  }
  const publish = (version: number, config: Record<string, unknown>, station?: string) =>
    publishRetained(broker.url, TOPIC, encodeSignedEnvelope('config', body(version, config, station), keys.privateKey))
  const since = (index: number, predicate: (message: CollectedMessage) => boolean) => (message: CollectedMessage) =>
    reported.messages.indexOf(message) >= index && predicate(message)

  let s = await start(t, broker.url, adjust, { dataDir })
  const initial = await reported.waitFor((m) => m.payload?.version === 0)
  t.match(initial.payload, { version: 0, appliedAt: null, applied: [], pendingRestart: [] })

  // Every problem at once: a path never settable remotely and two invalid values.
  await publish(1, { dataDir: '/tmp/elsewhere', session: { idleTimeoutS: 1 }, log: { level: 'loud' }, ops: { trustedKeys: ['/tmp/evil.pub'] } })
  const refused = await reported.waitFor((m) => m.payload?.refused?.version === 1)
  t.equal(refused.payload.refused.reason, 'invalid-config')
  const problems: string[] = refused.payload.refused.problems
  t.equal(problems.length, 4, 'four problems listed')
  t.ok(problems.some((p) => p.startsWith('dataDir: cannot be set remotely')))
  t.ok(problems.some((p) => p.startsWith('ops.trustedKeys: cannot be set remotely')))
  t.ok(problems.some((p) => p.startsWith('session.idleTimeoutS:')))
  t.ok(problems.some((p) => p.startsWith('log.level:')))
  t.equal(refused.payload.version, 0, 'nothing applied')
  await events.waitFor((m) => m.payload?.type === 'config.desired.refused' && m.payload.version === 1 && m.payload.problems === 4)

  // Another station's config is refused.
  await publish(2, { session: { idleTimeoutS: 30 } }, 'other-station')
  await reported.waitFor((m) => m.payload?.refused?.version === 2 && m.payload.refused.reason === 'wrong-station')

  // A resident is at the menu: the live part waits for them; the restart part is pending at once.
  await s.waitForScreen(/Xin chao/)
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await publish(3, { session: { idleTimeoutS: 5 }, station: { defaultLanguage: 'en' }, mqtt: { keepaliveS: 45, telemetryIntervalS: 5 } })
  const waiting = await reported.waitFor((m) => m.payload?.version === 3)
  t.same(waiting.payload.waitingForSession, ['mqtt.telemetryIntervalS', 'session.idleTimeoutS', 'station.defaultLanguage'])
  t.same(waiting.payload.pendingRestart, ['mqtt.keepaliveS'])
  t.same(waiting.payload.applied, [])
  t.notOk('refused' in waiting.payload, 'an accepted config clears the last refusal')
  t.equal(waiting.payload.appliedAt, null)
  await new Promise((resolve) => setTimeout(resolve, 600))
  t.match(await s.waitForScreen(/Chon dich vu/), /Chon dich vu/, 'the resident is not disturbed')
  t.notOk(reported.messages.some((m) => m.payload?.version === 3 && m.payload.appliedAt !== null), 'not applied mid-session')

  await s.press('back')
  const applied = await reported.waitFor((m) => m.payload?.version === 3 && m.payload.appliedAt !== null)
  t.same(applied.payload.applied, ['session.idleTimeoutS', 'station.defaultLanguage', 'mqtt.telemetryIntervalS'])
  t.same(applied.payload.pendingRestart, ['mqtt.keepaliveS'])
  t.notOk('waitingForSession' in applied.payload)
  await events.waitFor((m) => m.payload?.type === 'config.desired.applied' && m.payload.version === 3 && m.payload.live === 3 && m.payload.pendingRestart === 1)
  // The welcome screen speaks both languages; the new default shows once a card opens the menu.
  await s.waitForScreen(/Xin chao/, 3000)
  await s.request('sim.card', { kind: 'cccd', text: QR.replace('12 Lê Lợi', '16 Lê Lợi') })
  await s.waitForScreen(/Services/, 3000)
  await s.press('back')
  await s.waitForScreen(/Xin chao/, 3000)
  // Telemetry now every 5 s instead of 60.
  const telemetry = await subscribeCollect(broker.url, 'cs/v1/lobby-test/telemetry')
  t.teardown(() => telemetry.close())
  await telemetry.waitFor(() => true, 7000)
  // The new idle timeout (5 s) now governs: a resident who walks away is wiped after 5 s, not 60.
  await s.press('ok')
  await s.waitForScreen(/Services/)
  const cardAt = Date.now()
  await events.waitFor((m) => m.payload?.type === 'session.idle_timeout', 9000)
  t.ok(Date.now() - cardAt >= 4500, 'the idle timeout is the new 5 s')

  // The same retained message arriving again (a reconnect) is not an event storm.
  const count = events.messages.length
  await publish(3, { session: { idleTimeoutS: 9 } })
  await reported.waitFor((m) => m.payload?.refused?.version === 3 && m.payload.refused.reason === 'old-version')
  await publish(2, { session: { idleTimeoutS: 9 } })
  await reported.waitFor((m) => m.payload?.refused?.version === 2 && m.payload.refused.reason === 'old-version')
  await events.waitFor((m) => events.messages.indexOf(m) >= count && m.payload?.type === 'config.desired.refused' && m.payload.version === 2)
  t.equal(events.messages.filter((m, index) => index >= count && m.payload?.type === 'config.desired.refused').length, 2, 'one event per refusal')

  // Put the good version 3 back as the retained message, then restart: it is applied at start.
  const before = reported.messages.length
  await publish(3, { session: { idleTimeoutS: 5 }, station: { defaultLanguage: 'en' }, mqtt: { keepaliveS: 45, telemetryIntervalS: 5 } })
  await s.station.stop()
  s = await start(t, broker.url, adjust, { dataDir })
  const afterRestart = await reported.waitFor(since(before, (m) => m.payload?.version === 3 && m.payload.pendingRestart.length === 0))
  t.same(afterRestart.payload.applied, ['session.idleTimeoutS', 'station.defaultLanguage', 'mqtt.keepaliveS', 'mqtt.telemetryIntervalS'], 'after a restart everything is in effect')
  t.equal(afterRestart.payload.refused?.version, 2, 'the last refusal is kept over the restart too')
  await s.waitForScreen(/Xin chao/, 3000)
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Services/, 3000)
  const stored = JSON.parse(readFileSync(join(dataDir, 'ops', 'desired-config.json'), 'utf8'))
  t.equal(stored.accepted.version, 3)

  // A stored config that no longer validates over the file config is reported and ignored, not fatal.
  await s.station.stop()
  stored.accepted.config = { session: { idleTimeoutS: 5 }, hardware: { keypad: { releaseThreshold: 50 } } }
  writeFileSync(join(dataDir, 'ops', 'desired-config.json'), JSON.stringify(stored))
  const beforeIgnored = reported.messages.length
  s = await start(t, broker.url, adjust, { dataDir })
  const ignored = await reported.waitFor(since(beforeIgnored, (m) => m.payload?.refused?.reason === 'invalid-over-file-config'))
  t.equal(ignored.payload.refused.version, 3)
  t.match(ignored.payload.refused.problems.join('\n'), /hardware\.keypad\.releaseThreshold/)
  await s.waitForScreen(/Quet CCCD \/ Scan ID/, 3000)

  // A corrupt state file is the same: reported, and the station starts on its file config.
  await s.station.stop()
  writeFileSync(join(dataDir, 'ops', 'desired-config.json'), '{not json')
  const beforeCorrupt = reported.messages.length
  s = await start(t, broker.url, adjust, { dataDir })
  await reported.waitFor(since(beforeCorrupt, (m) => m.payload?.refused?.reason === 'unreadable-state'))
  t.equal((await s.status()).ready, true)
})
