import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { createSilentLogger } from '../../../runtime/log.js'
import type { ConnectFn, WireConnectOptions, WireHandlers } from '../../../runtime/mqtt/broker-client.js'
import { BrokerConnection, type BrokerConnectionOptions, type Session } from '../../../runtime/mqtt/broker-connection.js'
import { MqttLink } from '../../../runtime/mqtt/mqtt-link.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

/** One attempt the code under test made through the fake ConnectFn; the test plays the broker. */
interface Attempt {
  url: string
  options: WireConnectOptions
  handlers: WireHandlers
  destroyed: boolean
  /** CONNACK success. */
  accept(): void
  /** A failed attempt: `error` (if any), then close. */
  refuse(error?: Error): void
  /** An established session lost. */
  drop(): void
}

function fakeBroker() {
  const attempts: Attempt[] = []
  const connect: ConnectFn = (url, options, handlers) => {
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      handlers.close()
    }
    const attempt: Attempt = {
      url,
      options,
      handlers,
      destroyed: false,
      accept: () => handlers.connect(),
      refuse: (error) => {
        if (error) handlers.error(error)
        close()
      },
      drop: close,
    }
    attempts.push(attempt)
    return {
      publish: (_topic, _payload, _options, done) => done(),
      subscribe: (_filter, done) => done(undefined, 1),
      unsubscribe: () => undefined,
      disconnect: async () => close(),
      destroy: () => {
        attempt.destroyed = true
        close()
      },
    }
  }
  return { attempts, connect }
}

function tlsError(code: string): Error {
  return Object.assign(new Error(`ssl alert (${code})`), { code })
}

function connection(clock: SimClock, connect: ConnectFn, overrides: Partial<BrokerConnectionOptions> = {}) {
  const ups: Session[] = []
  const downs: Session[] = []
  const link = new BrokerConnection({
    urls: ['mqtt://one:1883', 'mqtt://two:1883'],
    clientId: 'cs-unit',
    keepaliveS: 30,
    connectTimeoutMs: 1000,
    reconnectMinMs: 100,
    reconnectMaxMs: 30_000,
    will: () => ({ topic: 'cs/v1/unit/status', payload: Buffer.from('{"state":"offline"}') }),
    onUp: (session) => ups.push(session),
    onDown: (session) => downs.push(session),
    onMessage: () => undefined,
    clock,
    log: createSilentLogger(),
    random: () => 0.5,
    connect,
    ...overrides,
  })
  return { link, ups, downs }
}

