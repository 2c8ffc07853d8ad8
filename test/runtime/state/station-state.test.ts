import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { openStationState, type StationStateData } from '../../../runtime/state/station-state.js'
import { testDir } from '../../support/test-dir.js'

const defaults: StationStateData = { bootCount: 0, receiptSeq: 0, maintenance: false }

t.test('keeps counters across a reopen', async (t) => {
  const file = join(testDir(t), 'state', 'station.json')
  const state = await openStationState(file, defaults)
  t.equal(await state.recordBoot(), 1)
  t.equal(await state.nextReceiptSeq(), 1)
  t.equal(await state.nextReceiptSeq(), 2)
  t.equal(await state.nextReceiptSeq(), 3)

  const again = await openStationState(file, defaults)
  t.match(again.get(), { bootCount: 1, receiptSeq: 3, maintenance: false })
  t.equal(await again.recordBoot(), 2)
  t.equal(await again.nextReceiptSeq(), 4)
})

t.test('has the receipt number on disk by the time it is returned', async (t) => {
  const file = join(testDir(t), 'station.json')
  const state = await openStationState(file, defaults)
  const seq = await state.nextReceiptSeq()
  t.equal(JSON.parse(await readFile(file, 'utf8')).receiptSeq, seq)
})

t.test('hands concurrent callers distinct receipt numbers and persists the highest', async (t) => {
  const file = join(testDir(t), 'station.json')
  const state = await openStationState(file, defaults)
  const numbers = await Promise.all(Array.from({ length: 20 }, () => state.nextReceiptSeq()))
  t.strictSame([...numbers].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1))
  const again = await openStationState(file, defaults)
  t.equal(again.get().receiptSeq, 20)
})

t.test('persists updates and fills fields missing from the file with the defaults', async (t) => {
  const dir = testDir(t, { 'station.json': JSON.stringify({ bootCount: 5, receiptSeq: 0 }) })
  const file = join(dir, 'station.json')
  const state = await openStationState(file, { ...defaults, flowsVersion: '1' })
  t.strictSame(state.get(), { bootCount: 5, receiptSeq: 0, maintenance: false, flowsVersion: '1' })
  await state.update({ maintenance: true, stationId: 'hcm-q1-001' })
  const again = await openStationState(file, defaults)
  t.strictSame(again.get(), { bootCount: 5, receiptSeq: 0, maintenance: true, flowsVersion: '1', stationId: 'hcm-q1-001' })
})

t.test('returns frozen snapshots that do not change the state', async (t) => {
  const state = await openStationState(join(testDir(t), 'station.json'), defaults)
  const snapshot = state.get()
  t.ok(Object.isFrozen(snapshot))
  await state.nextReceiptSeq()
  t.equal(snapshot.receiptSeq, 0)
  t.equal(state.get().receiptSeq, 1)
})

t.test('keeps the replaced generation as .prev, byte for byte', async (t) => {
  const file = join(testDir(t), 'station.json')
  const state = await openStationState(file, defaults)
  await state.recordBoot()
  const first = await readFile(file, 'utf8')
  await state.nextReceiptSeq()
  t.equal(await readFile(`${file}.prev`, 'utf8'), first, 'the previous main file became .prev')
  t.match(JSON.parse(await readFile(file, 'utf8')), { bootCount: 1, receiptSeq: 1 })
  t.same((await openStationState(file, defaults)).recovery, { source: 'main' })
})

