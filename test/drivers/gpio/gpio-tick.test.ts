import t from 'tap'
import { clockTickSource, performanceTickUs, tickDiffUs, TICK_MODULUS_US, toTickUs } from '../../../drivers/gpio/gpio-tick.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

t.test('reduces microsecond counts to the 32-bit tick range, also negative and fractional ones', async (t) => {
  t.equal(TICK_MODULUS_US, 4_294_967_296)
  t.equal(toTickUs(0), 0)
  t.equal(toTickUs(2 ** 32), 0)
  t.equal(toTickUs(2 ** 32 + 5), 5)
  t.equal(toTickUs(-1), 2 ** 32 - 1)
  t.equal(toTickUs(12.9), 12)
})

t.test('measures intervals across the tick wrap as pigpio ticks require', async (t) => {
  t.equal(tickDiffUs(2000, 1000), 1000)
  t.equal(tickDiffUs(1000, 2 ** 32 - 1000), 2000, 'later tick has wrapped past zero')
  t.equal(tickDiffUs(5, 5), 0)
})

t.test('stamps ticks from performance.now and from an injected clock', async (t) => {
  const tick = performanceTickUs()
  t.ok(Number.isInteger(tick) && tick >= 0 && tick < 2 ** 32)
  const clock = new SimClock(0)
  const source = clockTickSource(clock)
  t.equal(source(), 0)
  clock.advance(3)
  t.equal(source(), 3000)
  clock.advance(2 ** 32 / 1000)
  t.equal(source(), 3000, 'wraps after 2^32 µs')
})