/** Lets the async open (TLS file reads) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

t.test('a failed attempt moves on to the next URL; a lost session retries its own URL first', async (t) => {
  const clock = new SimClock()
  const broker = fakeBroker()
  const { link, ups } = connection(clock, broker.connect)
  link.start()
  await settle()
  t.equal(broker.attempts[0]?.url, 'mqtt://one:1883')
  t.equal(link.broker, 'mqtt://one:1883')
  broker.attempts[0]?.refuse(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
  t.equal(link.broker, 'mqtt://two:1883', 'health already names the next URL')
  t.equal(link.failure?.reason, 'network')
  clock.advance(100)
  await settle()
  t.equal(broker.attempts[1]?.url, 'mqtt://two:1883')
  broker.attempts[1]?.accept()
  t.equal(ups.length, 1)
  t.equal(link.connected?.url, 'mqtt://two:1883')
  t.equal(link.failure, undefined)
  broker.attempts[1]?.drop()
  clock.advance(30_000)
  await settle()
  t.equal(broker.attempts[2]?.url, 'mqtt://two:1883', 'the URL that worked is tried again first')
  broker.attempts[2]?.refuse()
  clock.advance(30_000)
  await settle()
  t.equal(broker.attempts[3]?.url, 'mqtt://one:1883', 'then the list goes round')
  await link.stop()
})

t.test('the backoff resets after a session stayed up stableAfterMs, not only after reconnectMaxMs', async (t) => {
  const clock = new SimClock()
  const broker = fakeBroker()
  const { link } = connection(clock, broker.connect, { urls: ['mqtt://one:1883'] })
  link.start()
  await settle()
  // Five failed attempts grow the backoff.
  for (let index = 0; index < 5; index++) {
    broker.attempts[index]?.refuse()
    clock.advance(30_000)
    await settle()
  }
  t.equal(link.attempt, 5)
  const flapping = broker.attempts[5]
  flapping?.accept()
  clock.advance(1999)
  flapping?.drop()
  t.equal(link.attempt, 6, 'a session shorter than stableAfterMs keeps the backoff growing')
  clock.advance(30_000)
  await settle()
  const stable = broker.attempts[6]
  stable?.accept()
  clock.advance(2000)
  t.equal(link.attempt, 0, 'two seconds after CONNACK the backoff is back at its start')
  stable?.drop()
  const before = broker.attempts.length
  clock.advance(49)
  await settle()
  t.equal(broker.attempts.length, before, 'not before the shortest delay (minMs/2 with this jitter)')
  clock.advance(1)
  await settle()
  t.equal(broker.attempts.length, before + 1, 'reconnects after the first backoff step, 50 ms')
  await link.stop()
})

t.test('a refused certificate is named in health and retried slowly, between half and all of reconnectMaxMs', async (t) => {
  const clock = new SimClock()
  const broker = fakeBroker()
  const station = new MqttLink({
    url: 'mqtts://one:8883',
    stationId: 'unit-1',
    topicPrefix: 'cs/v1',
    keepaliveS: 30,
    reconnectMinMs: 100,
    reconnectMaxMs: 30_000,
    connectTimeoutMs: 1000,
    version: 'test',
    bootId: 'boot',
    flows: () => [],
    clock,
    log: createSilentLogger(),
    random: () => 0,
    connect: broker.connect,
  })
  await station.start()
  await settle()
  broker.attempts[0]?.refuse(tlsError('ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED'))
  const health = station.health()
  t.equal(health.state, 'faulty')
  t.equal(health.lastErrorCode, 'E_MQTT_UNAVAILABLE')
  t.match(health.lastError, /certificate has expired/)
  t.equal(health.detail?.failure, 'certificate-expired')
  clock.advance(14_999)
  await settle()
  t.equal(broker.attempts.length, 1, 'no retry before reconnectMaxMs / 2')
  clock.advance(1)
  await settle()
  t.equal(broker.attempts.length, 2, 'but it does retry, in case the certificate was renewed')
  broker.attempts[1]?.accept()
  t.equal(station.health().state, 'ok')
  t.equal(station.health().lastError, undefined)
  await station.stop()
})

t.test('unreadable TLS files are a credential failure with the file problem in lastError', async (t) => {
  const clock = new SimClock()
  const broker = fakeBroker()
  const { link } = connection(clock, broker.connect, {
    tls: { caFile: '/nonexistent/ca.crt', certFile: '/nonexistent/c.crt', keyFile: '/nonexistent/c.key' },
  })
  link.start()
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(broker.attempts.length, 0, 'no connection without the certificate')
  t.equal(link.failure?.reason, 'tls-files')
  t.match(link.lastError?.message, /cannot read the mqtt.tls files/)
  await link.stop()
})

t.test('the will is built for each attempt, and stop() sends a clean DISCONNECT after the farewell', async (t) => {
  const clock = new SimClock()
  const broker = fakeBroker()
  let wills = 0
  const { link } = connection(clock, broker.connect, {
    will: () => ({ topic: 'w', payload: Buffer.from(String(++wills)) }),
  })
  link.start()
  await settle()
  broker.attempts[0]?.refuse()
  clock.advance(30_000)
  await settle()
  t.same(broker.attempts.map((attempt) => attempt.options.will.payload.toString()), ['1', '2'])
  broker.attempts[1]?.accept()
  const said: string[] = []
  await link.stop(async () => void said.push('farewell'))
  t.same(said, ['farewell'])
  t.equal(link.connected, undefined)
  clock.advance(60_000)
  await settle()
  t.equal(broker.attempts.length, 2, 'no reconnect after stop')
})

t.test('MQTT.js is imported only by broker-client.ts in the station, and by ops-broker-client.ts in the operator tools (apart from runtime/central and the broker probe)', async (t) => {
  const root = join(import.meta.dirname, '../../../runtime')
  const importers: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if (entry.name.endsWith('.ts') && /from 'mqtt'/.test(await readFile(path, 'utf8'))) {
        importers.push(path.slice(root.length + 1))
      }
    }
  }
  await walk(root)
  t.same(
    importers.filter((path) => !path.startsWith('central/')).sort(),
    ['mqtt/broker-client.ts', 'mqtt/broker-discovery.ts', 'ops/ops-broker-client.ts'],
  )
})

t.test('after a lost connection the first attempt waits random x reconnectSpreadMs; the next ones use the backoff', async (t) => {
  const clock = new SimClock()
  const broker = fakeBroker()
  const draws = [0.9, 0.5, 0.5]
  const { link } = connection(clock, broker.connect, { reconnectSpreadMs: 10_000, random: () => draws.shift() ?? 0.5 })
  link.start()
  await settle()
  t.equal(broker.attempts.length, 1, 'the first connect at start is not delayed')
  broker.attempts[0]?.accept()
  broker.attempts[0]?.drop()
  clock.advance(8999)
  await settle()
  t.equal(broker.attempts.length, 1, 'not before 0.9 x 10 s')
  clock.advance(1)
  await settle()
  t.equal(broker.attempts.length, 2, 'at 0.9 x the spread')
  broker.attempts[1]?.refuse()
  // attempt counter is 1 after the spread: backoff 0.5 x min(30 s, 100 ms x 2) = 100 ms
  clock.advance(99)
  await settle()
  t.equal(broker.attempts.length, 2)
  clock.advance(1)
  await settle()
  t.equal(broker.attempts.length, 3, 'a failed attempt after the spread waits the backoff, not the spread')
  await link.stop()
})
