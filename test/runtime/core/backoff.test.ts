import t from 'tap'
import { backoffDelayMs } from '../../../runtime/core/backoff.js'

const bounds = { minMs: 100, maxMs: 1000 }

t.test('the ceiling doubles per attempt from minMs until it reaches maxMs', async (t) => {
  const almostOne = () => 0.999999
  const ceilings = [0, 1, 2, 3, 4, 5].map((attempt) => Math.round(backoffDelayMs(attempt, { ...bounds, random: almostOne })))
  t.strictSame(ceilings, [100, 200, 400, 800, 1000, 1000])
})

t.test('jitter spreads the delay over the whole range but never below minMs / 2', async (t) => {
  t.equal(backoffDelayMs(3, { ...bounds, random: () => 0 }), 50)
  t.equal(backoffDelayMs(3, { ...bounds, random: () => 0.5 }), 400)
  t.equal(backoffDelayMs(0, { ...bounds, random: () => 0.25 }), 50)
})

t.test('stays within [minMs / 2, maxMs] for any attempt and any random value', async (t) => {
  let seed = 42
  // A small deterministic LCG (Numerical Recipes constants) so the sweep is repeatable.
  const random = () => {
    seed = (seed * 1664525 + 1013904223) % 2 ** 32
    return seed / 2 ** 32
  }
  for (let attempt = 0; attempt < 2000; attempt += 7) {
    const delayMs = backoffDelayMs(attempt, { ...bounds, random })
    if (delayMs < 50 || delayMs > 1000) t.fail(`attempt ${attempt} gave ${delayMs}`)
  }
  t.equal(backoffDelayMs(5000, { ...bounds, random: () => 0.999 }), 999)
})

t.test('refuses bounds that make no sense', async (t) => {
  t.throws(() => backoffDelayMs(0, { minMs: 0, maxMs: 10, random: Math.random }), RangeError)
  t.throws(() => backoffDelayMs(0, { minMs: 20, maxMs: 10, random: Math.random }), RangeError)
  t.throws(() => backoffDelayMs(-1, { ...bounds, random: Math.random }), RangeError)
  t.throws(() => backoffDelayMs(Number.NaN, { ...bounds, random: Math.random }), RangeError)
})