t.test('starts from .prev, counters moved one past it, when the main file is damaged', async (t) => {
  for (const [label, damage, problem] of [
    ['truncated JSON', '{', 'not-json'],
    ['empty file', '', 'not-json'],
    ['negative counter', JSON.stringify({ bootCount: -1, receiptSeq: 3, maintenance: false }), 'invalid'],
    ['counter not an integer', JSON.stringify({ bootCount: 1.5, receiptSeq: 3, maintenance: false }), 'invalid'],
    ['counter missing', JSON.stringify({ receiptSeq: 3, maintenance: false }), 'invalid'],
    ['wrong field type', JSON.stringify({ bootCount: 9, receiptSeq: 3, maintenance: 'yes' }), 'invalid'],
    ['an array', '[]', 'invalid'],
  ] as const) {
    const file = join(testDir(t), 'station.json')
    const state = await openStationState(file, defaults)
    await state.recordBoot()
    await state.update({ maintenance: true, maintenanceReason: 'technician' })
    // Main now says bootCount 1 with maintenance on; .prev says bootCount 1 without.
    await writeFile(file, damage)
    const again = await openStationState(file, defaults)
    t.same(again.recovery, { source: 'prev', main: problem, damagedCopy: `${file}.damaged` }, label)
    t.match(again.get(), { bootCount: 2, receiptSeq: 1, maintenance: false }, `${label}: .prev with counters moved on`)
    t.equal(await readFile(`${file}.damaged`, 'utf8'), damage, `${label}: the damaged file is kept for a human`)
    t.equal(await again.recordBoot(), 3, `${label}: the next boot number was never used before`)
    t.match(JSON.parse(await readFile(`${file}.prev`, 'utf8')), { bootCount: 1 }, `${label}: the good .prev was not replaced by the damage`)
    const third = await openStationState(file, defaults)
    t.same(third.recovery, { source: 'main' }, `${label}: the next start is normal`)
  }
})

t.test('uses .prev when the main file is missing beside it (a crash between the two renames)', async (t) => {
  const dir = testDir(t, { 'station.json.prev': JSON.stringify({ bootCount: 7, receiptSeq: 2, maintenance: false }) })
  const state = await openStationState(join(dir, 'station.json'), defaults)
  t.same(state.recovery, { source: 'prev', main: 'missing' })
  t.equal(await state.recordBoot(), 9)
})

t.test('starts counters from the clock floor when both generations are damaged', async (t) => {
  const nowMs = Date.parse('2026-12-02T10:00:00Z')
  const dir = testDir(t, { 'station.json': '{', 'station.json.prev': '' })
  const file = join(dir, 'station.json')
  const state = await openStationState(file, defaults, { nowMs: () => nowMs })
  t.same(state.recovery, { source: 'floor', main: 'not-json', prev: 'not-json', damagedCopy: `${file}.damaged` })
  t.equal(await state.recordBoot(), nowMs / 1000 + 1)
  t.equal(await state.nextReceiptSeq(), nowMs / 1000 + 1)
  t.same((await openStationState(file, defaults)).recovery, { source: 'main' })
})

t.test('a new station (no file at all) starts at zero and reports nothing', async (t) => {
  const state = await openStationState(join(testDir(t), 'station.json'), defaults)
  t.same(state.recovery, { source: 'new' })
  t.equal(await state.recordBoot(), 1)
})

t.test('keeps a counter bumped by a failed write and writes it with persist()', async (t) => {
  const dir = testDir(t)
  const file = join(dir, 'sub', 'station.json')
  const state = await openStationState(file, defaults)
  await state.recordBoot()
  // The folder replaced by a file: every write fails as a full disk would, nothing else changes.
  const { rename, mkdir, rm } = await import('node:fs/promises')
  await rename(join(dir, 'sub'), join(dir, 'moved'))
  await writeFile(join(dir, 'sub'), 'not a folder')
  await t.rejects(state.recordBoot(), { code: 'E_OUTBOX_IO' })
  t.equal(state.unsaved, true)
  t.equal(state.get().bootCount, 2, 'the number is taken even though it is not on disk yet')
  await rm(join(dir, 'sub'))
  await rename(join(dir, 'moved'), join(dir, 'sub'))
  await mkdir(join(dir, 'sub'), { recursive: true })
  await state.persist()
  t.equal(state.unsaved, false)
  t.equal(JSON.parse(await readFile(file, 'utf8')).bootCount, 2)
})
