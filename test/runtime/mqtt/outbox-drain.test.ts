import { connectAsync } from 'mqtt'
import t from 'tap'
import { loadCentralFixtures } from '../../../runtime/central/central-fixtures.js'
import { ReferenceCentral } from '../../../runtime/central/reference-responder.js'
import { systemClock, type Clock } from '../../../runtime/core/clock.js'
import { StationError } from '../../../runtime/core/errors.js'
import { createSilentLogger } from '../../../runtime/log.js'
import { MqttLink } from '../../../runtime/mqtt/mqtt-link.js'
import { OutboxDrain } from '../../../runtime/mqtt/outbox-drain.js'
import type { Outbox, OutboxDamage, PendingRef, StorageState, Submission, Unsubscribe } from '../../../runtime/outbox/outbox-types.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { signedNotify, testCentralKey, testVerifier } from '../../support/central-keys.js'
import { startMosquitto, subscribeCollect, type Teardown } from '../../support/mosquitto.js'
import { waitUntil } from '../../support/wait-until.js'

const STATION = 'drain-station'
const NOTIFY_TOPIC = `cs/v1/${STATION}/notify`
const ACK_TIMEOUT_MS = 2000
const centralKey = testCentralKey()
const fixtures = await loadCentralFixtures()

/** In-memory stand-in for the Outbox contract (the real one is a journal owned elsewhere). */
class FakeOutbox implements Outbox {
  readonly delivered: string[] = []
  #items: Submission[] = []
  #listeners = new Set<(ref: PendingRef) => void>()
  #failMarks = 0
  #seqs = new Map<string, number>()

