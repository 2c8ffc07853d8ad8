import { open, writeFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { CoalescedReads, MAX_GAP_BYTES, MAX_RUN_BYTES } from '../../../runtime/outbox/coalesced-reads.js'
import { testDir } from '../../support/test-dir.js'

/** Real files; the handle's read is counted so the test sees how many reads reached the disk. */
async function rig(t: Test, sizes: Record<number, number>) {
  const dir = testDir(t, {})
  const contents = new Map<number, Buffer>()
  const handles: FileHandle[] = []
  const reads: Array<{ segment: number; position: number; length: number }> = []
  for (const [segment, size] of Object.entries(sizes)) {
    const bytes = Buffer.alloc(size)
    for (let i = 0; i < size; i++) bytes[i] = (i * 7 + Number(segment)) & 0xff
    contents.set(Number(segment), bytes)
    await writeFile(join(dir, `seg-${segment}`), bytes)
  }
  t.teardown(() => Promise.all(handles.map((h) => h.close())))
  const reader = new CoalescedReads(async (segment) => {
    const handle = await open(join(dir, `seg-${segment}`), 'r')
    handles.push(handle)
    const read = handle.read.bind(handle) as (b: Buffer, o: number, l: number, p: number) => ReturnType<FileHandle['read']>
    return Object.assign(Object.create(handle) as FileHandle, {
      read: (buffer: Buffer, offset: number, length: number, position: number) => {
        reads.push({ segment, position, length })
        return read(buffer, offset, length, position)
      },
    })
  })
  return { reader, reads, contents }
}

t.test('frames asked for in one turn are read together per run of neighbours, each caller gets its own bytes', async (t) => {
  const { reader, reads, contents } = await rig(t, { 1: 4 * MAX_GAP_BYTES, 2: 4096 })
  const asked = [
    { segment: 1, offset: 1000, length: 300 },
    { segment: 1, offset: 100, length: 900 }, // asked out of order, adjacent to the first
    { segment: 1, offset: 1300 + 50, length: 20 }, // a small gap
    { segment: 1, offset: 1370 + MAX_GAP_BYTES + 1, length: 10 }, // too far: its own read
    { segment: 2, offset: 0, length: 64 }, // another segment: its own read
  ]
  const results = await Promise.all(asked.map((a) => reader.read(a.segment, a.offset, a.length)))
  t.equal(reads.length, 3, 'three reads for five frames')
  t.same(reads[0], { segment: 1, position: 100, length: 1370 - 100 })
  for (const [i, a] of asked.entries()) {
    const expected = (contents.get(a.segment) as Buffer).subarray(a.offset, a.offset + a.length)
    t.same(Buffer.from(results[i]!.bytes), expected, `frame ${i} has its own bytes`)
    t.equal(results[i]!.bytesRead, a.length)
  }
  // A later turn reads again.
  await reader.read(2, 100, 10)
  t.equal(reads.length, 4)
})

t.test('a run never grows past its largest read', async (t) => {
  const frameBytes = 64 * 1024
  const { reader, reads } = await rig(t, { 1: 2 * MAX_RUN_BYTES + frameBytes })
  const count = (2 * MAX_RUN_BYTES) / frameBytes
  await Promise.all(Array.from({ length: count }, (_, i) => reader.read(1, i * frameBytes, frameBytes)))
  t.equal(reads.length, 2)
  t.ok(reads.every((r) => r.length <= MAX_RUN_BYTES))
})

t.test('a read past the end shows as fewer bytes, and a failed read rejects every frame of its run only', async (t) => {
  const { reader } = await rig(t, { 1: 1000 })
  const [inside, short] = await Promise.all([reader.read(1, 0, 500), reader.read(1, 900, 300)])
  t.equal(inside.bytesRead, 500)
  t.equal(short.bytesRead, 100, 'the frame the file cut short says so')

  const opened: FileHandle[] = []
  t.teardown(() => Promise.all(opened.map((h) => h.close())))
  const dir = testDir(t, { f: 'abc' })
  const failing = new CoalescedReads(async (segment) => {
    if (segment === 9) throw Object.assign(new Error('EIO'), { code: 'EIO' })
    const handle = await open(join(dir, 'f'), 'r')
    opened.push(handle)
    return handle
  })
  const outcomes = await Promise.allSettled([failing.read(9, 0, 1), failing.read(9, 1, 1), failing.read(1, 0, 3)])
  t.same(outcomes.map((o) => o.status), ['rejected', 'rejected', 'fulfilled'])
})
