import t from 'tap'
import { loadFlowsDir } from '../../../flows/engine/flow-folder.js'
import type { KioskSettings } from '../../../runtime/kiosk/kiosk-machine.js'
import { initialKioskState, kioskTransition, type KioskEvent, type KioskState } from '../../../runtime/kiosk/kiosk-machine.js'

const { flows } = await loadFlowsDir('flows')
const FEEDBACK = [...flows.values()].filter((flow) => flow.id === 'security-feedback')

const SETTINGS: KioskSettings = { idleTimeoutMs: 60_000, endScreenMs: 8000, defaultLanguage: 'vi', site: 'Trạm A', agency: 'UBND A' }

function run(state: KioskState, ...events: KioskEvent[]): KioskState {
  let s = state
  for (const event of events) s = kioskTransition(s, event, { nowMs: Date.UTC(2026, 0, 20, 7, 5), flows: () => FEEDBACK, online: () => true }).state
  return s
}

t.test('a site and agency changed between residents (remote config) head the next resident\'s receipts', async (t) => {
  const before = run(initialKioskState({ settings: SETTINGS, stationId: 'lobby-test', cols: 20, rows: 4 }), { kind: 'start' })
  const first = run(before, { kind: 'key', key: '1' }, { kind: 'key', key: '1' })
  t.match(first.session?.state, { site: 'Trạm A', agency: 'UBND A', stationId: 'lobby-test' }, 'the session starts with the configured site and agency')

  const changed = run(before, { kind: 'settings', settings: { ...SETTINGS, site: 'Trạm B', agency: 'UBND B' } }, { kind: 'key', key: '1' }, { kind: 'key', key: '1' })
  t.match(changed.session?.state, { site: 'Trạm B', agency: 'UBND B' }, 'the next session has the new ones')

  const unset = run(before, { kind: 'settings', settings: { ...SETTINGS, site: null, agency: null } }, { kind: 'key', key: '1' }, { kind: 'key', key: '1' })
  t.match(unset.session?.state, { site: null, agency: null }, 'unset again: receipts name the station only')
})
