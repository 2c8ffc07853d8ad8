import t from 'tap'
import { SimClock } from '../../../runtime/core/sim-clock.js'

t.test('fires timers in due order, each at its own time', async (t) => {
  const clock = new SimClock(0)
  const seen: Array<[string, number]> = []
  clock.setTimeout(() => seen.push(['b', clock.now()]), 20)
  clock.setTimeout(() => seen.push(['a', clock.now()]), 10)
  const cancelled = clock.setTimeout(() => seen.push(['never', clock.now()]), 15)
  clock.clearTimeout(cancelled)
  clock.advance(25)
  t.strictSame(seen, [['a', 10], ['b', 20]])
  t.equal(clock.now(), 25)
})

t.test('refuses to go backwards', async (t) => {
  t.throws(() => new SimClock(0).advance(-1), RangeError)
})

t.test('sleep resolves after the delay and rejects when aborted', async (t) => {
  const clock = new SimClock(0)
  const slept = clock.sleep(100)
  clock.advance(100)
  await slept
  const controller = new AbortController()
  const aborted = clock.sleep(100, controller.signal)
  controller.abort(new Error('stop'))
  await t.rejects(aborted, { message: 'stop' })
})
