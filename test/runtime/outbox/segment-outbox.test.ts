import { randomBytes } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { loadOrCreateKey } from '../../../runtime/crypto/key-file.js'
import { openSegmentOutbox } from '../../../runtime/outbox/segment-outbox.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { pendingSubmissions } from '../../support/outbox-contents.js'
import { allBytes, assertNoPersonalData, captureLog, faultyFiles, options, segmentNames, submission } from './fixtures.js'
import { testDir } from '../../support/test-dir.js'

t.test('keeps pending submissions, oldest first, across a reopen, and reads them back decrypted', async (t) => {
  const dir = testDir(t)
  const outbox = await openSegmentOutbox(options(dir))
  for (const n of [1, 2, 3]) await outbox.append(submission(n))
  t.equal(outbox.depth(), 3)
  t.strictSame(await pendingSubmissions(outbox), [submission(1), submission(2), submission(3)])
  await outbox.close()

  const again = await openSegmentOutbox(options(dir))
  t.teardown(() => again.close())
  t.strictSame(await pendingSubmissions(again), [submission(1), submission(2), submission(3)])
  t.equal(again.oldestCreatedAtMs(), Date.parse(submission(1).createdAt))
  t.strictSame(again.recovery, { segments: 1, tornBytesDropped: 0, damagedBytes: 0, damagedRegions: 0, damagedCopies: [], migratedV1Records: 0 })
})

t.test('stores personal answers only sealed, in files only the station user can read', async (t) => {
  const dir = join(testDir(t), 'outbox')
  const outbox = await openSegmentOutbox(options(dir))
  await outbox.append(submission(1))
  await outbox.append(submission(2))
  await outbox.markDelivered('sub-1')
  await outbox.close()
  assertNoPersonalData(t, await allBytes(dir), 'the outbox folder')
  t.equal((await stat(dir)).mode & 0o777, 0o700)
  for (const name of await readdir(dir)) t.equal((await stat(join(dir, name))).mode & 0o777, 0o600, name)
})

t.test('does not keep the caller object: later changes to it are not stored', async (t) => {
  const outbox = await openSegmentOutbox(options(testDir(t)))
  t.teardown(() => outbox.close())
  const original = submission(1)
  const appended = outbox.append(original)
  original.data['answer'] = 'changed'
  await appended
  t.equal((await outbox.read('sub-1'))?.data['answer'], 1)
})

t.test('pendingFrom walks the queue by seq: a cursor of last seq + 1 sees each record once', async (t) => {
  const outbox = await openSegmentOutbox(options(testDir(t)))
  t.teardown(() => outbox.close())
  const seqs: number[] = []
  outbox.onAppended((ref) => void seqs.push(ref.seq))
  for (let n = 1; n <= 10; n++) await outbox.append(submission(n))
  t.strictSame(seqs, [...seqs].sort((a, b) => a - b), 'seq grows in append order')
  t.equal(new Set(seqs).size, 10)

  const first = outbox.pendingFrom(0, 4)
  t.strictSame(first.map((ref) => ref.id), ['sub-1', 'sub-2', 'sub-3', 'sub-4'])
  t.equal(first[0]?.createdAtMs, Date.parse(submission(1).createdAt))
  const next = outbox.pendingFrom((first[3]?.seq ?? 0) + 1, 4)
  t.strictSame(next.map((ref) => ref.id), ['sub-5', 'sub-6', 'sub-7', 'sub-8'])

  // Delivered records are skipped, wherever they are.
  await outbox.markDelivered('sub-6')
  await outbox.markDelivered('sub-1')
  t.strictSame(outbox.pendingFrom(0, 3).map((ref) => ref.id), ['sub-2', 'sub-3', 'sub-4'])
  t.strictSame(outbox.pendingFrom(next[0]?.seq ?? 0, 10).map((ref) => ref.id), ['sub-5', 'sub-7', 'sub-8', 'sub-9', 'sub-10'])
  t.strictSame(outbox.pendingFrom((seqs[9] ?? 0) + 1, 10), [], 'past the end')
  t.strictSame(outbox.pendingFrom(0, 0), [])
  t.equal(outbox.oldestCreatedAtMs(), Date.parse(submission(2).createdAt), 'the oldest moves past a delivered head')

  // An append after delivery gets a later seq than any before it.
  await outbox.append(submission(11))
  t.ok((outbox.pendingFrom(0, 100).at(-1)?.seq ?? 0) > (seqs[9] ?? 0))
})

