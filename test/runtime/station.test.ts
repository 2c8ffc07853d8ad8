import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { controlRequest } from '../../runtime/control/control-client.js'
import { runReferenceCentral } from '../../runtime/central/run-central.js'
import { createSilentLogger } from '../../runtime/log.js'
import { generateKeyPairFiles, loadSigningKey } from '../../runtime/ops/trusted-keys.js'
import { BAD_QR, ID_NUMBER, NAME, QR } from '../support/sim-residents.js'
import { startMosquitto, subscribeCollect } from '../support/mosquitto.js'
import { eventsLogged, flowsAccepting, FLOWS_DIR, start } from '../support/station-rig.js'
import { testDir } from '../support/test-dir.js'
import { BUNDLED_FEEDBACK_VERSION } from './ops/ops-fixtures.js'

/** A reference central signing with a fresh key; `trustedKey` is the public key file for config central.trustedKeys. */
async function startSigningCentral(t: Test, brokerUrl: string) {
  // Not testDir(t): start() takes that one for the data dir.
  const keyDir = mkdtempSync(join(tmpdir(), 'station-keys-'))
  t.teardown(() => rmSync(keyDir, { recursive: true, force: true }))
  const files = await generateKeyPairFiles(keyDir, 'central')
  const signingKey = await loadSigningKey(files.privatePath)
  const central = await runReferenceCentral({ url: brokerUrl, prefix: 'cs/v1', signingKey, log: createSilentLogger() })
  t.teardown(() => central.stop())
  return { central, trustedKey: files.publicPath }
}

t.test('an offline station is ready, takes a procedure through the control socket and keeps it in the outbox', async (t) => {
  const s = await start(t, null)
  const status = await s.status()
  t.equal(status.ready, true)
  t.equal(status.station, 'lobby-test')
  t.equal(status.simulated, true)
  t.equal(status.phase, 'welcome')
  t.same(status.link, { configured: false, connected: false, broker: null })
  t.same(status.flows[0], { id: 'security-feedback', version: BUNDLED_FEEDBACK_VERSION }, 'feedback first on the menu (menu_order 1)')
  t.equal(status.flows.length, 9, 'all bundled procedures loaded')
  for (const device of ['display', 'keypad', 'scanner', 'printer', 'kiosk', 'control']) {
    t.equal(status.devices[device]?.state, 'ok', `${device} is ok`)
  }
  t.same(s.station.status().ready, true, 'the in-process status agrees')

  const welcome = await s.waitForScreen(/Xin chao \/ Welcome/)
  t.match(welcome, /Ngoai tuyen\/Offline/, 'the welcome screen says the station is offline, in both languages')

  t.same(await s.request('sim.card', { kind: 'cccd', text: QR }), { kind: 'cccd' })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('1')
  await s.waitForScreen(/Khan cap: goi 113/)
  t.same((await s.status()).step, { flow: 'security-feedback', step: 'topic' })
  await s.press('1', 'ok', 'ok', '1') // theft, this building, no floor, vehicle stolen
  await s.waitForScreen(/SDT/)
  await s.press('0', '9', '1', '2', '3', '4', '5', '6', '7', '8', 'ok')
  await s.waitForScreen(/OK de gui/)
  await s.press('ok')
  const done = await s.waitForScreen(/Cam on/)
  const code = /\d{4}-\d{4}-\d{4}/.exec(done)?.[0]
  t.ok(code, 'the reference code is on the display')

  const after = await s.status()
  t.equal(after.outbox.depth, 1, 'the submission waits in the outbox')
  t.equal(after.link.configured, false)
  t.equal(after.phase, 'ended')

  const receipt = (await s.request('sim.receipt')) as { lines: string[] | null; count: number }
  t.equal(receipt.count, 1)
  const paper = (receipt.lines ?? []).join('\n')
  t.match(paper, /PHAN ANH AN NINH TRAT TU/)
  t.match(paper, /Tram lobby-test/)
  t.match(paper, /079\*+01/)
  t.ok(code && paper.includes(code), 'the receipt carries the same code')

  await s.waitForScreen(/Xin chao/, 3000)
  t.equal((await s.status()).phase, 'welcome', 'the end screen returns to welcome')

  t.ok(eventsLogged(s.logLines, 'flow.completed').length === 1, 'the completion is an event')
  const logs = s.logLines.map((line) => JSON.stringify(line)).join('\n')
  for (const secret of [ID_NUMBER, NAME, '0912345678', '15082003']) t.notOk(logs.includes(secret), `no log line contains ${secret}`)
})

