import t from 'tap'
import { BoundedLog, DEFAULT_LOG_CAPACITY } from '../../drivers/bounded-log.js'

t.test('keeps the newest capacity entries, oldest first, and counts every one ever added', async (t) => {
  const log = new BoundedLog<number>(3)
  log.push(1)
  log.push(2, 3)
  t.same(log.entries, [1, 2, 3])
  log.push(4, 5)
  t.same(log.entries, [3, 4, 5], 'the oldest were dropped')
  t.equal(log.total, 5)
  log.clear()
  t.same(log.entries, [])
  t.equal(log.total, 5, 'clear does not reset the count')
  log.push(6)
  t.same(log.entries, [6])
  t.equal(log.total, 6)
})

t.test('the default bound holds over a long run', async (t) => {
  const log = new BoundedLog<{ n: number }>()
  t.equal(log.capacity, DEFAULT_LOG_CAPACITY)
  for (let n = 0; n < 3 * DEFAULT_LOG_CAPACITY + 7; n++) log.push({ n })
  t.equal(log.entries.length, DEFAULT_LOG_CAPACITY)
  t.equal(log.entries[0]?.n, 2 * DEFAULT_LOG_CAPACITY + 7, 'the newest kept')
  t.equal(log.entries.at(-1)?.n, 3 * DEFAULT_LOG_CAPACITY + 6)
  t.equal(log.total, 3 * DEFAULT_LOG_CAPACITY + 7)
})

t.test('refuses a capacity it cannot keep', async (t) => {
  t.throws(() => new BoundedLog(0), TypeError)
  t.throws(() => new BoundedLog(1.5), TypeError)
})
