import { randomBytes } from 'node:crypto'
import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { FILE_HEADER_BYTES } from '../../../runtime/outbox/segment-format.js'
import { openSegmentOutbox, type SegmentOutboxOptions } from '../../../runtime/outbox/segment-outbox.js'
import { pendingSubmissions } from '../../support/outbox-contents.js'
import { captureLog, options, segmentNames, submission } from './fixtures.js'
import { testDir } from '../../support/test-dir.js'

/** Offsets and sizes of the frames in a segment file, walking the length fields (the file must be clean). */
function frames(bytes: Buffer): Array<{ offset: number; size: number }> {
  const out: Array<{ offset: number; size: number }> = []
  for (let at = FILE_HEADER_BYTES; at < bytes.length; ) {
    const size = 8 + bytes.readUInt32BE(at)
    out.push({ offset: at, size })
    at += size
  }
  return out
}

/** An outbox dir with records 1..count, closed; returns the path of its (first) segment. */
async function outboxWith(t: Test, count: number, overrides: Partial<SegmentOutboxOptions> = {}): Promise<{ dir: string; segment: string }> {
  const dir = testDir(t)
  const outbox = await openSegmentOutbox(options(dir, overrides))
  for (let n = 1; n <= count; n++) await outbox.append(submission(n))
  await outbox.close()
  return { dir, segment: join(dir, (await segmentNames(dir))[0] ?? '') }
}

async function damagedCopies(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.includes('.damaged-'))
}

async function reopen(t: Test, dir: string, overrides: Partial<SegmentOutboxOptions> = {}) {
  const { log, lines } = captureLog()
  const outbox = await openSegmentOutbox(options(dir, { log, ...overrides }))
  t.teardown(() => outbox.close())
  return { outbox, lines, ids: (await pendingSubmissions(outbox)).map((s) => s.id) }
}

const ids = (...ns: number[]): string[] => ns.map((n) => `sub-${n}`)

t.test('a partial last write is a torn tail: cut off, reported, no damaged copy', async (t) => {
  const { dir, segment } = await outboxWith(t, 5)
  const sizeBefore = (await stat(segment)).size
  const whole = await readFile(segment)
  const last = frames(whole).at(-1) as { offset: number; size: number }
  // As if the crash came halfway through writing the next record: the first 30 bytes of one.
  await appendFile(segment, whole.subarray(last.offset, last.offset + 30))
  const { outbox, ids: kept } = await reopen(t, dir)
  t.strictSame(kept, ids(1, 2, 3, 4, 5))
  t.equal(outbox.recovery.tornBytesDropped, 30)
  t.equal(outbox.damage().damagedRegions, 0)
  t.equal((await stat(segment)).size, sizeBefore)
  t.strictSame(await damagedCopies(dir), [])
  await outbox.append(submission(6))
  t.equal(outbox.depth(), 6)
})

t.test('zero fill at the end of the last segment is a torn tail', async (t) => {
  const { dir, segment } = await outboxWith(t, 3)
  await appendFile(segment, Buffer.alloc(4096))
  const { outbox, ids: kept } = await reopen(t, dir)
  t.strictSame(kept, ids(1, 2, 3))
  t.equal(outbox.recovery.tornBytesDropped, 4096)
  t.strictSame(await damagedCopies(dir), [])
})

for (const [name, flip] of [
  ['a flipped high bit of a length (over 16 MiB)', (bytes: Buffer, at: number) => void (bytes[at] = (bytes[at] as number) ^ 0x80)],
  ['a flipped bit that makes a length claim past the end of the file', (bytes: Buffer, at: number) => void (bytes[at + 1] = (bytes[at + 1] as number) ^ 0x10)],
] as const) {
  t.test(`${name} in the first record loses only that record; the rest are kept and the loss reported`, async (t) => {
    const { dir, segment } = await outboxWith(t, 5)
    const bytes = await readFile(segment)
    const first = frames(bytes)[0] as { offset: number; size: number }
    flip(bytes, first.offset)
    await writeFile(segment, bytes)
    const { outbox, ids: kept, lines } = await reopen(t, dir)
    t.strictSame(kept, ids(2, 3, 4, 5))
    t.equal(outbox.depth(), 4)
    t.strictSame(outbox.damage(), { setAside: { undecryptable: 0, damaged: 1 }, damagedBytes: first.size, damagedRegions: 1 })
    t.equal(outbox.recovery.tornBytesDropped, 0)
    const copies = await damagedCopies(dir)
    t.equal(copies.length, 1)
    t.strictSame(await readFile(join(dir, copies[0] ?? '')), bytes, 'the copy is the file as found')
    t.equal((await stat(join(dir, copies[0] ?? ''))).mode & 0o777, 0o600)
    const line = lines.find((entry) => entry['damagedRegions'] === 1)
    t.ok(line, 'a log line with the counts')
    t.notMatch(JSON.stringify(lines), /079203000001|Nguy/, 'no personal data logged')
  })
}

t.test('a stray byte between two records loses nothing', async (t) => {
  const { dir, segment } = await outboxWith(t, 5)
  const bytes = await readFile(segment)
  const third = frames(bytes)[2] as { offset: number; size: number }
  await writeFile(segment, Buffer.concat([bytes.subarray(0, third.offset), Buffer.from([0x5a]), bytes.subarray(third.offset)]))
  const { outbox, ids: kept } = await reopen(t, dir)
  t.strictSame(kept, ids(1, 2, 3, 4, 5))
  t.equal(outbox.damage().damagedBytes, 1)
  t.equal(outbox.damage().damagedRegions, 1)
})

