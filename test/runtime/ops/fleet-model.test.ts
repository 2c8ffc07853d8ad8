import t from 'tap'
import { FleetModel, type FleetRow } from '../../../runtime/ops/fleet-model.js'
import { lostCount, newSeqState, observeSeq } from '../../../runtime/ops/seq-tracker.js'

const NOW = Date.parse('2026-12-02T10:00:00.000Z')
const iso = (agoS: number) => new Date(NOW - agoS * 1000).toISOString()
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value))

function feed(model: FleetModel, station: string, kind: 'status' | 'telemetry' | 'events', body: unknown, retain = false) {
  return model.apply({ topic: `cs/v1/${station}/${kind}`, payload: bytes(body), retain })
}

const online = (bootId = 'boot-a', extra: Record<string, unknown> = {}) => ({
  state: 'online',
  ts: iso(60),
  version: '0.1.0',
  bootId,
  flows: ['pay-bill'],
  ...extra,
})
const telemetry = (depth: number, oldestAgeS: number | null, devices: Record<string, unknown> = {}, seq?: number) => ({
  ts: iso(5),
  devices,
  outbox: { depth, oldestAgeS },
  link: { connected: true },
  ...(seq === undefined ? {} : { seq }),
})

const byId = (rows: FleetRow[], id: string) => {
  const row = rows.find((candidate) => candidate.id === id)
  if (!row) throw new Error(`no row ${id}`)
  return row
}

t.test('rows sort trouble first: offline, faults, maintenance, deep or old outbox, then ok', async (t) => {
  const model = new FleetModel('cs/v1')
  feed(model, 'st-ok-b', 'status', online())
  feed(model, 'st-ok-b', 'telemetry', telemetry(0, null))
  feed(model, 'st-ok-a', 'status', online())
  feed(model, 'st-deep', 'status', online())
  feed(model, 'st-deep', 'telemetry', telemetry(25, 30))
  feed(model, 'st-old', 'status', online())
  feed(model, 'st-old', 'telemetry', telemetry(2, 3600))
  feed(model, 'st-maint', 'status', online('boot-a', { state: 'maintenance' }))
  feed(model, 'st-fault', 'status', online())
  feed(model, 'st-fault', 'telemetry', telemetry(0, null, { printer: { state: 'degraded', lastError: 'paper out' }, keypad: { state: 'ok' } }))
  feed(model, 'st-dead', 'status', online('boot-a', { state: 'offline' }), true)

  const rows = model.rows(NOW)
  t.same(
    rows.map((row) => [row.id, row.trouble]),
    [
      ['st-dead', 'offline'],
      ['st-fault', 'faults'],
      ['st-maint', 'maintenance'],
      ['st-deep', 'outbox'],
      ['st-old', 'outbox'],
      ['st-ok-a', 'ok'],
      ['st-ok-b', 'ok'],
    ],
  )
  t.same(byId(rows, 'st-fault').faults, ['printer: paper out'])
  t.equal(byId(rows, 'st-deep').outboxDepth, 25)
  t.equal(byId(rows, 'st-old').outboxOldestAgeS, 3600)
  t.equal(byId(rows, 'st-ok-b').lastSeenAgeS, 5, 'last seen is the newest ts the station sent')
  t.equal(byId(rows, 'st-dead').linkConnected, false)
})

t.test('the last will turns an online station offline; a new birth brings it back', async (t) => {
  const model = new FleetModel('cs/v1')
  feed(model, 'st-1', 'status', online())
  t.equal(model.rows(NOW)[0]?.state, 'online')
  // The will is built at connect time and published by the broker when the station vanishes.
  feed(model, 'st-1', 'status', { ...online(), state: 'offline' })
  const [offline] = model.rows(NOW)
  t.equal(offline?.state, 'offline')
  t.equal(offline?.trouble, 'offline')
  feed(model, 'st-1', 'status', online('boot-b'))
  t.equal(model.rows(NOW)[0]?.state, 'online')
  t.equal(model.rows(NOW)[0]?.bootId, 'boot-b')
})

t.test('device.fault and device.recovered events change faults between telemetry samples', async (t) => {
  const model = new FleetModel('cs/v1')
  feed(model, 'st-1', 'status', online())
  feed(model, 'st-1', 'events', { type: 'device.fault', ts: iso(3), device: 'printer', state: 'degraded', reason: 'paper out' })
  t.same(model.rows(NOW)[0]?.faults, ['printer: paper out'])
  t.equal(model.rows(NOW)[0]?.lastEvent, 'device.fault')
  feed(model, 'st-1', 'events', { type: 'tamper.opened', ts: iso(2) })
  t.same(model.rows(NOW)[0]?.faults, ['printer: paper out', 'enclosure: open'])
  feed(model, 'st-1', 'events', { type: 'device.recovered', ts: iso(1), device: 'printer' })
  feed(model, 'st-1', 'events', { type: 'tamper.closed', ts: iso(1) })
  t.same(model.rows(NOW)[0]?.faults, [])
  t.equal(model.rows(NOW)[0]?.trouble, 'ok')
})

t.test('status flows are read both as ids and as {id, version}', async (t) => {
  const model = new FleetModel('cs/v1')
  feed(model, 'st-old', 'status', online('b', { flows: ['pay-bill', 'exam'] }))
  feed(model, 'st-new', 'status', online('b', { flows: [{ id: 'pay-bill', version: 3 }], birthSeq: 7, since: iso(100) }))
  const rows = model.rows(NOW)
  t.same(byId(rows, 'st-old').flows, [
    { id: 'pay-bill', version: null },
    { id: 'exam', version: null },
  ])
  t.same(byId(rows, 'st-new').flows, [{ id: 'pay-bill', version: 3 }])
  t.equal(byId(rows, 'st-new').birthSeq, 7)
  t.equal(byId(rows, 'st-new').since, iso(100))
})

