import { appendFile, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { encodeFrame } from '../../../runtime/outbox/journal-frame.js'
import { openJournal } from '../../../runtime/outbox/journal.js'
import { SimClock } from '../../../runtime/sim-clock.js'

const clock = new SimClock(Date.UTC(2026, 0, 2))

t.test('appends records that read back in order after reopening', async (t) => {
  const path = join(t.testdir(), 'j.journal')
  const first = await openJournal(path, { clock })
  t.strictSame(first.entries, [])
  const sizes = [await first.journal.append({ n: 1 }), await first.journal.append({ n: 2, text: 'Hà Nội' })]
  await first.journal.close()
  const again = await openJournal(path, { clock })
  t.teardown(() => again.journal.close())
  t.strictSame(again.entries.map((entry) => entry.value), [{ n: 1 }, { n: 2, text: 'Hà Nội' }])
  t.strictSame(again.entries.map((entry) => entry.frameBytes), sizes)
  t.equal(again.journal.sizeBytes, (await stat(path)).size)
  t.equal(again.recovery.end, 'clean')
})

t.test('creates the journal file readable by its owner only', async (t) => {
  const path = join(t.testdir(), 'j.journal')
  const { journal } = await openJournal(path, { clock })
  t.teardown(() => journal.close())
  t.equal((await stat(path)).mode & 0o777, 0o600)
})

t.test('serialises concurrent appends so each lands whole, in call order', async (t) => {
  const path = join(t.testdir(), 'j.journal')
  const { journal } = await openJournal(path, { clock })
  await Promise.all(Array.from({ length: 30 }, (_, n) => journal.append({ n, pad: 'x'.repeat(n * 10) })))
  await journal.close()
  const again = await openJournal(path, { clock })
  t.teardown(() => again.journal.close())
  t.strictSame(
    again.entries.map((entry) => (entry.value as { n: number }).n),
    Array.from({ length: 30 }, (_, n) => n),
  )
})

t.test('cuts off a torn last record and keeps every earlier one', async (t) => {
  const path = join(t.testdir(), 'j.journal')
  const { journal } = await openJournal(path, { clock })
  await journal.append({ n: 1 })
  await journal.append({ n: 2 })
  const goodBytes = journal.sizeBytes
  await journal.append({ n: 3 })
  await journal.close()
  await truncate(path, (await stat(path)).size - 3)

  const again = await openJournal(path, { clock })
  t.strictSame(again.entries.map((entry) => entry.value), [{ n: 1 }, { n: 2 }])
  t.equal(again.recovery.end, 'torn')
  t.equal(again.recovery.tornBytesDropped, encodeFrame(new TextEncoder().encode('{"n":3}')).length - 3)
  t.equal((await stat(path)).size, goodBytes, 'the tail is truncated on disk')
  await again.journal.append({ n: 4 })
  await again.journal.close()

  const third = await openJournal(path, { clock })
  t.teardown(() => third.journal.close())
  t.strictSame(third.entries.map((entry) => entry.value), [{ n: 1 }, { n: 2 }, { n: 4 }])
  t.equal(third.recovery.end, 'clean')
})

t.test('drops garbage appended after the last record', async (t) => {
  const path = join(t.testdir(), 'j.journal')
  const { journal } = await openJournal(path, { clock })
  await journal.append({ n: 1 })
  await journal.close()
  await appendFile(path, 'garbage!')
  const again = await openJournal(path, { clock })
  t.teardown(() => again.journal.close())
  t.strictSame(again.entries.map((entry) => entry.value), [{ n: 1 }])
  t.equal(again.recovery.tornBytesDropped, 8)
  t.equal(again.recovery.damagedPath, null)
})

t.test('keeps a file damaged mid-way aside and starts over with the readable records', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'j.journal')
  const { journal } = await openJournal(path, { clock })
  await journal.append({ n: 1 })
  const damageAt = journal.sizeBytes + 10
  await journal.append({ n: 2, pad: 'abcdefgh' })
  await journal.append({ n: 3 })
  await journal.close()
  const original = await readFile(path)
  const damaged = Buffer.from(original)
  damaged[damageAt] = (damaged[damageAt] ?? 0) ^ 0xff
  await writeFile(path, damaged)

  const again = await openJournal(path, { clock })
  t.strictSame(again.entries.map((entry) => entry.value), [{ n: 1 }])
  t.equal(again.recovery.end, 'corrupt')
  t.equal(again.recovery.damagedPath, `${path}.damaged-${clock.now()}`)
  t.equal(again.recovery.unreadableBytes, damaged.length - (damageAt - 10))
  t.strictSame(await readFile(again.recovery.damagedPath ?? ''), damaged, 'the damaged file is kept byte for byte')
  await again.journal.append({ n: 4 })
  await again.journal.close()

  const third = await openJournal(path, { clock })
  t.teardown(() => third.journal.close())
  t.strictSame(third.entries.map((entry) => entry.value), [{ n: 1 }, { n: 4 }])
  t.equal(third.recovery.end, 'clean')
  t.strictSame((await readdir(dir)).sort(), ['j.journal', `j.journal.damaged-${clock.now()}`])
})

