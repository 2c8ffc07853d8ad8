import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { createSilentLogger } from '../../runtime/log.js'
import { SimClock } from '../../runtime/core/sim-clock.js'
import { EVENT_LOOP_SAMPLE_MS, parseThermalZone, parseThrottledRegister, TelemetryService, type TelemetrySample } from '../../runtime/telemetry.js'
import { testDir } from '../support/test-dir.js'

t.test('parses the kernel thermal zone in millidegrees', async (t) => {
  t.equal(parseThermalZone('48312\n'), 48.312)
  t.equal(parseThermalZone('garbage'), null)
})

t.test('publishes one sample per interval with devices, outbox age, link, memory, temperature and disk', async (t) => {
  const dir = testDir(t, {})
  const thermal = join(dir, 'temp')
  writeFileSync(thermal, '51234\n')
  const clock = new SimClock(Date.UTC(2026, 10, 28, 8, 0, 0))
  const oldestMs = clock.now() - 90_000
  const samples: TelemetrySample[] = []
  const service = new TelemetryService({
    sources: {
      devices: () => ({ printer: { state: 'degraded', lastError: 'paper out' }, keypad: { state: 'ok' } }),
      outbox: () => ({ depth: 2, oldestCreatedAtMs: oldestMs }),
      linkConnected: () => false,
      rssBytes: () => 42_000_000,
      dataDir: dir,
      thermalZonePath: thermal,
    },
    publish: (sample) => samples.push(sample),
    clock,
    intervalMs: 60_000,
    log: createSilentLogger(),
  })
  await service.start()
  t.teardown(() => service.stop())
  await clock.advanceAsync(59_000)
  t.equal(samples.length, 0, 'nothing before the interval')
  await clock.advanceAsync(1_000)
  for (let i = 0; i < 20 && samples.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(samples.length, 1)
  const sample = samples[0]!
  t.strictSame(sample.devices.printer, { state: 'degraded', lastError: 'paper out' })
  t.equal(sample.outbox.depth, 2)
  t.equal(sample.outbox.oldestAgeS, 150, 'age measured at the time of the sample')
  t.equal(sample.link.connected, false)
  t.equal(sample.rssBytes, 42_000_000)
  t.equal(sample.cpuTempC, 51.234)
  t.ok(sample.diskFreeBytes !== null && sample.diskFreeBytes > 0)
  await service.stop()
  t.equal(clock.pendingTimers, 0, 'stop leaves no timer behind')
})

t.test('reports no temperature off a Pi rather than a made-up value', async (t) => {
  const service = new TelemetryService({
    sources: {
      devices: () => ({}),
      outbox: () => ({ depth: 0, oldestCreatedAtMs: null }),
      linkConnected: () => true,
      rssBytes: () => 1,
      dataDir: '/nonexistent-dir-for-telemetry',
      thermalZonePath: '/nonexistent/temp',
    },
    publish: () => undefined,
    clock: new SimClock(0),
    intervalMs: 1000,
    log: createSilentLogger(),
  })
  const sample = await service.sample()
  t.equal(sample.cpuTempC, null)
  t.equal(sample.diskFreeBytes, null)
  t.equal(sample.outbox.oldestAgeS, null)
})

t.test('parses the throttling register from sysfs (hex without 0x) and from vcgencmd', async (t) => {
  t.strictSame(parseThrottledRegister('50005\n'), {
    value: '0x50005',
    flags: ['under_voltage_now', 'throttled_now', 'under_voltage_occurred', 'throttled_occurred'],
  })
  t.strictSame(parseThrottledRegister('throttled=0x0'), { value: '0x0', flags: [] })
  t.throws(() => parseThrottledRegister('VCHI initialization failed'), { code: 'E_CODEC_INVALID' })
})

t.test('a sample carries version, uptime, the current broker and the Pi throttling flags', async (t) => {
  const clock = new SimClock(Date.UTC(2026, 10, 28, 8, 0, 0))
  const startedAtMs = clock.now()
  let register = '0'
  const service = new TelemetryService({
    sources: {
      devices: () => ({}),
      outbox: () => ({ depth: 0, oldestCreatedAtMs: null }),
      linkConnected: () => true,
      linkBroker: () => 'mqtts://10.0.0.2:8883',
      version: '1.4.0',
      startedAtMs,
      readThrottled: async () => register,
      rssBytes: () => 1,
      dataDir: testDir(t, {}),
    },
    publish: () => undefined,
    clock,
    intervalMs: 1000,
    log: createSilentLogger(),
  })
  clock.advance(3_600_000)
  let sample = await service.sample()
  t.strictSame(sample.link, { connected: true, broker: 'mqtts://10.0.0.2:8883' })
  t.equal(sample.version, '1.4.0')
  t.equal(sample.uptimeS, 3600)
  t.strictSame(sample.throttled, { value: '0x0', flags: [] })
  register = '10001'
  sample = await service.sample()
  t.strictSame(sample.throttled, { value: '0x10001', flags: ['under_voltage_now', 'under_voltage_occurred'] })
  register = 'garbage'
  sample = await service.sample()
  t.equal(sample.throttled, null, 'an unreadable register is unknown, never healthy')
})

t.test('off a Pi (no reader) throttling is null and the broker unknown', async (t) => {
  const service = new TelemetryService({
    sources: {
      devices: () => ({}),
      outbox: () => ({ depth: 0, oldestCreatedAtMs: null }),
      linkConnected: () => false,
      rssBytes: () => 1,
      dataDir: '/nonexistent-dir-for-telemetry',
    },
    publish: () => undefined,
    clock: new SimClock(0),
    intervalMs: 1000,
    log: createSilentLogger(),
  })
  const sample = await service.sample()
  t.equal(sample.throttled, null)
  t.strictSame(sample.link, { connected: false, broker: null })
  t.equal(sample.version, null)
})

t.test('a sample carries the outbox storage state and damage counts when given them', async (t) => {
  const clock = new SimClock(Date.UTC(2026, 10, 28, 8, 0, 0))
  const storage = {
    storage: { state: 'full' as const, reason: 'write-failed' as const },
    damage: { setAside: { undecryptable: 0, damaged: 2 }, damagedBytes: 0, damagedRegions: 0, tornBytes: 704 },
  }
  const service = new TelemetryService({
    sources: {
      devices: () => ({}),
      outbox: () => ({ depth: 5, oldestCreatedAtMs: null }),
      outboxStorage: () => storage,
      linkConnected: () => true,
      rssBytes: () => 1,
      dataDir: testDir(t, {}),
    },
    publish: () => undefined,
    clock,
    intervalMs: 1000,
    log: createSilentLogger(),
  })
  t.strictSame((await service.sample()).outbox, { depth: 5, oldestAgeS: null, ...storage })
})

t.test('the event-loop delay sampler, waking once a second, still sees a stall', async (t) => {
  const service = new TelemetryService({
    sources: {
      devices: () => ({}),
      outbox: () => ({ depth: 0, oldestCreatedAtMs: null }),
      linkConnected: () => true,
      rssBytes: () => 1,
      dataDir: '/nonexistent-dir-for-telemetry',
    },
    publish: () => undefined,
    clock: new SimClock(0),
    intervalMs: 60_000,
    log: createSilentLogger(),
  })
  await service.start()
  t.teardown(() => service.stop())
  t.equal(EVENT_LOOP_SAMPLE_MS, 1000)
  await new Promise((resolve) => setTimeout(resolve, 1100))
  // A handler that holds the loop for 1.5 s: the sample due meanwhile comes that much late.
  const stallUntil = Date.now() + 1500
  while (Date.now() < stallUntil);
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const { eventLoopDelayP99Ms } = await service.sample()
  t.ok(eventLoopDelayP99Ms !== null && eventLoopDelayP99Ms >= 400, `p99 ${eventLoopDelayP99Ms} ms shows the stall`)
})