t.test('seq gaps count as lost per topic; late arrivals do not; a restart starts again at 1', async (t) => {
  const model = new FleetModel('cs/v1')
  feed(model, 'st-1', 'status', online('boot-a', { birthSeq: 4 }))
  for (const seq of [1, 2, 4, 5]) feed(model, 'st-1', 'events', { type: 'flow.started', ts: iso(1), seq })
  t.equal(model.rows(NOW)[0]?.lostMessages, 1, 'event 3 never came')
  t.equal(model.rows(NOW)[0]?.trouble, 'lost')
  feed(model, 'st-1', 'telemetry', telemetry(0, null, {}, 1))
  feed(model, 'st-1', 'telemetry', telemetry(0, null, {}, 2))
  t.equal(model.rows(NOW)[0]?.lostMessages, 1, 'telemetry has its own counter')
  feed(model, 'st-1', 'events', { type: 'flow.step', ts: iso(1), seq: 3 })
  t.equal(model.rows(NOW)[0]?.lostMessages, 0, 'event 3 arrived late')
  // A reconnect within the boot: what the station dropped offline took no number (docs/mqtt.md).
  feed(model, 'st-1', 'status', { ...online('boot-a'), state: 'offline' })
  feed(model, 'st-1', 'status', online('boot-a', { birthSeq: 4 }))
  feed(model, 'st-1', 'events', { type: 'flow.started', ts: iso(1), seq: 8 })
  t.equal(model.rows(NOW)[0]?.lostMessages, 2, 'events 6 and 7 were lost')
  // A restart keeps what was lost in the old boot and counts the new one from seq 1.
  feed(model, 'st-1', 'status', online('boot-b', { birthSeq: 5 }))
  feed(model, 'st-1', 'events', { type: 'flow.started', ts: iso(1), seq: 2 })
  t.equal(model.rows(NOW)[0]?.lostMessages, 3, 'two from boot-a, event 1 of boot-b')
  t.equal(model.rows(NOW)[0]?.bootId, 'boot-b')
})

t.test('a retained birth found on subscribe does not start the count (the station may have sent more)', async (t) => {
  const model = new FleetModel('cs/v1')
  feed(model, 'st-1', 'status', online('boot-a', { birthSeq: 1 }), true)
  feed(model, 'st-1', 'telemetry', telemetry(0, null, {}, 150))
  feed(model, 'st-1', 'telemetry', telemetry(0, null, {}, 151))
  t.equal(model.rows(NOW)[0]?.lostMessages, 0)
})

t.test('seq tracker: duplicates, bounds and bad input', async (t) => {
  let state = newSeqState('b', 1)
  state = observeSeq(state, 1)
  state = observeSeq(state, 1)
  t.equal(state.duplicates, 1)
  t.equal(observeSeq(state, -1), state, 'a nonsense seq is ignored')
  t.equal(observeSeq(state, 1.5), state)
  state = observeSeq(state, 10_000)
  t.equal(lostCount(state), 9998, 'beyond the remembered set, gaps are still counted')
  t.equal(newSeqState('c').nextSeq, null, 'joined under way: the first seq seen sets the start')
  t.equal(observeSeq(newSeqState('c'), 40).nextSeq, 41)
})

t.test('malformed messages are ignored and counted, never thrown', async (t) => {
  const model = new FleetModel('cs/v1')
  t.equal(model.apply({ topic: 'cs/v1/st-1/status', payload: Buffer.from('not json'), retain: true }), false)
  t.equal(model.apply({ topic: 'cs/v1/st-1/status', payload: Buffer.from('[1]'), retain: true }), false)
  t.equal(model.apply({ topic: 'other/st-1/status', payload: bytes(online()), retain: true }), false)
  t.equal(model.apply({ topic: 'cs/v1/st-1/submissions', payload: bytes({ id: 'x' }), retain: false }), false)
  t.equal(feed(model, 'st-1', 'telemetry', { ts: 'yesterday', outbox: 'deep', devices: [1], link: null }), true)
  t.equal(model.ignored, 4)
  const [row] = model.rows(NOW)
  t.equal(row?.state, 'unknown', 'nothing parseable said when or how it is')
  t.equal(row?.outboxDepth, null)
  feed(model, 'st-1', 'status', { state: 'exploded', ts: iso(1) })
  t.equal(model.rows(NOW)[0]?.state, 'unknown')
  t.equal(model.rows(NOW)[0]?.trouble, 'offline')
  // An empty retained status clears the station from the broker and from the view.
  t.equal(model.apply({ topic: 'cs/v1/st-1/status', payload: Buffer.alloc(0), retain: true }), true)
  t.equal(model.size, 0)
})

t.test('telemetry with oldestAgeMs is read as well as oldestAgeS', async (t) => {
  const model = new FleetModel('cs/v1')
  feed(model, 'st-1', 'telemetry', { ts: iso(1), outbox: { depth: 3, oldestAgeMs: 12_400 }, link: { connected: true, broker: 'mqtts://b1:8883' } })
  const [row] = model.rows(NOW)
  t.equal(row?.outboxOldestAgeS, 12)
  t.equal(row?.broker, 'mqtts://b1:8883')
  t.equal(row?.state, 'online', 'telemetry without a status still means it is there')
  t.same(model.snapshot(NOW).stations, model.rows(NOW))
})