  async append(submission: Submission): Promise<void> {
    this.#items.push(submission)
    this.#seqs.set(submission.id, this.#seqs.size)
    for (const listener of this.#listeners) listener(this.#ref(submission))
  }

  #ref(submission: Submission): PendingRef {
    return { id: submission.id, seq: this.#seqs.get(submission.id) ?? 0, createdAtMs: Date.parse(submission.createdAt) }
  }

  pendingFrom(fromSeq: number, limit: number): PendingRef[] {
    return this.#items.map((item) => this.#ref(item)).filter((ref) => ref.seq >= fromSeq).slice(0, limit)
  }

  async read(id: string): Promise<Submission | null> {
    return this.#items.find((item) => item.id === id) ?? null
  }

  damage(): OutboxDamage {
    return { setAside: { undecryptable: 0, damaged: 0 }, damagedBytes: 0, damagedRegions: 0 }
  }

  storage(): StorageState {
    return { state: 'ok' }
  }

  onSetAside(): Unsubscribe {
    return () => undefined
  }

  async markDelivered(id: string): Promise<void> {
    if (this.#failMarks > 0) {
      this.#failMarks -= 1
      throw new StationError('E_OUTBOX_IO', 'disk full (fake)')
    }
    if (!this.#items.some((item) => item.id === id)) return
    this.delivered.push(id)
    this.#items = this.#items.filter((item) => item.id !== id)
  }

  depth(): number {
    return this.#items.length
  }

  oldestCreatedAtMs(): number | null {
    const first = this.#items[0]
    return first ? Date.parse(first.createdAt) : null
  }

  onAppended(listener: (ref: PendingRef) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async close(): Promise<void> {}

  /** The next `count` markDelivered calls fail with E_OUTBOX_IO. */
  failMarkDelivered(count: number): void {
    this.#failMarks = count
  }
}

function submission(n: number): Submission {
  return {
    id: `sub-${String(n).padStart(4, '0')}`,
    flow: 'pay-bill',
    flowVersion: 1,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    data: { n },
  }
}

function ids(...ns: number[]): string[] {
  return ns.map((n) => submission(n).id)
}


const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Broker, reference central (signing with the test key, real time), a link that verifies central's
 * word, and the drain on `clock` (its retry and ack timers; a SimClock moves them by hand).
 */
/** `maxUnacknowledged` defaults to `window`: most tests look at submissions awaiting central. */
async function rig(t: Teardown, clock: Clock = systemClock, window?: number, maxUnacknowledged = window) {
  const broker = await startMosquitto(t)
  const outbox = new FakeOutbox()
  const refused: Array<{ kind: string; reason: string }> = []
  const link = new MqttLink({
    url: broker.url,
    stationId: STATION,
    topicPrefix: 'cs/v1',
    keepaliveS: 30,
    reconnectMinMs: 100,
    reconnectMaxMs: 400,
    connectTimeoutMs: 2000,
    version: 'test',
    bootId: 'boot',
    flows: () => [],
    clock,
    log: createSilentLogger(),
    random: () => 0.5,
    verifier: testVerifier(STATION, centralKey),
    onRefused: ({ kind, reason }) => refused.push({ kind, reason }),
  })
  const drain = new OutboxDrain({
    outbox,
    link,
    clock,
    log: createSilentLogger(),
    retryMinMs: 100,
    retryMaxMs: 400,
    stopWaitMs: 1000,
    ackTimeoutMs: ACK_TIMEOUT_MS,
    random: () => 0.5,
    ...(window === undefined ? {} : { window }),
    ...(maxUnacknowledged === undefined ? {} : { maxUnacknowledged }),
  })
  const central = new ReferenceCentral({
    url: broker.url,
    prefix: 'cs/v1',
    fixtures,
    signingKey: centralKey.privateKey,
    clock: systemClock,
    log: createSilentLogger(),
  })
  await central.start()
  // Stop in reverse order of start, as the supervisor does.
  t.teardown(async () => {
    await drain.stop()
    await link.stop()
    await central.stop()
  })
  const submissions = await subscribeCollect(broker.url, `cs/v1/${STATION}/submissions`)
  t.teardown(() => submissions.close())
  return { broker, outbox, link, drain, central, submissions, refused }
}

async function connected(link: MqttLink, state = true): Promise<void> {
  await waitUntil(`the link ${state ? 'connected' : 'disconnected'}`, () => link.isConnected === state)
}

t.test('delivers pending and newly appended submissions in order, each removed once central acknowledges it', async (t) => {
  const { outbox, link, drain, central, submissions } = await rig(t)
  for (const n of [1, 2, 3]) await outbox.append(submission(n))
  await link.start()
  await drain.start()
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)
  for (const n of [4, 5, 6, 7, 8]) await outbox.append(submission(n))
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)
  const all = ids(1, 2, 3, 4, 5, 6, 7, 8)
  t.strictSame(outbox.delivered, all)
  await waitUntil('submissions.messages.length >= 8', () => submissions.messages.length >= 8)
  await pause(100)
  t.strictSame(submissions.messages.map((m) => m.payload.id), all, 'once each on the wire')
  t.strictSame(submissions.messages[0]?.payload, submission(1))
  t.strictSame(central.submissions().map((s) => [s.id, s.copies]), all.map((id) => [id, 1]))
  t.match(drain.health(), {
    state: 'ok',
    detail: { depth: 0, delivered: 8, consecutiveFailures: 0, inFlight: 0, awaitingAck: 0, oldestUnackedAgeMs: 0 },
  })
})

t.test('PUBACK is not delivery: with central\'s consumer stopped nothing leaves the outbox; after it returns every submission arrives once, none lost', async (t) => {
  const clock = new SimClock()
  // A window of one: the others wait their turn behind the unacknowledged one.
  const { outbox, link, drain, central, submissions } = await rig(t, clock, 1)
  await link.start()
  await drain.start()
  await connected(link)
  for (const n of [1, 2]) await outbox.append(submission(n))
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)

  await central.stop()
  for (const n of [3, 4, 5, 6]) await outbox.append(submission(n))
  await waitUntil('submissions.messages.length === 3', () => submissions.messages.length === 3)
  await waitUntil('drain.health().detail?.awaitingAck === 1', () => drain.health().detail?.awaitingAck === 1)
  await pause(200)
  t.equal(outbox.depth(), 4, 'the broker has submission 3, yet nothing left the outbox')
  t.strictSame(outbox.delivered, ids(1, 2))
  t.equal(submissions.messages.length, 3, 'one in flight at a time: the others wait their turn')
  clock.advance(1500)
  t.match(drain.health(), { state: 'ok', detail: { inFlight: 1, awaitingAck: 1, oldestUnackedAgeMs: 1500, depth: 4 } })

  clock.advance(ACK_TIMEOUT_MS - 1500)
  await waitUntil('submissions.messages.length === 4', () => submissions.messages.length === 4)
  t.equal(submissions.messages[3]?.payload.id, submission(3).id, 'no acknowledgement in time: the same id again')
  t.equal(outbox.depth(), 4)
  // Central silent: each further copy waits twice as long as the one before (up to 8x).
  clock.advance(ACK_TIMEOUT_MS + 1)
  await pause(100)
  t.equal(submissions.messages.length, 4, 'the second copy waits longer than the first')
  clock.advance(ACK_TIMEOUT_MS)
  await waitUntil('submissions.messages.length === 5', () => submissions.messages.length === 5)
  t.match(drain.health(), { state: 'degraded', lastError: /not acknowledged/, detail: { republished: 2 } })

  await central.start()
  // The copy sent while central was away is lost to it; the next re-publish reaches it.
  clock.advance(4 * ACK_TIMEOUT_MS)
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)
  t.strictSame(outbox.delivered, ids(1, 2, 3, 4, 5, 6), 'every submission, in order')
  const received = central.submissions()
  t.strictSame(received.map((s) => s.id), ids(1, 2, 3, 4, 5, 6), 'the restarted central has each of them, in order')
  t.equal(new Set(received.map((s) => s.id)).size, received.length, 'de-duplicated by id')
  t.match(drain.health(), { state: 'ok', detail: { depth: 0, inFlight: 0, awaitingAck: 0, delivered: 6 } })
})

