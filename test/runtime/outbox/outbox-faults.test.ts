import { randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openSegmentOutbox } from '../../../runtime/outbox/segment-outbox.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { pendingSubmissions } from '../../support/outbox-contents.js'
import { waitUntil } from '../../support/wait-until.js'
import { captureLog, faultyFiles, options, submission } from './fixtures.js'
import { testDir } from '../../support/test-dir.js'

t.test('ENOSPC on append: rejected E_OUTBOX_FULL, the partial write cut off, nothing accepted lost', async (t) => {
  const dir = testDir(t)
  const fs = faultyFiles()
  const clock = new SimClock(Date.UTC(2026, 0, 2))
  const outbox = await openSegmentOutbox(options(dir, { files: fs.files, clock }))
  await outbox.append(submission(1))
  fs.failWrites = { errno: 'ENOSPC', match: /^seg-/ }
  await t.rejects(outbox.append(submission(2)), { code: 'E_OUTBOX_FULL', context: { errno: 'ENOSPC' } })
  t.strictSame(outbox.storage(), { state: 'full', reason: 'write-failed' })
  await t.rejects(outbox.append(submission(3)), { code: 'E_OUTBOX_FULL', context: { reason: 'write-failed' } })
  fs.failWrites = null
  clock.advance(1000)
  t.strictSame(outbox.storage(), { state: 'ok' }, 'space seen again after the failure')
  await outbox.append(submission(4))
  await outbox.close()
  const again = await openSegmentOutbox(options(dir))
  t.teardown(() => again.close())
  t.strictSame((await pendingSubmissions(again)).map((s) => s.id), ['sub-1', 'sub-4'])
  t.equal(again.recovery.tornBytesDropped, 0, 'no half record was left behind')
  t.equal(again.damage().damagedRegions, 0)
})

t.test('an ack that cannot be written still takes the id out of the queue, resolves, and lands with the next write', async (t) => {
  const dir = testDir(t)
  const fs = faultyFiles()
  const { log, lines } = captureLog()
  const outbox = await openSegmentOutbox(options(dir, { files: fs.files, log }))
  for (const n of [1, 2, 3]) await outbox.append(submission(n))
  fs.failWrites = { errno: 'ENOSPC', match: /^seg-/ }
  await outbox.markDelivered('sub-1')
  await outbox.markDelivered('sub-2')
  t.equal(outbox.depth(), 1, 'the drain is not held up')
  t.strictSame(outbox.pendingFrom(0, 10).map((ref) => ref.id), ['sub-3'])
  t.equal(lines.filter((line) => String(line['msg']).startsWith('outbox write failed')).length, 1, 'warned once')
  fs.failWrites = null
  await outbox.markDelivered('sub-3')
  await outbox.close()
  const again = await openSegmentOutbox(options(dir))
  t.teardown(() => again.close())
  t.equal(again.depth(), 0, 'the kept acks were written with the next one')
})

t.test('acks kept after ENOSPC are retried on a timer when nothing else writes', async (t) => {
  const dir = testDir(t)
  const fs = faultyFiles()
  const clock = new SimClock(Date.UTC(2026, 0, 2))
  const outbox = await openSegmentOutbox(options(dir, { files: fs.files, clock }))
  await outbox.append(submission(1))
  await outbox.append(submission(2))
  fs.failWrites = { errno: 'ENOSPC', match: /^seg-/ }
  await outbox.markDelivered('sub-1')
  fs.failWrites = null
  const syncs = fs.datasyncs
  clock.advance(5000)
  await waitUntil('the retried ack synced', () => fs.datasyncs > syncs)
  // A crash now (no close) must not bring sub-1 back.
  const again = await openSegmentOutbox(options(dir))
  t.teardown(async () => {
    await again.close()
    await outbox.close()
  })
  t.strictSame(again.pendingFrom(0, 10).map((ref) => ref.id), ['sub-2'])
})

t.test('EIO on a write poisons the outbox: appends reject E_OUTBOX_IO, acks still leave the queue', async (t) => {
  const fs = faultyFiles()
  const outbox = await openSegmentOutbox(options(testDir(t), { files: fs.files }))
  t.teardown(() => outbox.close())
  await outbox.append(submission(1))
  await outbox.append(submission(2))
  fs.failWrites = { errno: 'EIO', match: /^seg-/ }
  await t.rejects(outbox.append(submission(3)), { code: 'E_OUTBOX_IO', context: { errno: 'EIO' } })
  fs.failWrites = null
  await t.rejects(outbox.append(submission(4)), { code: 'E_OUTBOX_IO' }, 'stays poisoned')
  t.strictSame(outbox.storage(), { state: 'full', reason: 'write-failed' })
  await outbox.markDelivered('sub-1')
  t.equal(outbox.depth(), 1)
  t.ok(await outbox.read('sub-2'), 'pending records can still be read and sent')
})

