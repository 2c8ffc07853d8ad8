/**
 * The GPIO devices of a whole station (Wiegand reader, tamper switch and maintenance, status LEDs,
 * buzzer) and the keypad's IRQ line, on simulated chips under the real drivers. Each test enables only
 * the devices it needs.
 */
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { KeyName } from '../../config/schema.js'
import { tickDiffUs } from '../../drivers/gpio/gpio-tick.js'
import type { SimGpioChange } from '../../drivers/gpio/sim-gpio.js'
import { encodeWiegand26 } from '../../drivers/wiegand/wiegand-codec.js'
import type { SimRig } from '../../runtime/hardware/sim-rig.js'
import { BAD_QR, QR } from '../support/sim-residents.js'
import { eventsLogged, flowsAccepting, start, type Running } from '../support/station-rig.js'
import { testDir } from '../support/test-dir.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function sim(s: Running): SimRig {
  const rig = s.sim
  if (!rig) throw new Error('the station under test is not simulated')
  return rig
}

async function screenOf(s: Running): Promise<string> {
  return ((await s.request('sim.screen')) as { rows: string[] }).rows.join('\n')
}

/** Milliseconds between two recorded level changes. */
function msBetween(earlier: SimGpioChange, later: SimGpioChange): number {
  return tickDiffUs(later.tickUs, earlier.tickUs) / 1000
}

/** Changes recorded on `line` while `ms` pass. */
async function changesDuring(s: Running, line: number, ms: number): Promise<SimGpioChange[]> {
  const from = sim(s).gpio.history(line).length
  await sleep(ms)
  return sim(s).gpio.history(line).slice(from)
}

// facility 0xAB, card 0xCDEF: the station would see the card as hex 'ABCDEF' (card number 52719).
const CARD_HEX = 'ABCDEF'
const CARD_FRAME = encodeWiegand26(0xab, 0xcdef)
/** The same frame with its trailing (odd) parity bit flipped. */
const PARITY_ERROR_FRAME = CARD_FRAME.slice(0, -1) + (CARD_FRAME.endsWith('1') ? '0' : '1')

t.test('a Wiegand card identifies the resident where procedures accept it, once, and is not logged', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.wiegand.enabled = true
    config.flows.dir = flowsAccepting(t, ['wiegand'])
  })
  await s.waitForScreen(/Xin chao/)
  t.equal((await s.status()).devices.wiegand?.state, 'ok', 'the reader is up')

  t.same(await s.request('sim.card', { kind: 'wiegand', text: CARD_FRAME }), { kind: 'wiegand' })
  await s.waitForScreen(/Chon dich vu/)
  await s.waitFor('the card event', () => eventsLogged(s.logLines, 'card.accepted').length > 0)
  t.same(eventsLogged(s.logLines, 'card.accepted').map((line) => line.kind), ['wiegand'])

  // Still within holdMs (2 s): the reader counts the card once.
  await s.request('sim.card', { kind: 'wiegand', text: CARD_FRAME })
  await sleep(200)
  t.equal(eventsLogged(s.logLines, 'card.accepted').length, 1, 'the same card twice within holdMs counts once')

  // The card identifies the resident: the procedure starts past its scan step.
  await s.press('1')
  await s.waitForScreen(/Khan cap: goi 113/)
  t.same((await s.status()).step, { flow: 'security-feedback', step: 'topic' })

  const logs = JSON.stringify(s.logLines)
  t.notOk(logs.toUpperCase().includes(CARD_HEX), 'the card number (hex) is not logged')
  t.notOk(logs.includes('52719'), 'the card number (decimal) is not logged')
  t.notOk(logs.includes(CARD_FRAME), 'the frame bits are not logged')
})