t.test('a paper-out printer degrades, central hears of it, and the next procedure prints nothing but completes', async (t) => {
  const s = await start(t, null)
  await s.waitForScreen(/Xin chao/)
  t.same(await s.request('sim.printer', { state: 'paper-out' }), { state: 'paper-out' })
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('1', '2', 'ok', 'ok', '1', 'ok', 'ok') // disturbance, this building, no floor, a fight, no phone, send
  await s.waitForScreen(/May in dang loi/)
  await s.press('ok')
  await s.waitForScreen(/Cam on/)

  const receipt = (await s.request('sim.receipt')) as { lines: string[] | null; count: number }
  t.same(receipt, { lines: null, count: 0 }, 'no receipt came out')
  const status = await s.status()
  t.equal(status.outbox.depth, 1, 'the submission is kept')
  t.equal(status.devices.printer?.state, 'degraded')
  t.equal(status.devices.printer?.lastError, 'paper out')
  t.equal(status.devices.printer?.lastErrorCode, 'E_PRINTER_NOT_READY')
  const faults = eventsLogged(s.logLines, 'device.fault')
  t.same(
    faults.map((line) => [line.device, line.state, line.code]),
    [['printer', 'degraded', 'E_PRINTER_NOT_READY']],
  )

  await s.request('sim.printer', { state: 'paper-ok' })
  // The idle poll (every 3 s) sees the paper back.
  await s.waitFor('the printer to recover', async () => (await s.status()).devices.printer?.state === 'ok', 6000)
  t.equal(eventsLogged(s.logLines, 'device.recovered').length, 1, 'central hears it is back')
})

t.test('a printer that does not answer: the procedure completes, the code stays on screen, the printer is reported', async (t) => {
  const s = await start(t, null)
  await s.waitForScreen(/Xin chao/)
  t.same(await s.request('sim.printer', { state: 'power-off' }), { state: 'power-off' })
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('1', '0', '3', 'ok', 'ok', '1', 'ok', 'ok') // drugs, this building, no floor, the first description, no phone
  const screen = await s.waitForScreen(/May in dang loi/, 8000)
  t.match(screen, /\d{4}-\d{4}-\d{4}/, 'the reference code is on the display')
  t.equal((await s.status()).outbox.depth, 1, 'the submission is kept')
  await s.waitFor('the printer to be reported', async () => (await s.status()).devices.printer?.state !== 'ok', 8000)
  t.ok(eventsLogged(s.logLines, 'effect.failed').length >= 1, 'the failed print is an event')
  await s.press('ok')
  await s.waitForScreen(/Cam on/)

  await s.request('sim.printer', { state: 'power-on' })
  await s.waitFor('the printer to come back', async () => (await s.status()).devices.printer?.state === 'ok', 8000)
})

t.test('unplugging and replugging devices: each fault and recovery is reported and the station keeps serving', async (t) => {
  const s = await start(t, null)
  await s.waitForScreen(/Xin chao/)

  await s.request('sim.unplug', { device: 'scanner' })
  await s.waitFor('the scanner to be absent', async () => (await s.status()).devices.scanner?.state === 'absent')
  await s.request('sim.replug', { device: 'scanner' })
  await s.waitFor('the scanner to come back', async () => (await s.status()).devices.scanner?.state === 'ok', 8000)
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('back')
  await s.waitForScreen(/Xin chao/)

  await s.request('sim.unplug', { device: 'keypad' })
  await s.waitFor('the keypad to be reported', () => eventsLogged(s.logLines, 'device.fault').some((line) => line.device === 'keypad'), 8000)
  await s.request('sim.replug', { device: 'keypad' })
  await s.waitFor('the keypad to come back', async () => (await s.status()).devices.keypad?.state === 'ok', 8000)
  // The chip came back powered up but idle; the driver notices within a second and configures it again.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  await s.press('1')
  await s.waitForScreen(/Chon dich vu/)
  await s.press('back')
  await s.waitForScreen(/Xin chao/)

  await s.request('sim.unplug', { device: 'printer' })
  await s.waitFor('the printer to be absent', async () => (await s.status()).devices.printer?.state === 'absent')
  await s.request('sim.replug', { device: 'printer' })
  await s.waitFor('the printer to come back', async () => (await s.status()).devices.printer?.state === 'ok', 8000)

  t.same(await s.request('sim.i2c-noise', { device: 'display' }), { device: 'display', transactions: 8 })
  await s.press('2')
  await s.waitForScreen(/Services/, 8000)
  t.equal((await s.status()).devices.display?.state, 'ok', 'the display recovered from the noise on its own')

  const faults = eventsLogged(s.logLines, 'device.fault').map((line) => line.device)
  const recoveries = eventsLogged(s.logLines, 'device.recovered').map((line) => line.device)
  for (const device of ['scanner', 'keypad', 'printer', 'display']) {
    t.ok(faults.includes(device), `central hears that the ${device} failed`)
    t.ok(recoveries.includes(device), `central hears that the ${device} is back`)
  }
  await t.rejects(s.request('sim.i2c-noise', { device: 'printer' }), { code: 'E_CONTROL_REQUEST' })
  await t.rejects(s.request('sim.unplug', { device: 'toaster' }), { code: 'E_CONTROL_REQUEST', message: /unknown device/ })
})

