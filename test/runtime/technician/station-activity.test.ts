import t from 'tap'
import { EventBus } from '../../../runtime/bus/event-bus.js'
import type { StationEvents } from '../../../runtime/bus/events.js'
import { createSilentLogger } from '../../../runtime/log.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { StationActivity } from '../../../runtime/technician/station-activity.js'

t.test('delivered today: sampled on read and just before midnight, with no timer in between', async (t) => {
  // 23:59:00 local time, one minute before a new day.
  const clock = new SimClock(new Date(2026, 11, 3, 23, 59, 0).getTime())
  const activity = new StationActivity({ clock, bus: new EventBus<StationEvents>(createSilentLogger()) })
  let delivered = 0
  const stop = activity.trackDelivered(() => delivered)
  t.equal(activity.deliveredToday, 0, 'nothing delivered since start')
  t.equal(clock.pendingTimers, 1, 'one timer: the sample before midnight')
  delivered = 4
  t.equal(activity.deliveredToday, 4, 'read: sampled at once')
  delivered = 12
  await clock.advanceAsync(59_500)
  delivered = 13
  await clock.advanceAsync(1000)
  t.equal(activity.deliveredToday, 1, 'after midnight: only what came in the last second before it, and after')
  t.equal(clock.pendingTimers, 1, 'the next day is scheduled')
  stop()
  t.equal(clock.pendingTimers, 0)
  delivered = 20
  t.equal(activity.deliveredToday, 1, 'no longer followed after stop')
})

t.test('started within the last second of a day, the first sample before midnight is the next day’s', async (t) => {
  const clock = new SimClock(new Date(2026, 11, 3, 23, 59, 59, 500).getTime())
  const activity = new StationActivity({ clock, bus: new EventBus<StationEvents>(createSilentLogger()) })
  let samples = 0
  const stop = activity.trackDelivered(() => ++samples && 0)
  t.equal(samples, 1, 'sampled at start')
  await clock.advanceAsync(24 * 3600 * 1000 - 1100)
  t.equal(samples, 1, 'not at once, not at midnight, not during the next day')
  await clock.advanceAsync(700)
  t.equal(samples, 2, 'one second before the next midnight')
  stop()
})
