/**
 * The kiosk machine's part in reading a CCCD chip (docs/emrtd.md, "In the station"), as pure
 * transitions: a chip at a step that accepts it without a key asks for the CAN; digits, back and OK on
 * that screen; the read effect carries the keys; a late result of an old read is ignored; a chip whose
 * number is not the scanned QR's is refused; the chip's identity passes the step.
 */
import t from 'tap'
import { loadFlowsDir } from '../../../flows/engine/flow-folder.js'
import type { Identity } from '../../../flows/engine/identity.js'
import { initialKioskState, kioskTransition, type KioskEffect, type KioskEvent, type KioskSettings, type KioskState } from '../../../runtime/kiosk/kiosk-machine.js'

const { flows } = await loadFlowsDir('flows')
const BUNDLED = [...flows.values()].find((flow) => flow.id === 'referral-mobile-id')
if (!BUNDLED) throw new Error('referral-mobile-id did not load')
const identifyStep = BUNDLED.steps.get('identify')
if (identifyStep?.kind !== 'scan_id') throw new Error('referral-mobile-id starts with no scan_id step')
/** The mobile subscriber identification requiring the chip, as a site whose stations all have NFC sets it (docs/flows.md). */
const MOBILE = [{ ...BUNDLED, steps: new Map([...BUNDLED.steps, ['identify', { ...identifyStep, accept: ['chip' as const] }]]) }]
const SETTINGS: KioskSettings = { idleTimeoutMs: 60_000, endScreenMs: 8000, defaultLanguage: 'vi', site: null, agency: null }
const CHIP_IDENTITY: Identity = { source: 'chip', personalId: '079203000001', name: 'Nguyễn Văn An', birthDate: '2003-08-15', sex: 'male' }

function run(state: KioskState, ...events: KioskEvent[]): { state: KioskState; effects: KioskEffect[] } {
  let s = state
  const effects: KioskEffect[] = []
  for (const event of events) {
    const next = kioskTransition(s, event, { nowMs: Date.UTC(2026, 0, 20, 7, 5), flows: () => MOBILE, online: () => true })
    s = next.state
    effects.push(...next.effects)
  }
  return { state: s, effects }
}

const rows = (effects: KioskEffect[]) => effects.filter((effect) => effect.kind === 'rows').at(-1)?.rows.join('\n') ?? ''
const chip: KioskEvent = { kind: 'card', card: { kind: 'chip', text: '' } }
const key = (k: string): KioskEvent => ({ kind: 'key', key: k as never })

/** English, the procedure chosen, waiting at its scan_id step with no card read. */
function atIdentify(): KioskState {
  const started = run(initialKioskState({ settings: SETTINGS, stationId: 'lobby-test', cols: 20, rows: 4 }), { kind: 'start' }, key('2'), key('1'))
  if (started.state.session?.state.stepId !== 'identify') throw new Error('not at identify')
  return started.state
}

t.test('without a card read before, the chip asks for the CAN; digits, back and OK work on that screen', async (t) => {
  let step = run(atIdentify(), chip)
  t.equal(step.state.chip.mode, 'can')
  t.match(rows(step.effects), /Card access number/)
  t.ok(step.effects.some((effect) => effect.kind === 'event' && effect.type === 'card.can_asked'))
  step = run(step.state, key('1'), key('2'))
  t.match(rows(step.effects), /12/)
  step = run(step.state, key('back'))
  t.equal(step.state.chip.typed, '1', 'back takes one digit off')
  step = run(step.state, key('ok'))
  t.equal(step.state.chip.mode, 'can', 'OK with fewer than 6 digits reads nothing')
  t.match(rows(step.effects), /Type all 6 digits/)
  step = run(step.state, key('back'), key('back'))
  t.equal(step.state.chip.mode, 'idle', 'back on an empty CAN leaves the CAN screen')
  t.match(rows(step.effects), /Place your ID card/, "the step's own screen is back")
  t.equal(step.state.session?.state.stepId, 'identify')
})

t.test('OK reads the chip with the typed CAN; a late result of an old read is ignored; a good one passes the step', async (t) => {
  let step = run(atIdentify(), chip, ...'000001'.split('').map(key), key('ok'))
  const read = step.effects.find((effect) => effect.kind === 'readChip')
  t.match(read, { kind: 'readChip', access: { can: '000001' } })
  t.equal(step.state.chip.mode, 'reading')
  t.match(rows(step.effects), /Reading the chip/)
  const attempt = read?.kind === 'readChip' ? read.attempt : -1
  step = run(step.state, { kind: 'chipRead', attempt: attempt - 1, result: { ok: true, identity: CHIP_IDENTITY } })
  t.equal(step.state.chip.mode, 'reading', 'an old read changes nothing')
  step = run(step.state, key('5'))
  t.equal(step.state.chip.typed, '000001', 'keys wait while the chip is read')
  step = run(step.state, { kind: 'chipRead', attempt, result: { ok: true, identity: CHIP_IDENTITY } })
  t.equal(step.state.session?.state.stepId, 'carrier')
  t.equal(step.state.session?.state.identity?.source, 'chip')
})

t.test('with a QR read first the CAN comes from it; a chip of another number is refused as a mismatch', async (t) => {
  const qr: KioskEvent = { kind: 'card', card: { kind: 'cccd', text: '079203000001|025000001|Nguyễn Văn An|15082003|Nam|12 Lê Lợi, Quận 1|20042021' } }
  let step = run(atIdentify(), qr, chip)
  const read = step.effects.find((effect) => effect.kind === 'readChip')
  t.match(read, { access: { can: '000001' } }, 'no CAN screen: the QR gave it')
  const attempt = read?.kind === 'readChip' ? read.attempt : -1
  step = run(step.state, { kind: 'chipRead', attempt, result: { ok: true, identity: { ...CHIP_IDENTITY, personalId: '079203000002' } } })
  t.match(
    step.effects.find((effect) => effect.kind === 'event' && effect.type === 'card.rejected'),
    { fields: { kind: 'chip', reason: 'identity_mismatch' } },
  )
  t.match(rows(step.effects), /Card mismatch/)
  t.equal(step.state.session?.state.stepId, 'identify')
  t.notOk(JSON.stringify(step.effects).includes('079203000002'), 'the chip number is in no effect')
})

t.test("typing the CAN starts the scan_id step's countdown again: a resident at work is not timed out", async (t) => {
  const step = run(atIdentify(), chip, key('1'))
  t.equal(step.state.chip.mode, 'can')
  const timeoutMs = (identifyStep?.kind === 'scan_id' ? identifyStep.timeoutS : 0) * 1000
  const rearmed = step.effects.filter((effect) => effect.kind === 'startTimer' && effect.ms === timeoutMs && /^s\d+:/.test(effect.timer))
  t.equal(rearmed.length, 1, `the step's ${timeoutMs} ms countdown was armed again by the key`)
})
