import t from 'tap'
import { EventBus } from '../../runtime/bus/event-bus.js'
import type { StationEvents } from '../../runtime/bus/events.js'
import { DeviceFaultEvents } from '../../runtime/device-fault-events.js'
import { createSilentLogger } from '../../runtime/log.js'

function rig() {
  const bus = new EventBus<StationEvents>(createSilentLogger())
  const sent: Array<[string, Record<string, string | number | boolean>]> = []
  bus.on('station.event', ({ type, fields }) => void sent.push([type, fields]))
  return { bus, sent, faults: new DeviceFaultEvents(bus) }
}

t.test('one fault per way of going bad, one recovery, nothing for start-up', async (t) => {
  const { bus, sent } = rig()
  bus.emit('device.health', { device: 'nfc', health: { state: 'starting' } })
  bus.emit('device.health', { device: 'nfc', health: { state: 'ok' } })
  t.same(sent, [], 'coming up is not news')
  const absent = { state: 'absent' as const, lastError: 'no PN532 answers', lastErrorCode: 'E_DEVICE_ABSENT' }
  bus.emit('device.health', { device: 'nfc', health: absent })
  bus.emit('device.health', { device: 'nfc', health: absent })
  bus.emit('device.health', { device: 'nfc', health: { state: 'faulty', lastError: 'bad frame' } })
  bus.emit('device.health', { device: 'nfc', health: { state: 'ok' } })
  bus.emit('device.health', { device: 'nfc', health: { state: 'ok' } })
  t.same(sent, [
    ['device.fault', { device: 'nfc', state: 'absent', reason: 'no PN532 answers', code: 'E_DEVICE_ABSENT' }],
    ['device.fault', { device: 'nfc', state: 'faulty', reason: 'bad frame' }],
    ['device.recovered', { device: 'nfc' }],
  ])
})

t.test('repeat announces every device still in trouble, and only those', async (t) => {
  const { bus, sent, faults } = rig()
  bus.emit('device.health', { device: 'printer', health: { state: 'degraded', lastError: 'paper out' } })
  bus.emit('device.health', { device: 'scanner', health: { state: 'absent' } })
  bus.emit('device.health', { device: 'scanner', health: { state: 'ok' } })
  sent.length = 0
  faults.repeat()
  t.same(sent, [['device.fault', { device: 'printer', state: 'degraded', reason: 'paper out' }]])
})
