import { join } from 'node:path'
import t from 'tap'
import { MaintenanceMode } from '../../runtime/maintenance.js'
import { openStationState, type StationState, type StationStateData } from '../../runtime/state/station-state.js'
import { testDir } from '../support/test-dir.js'

const defaults: StationStateData = { bootCount: 0, receiptSeq: 0, maintenance: false }

interface Rig {
  file: string
  state: StationState
  mode: MaintenanceMode
  applied: boolean[]
  events: Array<[string, Record<string, string | number | boolean>]>
}

/** A MaintenanceMode on a real state file, recording what it applies and tells central. */
async function rig(file: string): Promise<Rig> {
  const state = await openStationState(file, defaults)
  const applied: boolean[] = []
  const events: Rig['events'] = []
  const mode = new MaintenanceMode({
    state,
    apply: (on) => void applied.push(on),
    event: (type, fields) => void events.push([type, fields]),
  })
  return { file, state, mode, applied, events }
}

/** What a restarted station would read back from disk. */
async function onDisk(file: string): Promise<Readonly<StationStateData>> {
  return (await openStationState(file, defaults)).get()
}

t.test('set(true) and set(false) apply, persist before resolving and tell central once each', async (t) => {
  const r = await rig(join(testDir(t), 'state.json'))
  t.equal(r.mode.on, false)
  t.equal(r.mode.reason, null)

  await r.mode.set(true, 'technician')
  t.equal(r.mode.on, true)
  t.equal(r.mode.reason, 'technician')
  t.same(r.applied, [true])
  t.match(await onDisk(r.file), { maintenance: true, maintenanceReason: 'technician' }, 'on is on disk')
  t.same(r.events, [['maintenance.entered', { reason: 'technician' }]])

  await r.mode.set(false, 'technician')
  t.equal(r.mode.on, false)
  t.equal(r.mode.reason, null)
  t.same(r.applied, [true, false])
  const saved = await onDisk(r.file)
  t.equal(saved.maintenance, false, 'off is on disk')
  t.equal(saved.maintenanceReason, undefined, 'no stale reason is kept')
  t.same(r.events, [
    ['maintenance.entered', { reason: 'technician' }],
    ['maintenance.left', { reason: 'technician' }],
  ])
})

t.test('repeating a set changes nothing and tells central nothing again', async (t) => {
  const r = await rig(join(testDir(t), 'state.json'))
  await r.mode.set(false, 'central')
  t.same(r.applied, [], 'turning off what is off does nothing')
  t.same(r.events, [])
  await r.mode.set(true, 'central')
  await r.mode.set(true, 'central')
  t.same(r.applied, [true])
  t.same(r.events.map(([type]) => type), ['maintenance.entered'])
  await r.mode.set(false, 'central')
  await r.mode.set(false, 'central')
  t.same(r.applied, [true, false])
  t.same(r.events.map(([type]) => type), ['maintenance.entered', 'maintenance.left'])
})

t.test('restore() re-applies a persisted maintenance with its reason; a fresh state restores nothing', async (t) => {
  const file = join(testDir(t), 'state.json')
  const first = await rig(file)
  await first.mode.set(true, 'central')

  const second = await rig(file)
  t.equal(second.mode.on, false, 'nothing happens before restore()')
  second.mode.restore()
  t.equal(second.mode.on, true)
  t.equal(second.mode.reason, 'central')
  t.same(second.applied, [true], 'the screen and the retained status are put back in maintenance')
  t.same(second.events, [], 'a restart is not news for central')

  const fresh = await rig(join(testDir(t), 'other', 'state.json'))
  fresh.mode.restore()
  t.equal(fresh.mode.on, false)
  t.same(fresh.applied, [])
})

t.test('restore() of a state file with no reason says technician', async (t) => {
  const dir = testDir(t, { 'state.json': JSON.stringify({ bootCount: 3, receiptSeq: 0, maintenance: true }) })
  const r = await rig(join(dir, 'state.json'))
  r.mode.restore()
  t.equal(r.mode.on, true)
  t.equal(r.mode.reason, 'technician')
})

t.test('the tamper switch: opening enters with reason tamper; leaving waits until it is closed', async (t) => {
  const r = await rig(join(testDir(t), 'state.json'))
  await r.mode.tamper(true)
  t.equal(r.mode.on, true)
  t.equal(r.mode.reason, 'tamper')
  t.equal(r.mode.enclosureOpen, true)
  t.same(r.applied, [true])
  t.same(r.events, [
    ['tamper.opened', {}],
    ['maintenance.entered', { reason: 'tamper' }],
  ])
  t.match(await onDisk(r.file), { maintenance: true, maintenanceReason: 'tamper' })

  await t.rejects(r.mode.set(false, 'technician'), { code: 'E_CONTROL_REQUEST', message: /enclosure is open/ })
  await t.rejects(r.mode.set(false, 'central'), { code: 'E_CONTROL_REQUEST' }, 'central cannot either')
  t.equal(r.mode.on, true, 'still in maintenance')
  t.same(r.applied, [true], 'nothing was applied by the refused request')
  t.match(await onDisk(r.file), { maintenance: true }, 'the state file still says maintenance')

  await r.mode.tamper(false)
  t.equal(r.mode.enclosureOpen, false)
  t.equal(r.mode.on, true, 'closing the door only reports')
  t.same(r.events.at(-1), ['tamper.closed', {}])

  await r.mode.set(false, 'technician')
  t.equal(r.mode.on, false)
  t.same(r.applied, [true, false])
  t.same(r.events.map(([type]) => type), ['tamper.opened', 'maintenance.entered', 'tamper.closed', 'maintenance.left'])
  t.match(await onDisk(r.file), { maintenance: false })
})

t.test('a technician maintenance keeps its reason when the door is opened, but still cannot be left while open', async (t) => {
  const r = await rig(join(testDir(t), 'state.json'))
  await r.mode.set(true, 'technician')
  await r.mode.tamper(true)
  t.equal(r.mode.reason, 'tamper', 'the opening is the newer reason')
  t.ok(r.events.some(([type]) => type === 'tamper.opened'), 'central hears of the opening')
  await t.rejects(r.mode.set(false, 'technician'), { code: 'E_CONTROL_REQUEST' })
  // Turning maintenance on (again) is allowed while open: only leaving is refused.
  await r.mode.set(true, 'technician')
  t.equal(r.mode.reason, 'technician')
})
