import { randomBytes } from 'node:crypto'
import { readdir, readFile, stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { loadOrCreateKey } from '../../../runtime/crypto/key-file.js'
import { createLogger } from '../../../runtime/log.js'
import { JOURNAL_FILE_NAME, openJournalOutbox, type JournalOutboxOptions } from '../../../runtime/outbox/journal-outbox.js'
import type { Submission } from '../../../runtime/outbox/outbox-types.js'
import { SimClock } from '../../../runtime/sim-clock.js'

/** From vectors.json cccd/qr_valid_hcm_male_2003. */
const CITIZEN_ID = '079203000001'
const CITIZEN_NAME = 'Nguyễn Văn An'
const CITIZEN_ADDRESS = '12 Lê Lợi, Phường Bến Thành'

function submission(n: number, extra: Record<string, unknown> = {}): Submission {
  return {
    id: `sub-${n}`,
    flow: 'health-insurance',
    flowVersion: 3,
    createdAt: new Date(Date.UTC(2026, 0, 1, 8, n)).toISOString(),
    data: { citizenId: CITIZEN_ID, name: CITIZEN_NAME, address: CITIZEN_ADDRESS, answer: n, ...extra },
  }
}

function captureLog(): { log: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const log = createLogger({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
  return { log, lines }
}

function options(dir: string, overrides: Partial<JournalOutboxOptions> = {}): JournalOutboxOptions {
  return {
    dir,
    key: overrides.key ?? KEY,
    clock: new SimClock(),
    maxBytes: 1024 * 1024,
    log: captureLog().log,
    ...overrides,
  }
}

const KEY = randomBytes(32)

/** Every byte of every file under `dir`, so a test can look for personal data anywhere. */
async function allBytes(dir: string): Promise<Buffer> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true })
  const files = names.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
  return Buffer.concat(await Promise.all(files.map((file) => readFile(file))))
}

function assertNoPersonalData(t: Test, bytes: Buffer, where: string): void {
  for (const secret of [CITIZEN_ID, CITIZEN_NAME, 'Nguy', CITIZEN_ADDRESS, 'Lê Lợi']) {
    t.equal(bytes.indexOf(Buffer.from(secret, 'utf8')), -1, `${where} does not contain ${JSON.stringify(secret)}`)
  }
}

t.test('keeps pending submissions, decrypted and oldest first, across a reopen', async (t) => {
  const dir = t.testdir()
  const outbox = await openJournalOutbox(options(dir))
  for (const n of [1, 2, 3]) await outbox.append(submission(n))
  t.strictSame(outbox.pending(), [submission(1), submission(2), submission(3)])
  await outbox.close()

  const again = await openJournalOutbox(options(dir))
  t.teardown(() => again.close())
  t.strictSame(again.pending(), [submission(1), submission(2), submission(3)])
  t.equal(again.depth(), 3)
  t.equal(again.oldestCreatedAtMs(), Date.parse(submission(1).createdAt))
})

t.test('keeps a copy, so changing the caller\'s object after append changes nothing', async (t) => {
  const outbox = await openJournalOutbox(options(t.testdir()))
  t.teardown(() => outbox.close())
  const original = submission(1)
  await outbox.append(original)
  original.data['answer'] = 'changed'
  t.equal(outbox.pending()[0]?.data['answer'], 1)
})

t.test('records deliveries durably: acked submissions stay gone after a reopen', async (t) => {
  const dir = t.testdir()
  const outbox = await openJournalOutbox(options(dir))
  for (const n of [1, 2, 3]) await outbox.append(submission(n))
  await outbox.markDelivered('sub-2')
  t.strictSame(outbox.pending().map((s) => s.id), ['sub-1', 'sub-3'])
  await outbox.close()

  const again = await openJournalOutbox(options(dir))
  t.teardown(() => again.close())
  t.strictSame(again.pending().map((s) => s.id), ['sub-1', 'sub-3'])
  t.equal(again.oldestCreatedAtMs(), Date.parse(submission(1).createdAt))
  await again.markDelivered('sub-1')
  await again.markDelivered('sub-3')
  t.equal(again.depth(), 0)
  t.equal(again.oldestCreatedAtMs(), null)
})