t.test('a Wiegand frame with a parity error or 25 bits is an unreadable card, never a crash', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.wiegand.enabled = true
  })
  await s.waitForScreen(/Xin chao/)

  await s.request('sim.card', { kind: 'wiegand', text: PARITY_ERROR_FRAME })
  await s.waitForScreen(/Khong doc duoc the/)
  await s.waitFor('the first unreadable event', () => eventsLogged(s.logLines, 'card.unreadable').length === 1)
  // Let the notice lapse so the second one is seen to come back.
  await s.waitForScreen(/Xin chao/, 5000)

  await s.request('sim.card', { kind: 'wiegand', text: CARD_FRAME.slice(0, 25) })
  await s.waitForScreen(/Khong doc duoc the/)
  await s.waitFor('the second unreadable event', () => eventsLogged(s.logLines, 'card.unreadable').length === 2)

  const unreadable = eventsLogged(s.logLines, 'card.unreadable')
  t.same(unreadable.map((line) => line.device), ['wiegand', 'wiegand'])
  t.match(String(unreadable[0]?.reason), /parity failed/)
  t.match(String(unreadable[1]?.reason), /25-bit/)
  t.equal(eventsLogged(s.logLines, 'card.accepted').length, 0, 'neither frame counts as a card')
  const status = await s.status()
  t.equal(status.ready, true, 'the station still serves')
  t.equal(status.devices.wiegand?.state, 'ok', 'garbage on the wire is not a device fault')

  // The reader still reads a good card afterwards; the bundled procedures take the CCCD only, so it is refused as such.
  await s.request('sim.card', { kind: 'wiegand', text: CARD_FRAME })
  await s.waitForScreen(/The khong dung duoc/)
  t.same(eventsLogged(s.logLines, 'card.rejected').map((line) => [line.kind, line.reason]), [['wiegand', 'no procedure accepts this card']])
})

t.test('opening the enclosure wipes the session and holds the station in maintenance until closed and released', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.tamper.enabled = true
  })
  const { line, debounceMs } = s.config.hardware.tamper
  await s.waitForScreen(/Xin chao/)
  const before = await s.status()
  t.equal(before.devices.tamper?.state, 'ok')
  t.same(before.maintenance, { on: false, reason: null, enclosureOpen: false })

  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('1')
  await s.waitForScreen(/Khan cap: goi 113/)
  t.same((await s.status()).step, { flow: 'security-feedback', step: 'topic' }, 'a resident is mid-procedure')

  const openedAt = Date.now()
  t.same(await s.request('sim.tamper', { state: 'open' }), { state: 'open' })
  await s.waitForScreen(/Dang bao tri/, debounceMs + 500)
  t.ok(Date.now() - openedAt < debounceMs + 500, 'the maintenance screen follows within the debounce and a little')
  t.match(await screenOf(s), /Xin loi vi bat tien/)
  const during = await s.status()
  t.equal(during.phase, 'maintenance')
  t.same(during.maintenance, { on: true, reason: 'tamper', enclosureOpen: true })
  t.equal(during.step, null, 'the session is gone')
  t.equal(eventsLogged(s.logLines, 'tamper.opened').length, 1)
  // The screen changes at once; the event follows once the mode is on disk (fsync).
  await s.waitFor('the maintenance event', () => eventsLogged(s.logLines, 'maintenance.entered').length > 0)
  t.same(eventsLogged(s.logLines, 'maintenance.entered').map((line) => line.reason), ['tamper'])

  // Keys and cards reach nobody while in maintenance.
  await s.press('1')
  await s.request('sim.card', { kind: 'cccd', text: BAD_QR })
  await sleep(300)
  t.match(await screenOf(s), /Dang bao tri/, 'the maintenance screen stays')
  t.equal((await s.status()).step, null)
  t.equal(eventsLogged(s.logLines, 'card.rejected').length, 0, 'the card was not looked at')
  t.equal(eventsLogged(s.logLines, 'key.ignored').length, 0, 'the key was not looked at')
  t.equal(eventsLogged(s.logLines, 'card.accepted').length, 1, 'only the card before the opening counted')

  await t.rejects(s.request('maintenance', { on: false }), { code: 'E_CONTROL_REQUEST', message: /enclosure is open/ })
  t.equal((await s.status()).maintenance.on, true, 'still in maintenance after the refusal')

  await s.request('sim.tamper', { state: 'closed' })
  await s.waitFor('the closing', () => eventsLogged(s.logLines, 'tamper.closed').length === 1, 2000)
  const closed = await s.status()
  t.same(closed.maintenance, { on: true, reason: 'tamper', enclosureOpen: false }, 'closing only reports')
  t.equal(closed.phase, 'maintenance')
  t.match(await screenOf(s), /Dang bao tri/)

  t.same(await s.request('maintenance', { on: false }), { on: false, reason: null })
  await s.waitForScreen(/Xin chao/)
  const after = await s.status()
  t.equal(after.phase, 'welcome')
  t.same(after.maintenance, { on: false, reason: null, enclosureOpen: false })
  t.same(eventsLogged(s.logLines, 'maintenance.left').map((line) => line.reason), ['technician'])

  // A contact bounce shorter than debounceMs is no event at all.
  const gpio = sim(s).gpio
  const tamperEvents = () => s.logLines.filter((l) => l.msg === 'event' && String(l.event).startsWith('tamper.')).length
  const settled = tamperEvents()
  gpio.drive(line, 1)
  gpio.drive(line, 0)
  await sleep(debounceMs * 4)
  t.equal(tamperEvents(), settled, 'a bounce is not an opening')
  t.equal((await s.status()).maintenance.on, false)

  // A bouncing contact that ends open is one opening.
  gpio.drive(line, 1)
  gpio.drive(line, 0)
  gpio.drive(line, 1)
  await s.waitForScreen(/Dang bao tri/, debounceMs + 500)
  await sleep(debounceMs * 2)
  t.equal(eventsLogged(s.logLines, 'tamper.opened').length, 2, 'the bouncing opening counted once')
})