t.test('an NFC card held over the simulated PN532 is read once and opens the menu without personal data', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.nfc.enabled = true
    config.flows.dir = flowsAccepting(t, ['nfc'])
  })
  await s.waitForScreen(/Xin chao/)
  t.equal((await s.status()).devices.nfc?.state, 'ok', 'the reader answered SAMConfiguration and GetFirmwareVersion')
  await s.request('sim.card', { kind: 'nfc', text: 'DE AD BE EF' })
  await s.waitForScreen(/Chon dich vu/)
  await s.waitFor('the card event', () => eventsLogged(s.logLines, 'card.accepted').length > 0)
  t.same(eventsLogged(s.logLines, 'card.accepted').map((line) => line.kind), ['nfc'], 'one read for one card')
  t.notOk(JSON.stringify(s.logLines).includes('DEADBEEF'), 'the UID is not logged')
  await t.rejects(s.request('sim.card', { kind: 'nfc', text: 'xyz' }), { code: 'E_CONTROL_REQUEST', message: /UID/ })
})

t.test('a readable card that no procedure identifies with is refused at once, with a hint to scan the ID', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.nfc.enabled = true
  })
  await s.waitForScreen(/Xin chao/)
  await s.request('sim.card', { kind: 'nfc', text: 'DE AD BE EF' })
  const notice = await s.waitForScreen(/The khong dung duoc/)
  t.match(notice, /Hay quet ma QR CCCD/)
  await s.waitFor('the refusal', () => eventsLogged(s.logLines, 'card.rejected').length > 0)
  t.same(
    eventsLogged(s.logLines, 'card.rejected').map((line) => [line.kind, line.reason]),
    [['nfc', 'no procedure accepts this card']],
    'read once, refused once',
  )
  t.equal(eventsLogged(s.logLines, 'card.accepted').length, 0)
  await s.waitForScreen(/Xin chao/, 5000)
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
})

t.test('control requests that make no sense are refused with E_CONTROL_REQUEST', async (t) => {
  const s = await start(t, null)
  await t.rejects(s.request('sim.press', { key: 'x' }), { code: 'E_CONTROL_REQUEST', message: /unknown key 'x'/ })
  await t.rejects(s.request('sim.card', { kind: 'passport', text: 'x' }), { code: 'E_CONTROL_REQUEST' })
  await t.rejects(s.request('sim.card', { kind: 'cccd' }), { code: 'E_CONTROL_REQUEST', message: /needs the QR text/ })
  await t.rejects(s.request('sim.card', { kind: 'mrz', text: ['one line'] }), { code: 'E_CONTROL_REQUEST' })
  await t.rejects(s.request('sim.printer', { state: 'on-fire' }), { code: 'E_CONTROL_REQUEST', message: /power-off/ })
  await t.rejects(s.request('no.such.command'), { code: 'E_CONTROL_REQUEST', message: /unknown command/ })
  t.equal((await s.status()).ready, true, 'the station is still serving')
})

t.test('a refused card and an unreadable read show notices and become events without personal data', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.nfc.enabled = true
  })
  await s.waitForScreen(/Xin chao/)
  await s.request('sim.card', { kind: 'cccd', text: BAD_QR })
  await s.waitForScreen(/The khong hop le/)
  await s.request('sim.card', { kind: 'raw', text: 'ff fe 0d 0a' })
  await s.waitForScreen(/Khong doc duoc the/)
  await s.waitFor('the rejected and unreadable events', () =>
    eventsLogged(s.logLines, 'card.rejected').length === 1 && eventsLogged(s.logLines, 'card.unreadable').length === 1,
  )
  const [rejected] = eventsLogged(s.logLines, 'card.rejected')
  t.match(String(rejected?.reason), /birth year mismatch/)
  t.equal(eventsLogged(s.logLines, 'card.unreadable')[0]?.device, 'scanner')
  const logs = s.logLines.map((line) => JSON.stringify(line)).join('\n')
  t.notMatch(logs, /\d{12}/, 'no ID number in the logs')
  t.notOk(logs.includes(NAME))

  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.request('sim.card', { kind: 'mrz', text: ['IDVNM2030000018079203000001<<8', '0308153M2808152VNM<<<<<<<<<<<6', 'NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<'] })
  await s.press('1')
  await s.waitForScreen(/Khan cap: goi 113/, 3000)
})

