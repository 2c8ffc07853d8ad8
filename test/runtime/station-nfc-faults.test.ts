/**
 * The fault rule for the NFC reader, at station level: NACKs, garbage frames, bus noise, silence and
 * a pulled reader end in a health state and an event for central, never a crash, and the reader
 * comes back without restarting the station. Each case runs over I2C and over HSU where both exist.
 */
import type { Test } from 'tap'
import t from 'tap'
import type { Pn532Fault, SimPn532 } from '../../drivers/nfc/sim-pn532.js'
import { QR } from '../support/sim-residents.js'
import { eventsLogged, flowsAccepting, start, type Running } from '../support/station-rig.js'

type NfcInterface = 'i2c' | 'hsu'

/** A 7-byte NTAG-style UID (not a person key; still never logged). */
const UID = '04A224E2C85A80'
/** Generous: the supervisor restarts a failed reader after a jittered, doubling delay. */
const RECOVERY_MS = 8000
/**
 * Commands lost or garbled before the reader reports a fault: the failed poll, then 4 polls that each
 * set the chip up again and fail SAMConfiguration twice (it is retried once): 1 + 4 × 2 = 9. Two more
 * fail the first restart (so the station reports the device faulty or absent), the last one is eaten
 * by the second restart's retry, which then succeeds.
 */
const COMMANDS_TO_FAIL_ONE_RESTART = 9 + 2 + 1
/**
 * Single glitches are injected this many times, this far apart. The station's health watch looks
 * every 1000 ms, and a glitch fails one poll of about 250 ms; 1150 ms is 4.6 polls, so the failed
 * polls fall in polls 0, 5, 10, 14, 19, 23, 28, 33: each of the 4 poll slots of a watch period at
 * least twice, whatever the watch's phase.
 */
const GLITCH_ROUNDS = 8
const GLITCH_SPACING_MS = 1150

async function nfcStation(t: Test, nfcInterface: NfcInterface): Promise<Running> {
  const s = await start(t, null, (config) => {
    config.hardware.nfc.enabled = true
    config.hardware.nfc.interface = nfcInterface
    // The bundled procedures take CCCD and MRZ only; these also take a bare NFC card, so a read opens the menu.
    config.flows.dir = flowsAccepting(t, ['nfc'])
  })
  await s.waitForScreen(/Xin chao/)
  await s.waitFor('the NFC reader to answer', async () => (await s.status()).devices.nfc?.state === 'ok', RECOVERY_MS)
  return s
}

function chipOf(s: Running): SimPn532 {
  const chip = s.sim.nfc
  if (!chip) throw new Error('expected a simulated PN532')
  return chip
}

/** The station's device.fault / device.recovered events about the NFC reader, oldest first. */
function nfcEvents(s: Running, type: 'device.fault' | 'device.recovered'): Array<Record<string, unknown>> {
  return eventsLogged(s.logLines, type).filter((line) => line.device === 'nfc')
}

/** The last thing central heard about the reader: 'device.fault' or 'device.recovered'. */
function lastNfcEvent(s: Running): unknown {
  const ours = s.logLines.filter(
    (line) => line.msg === 'event' && line.device === 'nfc' && (line.event === 'device.fault' || line.event === 'device.recovered'),
  )
  return ours.at(-1)?.event
}

/** Waits for central to hear of a fault that the station itself calls faulty or absent, then of the recovery. */
async function faultThenRecovery(t: Test, s: Running, what: string): Promise<void> {
  await s.waitFor(
    `${what}: the reader reported faulty or absent`,
    () => nfcEvents(s, 'device.fault').some((line) => line.state === 'faulty' || line.state === 'absent'),
    RECOVERY_MS,
  )
  await s.waitFor(
    `${what}: the reader back to ok and central told`,
    async () => (await s.status()).devices.nfc?.state === 'ok' && lastNfcEvent(s) === 'device.recovered',
    RECOVERY_MS,
  )
  t.pass(`${what}: fault reported, then recovery reported`)
}

/** A card over the reader is read once (card.accepted, kind nfc) and opens the menu; back to welcome. */
async function readsCard(t: Test, s: Running): Promise<void> {
  const nfcReads = () => eventsLogged(s.logLines, 'card.accepted').filter((line) => line.kind === 'nfc').length
  const before = nfcReads()
  t.same(await s.request('sim.card', { kind: 'nfc', text: UID }), { kind: 'nfc' })
  await s.waitForScreen(/Chon dich vu/)
  await s.waitFor('the NFC card event', () => nfcReads() > before)
  t.equal(nfcReads(), before + 1, 'the card is read once')
  await s.press('back')
  await s.waitForScreen(/Xin chao/)
}

