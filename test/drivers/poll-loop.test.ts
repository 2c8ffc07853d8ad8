import t from 'tap'
import { PollLoop } from '../../drivers/poll-loop.js'
import { SimClock } from '../../runtime/sim-clock.js'

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