t.test('stop closes every service and removes the control socket', async (t) => {
  const s = await start(t, null)
  t.ok(existsSync(s.station.socketPath), 'the socket exists while running')
  await s.station.stop()
  t.notOk(existsSync(s.station.socketPath), 'the socket file is gone')
  await t.rejects(controlRequest(s.station.socketPath, 'status'), { code: 'E_CONTROL_REQUEST' })
  const status = s.station.status()
  t.equal(status.ready, false)
  for (const [name, health] of Object.entries(status.devices)) t.equal(health.state, 'stopped', `${name} stopped`)
  t.ok(
    s.logLines.some((line) => line.msg === 'station stopped'),
    'the station says it stopped',
  )
})

t.test('with a broker the station reports connected, delivers the submission and publishes events', async (t) => {
  const broker = await startMosquitto(t)
  const submissions = await subscribeCollect(broker.url, 'cs/v1/lobby-test/submissions')
  const events = await subscribeCollect(broker.url, 'cs/v1/lobby-test/events')
  t.teardown(() => submissions.close())
  t.teardown(() => events.close())
  // The outbox empties only on central's signed acknowledgement (docs/delivery.md).
  const { central, trustedKey } = await startSigningCentral(t, broker.url)
  const s = await start(t, broker.url, (config) => {
    config.central.trustedKeys = [trustedKey]
  })
  await s.waitFor('the link', async () => (await s.status()).link.connected)
  const status = await s.status()
  t.same(status.link, { configured: true, connected: true, broker: broker.url })
  const welcome = await s.waitForScreen(/Xin chao/)
  t.match(welcome, /Quet CCCD \/ Scan ID/, 'no offline hint while connected')

  await s.request('sim.card', { kind: 'cccd', text: BAD_QR })
  const rejected = await events.waitFor((message) => message.payload?.type === 'card.rejected')
  t.notMatch(JSON.stringify(rejected.payload), /\d{6,}/, 'the event carries no ID number or date')

  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('1', '0', '3', 'ok', 'ok', '1', 'ok', 'ok') // drugs, this building, no floor, the first description, no phone
  const message = await submissions.waitFor(() => true, 5000)
  t.equal(message.payload.flow, 'security-feedback')
  t.equal(message.payload.data.answers.topic, 'drugs')
  t.equal(message.payload.data.identity.personalId, ID_NUMBER)
  await s.waitFor('the outbox to drain', async () => (await s.status()).outbox.depth === 0)
  t.match(central.submissions(), [{ stationId: 'lobby-test', flow: 'security-feedback', copies: 1 }], 'central acknowledged it')
  await events.waitFor((event) => event.payload?.type === 'flow.completed')
})