t.test('read resolves null for an id that is not pending', async (t) => {
  const outbox = await openSegmentOutbox(options(testDir(t)))
  t.teardown(() => outbox.close())
  await outbox.append(submission(1))
  await outbox.markDelivered('sub-1')
  t.equal(await outbox.read('sub-1'), null)
  t.equal(await outbox.read('never'), null)
})

t.test('appending an id that is still pending is a no-op, also while its first append is being written', async (t) => {
  const dir = testDir(t)
  const outbox = await openSegmentOutbox(options(dir))
  await Promise.all([outbox.append(submission(1)), outbox.append(submission(1, { answer: 'second' }))])
  await outbox.append(submission(1, { answer: 'third' }))
  t.equal(outbox.depth(), 1)
  await outbox.close()
  const again = await openSegmentOutbox(options(dir))
  t.teardown(() => again.close())
  t.strictSame(await pendingSubmissions(again), [submission(1)])
})

t.test('an id delivered and then appended again is pending again, after a reopen too', async (t) => {
  const dir = testDir(t)
  const outbox = await openSegmentOutbox(options(dir))
  await outbox.append(submission(1))
  await outbox.markDelivered('sub-1')
  await outbox.append(submission(1, { answer: 'again' }))
  await outbox.close()
  const again = await openSegmentOutbox(options(dir))
  t.teardown(() => again.close())
  t.strictSame(await pendingSubmissions(again), [submission(1, { answer: 'again' })])
})

t.test('200 concurrent appends share a few writes and fdatasyncs (group commit), each durable', async (t) => {
  const dir = testDir(t)
  const fs = faultyFiles()
  const outbox = await openSegmentOutbox(options(dir, { files: fs.files, maxBytes: 4 * 1024 * 1024 }))
  const syncsBefore = fs.datasyncs
  const writesBefore = fs.writes
  await Promise.all(Array.from({ length: 200 }, (_, n) => outbox.append(submission(n, { pad: 'x'.repeat(1000) }))))
  const syncs = fs.datasyncs - syncsBefore
  t.ok(syncs >= 1 && syncs <= 5, `200 appends took ${syncs} fdatasyncs`)
  t.ok(fs.writes - writesBefore <= 5, `and ${fs.writes - writesBefore} writes`)
  await outbox.close()
  const again = await openSegmentOutbox(options(dir))
  t.teardown(() => again.close())
  t.equal(again.depth(), 200)
})

t.test('one append after another costs one write and one fdatasync each', async (t) => {
  const fs = faultyFiles()
  const outbox = await openSegmentOutbox(options(testDir(t), { files: fs.files }))
  t.teardown(() => outbox.close())
  const syncsBefore = fs.datasyncs
  const writesBefore = fs.writes
  for (let n = 0; n < 5; n++) await outbox.append(submission(n))
  t.equal(fs.datasyncs - syncsBefore, 5)
  t.equal(fs.writes - writesBefore, 5)
})

t.test('acks given in the same tick share one write and one fdatasync; the ids leave the queue at once', async (t) => {
  const dir = testDir(t)
  const fs = faultyFiles()
  const outbox = await openSegmentOutbox(options(dir, { files: fs.files }))
  for (let n = 0; n < 50; n++) await outbox.append(submission(n))
  const syncsBefore = fs.datasyncs
  const acks = Array.from({ length: 40 }, (_, n) => outbox.markDelivered(`sub-${n}`))
  t.equal(outbox.depth(), 10, 'out of the queue before the write lands')
  await Promise.all(acks)
  t.equal(fs.datasyncs - syncsBefore, 1)
  await outbox.markDelivered('sub-0')
  await outbox.markDelivered('unknown')
  await outbox.close()
  const again = await openSegmentOutbox(options(dir))
  t.teardown(() => again.close())
  t.strictSame(again.pendingFrom(0, 100).map((ref) => ref.id), Array.from({ length: 10 }, (_, n) => `sub-${40 + n}`))
})

