import t from 'tap'
import { DeviceService, type DeviceServiceOptions } from '../../runtime/device-service.js'
import { StationError } from '../../runtime/core/errors.js'
import { createSilentLogger } from '../../runtime/log.js'
import { SimClock } from '../../runtime/core/sim-clock.js'
import type { Health, ServiceContext } from '../../runtime/supervisor/service.js'
import { Supervisor } from '../../runtime/supervisor/supervisor.js'

function context(): ServiceContext {
  return { signal: new AbortController().signal, fail: () => undefined }
}

/** A device whose open fails with the queued errors first, then succeeds. */
function rig(openErrors: unknown[] = [], extra: Partial<DeviceServiceOptions> = {}) {
  const reported: Health[] = []
  let closes = 0
  const service = new DeviceService({
    name: 'printer',
    open: async () => {
      if (openErrors.length > 0) throw openErrors.shift()
    },
    close: async () => {
      closes += 1
    },
    onHealth: (health) => reported.push(health),
    ...extra,
  })
  return { service, reported, closes: () => closes }
}

t.test('a device that opens goes from starting to ok, each change reported once', async (t) => {
  const { service, reported } = rig()
  t.strictSame(service.health(), { state: 'stopped' })
  await service.start(context())
  t.strictSame(reported, [{ state: 'starting' }, { state: 'ok' }])
  t.strictSame(service.health(), { state: 'ok' })
  t.equal(service.name, 'printer')
})

t.test('an open failing with E_DEVICE_ABSENT makes the device absent', async (t) => {
  const absent = new StationError('E_DEVICE_ABSENT', 'no /dev/ttyUSB0', { path: '/dev/ttyUSB0' })
  const { service, reported } = rig([absent])
  await t.rejects(service.start(context()), absent, 'the supervisor still sees the failure')
  t.strictSame(service.health(), { state: 'absent', lastError: 'no /dev/ttyUSB0', lastErrorCode: 'E_DEVICE_ABSENT' })
  t.equal(reported.length, 2)
})

t.test('any other open failure makes the device faulty, with the code when there is one', async (t) => {
  const timeout = rig([new StationError('E_DEVICE_TIMEOUT', 'no answer to DLE EOT')])
  await t.rejects(timeout.service.start(context()))
  t.strictSame(timeout.service.health(), { state: 'faulty', lastError: 'no answer to DLE EOT', lastErrorCode: 'E_DEVICE_TIMEOUT' })

  const plain = rig([new Error('EACCES: permission denied')])
  await t.rejects(plain.service.start(context()))
  t.strictSame(plain.service.health(), { state: 'faulty', lastError: 'EACCES: permission denied' })
})

t.test('onHealth hears each change once, including a changed error text', async (t) => {
  const { service, reported } = rig()
  await service.start(context())
  reported.length = 0
  service.report({ state: 'degraded', lastError: 'paper near end' })
  service.report({ state: 'degraded', lastError: 'paper near end' })
  service.report({ state: 'faulty', lastError: 'paper out', lastErrorCode: 'E_PRINTER_NOT_READY' })
  service.report({ state: 'faulty', lastError: 'cover open', lastErrorCode: 'E_PRINTER_NOT_READY' })
  service.report({ state: 'ok' })
  service.report({ state: 'ok' })
  t.strictSame(
    reported.map((health) => `${health.state} ${health.lastError ?? ''}`.trim()),
    ['degraded paper near end', 'faulty paper out', 'faulty cover open', 'ok'],
  )
  t.strictSame(service.health(), { state: 'ok' })
})

t.test('report() moves the health that operators see', async (t) => {
  const { service } = rig()
  await service.start(context())
  service.report({ state: 'faulty', lastError: 'paper out', lastErrorCode: 'E_PRINTER_NOT_READY' })
  t.strictSame(service.health(), { state: 'faulty', lastError: 'paper out', lastErrorCode: 'E_PRINTER_NOT_READY' })
})

t.test('stop closes the device; a healthy one becomes stopped, a broken one keeps its reason', async (t) => {
  const healthy = rig()
  await healthy.service.start(context())
  await healthy.service.stop()
  t.equal(healthy.closes(), 1)
  t.strictSame(healthy.service.health(), { state: 'stopped' })

  const broken = rig([new StationError('E_DEVICE_ABSENT', 'unplugged')])
  await t.rejects(broken.service.start(context()))
  await broken.service.stop()
  t.equal(broken.closes(), 1)
  t.equal(broken.service.health().state, 'absent')
})

t.test('the driver’s own health is shown while the device is ok, and only then', async (t) => {
  const driverHealth: Health = { state: 'degraded', lastError: '3 failed polls', detail: { failedPolls: 3 } }
  const { service } = rig([new StationError('E_I2C_NACK', 'no ACK from 0x5a')], { driverHealth: () => driverHealth })
  await t.rejects(service.start(context()))
  t.equal(service.health().state, 'faulty', 'the open failure wins over the driver')
  await service.start(context())
  t.strictSame(service.health(), driverHealth)
})

t.test('under the supervisor an absent device is retried until it appears, and each change is reported', async (t) => {
  const clock = new SimClock(0)
  const { service, reported } = rig([
    new StationError('E_DEVICE_ABSENT', 'no /dev/ttyUSB0'),
    new StationError('E_DEVICE_ABSENT', 'no /dev/ttyUSB0'),
  ])
  const supervisor = new Supervisor([service], { clock, log: createSilentLogger(), minRestartMs: 100, random: () => 0.5 })
  await supervisor.start()
  t.match(supervisor.health()['printer'], { state: 'absent', lastError: 'no /dev/ttyUSB0', detail: { restarts: 1 } })
  await clock.advanceAsync(1000, 10)
  t.strictSame(supervisor.health()['printer'], { state: 'ok' })
  t.strictSame(
    reported.map((health) => health.state),
    ['starting', 'absent', 'starting', 'absent', 'starting', 'ok'],
  )
  await supervisor.stop()
})

t.test('onHealthChange hears its own changes and the driver’s; the supervisor passes both on, with its restarts', async (t) => {
  const clock = new SimClock(0)
  let driverHealth: Health = { state: 'ok' }
  const { service } = rig([new StationError('E_DEVICE_ABSENT', 'no /dev/ttyUSB0')], { driverHealth: () => driverHealth })
  let serviceChanges = 0
  const off = service.onHealthChange(() => (serviceChanges += 1))
  service.onHealthChange(() => {
    throw new Error('a broken listener')
  })
  const supervisor = new Supervisor([service], { clock, log: createSilentLogger(), minRestartMs: 100, random: () => 0.5 })
  const seen: Array<[string, string | undefined]> = []
  supervisor.onHealthChange((name) => seen.push([name, supervisor.health()[name]?.state]))
  await supervisor.start()
  t.ok(serviceChanges >= 2, 'starting, absent')
  t.ok(seen.some(([, state]) => state === 'absent'), 'the failed start was passed on')
  await clock.advanceAsync(200, 10)
  t.equal(seen.at(-1)?.[1], 'ok', 'and the retry that worked')
  seen.length = 0
  driverHealth = { state: 'degraded', lastError: '2 failed polls' }
  service.driverHealthChanged()
  t.same(seen, [['printer', 'degraded']], 'a driver change reaches the supervisor’s listeners at once')
  off()
  const before = serviceChanges
  service.driverHealthChanged()
  t.equal(serviceChanges, before, 'unsubscribed')
  await supervisor.stop()
})