t.test('a forged submission.accepted removes nothing; only central\'s signed acknowledgement of that id does', async (t) => {
  const { broker, outbox, link, drain, central, refused } = await rig(t)
  central.setSilent(true)
  await link.start()
  await drain.start()
  await connected(link)
  await outbox.append(submission(1))
  await waitUntil('drain.health().detail?.awaitingAck === 1', () => drain.health().detail?.awaitingAck === 1)
  const forger = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => forger.endAsync())
  const id = submission(1).id
  const stranger = testCentralKey()
  const forgeries: Array<[string, Buffer | string]> = [
    ['unsigned', JSON.stringify({ type: 'submission.accepted', id, ts: new Date().toISOString(), station: STATION })],
    ['unknown-key', signedNotify(stranger.privateKey, STATION, 'submission.accepted', { id })],
    ['wrong-station', signedNotify(centralKey.privateKey, 'other-station', 'submission.accepted', { id })],
    ['stale', signedNotify(centralKey.privateKey, STATION, 'submission.accepted', { id }, new Date(Date.now() - 301_000).toISOString())],
    ['future', signedNotify(centralKey.privateKey, STATION, 'submission.accepted', { id }, new Date(Date.now() + 301_000).toISOString())],
    ['malformed', 'not json'],
  ]
  for (const [, payload] of forgeries) await forger.publishAsync(NOTIFY_TOPIC, payload, { qos: 1 })
  // Signed by central, but for another id: the one in flight stays.
  await forger.publishAsync(NOTIFY_TOPIC, signedNotify(centralKey.privateKey, STATION, 'submission.accepted', { id: 'sub-9999' }), { qos: 1 })
  await waitUntil('refused.length === forgeries.length', () => refused.length === forgeries.length)
  await pause(200)
  t.strictSame(refused, forgeries.map(([reason]) => ({ kind: 'notify', reason })))
  t.equal(outbox.depth(), 1, 'still in the outbox')
  t.strictSame(outbox.delivered, [])
  t.match(drain.health(), { detail: { inFlight: 1, awaitingAck: 1 } })

  await forger.publishAsync(NOTIFY_TOPIC, signedNotify(centralKey.privateKey, STATION, 'submission.accepted', { id }), { qos: 1 })
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)
  t.strictSame(outbox.delivered, [id])
  t.equal(refused.length, forgeries.length, 'the genuine acknowledgement was not refused')
})