t.test('treats duplicate and unknown acks, and re-appending a pending id, as no-ops', async (t) => {
  const dir = t.testdir()
  const outbox = await openJournalOutbox(options(dir))
  t.teardown(() => outbox.close())
  await outbox.append(submission(1))
  await outbox.append(submission(2))
  await outbox.markDelivered('sub-1')
  const sizeBytes = (await stat(outbox.path)).size
  await outbox.markDelivered('sub-1')
  await outbox.markDelivered('no-such-id')
  await outbox.append(submission(2))
  t.equal((await stat(outbox.path)).size, sizeBytes, 'nothing more was written')
  t.equal(outbox.depth(), 1)
})

t.test('never writes identity data in clear: not in the journal, not after compaction, not in the key folder', async (t) => {
  const dir = t.testdir({ outbox: {}, keys: {} })
  const key = await loadOrCreateKey(join(dir, 'keys', 'outbox.key'))
  const outbox = await openJournalOutbox(options(join(dir, 'outbox'), { key, compactMinBytes: 0 }))
  for (let n = 0; n < 5; n++) await outbox.append(submission(n))
  const journalBytes = await readFile(outbox.path)
  t.ok(journalBytes.includes(Buffer.from('health-insurance')), 'the clear metadata is there, so the search is real')
  assertNoPersonalData(t, journalBytes, 'journal')
  const beforeBytes = outbox.sizeBytes()
  for (let n = 0; n < 4; n++) await outbox.markDelivered(`sub-${n}`)
  t.ok(outbox.sizeBytes() < beforeBytes, 'delivered records were compacted away')
  assertNoPersonalData(t, await allBytes(dir), 'outbox and key folders after compaction')
  await outbox.close()
  const again = await openJournalOutbox(options(join(dir, 'outbox'), { key }))
  t.teardown(() => again.close())
  t.strictSame(again.pending(), [submission(4)])
  assertNoPersonalData(t, await allBytes(dir), 'outbox and key folders after reopen')
})

t.test('compacts delivered records away once they outweigh the pending ones', async (t) => {
  const dir = t.testdir()
  const outbox = await openJournalOutbox(options(dir, { compactMinBytes: 2000 }))
  t.teardown(() => outbox.close())
  for (let n = 0; n < 10; n++) await outbox.append(submission(n))
  const fullBytes = outbox.sizeBytes()
  await outbox.markDelivered('sub-0')
  t.ok(outbox.sizeBytes() > fullBytes, 'one delivery is not worth a rewrite')
  for (let n = 1; n < 8; n++) await outbox.markDelivered(`sub-${n}`)
  t.ok(outbox.sizeBytes() < fullBytes / 2, 'most of the file delivered: rewritten')
  t.strictSame(outbox.pending().map((s) => s.id), ['sub-8', 'sub-9'])
  t.strictSame(await readdir(dir), [JOURNAL_FILE_NAME], 'no temp file is left behind')
})

t.test('compacts on open, keeping only pending records', async (t) => {
  const dir = t.testdir()
  const outbox = await openJournalOutbox(options(dir))
  for (let n = 0; n < 4; n++) await outbox.append(submission(n))
  for (let n = 0; n < 3; n++) await outbox.markDelivered(`sub-${n}`)
  const beforeBytes = outbox.sizeBytes()
  await outbox.close()
  const again = await openJournalOutbox(options(dir))
  t.teardown(() => again.close())
  t.ok(again.sizeBytes() < beforeBytes / 3)
  t.equal(again.sizeBytes(), (await stat(again.path)).size)
  t.strictSame(again.pending(), [submission(3)])
})