t.test('rolls to a new segment at the size bound and deletes fully delivered segments oldest first only', async (t) => {
  const dir = testDir(t)
  const outbox = await openSegmentOutbox(options(dir, { segmentBytes: 4096 }))
  t.teardown(() => outbox.close())
  for (let n = 0; n < 30; n++) await outbox.append(submission(n, { pad: 'y'.repeat(300) }))
  const names = await segmentNames(dir)
  t.ok(names.length >= 4, `${names.length} segments`)
  for (const name of names) t.ok((await stat(join(dir, name))).size <= 4096, `${name} within the segment size`)
  t.equal(outbox.sizeBytes(), (await Promise.all(names.map(async (name) => (await stat(join(dir, name))).size))).reduce((a, b) => a + b, 0))

  // Deliver all but the very first record: every newer segment is fully delivered, but the first
  // still holds a pending add, and acks for it may live in the newer ones, so none may go.
  const refs = outbox.pendingFrom(0, 100)
  await Promise.all(refs.slice(1).map((ref) => outbox.markDelivered(ref.id)))
  const kept = await segmentNames(dir)
  t.strictSame(kept.slice(0, names.length), names, 'no segment deleted while the oldest has a pending add')
  t.strictSame(kept, outbox.segmentNumbers().map((n) => `seg-${String(n).padStart(8, '0')}.log`))

  await outbox.markDelivered(refs[0]?.id ?? '')
  const left = await segmentNames(dir)
  t.equal(left.length, 1, 'every delivered segment deleted once the oldest is delivered')
  t.equal(outbox.depth(), 0)
})

t.test('a fully delivered single segment is cut back to its header, so space comes back', async (t) => {
  const dir = testDir(t)
  const outbox = await openSegmentOutbox(options(dir, { segmentBytes: 64 * 1024 }))
  t.teardown(() => outbox.close())
  for (let n = 0; n < 20; n++) await outbox.append(submission(n, { pad: 'z'.repeat(1000) }))
  const full = outbox.sizeBytes()
  await Promise.all(outbox.pendingFrom(0, 100).map((ref) => outbox.markDelivered(ref.id)))
  t.ok(outbox.sizeBytes() < full / 10, `from ${full} to ${outbox.sizeBytes()} bytes`)
  await outbox.append(submission(100))
  t.equal(outbox.depth(), 1)
})

t.test('refuses appends past maxBytes with E_OUTBOX_FULL, writing nothing, and reports outbox-bound', async (t) => {
  const dir = testDir(t)
  const outbox = await openSegmentOutbox(options(dir, { maxBytes: 40 * 1024, segmentBytes: 8 * 1024 }))
  t.teardown(() => outbox.close())
  let accepted = 0
  for (let n = 0; n < 100; n++) {
    try {
      await outbox.append(submission(n, { pad: 'p'.repeat(500) }))
      accepted++
    } catch (error) {
      t.match(error, { code: 'E_OUTBOX_FULL', context: { reason: 'outbox-bound' } })
      break
    }
  }
  t.ok(accepted > 5 && accepted < 100, `${accepted} accepted`)
  t.ok(outbox.sizeBytes() <= 40 * 1024)
  t.strictSame(outbox.storage(), { state: 'full', reason: 'outbox-bound' })
  t.equal(outbox.depth(), accepted)
  // Delivery frees space: the oldest segments go and new submissions are taken again.
  await Promise.all(outbox.pendingFrom(0, 100).map((ref) => outbox.markDelivered(ref.id)))
  t.strictSame(outbox.storage(), { state: 'ok' })
  await outbox.append(submission(1000))
})