t.test('an acknowledgement that fails to be written does not stop the drain: the rest goes on, it is written again later', async (t) => {
  const clock = new SimClock()
  const { outbox, link, drain, submissions } = await rig(t, clock)
  await link.start()
  await connected(link)
  outbox.failMarkDelivered(1)
  await outbox.append(submission(1))
  await drain.start()
  await waitUntil('drain.health().detail?.unrecordedAcks === 1', () => drain.health().detail?.unrecordedAcks === 1)
  t.match(drain.health(), { state: 'degraded', lastErrorCode: 'E_OUTBOX_IO', detail: { unrecordedAcks: 1, inFlight: 0 } })
  for (const n of [2, 3]) await outbox.append(submission(n))
  await waitUntil('outbox.depth() === 1', () => outbox.depth() === 1)
  t.strictSame(outbox.delivered, ids(2, 3), 'later submissions are delivered while the failed ack waits')
  clock.advance(100) // the ack write's retry backoff: between 50 and 100 ms
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)
  t.strictSame(outbox.delivered, ids(2, 3, 1))
  await pause(100)
  t.strictSame(submissions.messages.map((m) => m.payload.id), ids(1, 2, 3), 'central\'s word was kept: nothing published twice')
  t.match(drain.health(), { state: 'ok', detail: { unrecordedAcks: 0, delivered: 3 } })
})

t.test('drainNow writes a failed acknowledgement at once and publishes again what waits for an acknowledgement', async (t) => {
  const clock = new SimClock()
  const { outbox, link, drain, central, submissions } = await rig(t, clock)
  await link.start()
  await connected(link)
  outbox.failMarkDelivered(1)
  await outbox.append(submission(1))
  await drain.start()
  await waitUntil('drain.health().state === \'degraded\'', () => drain.health().state === 'degraded')
  drain.drainNow()
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0, 2000)
  t.strictSame(submissions.messages.map((m) => m.payload.id), ids(1), 'recorded without moving the clock or publishing again')

  central.setSilent(true)
  await outbox.append(submission(2))
  await waitUntil('drain.health().detail?.awaitingAck === 1', () => drain.health().detail?.awaitingAck === 1)
  central.setSilent(false)
  drain.drainNow()
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0, 2000)
  t.strictSame(submissions.messages.map((m) => m.payload.id), ids(1, 2, 2), 'the unacknowledged one went out again before its ack timeout')
})

t.test('waits while the broker is down, then delivers after it returns', async (t) => {
  // SimClock: the link reconnects only when the test advances time, so a fresh subscriber and the
  // central are in place on the restarted broker (which keeps no sessions) before anything is sent.
  const clock = new SimClock()
  const { broker, outbox, link, drain, central, submissions } = await rig(t, clock)
  await link.start()
  await drain.start()
  await connected(link)
  for (const n of [1, 2]) await outbox.append(submission(n))
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)

  await broker.stop()
  await connected(link, false)
  for (const n of [3, 4, 5]) await outbox.append(submission(n))
  await pause(100)
  t.equal(outbox.depth(), 3, 'nothing leaves while disconnected')
  t.match(drain.health(), { detail: { depth: 3 } })

  await broker.start()
  const afterRestart = await subscribeCollect(broker.url, `cs/v1/${STATION}/submissions`)
  t.teardown(() => afterRestart.close())
  await waitUntil('central.health().detail?.connected === true', () => central.health().detail?.connected === true, 5000)
  await pause(300) // its subscriptions are renewed right after the reconnect
  t.equal(link.isConnected, false, 'still waiting for the backoff')
  clock.advance(400) // reconnectMaxMs: no backoff delay is longer
  await connected(link)
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)
  await pause(100)
  const seen = [...submissions.messages, ...afterRestart.messages].map((m) => m.payload.id)
  t.strictSame(seen, ids(1, 2, 3, 4, 5))
  t.strictSame(outbox.delivered, seen)
})