t.test('drops a torn last record on reopen, keeps the earlier ones, and logs the bytes dropped', async (t) => {
  const dir = t.testdir()
  const outbox = await openJournalOutbox(options(dir))
  for (const n of [1, 2, 3]) await outbox.append(submission(n))
  await outbox.close()
  await truncate(join(dir, JOURNAL_FILE_NAME), (await stat(join(dir, JOURNAL_FILE_NAME))).size - 5)

  const { log, lines } = captureLog()
  const again = await openJournalOutbox(options(dir, { log }))
  t.teardown(() => again.close())
  t.strictSame(again.pending(), [submission(1), submission(2)])
  t.ok(again.recovery.tornBytesDropped > 0)
  const warning = lines.find((line) => line['tornBytesDropped'] !== undefined)
  t.match(warning, { level: 40, component: 'runtime.outbox', tornBytesDropped: again.recovery.tornBytesDropped })
  await again.append(submission(4))
  t.strictSame(again.pending().map((s) => s.id), ['sub-1', 'sub-2', 'sub-4'])
})

t.test('survives a crash: a restart without close sees every acknowledged append and ack', async (t) => {
  const dir = t.testdir()
  const crashed = await openJournalOutbox(options(dir))
  await crashed.append(submission(1))
  await crashed.append(submission(2))
  await crashed.markDelivered('sub-1')
  // No close(): the next instance opens the file as a restart after power loss would.
  const restarted = await openJournalOutbox(options(dir))
  t.teardown(async () => {
    await restarted.close()
    await crashed.close()
  })
  t.strictSame(restarted.pending(), [submission(2)])
  await restarted.append(submission(3))
  t.strictSame(restarted.pending().map((s) => s.id), ['sub-2', 'sub-3'])
})

t.test('refuses appends past maxBytes with E_OUTBOX_FULL and loses nothing already stored', async (t) => {
  const dir = t.testdir()
  const maxBytes = 2500
  const { log, lines } = captureLog()
  const outbox = await openJournalOutbox(options(dir, { maxBytes, log }))
  let stored = 0
  for (let n = 0; n < 100; n++) {
    try {
      await outbox.append(submission(n))
      stored++
    } catch (error) {
      t.match(error, { code: 'E_OUTBOX_FULL' })
      break
    }
  }
  t.ok(stored > 1 && stored < 100, `stored ${stored} before the bound`)
  t.ok(outbox.sizeBytes() <= maxBytes)
  t.ok(lines.some((line) => line['msg'] === 'outbox is full; refusing new submissions'))
  await t.rejects(outbox.append(submission(100)), { code: 'E_OUTBOX_FULL' })
  t.equal(outbox.depth(), stored)
  await outbox.close()

  const again = await openJournalOutbox(options(dir, { maxBytes }))
  t.teardown(() => again.close())
  t.strictSame(again.pending().map((s) => s.id), Array.from({ length: stored }, (_, n) => `sub-${n}`))
  // A delivery makes room: the next append compacts first instead of failing.
  await again.markDelivered('sub-0')
  await again.append(submission(100))
  t.equal(again.depth(), stored)
  t.ok(again.sizeBytes() <= maxBytes)
})

t.test('records a delivery even when the journal has no room left for the ack', async (t) => {
  const dir = t.testdir()
  const probe = await openJournalOutbox(options(t.testdir()))
  await probe.append(submission(1))
  const oneRecordBytes = probe.sizeBytes()
  await probe.close()

  const maxBytes = oneRecordBytes * 2 + 5
  const outbox = await openJournalOutbox(options(dir, { maxBytes }))
  await outbox.append(submission(1))
  await outbox.append(submission(2))
  await outbox.markDelivered('sub-1')
  t.equal(outbox.depth(), 1)
  t.ok(outbox.sizeBytes() <= maxBytes)
  await outbox.close()
  const again = await openJournalOutbox(options(dir, { maxBytes }))
  t.teardown(() => again.close())
  t.strictSame(again.pending().map((s) => s.id), ['sub-2'])
})

