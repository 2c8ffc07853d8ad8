import { existsSync } from 'node:fs'
import { readdir, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { sealJson } from '../../../runtime/crypto/field-cipher.js'
import { encodeFrame } from '../../../runtime/outbox/journal-frame.js'
import { nodeOutboxFiles } from '../../../runtime/outbox/outbox-files.js'
import type { Submission } from '../../../runtime/outbox/outbox-types.js'
import { openSegmentOutbox } from '../../../runtime/outbox/segment-outbox.js'
import { pendingSubmissions } from '../../support/outbox-contents.js'
import { KEY, options, segmentNames, submission } from './fixtures.js'
import { testDir } from '../../support/test-dir.js'

/**
 * The v1 journal as the previous release wrote it (frozen here: nothing in the runtime writes v1):
 * one file of `[len u32 BE][crc32 u32 BE][JSON]` frames, adds with the data sealed to the id, acks by id.
 */
function v1Add(s: Submission): Buffer {
  return encodeFrame(
    Buffer.from(JSON.stringify({ t: 'add', id: s.id, flow: s.flow, flowVersion: s.flowVersion, createdAt: s.createdAt, data: sealJson(KEY, s.data, s.id) })),
  )
}
function v1Ack(id: string): Buffer {
  return encodeFrame(Buffer.from(JSON.stringify({ t: 'ack', id })))
}

async function writeV1(dir: string, frames: Buffer[]): Promise<void> {
  await writeFile(join(dir, 'outbox.journal'), Buffer.concat(frames), { mode: 0o600 })
}

const V1_FRAMES = [v1Add(submission(1)), v1Add(submission(2)), v1Add(submission(3)), v1Ack('sub-2')]

t.test('moves the pending records of a v1 journal into segments on first open, then renames it', async (t) => {
  const dir = testDir(t)
  await writeV1(dir, V1_FRAMES)
  const outbox = await openSegmentOutbox(options(dir))
  t.equal(outbox.recovery.migratedV1Records, 2)
  t.strictSame(await pendingSubmissions(outbox), [submission(1), submission(3)])
  t.notOk(existsSync(join(dir, 'outbox.journal')))
  t.ok(existsSync(join(dir, 'outbox.journal.migrated-v1')))
  await outbox.close()
  const again = await openSegmentOutbox(options(dir))
  t.teardown(() => again.close())
  t.equal(again.recovery.migratedV1Records, 0, 'only once')
  t.strictSame(await pendingSubmissions(again), [submission(1), submission(3)])
})

t.test('a crash after the copy but before the rename neither loses nor duplicates', async (t) => {
  const dir = testDir(t)
  await writeV1(dir, V1_FRAMES)
  const crashing = {
    ...nodeOutboxFiles,
    rename: async (from: string, to: string) => {
      if (from.endsWith('outbox.journal')) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' })
      return nodeOutboxFiles.rename(from, to)
    },
  }
  await t.rejects(openSegmentOutbox(options(dir, { files: crashing })), { code: 'E_OUTBOX_IO' })
  t.ok(existsSync(join(dir, 'outbox.journal')), 'the v1 journal is still there')
  const outbox = await openSegmentOutbox(options(dir))
  t.teardown(() => outbox.close())
  t.strictSame(await pendingSubmissions(outbox), [submission(1), submission(3)])
  t.equal(outbox.depth(), 2)
})

t.test('a crash in the middle of writing the migrated records neither loses nor duplicates', async (t) => {
  const dir = testDir(t)
  await writeV1(dir, V1_FRAMES)
  const crashing = {
    ...nodeOutboxFiles,
    rename: async (from: string, to: string) => {
      if (from.endsWith('outbox.journal')) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' })
      return nodeOutboxFiles.rename(from, to)
    },
  }
  await t.rejects(openSegmentOutbox(options(dir, { files: crashing })))
  // As if power went while the last migrated record was being written: half of it on disk.
  const segment = join(dir, (await segmentNames(dir))[0] ?? '')
  await truncate(segment, (await stat(segment)).size - 100)
  const outbox = await openSegmentOutbox(options(dir))
  t.teardown(() => outbox.close())
  t.ok(outbox.recovery.tornBytesDropped > 0)
  t.strictSame(await pendingSubmissions(outbox), [submission(1), submission(3)])
})

t.test('a v1 journal damaged in the middle: a copy is kept, every intact record after the damage migrates', async (t) => {
  const dir = testDir(t)
  const [a, b, c] = [v1Add(submission(1)), v1Add(submission(2)), v1Add(submission(3))]
  await writeV1(dir, [a, Buffer.from([0x42, 0x42, 0x42]), b, c])
  const outbox = await openSegmentOutbox(options(dir))
  t.teardown(() => outbox.close())
  t.strictSame((await pendingSubmissions(outbox)).map((s) => s.id), ['sub-1', 'sub-2', 'sub-3'])
  t.equal(outbox.damage().damagedBytes, 3)
  t.equal(outbox.damage().damagedRegions, 1)
  t.equal((await readdir(dir)).filter((name) => name.startsWith('outbox.journal.damaged-')).length, 1)
})

t.test('a v1 journal of random bytes is kept in a copy, not migrated, and reported', async (t) => {
  const dir = testDir(t)
  await writeFile(join(dir, 'outbox.journal'), Buffer.from('not a journal at all, just some bytes '.repeat(40000)))
  const outbox = await openSegmentOutbox(options(dir))
  t.teardown(() => outbox.close())
  t.equal(outbox.depth(), 0)
  t.ok(outbox.damage().damagedBytes > 1024 * 1024)
  t.equal((await readdir(dir)).filter((name) => name.startsWith('outbox.journal.damaged-')).length, 1)
})
