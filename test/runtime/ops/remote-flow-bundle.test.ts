import { rmSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { encodeSignedEnvelope, signEnvelope } from '../../../runtime/ops/signed-envelope.js'
import { startMosquitto, subscribeCollect, type CollectedMessage } from '../../support/mosquitto.js'
import { start } from '../../support/station-rig.js'
import { QR, QR_NEXT_RESIDENT } from '../../support/sim-residents.js'
import { BUNDLED_FEEDBACK_VERSION, editedFeedback, editedFlowVersion, opsKeys, publishRetained } from './ops-fixtures.js'
import { testDir } from '../../support/test-dir.js'

const TOPIC = 'cs/v1/lobby-test/flows/bundle'
const bundle = (version: number, files: Record<string, string>, stations?: string[]) => ({
  version,
  createdAt: '2026-12-02T00:00:00.000Z',
  ...(stations ? { stations } : {}),
  files,
})
const refusedWith = (version: number | null, reason: string) => (message: CollectedMessage) =>
  message.payload?.flows?.refused?.version === version && message.payload.flows.refused.reason === reason

t.test('flow bundles: refused when old, forged, for another station or broken; a good one serves the next session and survives a restart', async (t) => {
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
  let s = await start(t, broker.url, adjust, { dataDir })
  const first = await reported.waitFor((m) => m.payload?.flows?.source === 'flows-dir')
  t.same(first.payload.flows, { version: null, source: 'flows-dir' }, 'before any bundle the station runs flows.dir')
  t.equal(first.retain, false, 'a live subscriber sees the report as it is published')

  // A resident starts the feedback procedure on the bundled flow.
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('1')
  await s.waitForScreen(/Khan cap: goi 113/)

  await publishRetained(broker.url, TOPIC, encodeSignedEnvelope('flow-bundle', bundle(2, editedFeedback(2)), keys.privateKey))
  const applied = await reported.waitFor((m) => m.payload?.flows?.version === 2, 10_000)
  t.same(applied.payload.flows, { version: 2, source: 'bundle' })
  const appliedEvent = await events.waitFor((m) => m.payload?.type === 'flows.bundle.applied')
  t.equal(appliedEvent.payload.version, 2)
  t.same((await s.status()).flows.find((flow) => flow.id === 'security-feedback'), { id: 'security-feedback', version: editedFlowVersion(2) }, 'the menu offers the flow of bundle 2')

  // The resident mid-procedure finishes on the bundled flow.
  await s.press('1', 'ok', 'ok', '1')
  await s.waitForScreen(/SDT lien he/)
  await s.press('ok')
  await s.waitForScreen(/OK de gui/)
  await s.press('ok')
  await s.waitForScreen(/Cam on/)
  await s.waitForScreen(/Xin chao/, 5000)
  // The next resident gets version 2.
  await s.request('sim.card', { kind: 'cccd', text: QR_NEXT_RESIDENT })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('1')
  await s.waitForScreen(/Chon chu de moi/)
  await s.press('1', 'ok', 'ok', '1')
  await s.waitForScreen(/So may moi/)
  await s.press('back')

  // Refusals, each reported and sent as an event; version 2 stays in use.
  await publishRetained(broker.url, TOPIC, encodeSignedEnvelope('flow-bundle', bundle(1, editedFeedback(1)), keys.privateKey))
  await reported.waitFor(refusedWith(1, 'old-version'))
  await events.waitFor((m) => m.payload?.type === 'flows.bundle.refused' && m.payload.reason === 'old-version' && m.payload.version === 1)

  const forged = signEnvelope('flow-bundle', bundle(5, editedFeedback(5)), keys.privateKey)
  forged.body = Buffer.from(JSON.stringify(bundle(6, editedFeedback(6)))).toString('base64')
  await publishRetained(broker.url, TOPIC, JSON.stringify(forged))
  await reported.waitFor(refusedWith(null, 'bad-signature'))
  await events.waitFor((m) => m.payload?.type === 'flows.bundle.refused' && m.payload.reason === 'bad-signature')
  await events.waitFor((m) => m.payload?.type === 'inbound.refused' && m.payload.kind === 'flows/bundle' && m.payload.reason === 'bad-signature')

  await publishRetained(broker.url, TOPIC, encodeSignedEnvelope('flow-bundle', bundle(7, editedFeedback(7), ['other-station']), keys.privateKey))
  await reported.waitFor(refusedWith(7, 'wrong-station'))

  const broken = editedFeedback(8)
  broken['security-feedback.yaml'] = (broken['security-feedback.yaml'] ?? '').replace('next: topic', 'next: nowhere')
  await publishRetained(broker.url, TOPIC, encodeSignedEnvelope('flow-bundle', bundle(8, broken), keys.privateKey))
  const refused = await reported.waitFor(refusedWith(8, 'flow-errors'))
  const diagnostic = refused.payload.flows.refused.diagnostics.find((d: { severity: string }) => d.severity === 'error')
  t.equal(diagnostic.file, 'security-feedback.yaml', 'the diagnostic names the bundle file')
  t.type(diagnostic.line, 'number')
  t.match(diagnostic.code, /^FLOW_/)
  const brokenEvent = await events.waitFor((m) => m.payload?.type === 'flows.bundle.refused' && m.payload.version === 8)
  t.match(brokenEvent.payload, { reason: 'flow-errors', first: /^FLOW_\w+ security-feedback\.yaml:\d+$/ })
  t.same(refused.payload.flows.version, 2, 'a refused bundle changes nothing')

  const badName = bundle(9, { '../escape.yaml': 'id: x' })
  await publishRetained(broker.url, TOPIC, encodeSignedEnvelope('flow-bundle', badName, keys.privateKey))
  await reported.waitFor(refusedWith(9, 'bad-file-name'))
  t.same((await s.status()).flows.find((flow) => flow.id === 'security-feedback')?.version, editedFlowVersion(2))

  // After a restart the installed bundle is what runs (the retained message is the refused one).
  await s.station.stop()
  s = await start(t, broker.url, adjust, { dataDir })
  t.same((await s.status()).flows.find((flow) => flow.id === 'security-feedback'), { id: 'security-feedback', version: editedFlowVersion(2) }, 'bundle 2 after a restart')
  await reported.waitFor((m) => m.retain === false && m.payload?.flows?.version === 2 && m.payload.flows.refused?.version === 9)

  // A bundle folder gone missing falls back to flows.dir with a report and event, never a crash.
  await s.station.stop()
  rmSync(join(dataDir, 'flows', 'bundles', '2'), { recursive: true, force: true })
  const countBefore = reported.messages.length
  s = await start(t, broker.url, adjust, { dataDir })
  t.same((await s.status()).flows.find((flow) => flow.id === 'security-feedback')?.version, BUNDLED_FEEDBACK_VERSION, 'back on the bundled flow')
  const fellBack = await reported.waitFor((m) => reported.messages.indexOf(m) >= countBefore && m.payload?.flows?.fallback !== undefined)
  t.match(fellBack.payload.flows, { version: null, source: 'flows-dir', fallback: /bundle 2/ })
  // The same version may repair the install after a fallback.
  await publishRetained(broker.url, TOPIC, encodeSignedEnvelope('flow-bundle', bundle(2, editedFeedback(2)), keys.privateKey))
  await reported.waitFor((m) => reported.messages.indexOf(m) >= countBefore && m.payload?.flows?.version === 2 && m.payload.flows.source === 'bundle')
  t.same((await s.status()).flows.find((flow) => flow.id === 'security-feedback')?.version, editedFlowVersion(2), 'repaired')
})
