import t from 'tap'
import { createSilentLogger } from '../../../runtime/log.js'
import type { StorageState } from '../../../runtime/outbox/outbox-types.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { STORAGE_CHECK_MS, StorageWatch } from '../../../runtime/state/storage-watch.js'

const RESERVE_BYTES = 1000

function rig() {
  const clock = new SimClock()
  let free = 5000
  let outboxStorage: StorageState = { state: 'ok' }
  const state = {
    unsaved: false,
    persistFails: false,
    persists: 0,
    async persist() {
      this.persists++
      if (this.persistFails) throw new Error('ENOSPC')
      this.unsaved = false
    },
  }
  const changes: StorageState[] = []
  const events: Array<{ type: string; fields: Record<string, unknown> }> = []
  const watch = new StorageWatch({
    clock,
    freeBytes: async () => free,
    reserveBytes: RESERVE_BYTES,
    outboxStorage: () => outboxStorage,
    state,
    onChange: (storage) => void changes.push(storage),
    event: (type, fields) => void events.push({ type, fields }),
    log: createSilentLogger(),
  })
  return {
    clock,
    watch,
    state,
    changes,
    events,
    setFree: (bytes: number) => void (free = bytes),
    setOutbox: (storage: StorageState) => void (outboxStorage = storage),
    /** One period, and the look it starts. */
    async tick() {
      await clock.advanceAsync(STORAGE_CHECK_MS)
      await watch.check()
    },
  }
}

t.test('free space under the reserve stops intake, and space back starts it again', async (t) => {
  const r = rig()
  await r.watch.start()
  t.teardown(() => r.watch.stop())
  t.same(r.watch.current, { state: 'ok' })
  t.same(r.events, [], 'starting ok is not news')
  r.setFree(RESERVE_BYTES - 1)
  await r.tick()
  t.same(r.watch.current, { state: 'full', reason: 'disk-reserve' })
  t.same(r.changes, [{ state: 'full', reason: 'disk-reserve' }])
  t.same(r.events, [{ type: 'storage.full', fields: { reason: 'disk-reserve' } }])
  t.match(r.watch.health(), { state: 'degraded', lastError: 'storage full (disk-reserve)' })
  await r.tick()
  t.equal(r.events.length, 1, 'no repeat while nothing changes')
  r.setFree(RESERVE_BYTES)
  await r.tick()
  t.same(r.watch.current, { state: 'ok' })
  t.same(r.events.at(-1), { type: 'storage.ok', fields: {} })
  t.same(r.changes.at(-1), { state: 'ok' })
})

t.test('the outbox bound or a failed outbox write stops intake too', async (t) => {
  const r = rig()
  await r.watch.start()
  t.teardown(() => r.watch.stop())
  r.setOutbox({ state: 'full', reason: 'outbox-bound' })
  await r.tick()
  t.same(r.watch.current, { state: 'full', reason: 'outbox-bound' })
  r.setOutbox({ state: 'full', reason: 'write-failed' })
  await r.tick()
  t.same(r.events.map((event) => event.fields), [{ reason: 'outbox-bound' }, { reason: 'write-failed' }], 'a new reason is told')
  t.equal(r.changes.length, 1, 'the kiosk hears only full or not')
})

t.test('an unwritten state change (the boot counter on a full disk) keeps intake off until it is written', async (t) => {
  const r = rig()
  r.state.unsaved = true
  r.state.persistFails = true
  await r.watch.start()
  t.teardown(() => r.watch.stop())
  t.same(r.watch.current, { state: 'full', reason: 'write-failed' }, 'full from the first look')
  r.state.persistFails = false
  await r.tick()
  t.equal(r.state.unsaved, false, 'written once it can be')
  t.same(r.watch.current, { state: 'ok' })
  const persists = r.state.persists
  await r.tick()
  t.equal(r.state.persists, persists, 'not written again when nothing is pending')
})

t.test('repeat() says storage.full again while full, nothing while ok', async (t) => {
  const r = rig()
  await r.watch.start()
  t.teardown(() => r.watch.stop())
  r.watch.repeat()
  t.same(r.events, [])
  r.setFree(0)
  await r.tick()
  r.watch.repeat()
  t.same(r.events.map((event) => event.type), ['storage.full', 'storage.full'])
})

t.test('free space that cannot be read is not a reason to refuse', async (t) => {
  const clock = new SimClock()
  const watch = new StorageWatch({
    clock,
    freeBytes: async () => {
      throw new Error('EIO')
    },
    reserveBytes: RESERVE_BYTES,
    outboxStorage: () => ({ state: 'ok' }),
    state: { unsaved: false, persist: async () => undefined },
    onChange: () => undefined,
    event: () => undefined,
    log: createSilentLogger(),
  })
  await watch.start()
  t.same(watch.current, { state: 'ok' })
  await watch.stop()
  t.same(watch.health(), { state: 'stopped' })
})
