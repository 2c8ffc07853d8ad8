import t from 'tap'
import { systemClock, type Clock } from '../../../runtime/clock.js'
import { StationError } from '../../../runtime/errors.js'
import { createSilentLogger } from '../../../runtime/log.js'
import { MqttLink } from '../../../runtime/mqtt/mqtt-link.js'
import { OutboxDrain } from '../../../runtime/mqtt/outbox-drain.js'
import type { Outbox, Submission, Unsubscribe } from '../../../runtime/outbox/outbox-types.js'
import { SimClock } from '../../../runtime/sim-clock.js'
import { startMosquitto, subscribeCollect, type Teardown } from '../../support/mosquitto.js'

const STATION = 'drain-station'

/** In-memory stand-in for the Outbox contract (the real one is a journal owned elsewhere). */
class FakeOutbox implements Outbox {
  readonly delivered: string[] = []
  #items: Submission[] = []
  #listeners = new Set<(submission: Submission) => void>()
  #failMarks = 0

  async append(submission: Submission): Promise<void> {
    this.#items.push(submission)
    for (const listener of this.#listeners) listener(submission)
  }

  pending(): Submission[] {
    return [...this.#items]
  }

  async markDelivered(id: string): Promise<void> {
    if (this.#failMarks > 0) {
      this.#failMarks -= 1
      throw new StationError('E_OUTBOX_IO', 'disk full (fake)')
    }
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

  onAppended(listener: (submission: Submission) => void): Unsubscribe {
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

function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (condition()) resolve()
      else if (Date.now() > deadline) reject(new Error('condition not met in time'))
      else setTimeout(poll, 10)
    }
    poll()
  })
}

async function rig(t: Teardown, clock: Clock = systemClock) {
  const broker = await startMosquitto(t)
  const outbox = new FakeOutbox()
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
  })
  const drain = new OutboxDrain({
    outbox,
    link,
    clock,
    log: createSilentLogger(),
    retryMinMs: 100,
    retryMaxMs: 400,
    stopWaitMs: 1000,
    random: () => 0.5,
  })
  // Stop in reverse order of start, as the supervisor does.
  t.teardown(async () => {
    await drain.stop()
    await link.stop()
  })
  const submissions = await subscribeCollect(broker.url, `cs/v1/${STATION}/submissions`)
  t.teardown(() => submissions.close())
  return { broker, outbox, link, drain, submissions }
}

function connected(link: MqttLink, state = true): Promise<void> {
  return waitUntil(() => link.isConnected === state)
}

t.test('delivers pending and newly appended submissions in order, exactly once', async (t) => {
  const { outbox, link, drain, submissions } = await rig(t)
  for (const n of [1, 2, 3]) await outbox.append(submission(n))
  await link.start()
  await drain.start()
  await waitUntil(() => outbox.depth() === 0)
  for (const n of [4, 5, 6, 7, 8]) await outbox.append(submission(n))
  await waitUntil(() => outbox.depth() === 0)
  const ids = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => submission(n).id)
  t.strictSame(outbox.delivered, ids)
  await waitUntil(() => submissions.messages.length >= 8)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.strictSame(
    submissions.messages.map((m) => m.payload.id),
    ids,
  )
  t.strictSame(submissions.messages[0]?.payload, submission(1))
  t.match(drain.health(), { state: 'ok', detail: { depth: 0, delivered: 8, consecutiveFailures: 0 } })
})

t.test('waits while the broker is down, then delivers after it returns, with no duplicate', async (t) => {
  // SimClock: the link reconnects only when the test advances time, so a fresh subscriber is in
  // place on the restarted broker (which keeps no sessions) before anything can be delivered.
  const clock = new SimClock()
  const { broker, outbox, link, drain, submissions } = await rig(t, clock)
  await link.start()
  await drain.start()
  await connected(link)
  for (const n of [1, 2]) await outbox.append(submission(n))
  await waitUntil(() => outbox.depth() === 0)

  await broker.stop()
  await connected(link, false)
  for (const n of [3, 4, 5]) await outbox.append(submission(n))
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(outbox.depth(), 3, 'nothing leaves while disconnected')
  t.match(drain.health(), { detail: { depth: 3 } })

  await broker.start()
  const afterRestart = await subscribeCollect(broker.url, `cs/v1/${STATION}/submissions`)
  t.teardown(() => afterRestart.close())
  t.equal(link.isConnected, false, 'still waiting for the backoff')
  clock.advance(400) // reconnectMaxMs: no backoff delay is longer
  await connected(link)
  await waitUntil(() => outbox.depth() === 0)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const seen = [...submissions.messages, ...afterRestart.messages].map((m) => m.payload.id)
  t.strictSame(seen, [1, 2, 3, 4, 5].map((n) => submission(n).id))
  t.strictSame(outbox.delivered, seen)
})

t.test('retries the same id after markDelivered fails, keeping the order', async (t) => {
  const clock = new SimClock()
  const { outbox, link, drain, submissions } = await rig(t, clock)
  await link.start()
  await connected(link)
  outbox.failMarkDelivered(1)
  await outbox.append(submission(1))
  await outbox.append(submission(2))
  await drain.start()
  await waitUntil(() => drain.health().state === 'degraded')
  await waitUntil(() => submissions.messages.length === 1)
  t.match(drain.health(), { state: 'degraded', lastErrorCode: 'E_OUTBOX_IO', detail: { consecutiveFailures: 1 } })
  await outbox.append(submission(3))
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(submissions.messages.length, 1, 'a new submission does not cut the retry backoff short')
  clock.advance(100) // retry backoff for the first failure: between 50 and 100 ms
  await waitUntil(() => outbox.depth() === 0)
  await waitUntil(() => submissions.messages.length === 4)
  // At-least-once: the first id goes out twice (central de-duplicates by id), never out of order.
  t.strictSame(
    submissions.messages.map((m) => m.payload.id),
    [1, 1, 2, 3].map((n) => submission(n).id),
  )
  t.strictSame(outbox.delivered, [1, 2, 3].map((n) => submission(n).id))
  t.equal(drain.health().state, 'ok')
})

t.test('a burst of wake-ups never publishes one submission twice at the same time', async (t) => {
  const { outbox, link, drain, submissions } = await rig(t)
  await link.start()
  await drain.start()
  await connected(link)
  await Promise.all(Array.from({ length: 30 }, (_, i) => outbox.append(submission(i + 1))))
  await waitUntil(() => outbox.depth() === 0)
  await waitUntil(() => submissions.messages.length >= 30)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const ids = submissions.messages.map((m) => m.payload.id)
  t.equal(ids.length, 30)
  t.strictSame(ids, Array.from({ length: 30 }, (_, i) => submission(i + 1).id))
})

t.test('stop lets an in-flight delivery finish and is idempotent', async (t) => {
  const { outbox, link, drain } = await rig(t)
  await link.start()
  await connected(link)
  await drain.start()
  await outbox.append(submission(1))
  await drain.stop()
  await drain.stop()
  t.strictSame(outbox.delivered, [submission(1).id])
  t.equal(drain.health().state, 'stopped')
  await outbox.append(submission(2))
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(outbox.depth(), 1, 'a stopped drain does not deliver')
})