/** The station never went down: ready, on the welcome screen, and a CCCD QR still opens the menu. */
async function stillServing(t: Test, s: Running): Promise<void> {
  const status = await s.status()
  t.equal(status.ready, true, 'the station is still ready')
  await s.waitForScreen(/Xin chao/)
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('back')
  await s.waitForScreen(/Xin chao/)
  t.notOk(JSON.stringify(s.logLines).includes(UID), 'the card UID is never logged')
}

for (const nfcInterface of ['i2c', 'hsu'] as const) {
  t.test(`${nfcInterface}: an unplugged reader is reported absent, and read cards again once plugged back`, async (t) => {
    const s = await nfcStation(t, nfcInterface)
    t.same(await s.request('sim.unplug', { device: 'nfc' }), { device: 'nfc', plugged: false })
    await s.waitFor(
      'the reader to leave ok',
      async () => ['faulty', 'absent'].includes((await s.status()).devices.nfc?.state ?? ''),
      RECOVERY_MS,
    )
    await s.waitFor('central to hear of it', () => nfcEvents(s, 'device.fault').length > 0, RECOVERY_MS)
    // Still out after the supervisor's restarts: nothing answers, so it stays reported and not ok.
    await s.waitFor(
      'a restart to find it absent',
      () => nfcEvents(s, 'device.fault').some((line) => line.state === 'absent' && line.code === 'E_DEVICE_ABSENT'),
      RECOVERY_MS,
    )
    t.not((await s.status()).devices.nfc?.state, 'ok', 'not ok while unplugged')
    t.equal(nfcEvents(s, 'device.recovered').length, 0, 'no recovery while unplugged')

    t.same(await s.request('sim.replug', { device: 'nfc' }), { device: 'nfc', plugged: true })
    await s.waitFor('the reader to come back', async () => (await s.status()).devices.nfc?.state === 'ok', RECOVERY_MS)
    await s.waitFor('central to hear it is back', () => lastNfcEvent(s) === 'device.recovered', RECOVERY_MS)
    await readsCard(t, s)
    await stillServing(t, s)
  })

  for (const fault of ['nack', 'garbage'] as const satisfies readonly Pn532Fault[]) {
    t.test(`${nfcInterface}: a run of ${fault} answers from the chip is a reported fault that heals by itself`, async (t) => {
      const s = await nfcStation(t, nfcInterface)
      chipOf(s).failNext(fault, COMMANDS_TO_FAIL_ONE_RESTART)
      await faultThenRecovery(t, s, `${fault} ×${COMMANDS_TO_FAIL_ONE_RESTART}`)
      const codes = nfcEvents(s, 'device.fault').map((line) => line.code)
      // Garbage is a protocol fault; a command that gets no answer at start means no reader there.
      const expected = fault === 'garbage' ? 'E_CODEC_INVALID' : 'E_DEVICE_ABSENT'
      t.ok(codes.includes(expected), `a fault event carries ${expected} (got ${codes.join(', ')})`)
      await readsCard(t, s)
      await stillServing(t, s)
    })

    t.test(`${nfcInterface}: a single ${fault} glitch is absorbed without a fault event`, async (t) => {
      const s = await nfcStation(t, nfcInterface)
      // One glitch at a time, GLITCH_ROUNDS times, each GLITCH_SPACING_MS after the last: the glitches
      // land at different points of the station's 1 s health watch, so a test that passes does not
      // owe it to the watch happening to look away.
      for (let round = 0; round < GLITCH_ROUNDS; round++) {
        chipOf(s).failNext(fault, 1)
        await new Promise((resolve) => setTimeout(resolve, GLITCH_SPACING_MS))
      }
      // The glitches reached the driver: it remembers the last error, and it is answering again.
      const expected = fault === 'garbage' ? 'E_CODEC_INVALID' : nfcInterface === 'i2c' ? 'E_I2C_NACK' : 'E_DEVICE_TIMEOUT'
      const nfc = (await s.status()).devices.nfc
      t.equal(nfc?.lastErrorCode, expected, `the reader saw the ${fault}`)
      t.equal(nfc?.state, 'ok', 'and is answering')
      t.equal(nfc?.detail?.consecutiveFailures, 0)
      t.same(
        nfcEvents(s, 'device.fault').map((line) => line.state),
        [],
        'central hears of no fault',
      )
      await readsCard(t, s)
      await stillServing(t, s)
    })
  }

  t.test(`${nfcInterface}: a chip that resets mid-poll leaves a command unanswered once; the reader sets it up again`, async (t) => {
    const s = await nfcStation(t, nfcInterface)
    // After a power cycle the PN532 is back in its power-up state: over HSU it sleeps and hears nothing,
    // over I2C InListPassiveTarget waits for a card forever (MxRtyPassiveActivation 0xFF). Either way the
    // command in flight gets no answer and the exchange times out.
    chipOf(s).powerCycle()
    await s.waitFor(
      'the timeout to reach the reader and the reader to answer again',
      async () => {
        const nfc = (await s.status()).devices.nfc
        return nfc?.state === 'ok' && nfc.lastErrorCode === 'E_DEVICE_TIMEOUT' && nfc.detail?.consecutiveFailures === 0
      },
      RECOVERY_MS,
    )
    t.equal(chipOf(s).lowVbat, false, 'the reader sent SAMConfiguration again')
    t.not(chipOf(s).passiveActivationRetries, 0xff, 'and set MxRtyPassiveActivation again, so polls do not block')
    // One failed poll may or may not be seen by the 1 s health watch; if it was, the recovery follows it.
    await s.waitFor('central not to be left believing the reader is broken', () => lastNfcEvent(s) !== 'device.fault', 3000)
    await readsCard(t, s)
    await stillServing(t, s)
  })
}

