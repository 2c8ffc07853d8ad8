import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { openStationState, type StationStateData } from '../../../runtime/state/station-state.js'

const defaults: StationStateData = { bootCount: 0, receiptSeq: 0, maintenance: false }

t.test('keeps counters across a reopen', async (t) => {
  const file = join(t.testdir(), 'state', 'station.json')
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
  const file = join(t.testdir(), 'station.json')
  const state = await openStationState(file, defaults)
  const seq = await state.nextReceiptSeq()
  t.equal(JSON.parse(await readFile(file, 'utf8')).receiptSeq, seq)
})

t.test('hands concurrent callers distinct receipt numbers and persists the highest', async (t) => {
  const file = join(t.testdir(), 'station.json')
  const state = await openStationState(file, defaults)
  const numbers = await Promise.all(Array.from({ length: 20 }, () => state.nextReceiptSeq()))
  t.strictSame([...numbers].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1))
  const again = await openStationState(file, defaults)
  t.equal(again.get().receiptSeq, 20)
})

t.test('persists updates and fills fields missing from the file with the defaults', async (t) => {
  const dir = t.testdir({ 'station.json': JSON.stringify({ bootCount: 5 }) })
  const file = join(dir, 'station.json')
  const state = await openStationState(file, { ...defaults, flowsVersion: '1' })
  t.strictSame(state.get(), { bootCount: 5, receiptSeq: 0, maintenance: false, flowsVersion: '1' })
  await state.update({ maintenance: true, stationId: 'hcm-q1-001' })
  const again = await openStationState(file, defaults)
  t.strictSame(again.get(), { bootCount: 5, receiptSeq: 0, maintenance: true, flowsVersion: '1', stationId: 'hcm-q1-001' })
})

t.test('returns frozen snapshots that do not change the state', async (t) => {
  const state = await openStationState(join(t.testdir(), 'station.json'), defaults)
  const snapshot = state.get()
  t.ok(Object.isFrozen(snapshot))
  await state.nextReceiptSeq()
  t.equal(snapshot.receiptSeq, 0)
  t.equal(state.get().receiptSeq, 1)
})

t.test('refuses a file whose counters are not non-negative integers instead of resetting them', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'station.json')
  for (const bad of [{ receiptSeq: 'seven' }, { bootCount: -1 }, { receiptSeq: 1.5 }]) {
    await writeFile(file, JSON.stringify(bad))
    await t.rejects(openStationState(file, defaults), { code: 'E_OUTBOX_IO' }, JSON.stringify(bad))
  }
})
