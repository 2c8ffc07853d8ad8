import t from 'tap'
import { PollHealth } from '../../drivers/poll-health.js'
import { StationError } from '../../runtime/core/errors.js'

const eio = new StationError('E_I2C_IO', 'bus error')

t.test('a lone failed poll is a glitch, a second degrades, the limit makes it faulty, one good poll recovers', async (t) => {
  const health = new PollHealth(3)
  health.starting()
  t.equal(health.state, 'starting')
  health.started()
  t.equal(health.failed(eio), false)
  t.same(health.health(), { state: 'ok', detail: { consecutiveFailures: 1 }, lastError: 'bus error', lastErrorCode: 'E_I2C_IO' }, 'one glitch: still ok, the error kept')
  t.equal(health.succeeded(), false, 'a glitch was no outage')
  t.equal(health.failed(eio), false)
  t.equal(health.failed(eio), false)
  t.same(health.health(), { state: 'degraded', detail: { consecutiveFailures: 2 }, lastError: 'bus error', lastErrorCode: 'E_I2C_IO' })
  t.equal(health.failed(eio), true, 'the third failure in a row makes it faulty')
  t.equal(health.failed(eio), true, 'and it stays faulty')
  t.equal(health.state, 'faulty')
  t.equal(health.succeeded(), true, 'the good poll ends an outage')
  t.equal(health.succeeded(), false, 'a second good poll ends nothing')
  t.equal(health.failures, 0)
  t.equal(health.health({ firmware: '1.6' }).detail?.firmware, '1.6')
})

t.test('a fault is reported once per outage', async (t) => {
  const health = new PollHealth(1)
  health.started()
  health.failed(eio)
  t.equal(health.claimFaultReport(), true)
  t.equal(health.claimFaultReport(), false, 'not twice in one outage')
  health.succeeded()
  health.faulty(new StationError('E_DEVICE_PROTOCOL', 'over-current'))
  t.equal(health.state, 'faulty')
  t.equal(health.claimFaultReport(), true, 'again after a recovery')
  t.equal(health.health().lastError, 'over-current')
})

t.test('start failures: absent when nothing answered, faulty otherwise; stop keeps the last error', async (t) => {
  const health = new PollHealth()
  health.startFailed(new StationError('E_DEVICE_ABSENT', 'no chip'))
  t.equal(health.state, 'absent')
  health.startFailed(new StationError('E_DEVICE_PROTOCOL', 'wrong chip'))
  t.equal(health.state, 'faulty')
  health.stopped()
  t.same(health.health(), { state: 'stopped', detail: { consecutiveFailures: 0 }, lastError: 'wrong chip', lastErrorCode: 'E_DEVICE_PROTOCOL' })
  health.stopped(eio)
  t.equal(health.health().lastErrorCode, 'E_I2C_IO')
})

t.test('the failure limit must be a positive integer', async (t) => {
  for (const bad of [0, -1, 1.5, Number.NaN]) t.throws(() => new PollHealth(bad), TypeError, String(bad))
})

t.test('change listeners hear each new state once, with the error already recorded; a throwing one is contained', async (t) => {
  const listenerErrors: unknown[] = []
  const health = new PollHealth(3, (error) => listenerErrors.push(error))
  const states: string[] = []
  health.onChange((state) => states.push(`${state}:${health.health().lastErrorCode ?? '-'}`))
  health.onChange(() => {
    throw new Error('broken listener')
  })
  health.starting()
  health.startFailed(new StationError('E_DEVICE_ABSENT', 'nothing at 0x5a'))
  health.starting()
  health.started()
  health.failed(new StationError('E_I2C_IO', 'EIO'))
  health.failed(new StationError('E_I2C_IO', 'EIO'))
  health.failed(new StationError('E_I2C_IO', 'EIO'))
  health.failed(new StationError('E_I2C_IO', 'EIO'))
  health.succeeded()
  health.succeeded()
  health.stopped()
  t.same(states, ['starting:-', 'absent:E_DEVICE_ABSENT', 'starting:E_DEVICE_ABSENT', 'ok:E_DEVICE_ABSENT', 'degraded:E_I2C_IO', 'faulty:E_I2C_IO', 'ok:E_I2C_IO', 'stopped:E_I2C_IO'])
  t.equal(listenerErrors.length, states.length, 'the broken listener was handed over each time, the rest still ran')
})
