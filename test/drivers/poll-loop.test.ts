import t from 'tap'
import { PollLoop } from '../../drivers/poll-loop.js'
import { SimClock } from '../../runtime/core/sim-clock.js'

t.test('checks every interval from start, never two at a time, not after stop', async (t) => {
  const clock = new SimClock(0)
  const startedAtMs: number[] = []
  let inFlight = 0
  let maxInFlight = 0
  const loop = new PollLoop(clock, 100, async () => {
    startedAtMs.push(clock.now())
    inFlight += 1
    maxInFlight = Math.max(maxInFlight, inFlight)
    await clock.sleep(30)
    inFlight -= 1
  })
  t.equal(loop.running, false)
  await loop.checkNow()
  t.same(startedAtMs, [], 'nothing runs before start')
  loop.start()
  loop.start()
  await clock.advanceAsync(100, 1)
  t.same(startedAtMs, [100], 'the first check one interval after start')
  // An IRQ edge in the middle of a check queues behind it.
  const extra = loop.checkNow()
  await clock.advanceAsync(300, 1)
  await extra
  t.equal(maxInFlight, 1, 'checks never overlap')
  t.ok(startedAtMs.includes(130), 'the queued check ran as soon as the first ended')
  t.same(
    startedAtMs.filter((ms) => ms !== 130),
    [100, 230, 360],
    'the next poll is an interval after the previous one ended',
  )
  const count = startedAtMs.length
  const stopping = loop.stop()
  t.equal(loop.running, false, 'stopped at once')
  await clock.advanceAsync(50, 1)
  await stopping
  await clock.advanceAsync(500, 1)
  await loop.checkNow()
  t.equal(startedAtMs.length, count, 'no check after stop')
  await loop.stop()
})

t.test('edges while a check waits to start share that check; one during a check queues exactly one more', async (t) => {
  const clock = new SimClock(0)
  let started = 0
  const loop = new PollLoop(clock, 10_000, async () => {
    started += 1
    await clock.sleep(30)
  })
  loop.start()
  const first = loop.checkNow()
  const joined = loop.checkNow()
  t.equal(joined, first, 'a second edge before the check starts joins it')
  await clock.advanceAsync(10, 1)
  t.equal(started, 1, 'the check is in progress')
  const second = loop.checkNow()
  const third = loop.checkNow()
  t.equal(third, second, 'edges during the read share the one check queued behind it')
  await clock.advanceAsync(100, 1)
  await Promise.all([first, second])
  t.equal(started, 2, 'the edge during the read was not lost, and cost one read')
  await loop.stop()
})

t.test('an interval function is asked each time a poll is scheduled', async (t) => {
  const clock = new SimClock(0)
  const startedAtMs: number[] = []
  let intervalMs = 100
  const loop = new PollLoop(
    clock,
    () => intervalMs,
    async () => {
      startedAtMs.push(clock.now())
      intervalMs = 1000
    },
  )
  loop.start()
  await clock.advanceAsync(2200, 10)
  t.same(startedAtMs, [100, 1100, 2100], 'fast first, slow after the check changed it')
  await loop.stop()
})

t.test('a check that shrinks the interval brings the pending poll forward', async (t) => {
  const clock = new SimClock(0)
  const startedAtMs: number[] = []
  let intervalMs = 1000
  const loop = new PollLoop(
    clock,
    () => intervalMs,
    async () => {
      startedAtMs.push(clock.now())
    },
  )
  loop.start()
  await clock.advanceAsync(200, 10)
  intervalMs = 50
  await loop.checkNow()
  await clock.advanceAsync(120, 10)
  t.same(startedAtMs, [200, 250, 300], 'polled 50 ms after the edge, not at 1000')
  await loop.stop()
})
