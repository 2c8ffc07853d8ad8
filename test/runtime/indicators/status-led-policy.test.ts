import t from 'tap'
import type { LedState } from '../../../drivers/outputs/status-leds.js'
import { EventBus } from '../../../runtime/bus/event-bus.js'
import type { StationEvents } from '../../../runtime/bus/events.js'
import { ledStateFor, StatusLedPolicy } from '../../../runtime/indicators/status-led-policy.js'
import { createSilentLogger } from '../../../runtime/log.js'

t.test('red for a fault or maintenance, green while waiting, blinking while serving', async (t) => {
  t.equal(ledStateFor({ anyFault: false, maintenance: false, phase: 'welcome' }), 'ok')
  t.equal(ledStateFor({ anyFault: false, maintenance: false, phase: 'session' }), 'busy')
  t.equal(ledStateFor({ anyFault: false, maintenance: false, phase: 'ended' }), 'busy')
  t.equal(ledStateFor({ anyFault: true, maintenance: false, phase: 'welcome' }), 'fault')
  t.equal(ledStateFor({ anyFault: false, maintenance: true, phase: 'session' }), 'fault', 'maintenance wins over a resident being served')
})

t.test('the policy shows each station.condition while started', async (t) => {
  const bus = new EventBus<StationEvents>(createSilentLogger())
  const shown: LedState[] = []
  const policy = new StatusLedPolicy({ bus, show: (state) => shown.push(state) })
  policy.start()
  policy.start()
  bus.emit('station.condition', { anyFault: false, maintenance: false, phase: 'menu' })
  bus.emit('station.condition', { anyFault: true, maintenance: false, phase: 'menu' })
  t.strictSame(shown, ['busy', 'fault'], 'once per condition, even started twice')
  policy.stop()
  bus.emit('station.condition', { anyFault: false, maintenance: false, phase: 'welcome' })
  t.strictSame(shown, ['busy', 'fault'], 'nothing once stopped')
})
