import t from 'tap'
import { PendingIndex } from '../../../runtime/outbox/pending-index.js'

t.test('keeps records in push order with growing seqs, skipping removed ones', async (t) => {
  const index = new PendingIndex()
  const seqs = ['a', 'b', 'c', 'd'].map((id, n) => index.push(id, 1, n * 100, 100, 1000 + n))
  t.strictSame(seqs, [1, 2, 3, 4])
  t.equal(index.remove('b'), 1)
  t.equal(index.remove('b'), null)
  t.strictSame(index.from(0, 10).map((ref) => ref.id), ['a', 'c', 'd'])
  t.strictSame(index.from(3, 10), [{ id: 'c', seq: 3, createdAtMs: 1002 }, { id: 'd', seq: 4, createdAtMs: 1003 }])
  t.strictSame(index.get('c'), { seq: 3, segment: 1, offsetBytes: 200, frameBytes: 100, createdAtMs: 1002 })
  t.equal(index.oldestCreatedAtMs(), 1000)
  index.remove('a')
  t.equal(index.oldestCreatedAtMs(), 1002)
  t.equal(index.depth, 2)
  t.equal(index.liveIn(1), 2)
})

t.test('seqs keep growing when the queue empties and after its arrays are shifted down', async (t) => {
  const index = new PendingIndex()
  index.push('x', 1, 0, 10, 0)
  index.remove('x')
  t.equal(index.oldestCreatedAtMs(), null)
  t.equal(index.push('y', 1, 0, 10, 0), 2)
  const count = 20_000
  for (let n = 0; n < count; n++) index.push(`r${n}`, 2 + Math.floor(n / 1000), n, 10, n)
  for (let n = 0; n < count - 3; n++) index.remove(`r${n}`)
  index.remove('y')
  t.strictSame(index.from(0, 10).map((ref) => [ref.id, ref.seq]), [
    [`r${count - 3}`, count],
    [`r${count - 2}`, count + 1],
    [`r${count - 1}`, count + 2],
  ])
  t.strictSame(index.from(count + 1, 10).map((ref) => ref.id), [`r${count - 2}`, `r${count - 1}`])
  t.equal(index.get(`r${count - 1}`)?.offsetBytes, count - 1)
  t.equal(index.liveIn(2), 0)
  t.equal(index.liveIn(2 + Math.floor((count - 1) / 1000)), 3)
  t.equal(index.push('z', 99, 0, 10, 0), count + 3)
})