t.test('maintenance survives a restart on the same data dir', async (t) => {
  const dataDir = join(testDir(t), 'data')
  const first = await start(t, null, undefined, { dataDir })
  await first.waitForScreen(/Xin chao/)
  t.same(await first.request('maintenance', { on: true }), { on: true, reason: 'technician' })
  await first.waitForScreen(/Dang bao tri/)
  t.same(eventsLogged(first.logLines, 'maintenance.entered').map((line) => line.reason), ['technician'])
  await first.station.stop()

  const second = await start(t, null, undefined, { dataDir })
  await second.waitForScreen(/Dang bao tri/)
  const status = await second.status()
  t.equal(status.phase, 'maintenance')
  t.same(status.maintenance, { on: true, reason: 'technician', enclosureOpen: false })
  t.equal(status.bootCount, 2, 'it is the same station, started again')

  t.same(await second.request('maintenance', { on: false }), { on: false, reason: null })
  await second.waitForScreen(/Xin chao/)
})

t.test('a tamper line that cannot be read is a device fault, and it recovers without a restart', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.tamper.enabled = true
  })
  const { line } = s.config.hardware.tamper
  const gpio = sim(s).gpio
  await s.waitForScreen(/Xin chao/)
  t.equal((await s.status()).devices.tamper?.state, 'ok')

  gpio.fail(line)
  // An edge makes the switch read the line after its debounce; the read fails. Left closed afterwards.
  gpio.drive(line, 1)
  gpio.drive(line, 0)
  await s.waitFor('the tamper switch to leave ok', async () => (await s.status()).devices.tamper?.state !== 'ok', 3000)
  await s.waitFor('central to hear of it', () => eventsLogged(s.logLines, 'device.fault').some((l) => l.device === 'tamper'), 3000)
  const fault = eventsLogged(s.logLines, 'device.fault').find((l) => l.device === 'tamper')
  t.match(String(fault?.reason), /GPIO16 is not accessible/)
  t.equal((await s.status()).maintenance.on, false, 'a lost line is not reported as an opening')

  gpio.fail(line, false)
  await s.waitFor('the tamper switch to come back', async () => (await s.status()).devices.tamper?.state === 'ok', 10_000)
  await s.waitFor('the recovery event', () => eventsLogged(s.logLines, 'device.recovered').some((l) => l.device === 'tamper'), 3000)
  t.equal(s.logLines.filter((l) => l.msg === 'station ready').length, 1, 'the station itself was not restarted')

  // The reopened switch works.
  await s.request('sim.tamper', { state: 'open' })
  await s.waitForScreen(/Dang bao tri/, 2000)
  t.equal(eventsLogged(s.logLines, 'tamper.opened').length, 1)
})

