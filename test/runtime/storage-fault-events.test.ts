import t from 'tap'
import { HeldEvents } from '../../runtime/held-events.js'
import { createSilentLogger } from '../../runtime/log.js'
import type { OutboxRecovery } from '../../runtime/outbox/journal-outbox.js'
import type { SetAsideCode } from '../../runtime/outbox/outbox-types.js'
import { reportStorageFaults } from '../../runtime/storage-fault-events.js'

const CLEAN: OutboxRecovery = { segments: 1, tornBytesDropped: 0, damagedBytes: 0, damagedRegions: 0, damagedCopies: [], migratedV1Records: 0 }

function rig() {
  const sent: Array<{ type: string; fields: Record<string, unknown> }> = []
  const held = new HeldEvents({ emit: (type, fields) => void sent.push({ type, fields }), isConnected: () => true })
  let setAside: ((code: SetAsideCode, count: number) => void) | null = null
  const outbox = {
    onSetAside(listener: (code: SetAsideCode, count: number) => void) {
      setAside = listener
      return () => undefined
    },
  }
  return { sent, held, outbox, setAside: (code: SetAsideCode, count: number) => setAside?.(code, count) }
}

t.test('a clean start reports nothing', async (t) => {
  const r = rig()
  reportStorageFaults({ state: { source: 'main' }, outboxRecovery: CLEAN, outbox: r.outbox, held: r.held, log: createSilentLogger() })
  reportStorageFaults({ state: { source: 'new' }, outboxRecovery: CLEAN, outbox: r.outbox, held: r.held, log: createSilentLogger() })
  t.same(r.sent, [])
})

t.test('state and outbox damage found at start, and records set aside later, are reported with codes and counts', async (t) => {
  const r = rig()
  reportStorageFaults({
    state: { source: 'floor', main: 'not-json', prev: 'missing', damagedCopy: '/data/state.json.damaged' },
    outboxRecovery: { ...CLEAN, tornBytesDropped: 704, damagedBytes: 504, damagedRegions: 1, damagedCopies: ['/data/outbox/x.damaged-1'] },
    outbox: r.outbox,
    held: r.held,
    log: createSilentLogger(),
  })
  r.setAside('undecryptable', 2)
  t.same(r.sent, [
    { type: 'state.recovered', fields: { source: 'floor', main: 'not-json', prev: 'missing' } },
    { type: 'outbox.recovered', fields: { damagedRegions: 1, damagedBytes: 504, tornBytes: 704 } },
    { type: 'outbox.set_aside', fields: { reason: 'undecryptable', count: 2 } },
  ])
  t.notMatch(JSON.stringify(r.sent), /\/data/, 'no paths')
})
