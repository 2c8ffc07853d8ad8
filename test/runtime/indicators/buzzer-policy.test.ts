import t from 'tap'
import type { BeepName } from '../../../drivers/outputs/buzzer.js'
import { EventBus } from '../../../runtime/bus/event-bus.js'
import type { StationEvents } from '../../../runtime/bus/events.js'
import { beepForEvent, BuzzerPolicy } from '../../../runtime/indicators/buzzer-policy.js'
import { createSilentLogger } from '../../../runtime/log.js'

function rig(keyClick: boolean) {
  const bus = new EventBus<StationEvents>(createSilentLogger())
  const beeps: BeepName[] = []
  const policy = new BuzzerPolicy({ bus, beep: (name) => beeps.push(name), keyClick })
  return { bus, beeps, policy }
}

t.test('success chirps, refusals sound long, an opened door alarms, the rest is silent', async (t) => {
  t.equal(beepForEvent('card.accepted'), 'ok')
  t.equal(beepForEvent('flow.completed'), 'ok')
  t.equal(beepForEvent('card.rejected'), 'error')
  t.equal(beepForEvent('key.ignored'), 'error')
  t.equal(beepForEvent('tamper.opened'), 'alarm')
  t.equal(beepForEvent('flows.reloaded'), undefined)
  t.equal(beepForEvent('toString'), undefined, 'an inherited property name is no event')
})

t.test('the policy beeps for bus events while started, and clicks keys only when asked', async (t) => {
  const { bus, beeps, policy } = rig(false)
  bus.emit('station.event', { type: 'card.accepted', fields: {} })
  t.strictSame(beeps, [], 'nothing before start')
  policy.start()
  policy.start()
  bus.emit('key.pressed', { key: '1' })
  bus.emit('station.event', { type: 'card.rejected', fields: {} })
  bus.emit('station.event', { type: 'flows.reloaded', fields: {} })
  t.strictSame(beeps, ['error'], 'one beep per event, even started twice; no click without keyClick')
  policy.stop()
  bus.emit('station.event', { type: 'tamper.opened', fields: {} })
  t.strictSame(beeps, ['error'], 'silent once stopped')

  const clicking = rig(true)
  clicking.policy.start()
  clicking.bus.emit('key.pressed', { key: 'ok' })
  t.strictSame(clicking.beeps, ['key'])
})