t.test('does not overwrite an earlier damaged copy with the same stamp', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'j.journal')
  const middle = Buffer.from(encodeFrame(new TextEncoder().encode('{"n":2}')))
  middle[middle.length - 2] = (middle[middle.length - 2] ?? 0) ^ 0x01
  const bad = Buffer.concat([encodeFrame(new TextEncoder().encode('{"n":1}')), middle, encodeFrame(new TextEncoder().encode('{}'))])
  await writeFile(path, bad)
  const first = await openJournal(path, { clock })
  await first.journal.close()
  await writeFile(path, bad)
  const second = await openJournal(path, { clock })
  await second.journal.close()
  t.not(first.recovery.damagedPath, second.recovery.damagedPath)
  t.equal((await readdir(dir)).filter((name) => name.includes('.damaged-')).length, 2)
})

t.test('treats a whole frame that is not JSON as damage', async (t) => {
  const path = join(t.testdir(), 'j.journal')
  await writeFile(
    path,
    Buffer.concat([encodeFrame(new TextEncoder().encode('{"n":1}')), encodeFrame(new TextEncoder().encode('{not json'))]),
  )
  const { journal, entries, recovery } = await openJournal(path, { clock })
  t.teardown(() => journal.close())
  t.strictSame(entries.map((entry) => entry.value), [{ n: 1 }])
  t.equal(recovery.end, 'corrupt')
  t.type(recovery.damagedPath, 'string')
})

t.test('refuses an append past the limit with E_OUTBOX_FULL and writes nothing', async (t) => {
  const path = join(t.testdir(), 'j.journal')
  const { journal } = await openJournal(path, { clock })
  t.teardown(() => journal.close())
  const frameBytes = await journal.append({ n: 1 }, 40)
  await t.rejects(journal.append({ n: 2, pad: 'x'.repeat(40) }, 40), { code: 'E_OUTBOX_FULL' })
  t.equal(journal.sizeBytes, frameBytes)
  t.equal((await stat(path)).size, frameBytes)
})

t.test('compaction replaces the contents atomically and later appends follow them', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'j.journal')
  const { journal } = await openJournal(path, { clock })
  for (let n = 0; n < 5; n++) await journal.append({ n })
  await journal.compact([{ n: 3 }, { n: 4 }])
  await journal.append({ n: 5 })
  t.equal(journal.sizeBytes, (await stat(path)).size)
  await journal.close()
  t.strictSame(await readdir(dir), ['j.journal'], 'no temp file is left behind')
  t.equal((await stat(path)).mode & 0o777, 0o600)
  const again = await openJournal(path, { clock })
  t.teardown(() => again.journal.close())
  t.strictSame(again.entries.map((entry) => entry.value), [{ n: 3 }, { n: 4 }, { n: 5 }])
})

t.test('a second opener sees every record a first one fsync\'d without closing', async (t) => {
  const path = join(t.testdir(), 'j.journal')
  const crashed = await openJournal(path, { clock })
  await crashed.journal.append({ n: 1 })
  await crashed.journal.append({ n: 2 })
  const restarted = await openJournal(path, { clock })
  t.teardown(async () => {
    await restarted.journal.close()
    await crashed.journal.close()
  })
  t.strictSame(restarted.entries.map((entry) => entry.value), [{ n: 1 }, { n: 2 }])
})

t.test('rejects appends after close with E_OUTBOX_IO, and close is idempotent', async (t) => {
  const path = join(t.testdir(), 'j.journal')
  const { journal } = await openJournal(path, { clock })
  await journal.close()
  await journal.close()
  await t.rejects(journal.append({ n: 1 }), { code: 'E_OUTBOX_IO' })
  await t.rejects(journal.compact([]), { code: 'E_OUTBOX_IO' })
})

t.test('rejects with E_OUTBOX_IO when the journal cannot be opened', async (t) => {
  const path = join(t.testdir(), 'missing-folder', 'j.journal')
  await t.rejects(openJournal(path, { clock }), { code: 'E_OUTBOX_IO' })
})

t.test('rejects values JSON cannot represent without writing anything', async (t) => {
  const path = join(t.testdir(), 'j.journal')
  const { journal } = await openJournal(path, { clock })
  t.teardown(() => journal.close())
  await t.rejects(journal.append(undefined), TypeError)
  await t.rejects(journal.compact([{ n: 1n }]), TypeError)
  t.equal((await stat(path)).size, 0)
})