t.test('an LED or buzzer line that fails is a device fault; the reopened device shows the right state again', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.leds.enabled = true
    config.hardware.buzzer.enabled = true
  })
  const { greenLine, redLine } = s.config.hardware.leds
  const buzzerLine = s.config.hardware.buzzer.line
  const gpio = sim(s).gpio
  await s.waitForScreen(/Xin chao/)
  t.equal(gpio.level(greenLine), 1, 'ready: green')

  // The green line is lost while a session makes it blink.
  gpio.fail(greenLine)
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitFor('the LEDs to be reported', () => eventsLogged(s.logLines, 'device.fault').some((l) => l.device === 'leds'), 5000)
  // The buzzer beeps for the accepted card on a line that is gone.
  gpio.fail(buzzerLine)
  await s.press('back')
  await s.waitFor('the buzzer to be reported', () => eventsLogged(s.logLines, 'device.fault').some((l) => l.device === 'buzzer'), 5000)

  gpio.fail(greenLine, false)
  gpio.fail(buzzerLine, false)
  await s.waitFor(
    'both to recover',
    () => ['leds', 'buzzer'].every((device) => eventsLogged(s.logLines, 'device.recovered').some((l) => l.device === device)),
    15_000,
  )
  await s.waitForScreen(/Xin chao/)
  await s.waitFor('steady green again', () => gpio.level(greenLine) === 1 && gpio.level(redLine) === 0, 3000)
  t.equal(gpio.level(buzzerLine), 0, 'the buzzer is silent')
  t.equal(s.logLines.filter((l) => l.msg === 'station ready').length, 1, 'the station itself was not restarted')
})

t.test('status LEDs: steady green when ready, blinking green while serving, blinking red in maintenance', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.leds.enabled = true
  })
  const { greenLine, redLine } = s.config.hardware.leds
  const gpio = sim(s).gpio
  await s.waitForScreen(/Xin chao/)
  await s.waitFor('the LEDs', async () => (await s.status()).devices.leds?.state === 'ok')
  t.equal(gpio.level(greenLine), 1, 'green on at the welcome screen')
  t.equal(gpio.level(redLine), 0, 'red off at the welcome screen')
  t.same(await changesDuring(s, greenLine, 1200), [], 'green is steady while idle')

  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('1')
  await s.waitForScreen(/Khan cap: goi 113/)
  // The LEDs follow the kiosk's phase as it changes; give the blink time to start.
  await s.waitFor('green to start blinking', () => gpio.history(greenLine).at(-1)?.level === 0, 2000)
  const busy = await changesDuring(s, greenLine, 1500)
  t.ok(busy.length >= 4 && busy.length <= 8, `green blinks at 2 Hz while serving (${busy.length} changes in 1.5 s)`)
  t.equal(gpio.level(redLine), 0, 'red stays off while serving')

  await s.request('maintenance', { on: true })
  await s.waitForScreen(/Dang bao tri/)
  await s.waitFor('red to start blinking', () => gpio.history(redLine).length >= 2, 2500)
  const greenFrom = gpio.history(greenLine).length
  const fault = await changesDuring(s, redLine, 2000)
  t.ok(fault.length >= 2 && fault.length <= 6, `red blinks at 1 Hz in maintenance (${fault.length} changes in 2 s)`)
  t.equal(gpio.level(greenLine), 0, 'green is off in maintenance')
  t.same(gpio.history(greenLine).slice(greenFrom), [], 'green stays off')

  await s.request('maintenance', { on: false })
  await s.waitForScreen(/Xin chao/)
  await s.waitFor('steady green again', () => gpio.level(greenLine) === 1 && gpio.level(redLine) === 0, 2500)
})