t.test('a burst of wake-ups never publishes one submission twice at the same time', async (t) => {
  const { outbox, link, drain, submissions } = await rig(t)
  await link.start()
  await drain.start()
  await connected(link)
  await Promise.all(Array.from({ length: 30 }, (_, i) => outbox.append(submission(i + 1))))
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)
  await waitUntil('submissions.messages.length >= 30', () => submissions.messages.length >= 30)
  await pause(100)
  const sent = submissions.messages.map((m) => m.payload.id)
  t.equal(sent.length, 30)
  t.strictSame(sent, Array.from({ length: 30 }, (_, i) => submission(i + 1).id))
})

t.test('stop waits for a publish under way; what central has not acknowledged goes out again after a restart', async (t) => {
  const { outbox, link, drain, central, submissions } = await rig(t)
  central.setSilent(true)
  await link.start()
  await connected(link)
  await drain.start()
  await outbox.append(submission(1))
  await drain.stop()
  await drain.stop()
  await waitUntil('submissions.messages.length === 1', () => submissions.messages.length === 1)
  t.equal(submissions.messages[0]?.payload.id, submission(1).id, 'the publish under way reached the broker')
  t.equal(drain.health().state, 'stopped')
  await pause(200)
  t.equal(outbox.depth(), 1, 'not acknowledged: kept')
  await outbox.append(submission(2))
  await pause(100)
  t.equal(outbox.depth(), 2, 'a stopped drain does not deliver')
  central.setSilent(false)
  await drain.start()
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)
  t.strictSame(outbox.delivered, ids(1, 2))
})

t.test('a window of N: never more than N in flight, first published oldest first, nothing removed before central acknowledges it', async (t) => {
  const { broker, outbox, link, drain, central, submissions } = await rig(t, systemClock, 4)
  central.setSilent(true)
  await link.start()
  await connected(link)
  for (let n = 1; n <= 10; n++) await outbox.append(submission(n))
  await drain.start()
  await waitUntil('drain.health().detail?.awaitingAck === 4', () => drain.health().detail?.awaitingAck === 4)
  await pause(200)
  t.strictSame(submissions.messages.map((m) => m.payload.id), ids(1, 2, 3, 4), 'the four oldest, in order, and no more')
  t.equal(outbox.depth(), 10, 'PUBACK removed nothing')
  t.match(drain.health(), { detail: { window: 4, inFlight: 4 } })

  const forger = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => forger.endAsync())
  // Central acknowledges two of them, newest first, in one signed batch.
  await forger.publishAsync(NOTIFY_TOPIC, signedNotify(centralKey.privateKey, STATION, 'submissions.accepted', { ids: ids(2, 1) }), { qos: 1 })
  await waitUntil('outbox.depth() === 8', () => outbox.depth() === 8)
  t.strictSame(outbox.delivered, ids(2, 1))
  await waitUntil('submissions.messages.length === 6', () => submissions.messages.length === 6)
  await pause(200)
  t.strictSame(submissions.messages.map((m) => m.payload.id), ids(1, 2, 3, 4, 5, 6), 'two slots freed, the next two oldest go')
  t.match(drain.health(), { detail: { inFlight: 4, awaitingAck: 4 } })

  central.setSilent(false)
  drain.drainNow()
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)
  t.strictSame(outbox.delivered.slice(2), ids(3, 4, 5, 6, 7, 8, 9, 10))
  t.strictSame(new Set(central.submissions().map((s) => s.id)), new Set(ids(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)))
})