t.test('a record sealed with another key is set aside when read: reported, out of the depth, acked, kept in aside.log', async (t) => {
  const dir = testDir(t)
  const other = await openSegmentOutbox(options(dir, { key: randomBytes(32) }))
  await other.append(submission(1))
  await other.close()
  const { log, lines } = captureLog()
  const outbox = await openSegmentOutbox(options(dir, { log }))
  await outbox.append(submission(2))
  const seen: Array<[string, number]> = []
  outbox.onSetAside((code, count) => void seen.push([code, count]))
  t.equal(outbox.depth(), 2)
  t.equal(await outbox.read('sub-1'), null)
  t.equal(outbox.depth(), 1)
  t.strictSame(outbox.damage().setAside, { undecryptable: 1, damaged: 0 })
  t.strictSame(seen, [['undecryptable', 1]])
  t.strictSame(outbox.pendingFrom(0, 10).map((ref) => ref.id), ['sub-2'], 'it does not block the queue')
  t.notMatch(JSON.stringify(lines), /079203000001|Nguy/, 'no personal data logged')
  const aside = readFileSync(join(dir, 'aside.log'))
  t.ok(aside.includes(Buffer.from('sub-1')), 'the sealed record is kept for a human')
  t.notOk(aside.includes(Buffer.from('079203000001')), 'still sealed')
  await outbox.close()

  const again = await openSegmentOutbox(options(dir))
  t.teardown(() => again.close())
  t.equal(again.depth(), 1, 'acked: not pending after a restart')
  t.strictSame(again.damage().setAside, { undecryptable: 1, damaged: 0 }, 'still reported from aside.log')
  const replayed: Array<[string, number]> = []
  again.onSetAside((code, count) => void replayed.push([code, count]))
  t.strictSame(replayed, [['undecryptable', 1]], 'a listener hears what open found')
})

t.test('a real full filesystem (tmpfs): refused before it is full, nothing accepted lost, recovers as delivery frees space', async (t) => {
  // Outside tap's fixture dir, which tap removes before teardowns run.
  const mount = mkdtempSync(join(tmpdir(), 'outbox-tmpfs-'))
  t.teardown(() => rmSync(mount, { recursive: true, force: true }))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount])
  } catch (error) {
    t.fail(`cannot mount a tmpfs here: ${String(error)}`)
    return
  }
  t.teardown(() => void execFileSync('umount', [mount]))
  const dir = join(mount, 'outbox')
  const clock = new SimClock(Date.UTC(2026, 0, 2))
  const open = () => openSegmentOutbox(options(dir, { clock, maxBytes: 64 * 1024 * 1024, segmentBytes: 128 * 1024, reserveBytes: 200 * 1024 }))
  const outbox = await open()
  const accepted: string[] = []
  let refusal: unknown
  for (let n = 0; n < 2000 && !refusal; n++) {
    try {
      await outbox.append(submission(n, { pad: 'q'.repeat(2000) }))
      accepted.push(`sub-${n}`)
    } catch (error) {
      refusal = error
    }
    clock.advance(1000)
  }
  t.match(refusal, { code: 'E_OUTBOX_FULL', context: { reason: 'disk-reserve' } }, 'refused before the disk is full')
  t.equal(outbox.storage().state, 'full')
  t.ok(accepted.length > 50, `${accepted.length} accepted before refusing`)
  // Deliver the oldest half: whole segments go, space comes back, new submissions are taken.
  for (const id of accepted.slice(0, Math.floor(accepted.length / 2))) await outbox.markDelivered(id)
  clock.advance(1000)
  t.strictSame(outbox.storage(), { state: 'ok' })
  await outbox.append(submission(5000))
  await outbox.close()
  const again = await open()
  t.teardown(() => again.close())
  const left = (await pendingSubmissions(again)).map((s) => s.id)
  t.strictSame(left, [...accepted.slice(Math.floor(accepted.length / 2)), 'sub-5000'])
})