t.test('an active buzzer (onoff): a short click per key, a long tone for a refused card', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.buzzer.enabled = true
    config.hardware.buzzer.backend = 'onoff'
    config.hardware.buzzer.keyClick = true
  })
  const { line } = s.config.hardware.buzzer
  const gpio = sim(s).gpio
  await s.waitForScreen(/Xin chao/)
  await s.waitFor('the buzzer', async () => (await s.status()).devices.buzzer?.state === 'ok')
  t.equal(gpio.level(line), 0, 'silent at start')

  const beforeKey = gpio.history(line).length
  await s.press('1')
  await s.waitForScreen(/Chon dich vu/)
  await s.waitFor('the click to end', () => gpio.history(line).length >= beforeKey + 2, 1000)
  const click = gpio.history(line).slice(beforeKey)
  t.same(click.map((change) => [change.by, change.level]), [['write', 1], ['write', 0]], 'one click: on, then off')
  const clickMs = msBetween(click[0]!, click[1]!)
  t.ok(clickMs >= 25 && clickMs < 200, `the click is short (${clickMs} ms)`)

  const beforeCard = gpio.history(line).length
  await s.request('sim.card', { kind: 'cccd', text: BAD_QR })
  await s.waitForScreen(/The khong hop le/)
  await s.waitFor('the tone to end', () => gpio.history(line).length >= beforeCard + 2, 2000)
  const tone = gpio.history(line).slice(beforeCard)
  t.same(tone.map((change) => [change.by, change.level]), [['write', 1], ['write', 0]], 'one tone')
  const toneMs = msBetween(tone[0]!, tone[1]!)
  t.ok(toneMs >= 450 && toneMs < 900, `the refusal tone is long (${toneMs} ms)`)
  t.equal(gpio.level(line), 0, 'silent afterwards')
})

t.test('a passive piezo (pigpio): each beep is a PWM burst at the configured frequency', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.buzzer.enabled = true
    config.hardware.buzzer.backend = 'pigpio'
    config.hardware.buzzer.keyClick = true
  })
  const { line, frequencyHz } = s.config.hardware.buzzer
  const gpio = sim(s).gpio
  await s.waitForScreen(/Xin chao/)
  await s.waitFor('the buzzer', async () => (await s.status()).devices.buzzer?.state === 'ok')

  await s.press('1')
  await s.waitForScreen(/Chon dich vu/)
  await s.waitFor('the burst to end', () => gpio.pwmHistory(line).length >= 2, 1000)
  t.same(
    gpio.pwmHistory(line).map((change) => [change.dutyCycle, change.frequencyHz]),
    [
      [0.5, frequencyHz],
      [0, frequencyHz],
    ],
    'a square wave, then silence',
  )
  t.notOk(
    gpio.history(line).some((change) => change.level === 1),
    'the line is never simply switched high',
  )
})

t.test('an FT6x36 touch panel runs a whole procedure to its receipt', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.keypad.kind = 'ft6x36'
    config.hardware.keypad.address = 0x38
  })
  await s.waitForScreen(/Xin chao/)
  t.equal((await s.status()).devices.keypad?.state, 'ok', 'the panel answered with a known chip ID')
  t.ok(sim(s).touchPanel, 'the touch panel is the simulated keypad')

  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('1')
  await s.waitForScreen(/Khan cap: goi 113/)
  await s.press('1', 'ok', 'ok', '1') // theft, this building, no floor, vehicle stolen
  await s.waitForScreen(/SDT/)
  await s.press('0', '9', '1', '2', '3', '4', '5', '6', '7', '8', 'ok')
  await s.waitForScreen(/OK de gui/)
  await s.press('ok')
  const done = await s.waitForScreen(/Cam on/)
  const code = /\d{4}-\d{4}-\d{4}/.exec(done)?.[0]
  t.ok(code, 'the reference code is on the display')

  const receipt = (await s.request('sim.receipt')) as { lines: string[] | null; count: number }
  t.equal(receipt.count, 1)
  const paper = (receipt.lines ?? []).join('\n')
  t.match(paper, /PHAN ANH AN NINH TRAT TU/)
  t.match(paper, /079\*+01/)
  t.ok(code && paper.includes(code), 'the receipt carries the same code')
  t.equal(eventsLogged(s.logLines, 'flow.completed').length, 1)
})