t.test('hsu: a reader that goes silent (every frame lost, no ACK) times out into a fault and comes back', async (t) => {
  const s = await nfcStation(t, 'hsu')
  // Over HSU a lost frame is silence: no ACK, so every exchange times out. Long enough to fail two restarts.
  chipOf(s).failNext('nack', COMMANDS_TO_FAIL_ONE_RESTART + 2)
  await s.waitFor(
    'the ACK timeouts to reach the reader',
    async () => (await s.status()).devices.nfc?.lastErrorCode === 'E_DEVICE_TIMEOUT',
    RECOVERY_MS,
  )
  await faultThenRecovery(t, s, 'silence')
  t.ok(
    nfcEvents(s, 'device.fault').some((line) => /no PN532 answers/.test(String(line.reason))),
    'central hears that no PN532 answers',
  )
  await readsCard(t, s)
  await stillServing(t, s)
})

t.test('i2c: noise on the bus at the reader address is a reported fault that heals by itself', async (t) => {
  const s = await nfcStation(t, 'i2c')
  // A command write that fails never reached the chip, so nothing is aborted: one transaction per
  // failed exchange, counted as in COMMANDS_TO_FAIL_ONE_RESTART.
  const transactions = COMMANDS_TO_FAIL_ONE_RESTART
  t.same(await s.request('sim.i2c-noise', { device: 'nfc', transactions }), { device: 'nfc', transactions })
  await faultThenRecovery(t, s, 'bus noise')
  t.ok(
    nfcEvents(s, 'device.fault').some((line) => line.code === 'E_I2C_IO'),
    'a fault event names the bus error',
  )
  await readsCard(t, s)
  await stillServing(t, s)
})

t.test('hsu: bus noise for the reader is refused with E_CONTROL_REQUEST, as it is not on the bus', async (t) => {
  const hsu = await nfcStation(t, 'hsu')
  await t.rejects(hsu.request('sim.i2c-noise', { device: 'nfc' }), { code: 'E_CONTROL_REQUEST', message: /not on the I2C bus/ })
  t.equal((await hsu.status()).devices.nfc?.state, 'ok', 'the HSU reader is untouched')
  await stillServing(t, hsu)
})

t.test('without an NFC reader, unplugging or disturbing it is refused with E_CONTROL_REQUEST', async (t) => {
  const without = await start(t, null)
  await without.waitForScreen(/Xin chao/)
  await t.rejects(without.request('sim.unplug', { device: 'nfc' }), { code: 'E_CONTROL_REQUEST', message: /no NFC reader/ })
  await t.rejects(without.request('sim.i2c-noise', { device: 'nfc' }), { code: 'E_CONTROL_REQUEST' })
  await stillServing(t, without)
})
