import t from 'tap'
import { DeviceHealthWatch, HEALTH_SWEEP_MS } from '../../runtime/device-health-watch.js'
import { SimClock } from '../../runtime/core/sim-clock.js'
import type { Health } from '../../runtime/core/health.js'

/** Two watched devices and one that is not, with health set by hand and change listeners to call. */
function rig(options: { announce?: boolean } = {}) {
  const clock = new SimClock(0)
  const health: Record<string, Health> = { keypad: { state: 'starting' }, nfc: { state: 'ok' }, link: { state: 'faulty' } }
  const listeners = new Set<() => void>()
  const changed: Array<[string, string]> = []
  const looks: boolean[] = []
  const watch = new DeviceHealthWatch({
    clock,
    devices: ['keypad', 'nfc'],
    health: () => ({ ...health }),
    onChange: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    changed: (device, now) => changed.push([device, now.state]),
    looked: (anyFault) => looks.push(anyFault),
  })
  /** Sets a device's health and, unless told not to, announces it as the supervisor does. */
  const set = (device: string, state: Health['state']) => {
    health[device] = { state }
    if (options.announce !== false) for (const listener of listeners) listener()
  }
  const microtasks = () => new Promise<void>((resolve) => setImmediate(resolve))
  return { clock, watch, listeners, changed, looks, set, microtasks }
}

t.test('looks at start, then at each announced change: every new state once, starting and stopped are no news', async (t) => {
  const { clock, watch, listeners, changed, looks, set, microtasks } = rig()
  watch.start()
  watch.start()
  t.equal(listeners.size, 1, 'subscribed once')
  t.same(changed, [['nfc', 'ok']], 'the first look tells what is known; a starting device waits')
  t.same(looks, [false], 'the unwatched faulty link does not count')
  set('keypad', 'ok')
  set('nfc', 'degraded')
  t.same(changed.length, 1, 'not inside the announcing call')
  await microtasks()
  t.same(changed.slice(1), [['keypad', 'ok'], ['nfc', 'degraded']], 'changes announced together give one look')
  t.equal(looks.length, 2)
  set('nfc', 'absent')
  await microtasks()
  t.same(changed.at(-1), ['nfc', 'absent'])
  t.equal(looks.at(-1), true, 'an absent device is a fault for the LEDs')
  set('nfc', 'absent')
  await microtasks()
  t.equal(changed.length, 4, 'the same state again is no news')
  set('keypad', 'stopped')
  await microtasks()
  t.equal(changed.length, 4, 'stopped is no news')
  t.equal(clock.pendingTimers, 1, 'only the sweep is waiting')
  watch.stop()
  t.equal(listeners.size, 0, 'unsubscribed')
  t.equal(clock.pendingTimers, 0, 'no timer left')
  watch.queue()
  await microtasks()
  t.equal(looks.length, 5, 'no look after stop')
})

t.test('a change nobody announced is still seen by the slow sweep, not before', async (t) => {
  const { clock, watch, changed, set } = rig({ announce: false })
  watch.start()
  set('nfc', 'faulty')
  await clock.advanceAsync(HEALTH_SWEEP_MS - 1)
  t.same(changed, [['nfc', 'ok']], 'nothing between sweeps')
  await clock.advanceAsync(1)
  t.same(changed.at(-1), ['nfc', 'faulty'], 'the sweep found it')
  await clock.advanceAsync(HEALTH_SWEEP_MS)
  t.equal(changed.length, 2, 'sweeps go on, repeats filtered')
  watch.stop()
})