/**
 * Taps keys straight on the simulated chip (sim.press would hold each for 3 polls) and requires each
 * to change the screen within `withinMs`: far sooner than the safety-net poll could explain.
 */
async function tapEach(t: Test, s: Running, taps: Array<[KeyName, RegExp]>, withinMs: number): Promise<void> {
  for (const [key, expected] of taps) {
    const startedAt = Date.now()
    sim(s).keyDown(key)
    let seen = true
    try {
      await s.waitForScreen(expected, withinMs)
    } catch {
      seen = false
    }
    const elapsed = Date.now() - startedAt
    // A finger rests on the key briefly, as a resident's does, then lifts; the next tap follows soon after.
    await sleep(40)
    sim(s).keyUp(key)
    await sleep(60)
    t.ok(seen, `key ${key} changed the screen to ${expected} within ${withinMs} ms (${seen ? `${elapsed} ms` : `not seen; screen: ${JSON.stringify(await screenOf(s))}`})`)
    if (!seen) return
  }
}

/**
 * Welcome -> the menu in English -> its next two pages (the same key twice) -> the seventh procedure, on the page shown.
 * Every tap changes the screen, so a lost tap shows.
 */
const TAPS: Array<[KeyName, RegExp]> = [
  ['2', /Services +0: more\n1 /],
  ['0', /Services +0: more\n4 /],
  ['0', /Services +0: more\n7 /],
  ['7', /Place your ID card/],
]

// Ten seconds between safety polls: within the test no poll happens after start, so only the IRQ can
// explain a key.
const SLOW_POLL_MS = 10_000

t.test('an FT6x36 with its INT line wired: each tap is read on the falling edge, not at the next poll', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.keypad.kind = 'ft6x36'
    config.hardware.keypad.address = 0x38
    config.hardware.keypad.irqLine = 25
    config.hardware.keypad.irqSafetyPollMs = SLOW_POLL_MS
  })
  await s.waitForScreen(/Xin chao/)
  t.equal(sim(s).gpio.watcherCount(25), 1, 'the keypad watches its INT line')
  t.equal(sim(s).gpio.level(25), 1, 'INT idles high with no finger on the glass')
  await tapEach(t, s, TAPS, 300)
})

t.test('an MPR121 with its IRQ line wired: each tap is read on the falling edge, not at the next poll', async (t) => {
  const s = await start(t, null, (config) => {
    config.hardware.keypad.irqLine = 25
    config.hardware.keypad.irqSafetyPollMs = SLOW_POLL_MS
  })
  await s.waitForScreen(/Xin chao/)
  t.equal(sim(s).gpio.watcherCount(25), 1, 'the keypad watches its IRQ line')
  await tapEach(t, s, TAPS, 300)
})

t.test('sim commands for a Wiegand reader or a tamper switch the station does not have are refused clearly', async (t) => {
  const s = await start(t, null)
  await t.rejects(s.request('sim.card', { kind: 'wiegand', text: CARD_FRAME }), {
    code: 'E_CONTROL_REQUEST',
    message: /no Wiegand reader is configured \(hardware\.wiegand\.enabled\)/,
  })
  await t.rejects(s.request('sim.tamper', { state: 'open' }), {
    code: 'E_CONTROL_REQUEST',
    message: /no tamper switch is configured \(hardware\.tamper\.enabled\)/,
  })
  await t.rejects(s.request('sim.card', { kind: 'wiegand', text: '01x1' }), { code: 'E_CONTROL_REQUEST', message: /1 to 64 bits/ })
  await t.rejects(s.request('sim.tamper', { state: 'ajar' }), { code: 'E_CONTROL_REQUEST', message: /use open or closed/ })
  await t.rejects(s.request('maintenance', { on: 'yes' }), { code: 'E_CONTROL_REQUEST', message: /on: true or false/ })
  const status = await s.status()
  t.equal(status.ready, true, 'the station still serves')
  t.equal(status.devices.wiegand, undefined, 'no Wiegand device was made up')
  t.equal(status.devices.tamper, undefined, 'no tamper device was made up')
})
