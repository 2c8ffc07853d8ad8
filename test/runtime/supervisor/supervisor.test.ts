import t from 'tap'
import { StationError } from '../../../runtime/core/errors.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import type { Health, Service, ServiceContext } from '../../../runtime/supervisor/service.js'
import { Supervisor } from '../../../runtime/supervisor/supervisor.js'
import { captureLog } from '../../support/capture-log.js'

const MIN_RESTART_MS = 1000

/** A service written for these tests: records starts and stops, and fails on request. */
class FakeService implements Service {
  readonly name: string
  /** Every start and stop of every service in one rig, in call order. */
  readonly journal: string[]
  /** Sim time of each start call. */
  readonly startTimesMs: number[] = []
  /** How many of the next starts reject. */
  startFailures = 0
  stopFails = false
  /** When set, stop() waits for it (a close that takes time). */
  stopGate: Promise<void> | undefined
  context: ServiceContext | undefined
  running = false
  #clock: SimClock

  constructor(name: string, journal: string[], clock: SimClock) {
    this.name = name
    this.journal = journal
    this.#clock = clock
  }

  async start(context: ServiceContext): Promise<void> {
    this.journal.push(`start ${this.name}`)
    this.startTimesMs.push(this.#clock.now())
    if (this.startFailures > 0) {
      this.startFailures -= 1
      throw new StationError('E_DEVICE_ABSENT', `${this.name} is not there`)
    }
    this.context = context
    this.running = true
  }

  async stop(): Promise<void> {
    this.journal.push(`stop ${this.name}`)
    this.running = false
    if (this.stopGate) await this.stopGate
    if (this.stopFails) throw new Error(`${this.name} would not close`)
  }

  health(): Health {
    return { state: this.running ? 'ok' : 'stopped' }
  }
}


function rig(names: string[], random: () => number = () => 0.999) {
  const clock = new SimClock(0)
  const journal: string[] = []
  const services = names.map((name) => new FakeService(name, journal, clock))
  const { log, lines } = captureLog()
  const supervisor = new Supervisor(services, { clock, log, minRestartMs: MIN_RESTART_MS, maxRestartMs: 30_000, random })
  const byName = (name: string): FakeService => {
    const service = services.find((candidate) => candidate.name === name)
    if (!service) throw new Error(`no service ${name}`)
    return service
  }
  return { clock, journal, supervisor, lines, byName }
}

/** Lets promise continuations (awaited stops, restarted starts) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

t.test('starts services in order and stops them in reverse order', async (t) => {
  const { journal, supervisor } = rig(['a', 'b', 'c'])
  await supervisor.start()
  t.strictSame(journal, ['start a', 'start b', 'start c'])
  journal.length = 0
  await supervisor.stop()
  t.strictSame(journal, ['stop c', 'stop b', 'stop a'])
  t.strictSame(
    Object.values(supervisor.health()).map((health) => health.state),
    ['stopped', 'stopped', 'stopped'],
  )
})

t.test('a service whose start rejects is retried within [minRestartMs / 2, minRestartMs] and the others still start', async (t) => {
  for (const random of [() => 0, () => 0.5, () => 0.999, Math.random]) {
    const { clock, journal, supervisor, byName } = rig(['a', 'b', 'c'], random)
    byName('b').startFailures = 1
    await supervisor.start()
    t.strictSame(journal, ['start a', 'start b', 'stop b', 'start c'], 'b is stopped after its failed start; c still starts')
    t.equal(byName('c').running, true)
    await clock.advanceAsync(2 * MIN_RESTART_MS, 50)
    const [first, retry, ...more] = byName('b').startTimesMs
    t.equal(first, 0)
    t.ok(retry !== undefined && retry >= MIN_RESTART_MS / 2 && retry <= MIN_RESTART_MS, `retried at ${retry} ms`)
    t.strictSame(more, [], 'one retry was enough')
    t.equal(supervisor.health()['b']?.state, 'ok')
    await supervisor.stop()
  }
})

t.test('health shows faulty with the last error and the restart count while a service is restarting', async (t) => {
  const { clock, supervisor, byName, lines } = rig(['a', 'b'])
  byName('b').startFailures = 3
  await supervisor.start()
  t.match(supervisor.health()['b'], { state: 'faulty', lastError: 'b is not there', lastErrorCode: 'E_DEVICE_ABSENT', detail: { restarts: 1 } })
  t.equal(supervisor.health()['a']?.state, 'ok', 'the healthy service is not affected')

  // random 0.999 gives delays just under the ceiling, which doubles: 1000, 2000, 4000 ms for attempts 0, 1, 2.
  // 1 ms steps so each retry is scheduled at the moment its start failed.
  await clock.advanceAsync(1000, 1)
  t.match(supervisor.health()['b'], { state: 'faulty', detail: { restarts: 2 } })
  await clock.advanceAsync(2000, 1)
  t.match(supervisor.health()['b'], { state: 'faulty', detail: { restarts: 3 } })
  t.strictSame(byName('b').startTimesMs.map((ms) => Math.round(ms)), [0, 999, 2997])

  await clock.advanceAsync(4000, 50)
  t.strictSame(supervisor.health()['b'], { state: 'ok' }, 'recovered: the service speaks for itself again')
  const failures = lines.filter((line) => line['msg'] === 'service failed; restarting')
  t.equal(failures.length, 3)
  t.match(failures[0], { level: 40, service: 'b', attempt: 1, err: { code: 'E_DEVICE_ABSENT' } })
  t.ok(lines.some((line) => line['msg'] === 'service recovered' && line['service'] === 'b'))
  await supervisor.stop()
})

t.test('a running service that calls fail() is stopped and restarted after the backoff', async (t) => {
  const { clock, journal, supervisor, byName } = rig(['a', 'b'])
  await supervisor.start()
  const b = byName('b')
  const firstContext = b.context
  journal.length = 0

  firstContext?.fail(new Error('unplugged'))
  firstContext?.fail(new Error('unplugged again'))
  await settle()
  t.strictSame(journal, ['stop b'], 'stopped once, however often it reports')
  t.equal(firstContext?.signal.aborted, true, 'the failed instance is told to let go')
  t.match(supervisor.health()['b'], { state: 'faulty', lastError: 'unplugged', detail: { restarts: 1 } })
  t.notOk('lastErrorCode' in (supervisor.health()['b'] ?? {}), 'a plain Error has no code to show')

  await clock.advanceAsync(MIN_RESTART_MS, 50)
  t.strictSame(journal, ['stop b', 'start b'])
  t.not(b.context, firstContext, 'the restart gets a fresh context')
  t.equal(supervisor.health()['b']?.state, 'ok')

  firstContext?.fail(new Error('late report from the old instance'))
  await settle()
  t.strictSame(journal, ['stop b', 'start b'], 'a stale context cannot fail the new instance')
  await supervisor.stop()
})

t.test('a stop that throws is logged and the other services still stop', async (t) => {
  const { journal, supervisor, byName, lines } = rig(['a', 'b', 'c'])
  await supervisor.start()
  byName('b').stopFails = true
  journal.length = 0
  await supervisor.stop()
  t.strictSame(journal, ['stop c', 'stop b', 'stop a'])
  t.match(
    lines.find((line) => line['msg'] === 'service stop failed'),
    { level: 40, service: 'b', err: { message: 'b would not close' } },
  )
})

t.test('a stop that throws after a failure does not prevent the restart', async (t) => {
  const { clock, supervisor, byName } = rig(['a'])
  const a = byName('a')
  a.startFailures = 1
  a.stopFails = true
  await supervisor.start()
  await clock.advanceAsync(MIN_RESTART_MS, 50)
  t.equal(a.startTimesMs.length, 2)
  t.equal(supervisor.health()['a']?.state, 'ok')
  a.stopFails = false
  await supervisor.stop()
})

t.test('after stop() no restart happens and no timer is left behind', async (t) => {
  const { clock, supervisor, byName } = rig(['a', 'b'])
  byName('b').startFailures = 1
  await supervisor.start()
  t.equal(clock.pendingTimers, 1, 'the retry of b is scheduled')
  const aContext = byName('a').context
  await supervisor.stop()
  t.equal(clock.pendingTimers, 0)
  aContext?.fail(new Error('reported while stopping'))
  await clock.advanceAsync(60_000, 1000)
  t.strictSame(byName('b').startTimesMs, [0])
  t.strictSame(byName('a').startTimesMs, [0])
})

t.test('stop() during a failing service’s own stop leaves no restart scheduled', async (t) => {
  const { clock, supervisor, byName } = rig(['a'])
  const a = byName('a')
  await supervisor.start()
  let release = () => {}
  a.stopGate = new Promise<void>((resolve) => (release = resolve))
  a.context?.fail(new Error('unplugged'))
  const stopped = supervisor.stop()
  release()
  await stopped
  await settle()
  t.equal(clock.pendingTimers, 0, 'no retry timer outlives stop()')

  a.stopGate = undefined
  await supervisor.start()
  await clock.advanceAsync(60_000, 1000)
  t.equal(a.startTimesMs.length, 2, 'started again once, not twice')
  await supervisor.stop()
})

t.test('restart(name) stops and starts that one service now, dropping a pending retry', async (t) => {
  const clock = new SimClock()
  const journal: string[] = []
  const a = new FakeService('a', journal, clock)
  const b = new FakeService('b', journal, clock)
  b.startFailures = 1
  const supervisor = new Supervisor([a, b], { clock, log: captureLog().log, minRestartMs: MIN_RESTART_MS, random: () => 0.5 })
  await supervisor.start()
  t.equal(supervisor.health().b?.state, 'faulty', 'b failed its start and waits for a retry')
  journal.length = 0
  await supervisor.restart('b')
  t.same(journal, ['stop b', 'start b'], 'only b was stopped and started')
  t.equal(supervisor.health().b?.state, 'ok')
  clock.advance(60_000)
  t.same(journal, ['stop b', 'start b'], 'the retry scheduled before the restart never fires')
  await supervisor.restart('a')
  t.same(journal.slice(2), ['stop a', 'start a'])
  await t.rejects(supervisor.restart('nope'), { code: 'E_CONTROL_REQUEST' })
  await supervisor.stop()
})

/** A FakeService whose device can be probed: `answers` says whether the probe finds it. */
class ProbedService extends FakeService {
  answers = false
  probes = 0
  probeThrows = false
  async probe(): Promise<boolean> {
    this.probes += 1
    if (this.probeThrows) throw new Error('bus error')
    return this.answers
  }
}

t.test('a failed service with a probe restarts as soon as its device answers, not after the grown backoff', async (t) => {
  const clock = new SimClock(0)
  const journal: string[] = []
  const service = new ProbedService('keypad', journal, clock)
  const { log, lines } = captureLog()
  const supervisor = new Supervisor([service], { clock, log, minRestartMs: 1000, maxRestartMs: 30_000, probeIntervalMs: 500, random: () => 0.999 })
  service.startFailures = 5
  service.probeThrows = true
  await supervisor.start()
  // Failures at 0, ~1 s, ~3 s, ~7 s: the next wait is ~16 s. A probe that throws counts as no answer.
  await clock.advanceAsync(7100, 10)
  t.equal(service.startTimesMs.length, 4, 'four starts so far, each after its backoff')
  const probesBefore = service.probes
  t.ok(probesBefore > 5, `probed while waiting (${probesBefore} probes)`)
  service.probeThrows = false
  service.startFailures = 0
  service.answers = true
  const answeredAtMs = clock.now()
  await clock.advanceAsync(600, 10)
  t.equal(service.startTimesMs.length, 5, 'restarted on the probe answer')
  t.ok((service.startTimesMs[4] as number) - answeredAtMs <= 510, `within one probe interval (${(service.startTimesMs[4] as number) - answeredAtMs} ms)`)
  t.strictSame(supervisor.health()['keypad'], { state: 'ok' })
  t.ok(lines.some((line) => line['msg'] === 'device answers again; restarting it now'))
  const probes = service.probes
  await clock.advanceAsync(5000, 50)
  t.equal(service.probes, probes, 'no probing while it runs')
  await supervisor.stop()
})

t.test('a probe answering after stop(), or a restart timer firing first, starts nothing twice', async (t) => {
  const clock = new SimClock(0)
  const journal: string[] = []
  const service = new ProbedService('display', journal, clock)
  const supervisor = new Supervisor([service], { clock, log: captureLog().log, minRestartMs: 4000, maxRestartMs: 30_000, probeIntervalMs: 500, random: () => 0.999 })
  service.startFailures = 1
  await supervisor.start()
  await clock.advanceAsync(4100, 10)
  t.equal(service.startTimesMs.length, 2, 'restart timer fired; probes had no answer')
  t.ok(service.probes >= 6)
  service.startFailures = 1
  service.context?.fail(new Error('broke'))
  await settle()
  await supervisor.stop()
  const starts = service.startTimesMs.length
  service.answers = true
  await clock.advanceAsync(10_000, 100)
  t.equal(service.startTimesMs.length, starts, 'stopped: neither probe nor timer starts it')
})

t.test('health listeners hear of each failure and restart; one that throws is logged and the rest still hear', async (t) => {
  const { clock, supervisor, lines, byName } = rig(['keypad'])
  const heard: Array<[string, string | undefined]> = []
  supervisor.onHealthChange(() => {
    throw new Error('broken listener')
  })
  const off = supervisor.onHealthChange((name) => heard.push([name, supervisor.health()[name]?.state]))
  byName('keypad').startFailures = 1
  await supervisor.start()
  t.same(heard.at(-1), ['keypad', 'faulty'], 'the failed start: faulty while it waits for the retry')
  await clock.advanceAsync(30_000, 100)
  await settle()
  t.ok(heard.length >= 2, 'the retry was heard too')
  t.ok(lines.some((line) => line.msg === 'health listener threw' && line.service === 'keypad'), 'the broken listener was logged')
  off()
  const count = heard.length
  byName('keypad').context?.fail(new Error('unplugged'))
  await settle()
  t.equal(heard.length, count, 'nothing after unsubscribing')
  await supervisor.stop()
})