t.test('storage() reports disk-reserve below the reserve, reading free space at most once a second', async (t) => {
  const fs = faultyFiles()
  const clock = new SimClock(Date.UTC(2026, 0, 2))
  fs.freeBytes = 100 * 1024 * 1024
  const outbox = await openSegmentOutbox(options(testDir(t), { files: fs.files, clock, reserveBytes: 8 * 1024 * 1024 }))
  t.teardown(() => outbox.close())
  t.strictSame(outbox.storage(), { state: 'ok' })
  fs.freeBytes = 1024 * 1024
  const callsBefore = fs.freeBytesCalls
  for (let i = 0; i < 100; i++) outbox.storage()
  t.ok(fs.freeBytesCalls - callsBefore <= 1, 'cached')
  t.strictSame(outbox.storage(), { state: 'ok' }, 'the cached reading holds for a second')
  clock.advance(1000)
  t.strictSame(outbox.storage(), { state: 'full', reason: 'disk-reserve' })
  await t.rejects(outbox.append(submission(1)), { code: 'E_OUTBOX_FULL', context: { reason: 'disk-reserve' } })
  t.equal(outbox.depth(), 0)
  fs.freeBytes = 50 * 1024 * 1024
  clock.advance(1000)
  t.strictSame(outbox.storage(), { state: 'ok' })
  await outbox.append(submission(1))
  t.equal(outbox.depth(), 1)
})

t.test('listener errors are logged, not thrown', async (t) => {
  const { log, lines } = captureLog()
  const outbox = await openSegmentOutbox(options(testDir(t), { log }))
  t.teardown(() => outbox.close())
  const off = outbox.onAppended(() => {
    throw new Error('listener broke')
  })
  await outbox.append(submission(1))
  t.ok(lines.some((line) => line['msg'] === 'outbox onAppended listener threw'))
  off()
  await outbox.append(submission(2))
  t.equal(outbox.depth(), 2)
})

t.test('after close every call rejects with E_OUTBOX_IO; close is idempotent', async (t) => {
  const outbox = await openSegmentOutbox(options(testDir(t)))
  await outbox.append(submission(1))
  await outbox.close()
  await outbox.close()
  await t.rejects(outbox.append(submission(2)), { code: 'E_OUTBOX_IO' })
  await t.rejects(outbox.markDelivered('sub-1'), { code: 'E_OUTBOX_IO' })
  await t.rejects(outbox.read('sub-1'), { code: 'E_OUTBOX_IO' })
})

t.test('close writes acknowledgements still queued', async (t) => {
  const dir = testDir(t)
  const outbox = await openSegmentOutbox(options(dir))
  await outbox.append(submission(1))
  await outbox.append(submission(2))
  void outbox.markDelivered('sub-1')
  await outbox.close()
  const again = await openSegmentOutbox(options(dir))
  t.teardown(() => again.close())
  t.strictSame(again.pendingFrom(0, 10).map((ref) => ref.id), ['sub-2'])
})

t.test('rejects malformed submissions with TypeError and a key of the wrong size', async (t) => {
  const outbox = await openSegmentOutbox(options(testDir(t)))
  t.teardown(() => outbox.close())
  await t.rejects(outbox.append({ ...submission(1), id: '' }), TypeError)
  await t.rejects(outbox.append({ ...submission(1), createdAt: 'yesterday' }), TypeError)
  await t.rejects(outbox.append({ ...submission(1), data: [] as unknown as Record<string, unknown> }), TypeError)
  await t.rejects(openSegmentOutbox(options(testDir(t), { key: randomBytes(16) })), TypeError)
  t.equal(outbox.depth(), 0)
})

t.test('works with a key from the key file', async (t) => {
  const dir = testDir(t)
  const key = await loadOrCreateKey(join(dir, 'keys', 'outbox.key'))
  const outbox = await openSegmentOutbox(options(join(dir, 'outbox'), { key }))
  t.teardown(() => outbox.close())
  await outbox.append(submission(1))
  t.strictSame(await outbox.read('sub-1'), submission(1))
})
