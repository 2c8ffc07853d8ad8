import t from 'tap'
import { EffectTimers } from '../../../runtime/core/effect-timers.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

t.test('a started timer fires once with its id; a cancelled one never; cancelling a fired one is harmless', async (t) => {
  const clock = new SimClock()
  const fired: string[] = []
  const timers = new EffectTimers<string>(clock, (timer) => {
    fired.push(timer)
    // The machine's answer to a fired timer may cancel it: nothing is left to cancel.
    timers.cancel(timer)
  })
  timers.start('idle', 1000)
  timers.start('notice', 500)
  timers.cancel('notice')
  clock.advance(999)
  t.same(fired, [])
  clock.advance(1)
  t.same(fired, ['idle'])
  clock.advance(5000)
  t.same(fired, ['idle'], 'once')
  t.equal(clock.pendingTimers, 0, 'nothing left on the clock')
})
