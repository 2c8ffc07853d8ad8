import t from 'tap'
import { sleepOn, systemClock } from '../../../runtime/core/clock.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

t.test('the system clock reads the wall clock', async (t) => {
  const before = Date.now()
  const now = systemClock.now()
  t.ok(now >= before && now <= Date.now())
})

t.test('a system timer fires once after its delay; a negative delay means now', async (t) => {
  const startedMs = Date.now()
  const firedAfterMs = await new Promise<number>((resolve) => systemClock.setTimeout(() => resolve(Date.now() - startedMs), 20))
  t.ok(firedAfterMs >= 19, `fired after ${firedAfterMs} ms`)
  await new Promise<void>((resolve) => systemClock.setTimeout(resolve, -5))
  t.pass('negative delay fired')
})

t.test('a cleared system timer never fires, and clearing is idempotent', async (t) => {
  let fired = 0
  const first = systemClock.setTimeout(() => (fired += 1), 10)
  const second = systemClock.setTimeout(() => (fired += 10), 10)
  t.not(first.id, second.id, 'every timer has its own handle')
  systemClock.clearTimeout(first)
  systemClock.clearTimeout(first)
  systemClock.clearTimeout({ id: -1 })
  await new Promise((resolve) => setTimeout(resolve, 40))
  t.equal(fired, 10)
  systemClock.clearTimeout(second)
  t.pass('clearing a fired timer is ignored')
})

t.test('system sleep resolves after the delay', async (t) => {
  const startedMs = Date.now()
  await systemClock.sleep(20)
  t.ok(Date.now() - startedMs >= 19)
})

t.test('sleep rejects at once with the reason of an already aborted signal', async (t) => {
  const controller = new AbortController()
  controller.abort(new Error('shutting down'))
  await t.rejects(systemClock.sleep(10_000, controller.signal), { message: 'shutting down' })
})

t.test('aborting a sleep rejects it with the reason and cancels its timer', async (t) => {
  const clock = new SimClock(0)
  const controller = new AbortController()
  const slept = sleepOn(clock, 1000, controller.signal)
  t.equal(clock.pendingTimers, 1)
  controller.abort(new Error('stop'))
  await t.rejects(slept, { message: 'stop' })
  t.equal(clock.pendingTimers, 0, 'no timer left to fire later')
})

t.test('a finished sleep ignores a later abort', async (t) => {
  const clock = new SimClock(0)
  const controller = new AbortController()
  const slept = sleepOn(clock, 100, controller.signal)
  clock.advance(100)
  await slept
  controller.abort(new Error('too late'))
  t.pass('no unhandled rejection')
})

t.test('a long system sleep can be aborted without waiting for it', async (t) => {
  const controller = new AbortController()
  const slept = systemClock.sleep(60_000, controller.signal)
  setTimeout(() => controller.abort(new Error('stop')), 5)
  await t.rejects(slept, { message: 'stop' })
})