t.test('reloading flows applies to new sessions; a session in progress finishes on the version it started with', async (t) => {
  const broker = await startMosquitto(t)
  const submissions = await subscribeCollect(broker.url, 'cs/v1/lobby-test/submissions')
  t.teardown(() => submissions.close())
  // Not testDir(t): start() takes that one for the data dir.
  const flowsDir = mkdtempSync(join(tmpdir(), 'station-flows-'))
  t.teardown(() => rmSync(flowsDir, { recursive: true, force: true }))
  writeFileSync(join(flowsDir, 'security-feedback.yaml'), readFileSync(join(FLOWS_DIR, 'security-feedback.yaml'), 'utf8'))
  // The second submission goes out once central has acknowledged the first (docs/delivery.md).
  const { trustedKey } = await startSigningCentral(t, broker.url)
  const s = await start(t, broker.url, (config) => {
    config.flows.dir = flowsDir
    config.central.trustedKeys = [trustedKey]
  })
  await s.waitFor('the link', async () => (await s.status()).link.connected)
  await s.waitForScreen(/Xin chao/)
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('1', '1', 'ok', 'ok', '1')
  await s.waitForScreen(/SDT/)

  // Operations ship the next version and a second procedure while the resident is at the phone step.
  const shipped = readFileSync(join(flowsDir, 'security-feedback.yaml'), 'utf8')
  const version = Number(/^version: (\d+)$/m.exec(shipped)?.[1])
  writeFileSync(join(flowsDir, 'security-feedback.yaml'), shipped.replace(/^version: \d+$/m, `version: ${version + 1}`))
  writeFileSync(join(flowsDir, 'submit-dossier.yaml'), readFileSync(join(FLOWS_DIR, 'submit-dossier.yaml'), 'utf8'))
  const reloaded = await s.station.reloadFlows()
  const dossierVersion = Number(/^version: (\d+)$/m.exec(readFileSync(join(FLOWS_DIR, 'submit-dossier.yaml'), 'utf8'))?.[1])
  t.same(reloaded, { flows: [{ id: 'security-feedback', version: version + 1 }, { id: 'submit-dossier', version: dossierVersion }], errors: 0 })
  t.same((await s.status()).flows.map((flow) => `${flow.id}@${flow.version}`), [`security-feedback@${version + 1}`, `submit-dossier@${dossierVersion}`])

  await s.press('ok', 'ok')
  const first = await submissions.waitFor((m) => m.payload?.flow === 'security-feedback', 8000)
  t.equal(first.payload.flowVersion, version, 'the session in progress finished on the version it began with')
  await s.waitForScreen(/Xin chao/, 8000)

  // The scanner counts the same card once within its 2 s hold time; the next resident comes later.
  await new Promise((resolve) => setTimeout(resolve, 2100))
  await s.request('sim.card', { kind: 'cccd', text: QR })
  t.match(await s.waitForScreen(/Chon dich vu/), /2 Nop ho so/, 'the new procedure is on the menu')
  await s.press('1', '2', 'ok', 'ok', '1', 'ok', 'ok') // disturbance, this building, no floor, a fight, no phone, send
  const second = await submissions.waitFor((m) => m.payload?.flow === 'security-feedback' && m.payload.flowVersion === version + 1, 8000)
  t.equal(second.payload.flowVersion, version + 1, 'the next session runs the version shipped')
})

t.test('with Vietnamese glyphs the display shows ê and Đ from CGRAM, tones dropped', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.display.glyphs = 'vietnamese'
  })
  const welcome = await s.waitForScreen(/Xin chao/)
  t.match(welcome, /1 Tiêng Viêt/, 'ê from a glyph, the tone marks dropped')
  await s.request('maintenance', { on: true })
  t.match(await s.waitForScreen(/bao tri/), /Đang bao tri/)
})

t.test('finishResidents with nobody served: the restarting screen at once', async (t) => {
  const idle = await start(t, null, (config) => {
    config.session.stopGraceS = 30
  })
  const idleResult = await idle.station.finishResidents()
  t.equal(idleResult.residentCutOff, false)
  t.ok(idleResult.waitedMs < 1000, `no wait (${idleResult.waitedMs} ms)`)
  t.equal((await idle.status()).phase, 'restarting')
  t.match((await idle.request('sim.screen')) as { rows: string[] }, { rows: [/Dang khoi dong lai/, /Station restarting/, /Vui long cho/] })
})

t.test('finishResidents with a resident who stays: bounded by stopGraceS', async (t) => {
  const busy = await start(t, null, (config) => {
    config.session.stopGraceS = 1
  })
  await busy.request('sim.card', { kind: 'cccd', text: QR })
  await busy.waitFor('the menu', async () => (await busy.status()).phase === 'menu')
  const busyResult = await busy.station.finishResidents()
  t.equal(busyResult.residentCutOff, true)
  t.ok(busyResult.waitedMs >= 1000, `waited the grace (${busyResult.waitedMs} ms)`)
  t.equal((await busy.status()).phase, 'restarting')
  t.ok(busy.logLines.some((line) => line.msg === 'stop: grace over, resident cut off'))
})

t.test('finishResidents cut short by an aborted signal does not wait', async (t) => {
  const cut = await start(t, null, (config) => {
    config.session.stopGraceS = 600
  })
  await cut.request('sim.card', { kind: 'cccd', text: QR })
  await cut.waitFor('the menu', async () => (await cut.status()).phase === 'menu')
  const controller = new AbortController()
  controller.abort()
  const cutResult = await cut.station.finishResidents(controller.signal)
  t.equal(cutResult.residentCutOff, true)
  t.ok(cutResult.waitedMs < 1000)
})