t.test('keeps records it cannot decrypt, reports them by id only, and sends them once the key is back', async (t) => {
  const dir = t.testdir()
  const outbox = await openJournalOutbox(options(dir))
  await outbox.append(submission(1))
  await outbox.close()

  const { log, lines } = captureLog()
  const wrongKey = await openJournalOutbox(options(dir, { key: randomBytes(32), log }))
  const reported: string[] = []
  wrongKey.onUndecryptable((id) => reported.push(id))
  t.strictSame(reported, ['sub-1'])
  t.strictSame(wrongKey.undecryptableIds(), ['sub-1'])
  t.strictSame(wrongKey.pending(), [])
  t.equal(wrongKey.depth(), 1)
  t.equal(wrongKey.oldestCreatedAtMs(), Date.parse(submission(1).createdAt))
  const warning = lines.find((line) => line['submissionId'] === 'sub-1')
  t.match(warning, { level: 40, component: 'runtime.outbox' })
  t.notOk(JSON.stringify(lines).includes(CITIZEN_ID))
  await wrongKey.append(submission(2))
  await wrongKey.close()

  const rightKey = await openJournalOutbox(options(dir))
  t.teardown(() => rightKey.close())
  t.strictSame(rightKey.pending().map((s) => s.id), ['sub-1'])
  t.strictSame(rightKey.undecryptableIds(), ['sub-2'])
})

t.test('calls onAppended listeners with the stored submission until they unsubscribe', async (t) => {
  const { log, lines } = captureLog()
  const outbox = await openJournalOutbox(options(t.testdir(), { log }))
  t.teardown(() => outbox.close())
  const seen: string[] = []
  const unsubscribe = outbox.onAppended((s) => seen.push(s.id))
  outbox.onAppended(() => {
    throw new Error('listener bug')
  })
  await outbox.append(submission(1))
  unsubscribe()
  await outbox.append(submission(2))
  t.strictSame(seen, ['sub-1'])
  t.equal(outbox.depth(), 2, 'a throwing listener does not undo the append')
  t.ok(lines.some((line) => line['msg'] === 'outbox onAppended listener threw'))
})

t.test('applies concurrent appends and acks one at a time, in call order', async (t) => {
  const dir = t.testdir()
  const outbox = await openJournalOutbox(options(dir))
  await Promise.all([
    ...Array.from({ length: 20 }, (_, n) => outbox.append(submission(n))),
    outbox.markDelivered('sub-3'),
    outbox.append(submission(3)),
  ])
  t.equal(outbox.depth(), 20)
  await outbox.close()
  const again = await openJournalOutbox(options(dir))
  t.teardown(() => again.close())
  // sub-3 was appended, delivered, then appended again: it is pending once, at the end.
  const expected = [...Array.from({ length: 20 }, (_, n) => `sub-${n}`).filter((id) => id !== 'sub-3'), 'sub-3']
  t.strictSame(again.pending().map((s) => s.id), expected)
})

t.test('after close it holds no decrypted data and refuses work with E_OUTBOX_IO', async (t) => {
  const outbox = await openJournalOutbox(options(t.testdir()))
  await outbox.append(submission(1))
  await outbox.close()
  await outbox.close()
  t.strictSame(outbox.pending(), [])
  await t.rejects(outbox.append(submission(2)), { code: 'E_OUTBOX_IO' })
  await t.rejects(outbox.markDelivered('sub-1'), { code: 'E_OUTBOX_IO' })
})

t.test('refuses malformed submissions and keys', async (t) => {
  const outbox = await openJournalOutbox(options(t.testdir()))
  t.teardown(() => outbox.close())
  await t.rejects(outbox.append({ ...submission(1), id: '' }), TypeError)
  await t.rejects(outbox.append({ ...submission(1), data: null as unknown as Record<string, unknown> }), TypeError)
  await t.rejects(outbox.append({ ...submission(1), data: { big: 1n } }), TypeError)
  t.equal(outbox.depth(), 0)
  await t.rejects(openJournalOutbox(options(t.testdir(), { key: randomBytes(16) })), TypeError)
})