t.test('the window bounds what awaits PUBACK, maxUnacknowledged what awaits central', async (t) => {
  const { outbox, link, drain, central, submissions } = await rig(t, systemClock, 2, 6)
  central.setSilent(true)
  await link.start()
  await connected(link)
  for (let n = 1; n <= 10; n++) await outbox.append(submission(n))
  await drain.start()
  await waitUntil('drain.health().detail?.awaitingAck === 6', () => drain.health().detail?.awaitingAck === 6)
  await pause(200)
  t.strictSame(submissions.messages.map((m) => m.payload.id), ids(1, 2, 3, 4, 5, 6), 'PUBACKs free the window; six wait for central, no more')
  t.match(drain.health(), { detail: { window: 2, maxUnacknowledged: 6, inFlight: 6, awaitingAck: 6, depth: 10 } })
  central.setSilent(false)
  drain.drainNow()
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)
  t.strictSame(new Set(central.submissions().map((s) => s.id)), new Set(ids(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)))
  t.match(drain.health(), { detail: { inFlight: 0, awaitingAck: 0, delivered: 10 } })
})

t.test('maxUnacknowledged below the window is raised to it; a bad one is refused', async (t) => {
  const { drain } = await rig(t, systemClock, 8, 3)
  t.match(drain.health(), { detail: { window: 8, maxUnacknowledged: 8 } })
  const { outbox, link } = await rig(t)
  t.throws(
    () => new OutboxDrain({ outbox, link, clock: systemClock, log: createSilentLogger(), retryMinMs: 1, retryMaxMs: 2, stopWaitMs: 1, maxUnacknowledged: 0 }),
    /maxUnacknowledged must be a positive integer/,
  )
})

t.test('a batched acknowledgement removes its ids only when central signed it and its shape is exact', async (t) => {
  const { broker, outbox, link, drain, central, refused } = await rig(t)
  central.setSilent(true)
  await link.start()
  await connected(link)
  for (const n of [1, 2, 3]) await outbox.append(submission(n))
  await drain.start()
  await waitUntil('drain.health().detail?.awaitingAck === 3', () => drain.health().detail?.awaitingAck === 3)
  const forger = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => forger.endAsync())
  const batch = ids(1, 2, 3)
  const sign = (fields: Record<string, unknown>) => signedNotify(centralKey.privateKey, STATION, 'submissions.accepted', fields)
  const forgeries: Array<[string, Buffer | string]> = [
    ['unsigned', JSON.stringify({ type: 'submissions.accepted', ids: batch, ts: new Date().toISOString(), station: STATION })],
    ['unknown-key', signedNotify(testCentralKey().privateKey, STATION, 'submissions.accepted', { ids: batch })],
    ['wrong-station', signedNotify(centralKey.privateKey, 'other-station', 'submissions.accepted', { ids: batch })],
    ['malformed', sign({ ids: [...batch, ...Array.from({ length: 1022 }, (_, i) => `x-${i}`)] })], // 1025 ids
    ['malformed', sign({ ids: [] })],
    ['malformed', sign({ ids: [batch[0], 7] })],
    ['malformed', sign({ ids: batch.join(',') })],
    ['malformed', signedNotify(centralKey.privateKey, STATION, 'submission.accepted', { id: ['sub-0001'] })],
  ]
  for (const [, payload] of forgeries) await forger.publishAsync(NOTIFY_TOPIC, payload, { qos: 1 })
  await waitUntil('refused.length === forgeries.length', () => refused.length === forgeries.length)
  await pause(200)
  t.strictSame(refused, forgeries.map(([reason]) => ({ kind: 'notify', reason })), 'each refused with its reason')
  t.equal(outbox.depth(), 3, 'nothing removed')
  t.strictSame(outbox.delivered, [])

  await forger.publishAsync(NOTIFY_TOPIC, sign({ ids: [...batch, 'sub-9999'] }), { qos: 1 })
  await waitUntil('outbox.depth() === 0', () => outbox.depth() === 0)
  t.strictSame(outbox.delivered, batch, 'the genuine batch removes all three; an id the outbox does not hold is ignored')
  t.equal(refused.length, forgeries.length)
})