t.test('the same damage is copied once: the segment is rewritten without it, and the next open is clean', async (t) => {
  const { dir, segment } = await outboxWith(t, 5)
  const bytes = await readFile(segment)
  const second = frames(bytes)[1] as { offset: number; size: number }
  bytes[second.offset + 20] = (bytes[second.offset + 20] as number) ^ 0x01
  await writeFile(segment, bytes)
  const first = await openSegmentOutbox(options(dir))
  t.equal(first.damage().damagedRegions, 1)
  await first.append(submission(6))
  await first.close()
  const { outbox, ids: kept } = await reopen(t, dir)
  t.strictSame(kept, ids(1, 3, 4, 5, 6))
  t.equal(outbox.damage().damagedRegions, 0)
  t.equal((await damagedCopies(dir)).length, 1)
})

t.test('a segment of random bytes is copied aside and replaced by a fresh one; never cut to nothing without a copy', async (t) => {
  const dir = testDir(t)
  const garbage = randomBytes(20_000)
  await writeFile(join(dir, 'seg-00000001.log'), garbage)
  const { outbox, ids: kept } = await reopen(t, dir)
  t.strictSame(kept, [])
  t.equal(outbox.damage().damagedBytes, 20_000)
  t.equal(outbox.damage().damagedRegions, 1)
  const copies = await damagedCopies(dir)
  t.equal(copies.length, 1)
  t.strictSame(await readFile(join(dir, copies[0] ?? '')), garbage)
  await outbox.append(submission(1))
  t.strictSame((await pendingSubmissions(outbox)).map((s) => s.id), ids(1))
})

t.test('a random-bytes file that hides valid frames keeps them', async (t) => {
  const { dir, segment } = await outboxWith(t, 3)
  const bytes = await readFile(segment)
  // A bad header in front of intact records: the header is damage, the records are kept.
  await writeFile(segment, Buffer.concat([randomBytes(FILE_HEADER_BYTES + 100), bytes.subarray(FILE_HEADER_BYTES)]))
  const { outbox, ids: kept } = await reopen(t, dir)
  t.strictSame(kept, ids(1, 2, 3))
  t.equal(outbox.damage().damagedBytes, FILE_HEADER_BYTES + 100)
})

t.test('damage in a segment that is not the last: its intact records and every later segment are kept', async (t) => {
  const { dir } = await outboxWith(t, 20, { segmentBytes: 2048 })
  const names = await segmentNames(dir)
  t.ok(names.length >= 3, `${names.length} segments`)
  const firstPath = join(dir, names[0] ?? '')
  const bytes = await readFile(firstPath)
  const inFirst = frames(bytes)
  t.ok(inFirst.length >= 2)
  const victim = inFirst[0] as { offset: number; size: number }
  bytes[victim.offset + victim.size - 3] = (bytes[victim.offset + victim.size - 3] as number) ^ 0xff
  await writeFile(firstPath, bytes)
  const { outbox, ids: kept } = await reopen(t, dir, { segmentBytes: 2048 })
  t.strictSame(kept, ids(...Array.from({ length: 19 }, (_, i) => i + 2)))
  t.equal(outbox.damage().damagedRegions, 1)
  t.equal((await damagedCopies(dir)).length, 1)
})

t.test('a bad tail on a segment that is not the last is damage, not a torn write', async (t) => {
  const { dir } = await outboxWith(t, 12, { segmentBytes: 2048 })
  const names = await segmentNames(dir)
  await appendFile(join(dir, names[0] ?? ''), randomBytes(40))
  const { outbox, ids: kept } = await reopen(t, dir, { segmentBytes: 2048 })
  t.equal(kept.length, 12)
  t.equal(outbox.recovery.tornBytesDropped, 0)
  t.equal(outbox.damage().damagedBytes, 40)
  t.equal((await damagedCopies(dir)).length, 1)
})

t.test('a bad tail longer than one group commit on the last segment is damage, kept in a copy', async (t) => {
  const { dir, segment } = await outboxWith(t, 2)
  await appendFile(segment, randomBytes(1024 * 1024 + 100))
  const { outbox, ids: kept } = await reopen(t, dir)
  t.strictSame(kept, ids(1, 2))
  t.equal(outbox.recovery.tornBytesDropped, 0)
  t.equal(outbox.damage().damagedBytes, 1024 * 1024 + 100)
  t.equal((await damagedCopies(dir)).length, 1)
})

t.test('a record whose bytes rot after open is set aside as damaged when read', async (t) => {
  const { dir, segment } = await outboxWith(t, 3)
  const opened = await openSegmentOutbox(options(dir))
  t.teardown(() => opened.close())
  const bytes = await readFile(segment)
  const second = frames(bytes)[1] as { offset: number; size: number }
  bytes[second.offset + 30] = (bytes[second.offset + 30] as number) ^ 0x02
  await writeFile(segment, bytes)
  const seen: Array<[string, number]> = []
  opened.onSetAside((code, count) => void seen.push([code, count]))
  t.equal(await opened.read('sub-2'), null)
  t.equal(opened.depth(), 2)
  t.strictSame(opened.damage().setAside, { undecryptable: 0, damaged: 1 })
  t.strictSame(seen, [['damaged', 1]])
  t.ok((await readdir(dir)).includes('aside.log'))
})
