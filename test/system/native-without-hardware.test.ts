/**
 * A station configured for real hardware, started on a machine that has none of it (this one): it
 * must still start, report each device absent with a reason naming the missing node and the group
 * the service user needs, tell central, and keep the outbox and the link running. Device paths point
 * at nodes that cannot exist, so the test means the same on a Raspberry Pi.
 */
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { StatusReport } from '../../runtime/status-report.js'
import { startMosquitto, subscribeCollect } from '../support/mosquitto.js'
import { controlSocketPath } from '../../runtime/control/socket-path.js'
import { station as stationCli, startStationProcess, waitUntil } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

t.test('a native station without its hardware runs, with every device absent and the reason named', async (t) => {
  const dir = testDir(t, {})
  const broker = await startMosquitto(t)
  const events = await subscribeCollect(broker.url, 'cs/v1/native-test/events')
  t.teardown(() => events.close())
  const config = join(dir, 'station.yaml')
  const missing = '/dev/serial/by-id/citizen-station-test-missing'
  writeFileSync(
    config,
    [
      'station: { id: native-test }',
      'hardware:',
      '  simulated: false',
      '  display: { bus: 250 }',
      '  keypad: { bus: 250 }',
      `  scanner: { path: ${missing}-scanner }`,
      `  printer: { path: ${missing}-printer }`,
      '  nfc: { enabled: true, bus: 250 }',
      `  gpio: { sysfsRoot: ${join(dir, 'no-gpio')} }`,
      '  tamper: { enabled: true }',
      '  leds: { enabled: true }',
      '  wiegand: { enabled: true, backend: onoff }',
      '',
    ].join('\n'),
  )
  const station = await startStationProcess(t, join(dir, 'data'), ['--config', config, '--broker', broker.url])

  const expectations: Record<string, RegExp> = {
    display: /\/dev\/i2c-250 is missing.*group i2c/,
    keypad: /\/dev\/i2c-250 is missing.*group i2c/,
    nfc: /\/dev\/i2c-250 is missing.*group i2c/,
    scanner: /citizen-station-test-missing-scanner does not exist/,
    printer: /citizen-station-test-missing-printer does not exist/,
    tamper: /no-gpio.*group gpio/,
    leds: /no-gpio.*group gpio/,
    wiegand: /no-gpio.*group gpio/,
  }
  const status = await waitUntil('every device reported absent', async () => {
    const report = (await station.request('status')) as StatusReport
    return Object.keys(expectations).every((device) => report.devices[device]?.state === 'absent') ? report : undefined
  })
  t.equal(status.ready, true, 'the station runs')
  for (const [device, reason] of Object.entries(expectations)) {
    t.match(status.devices[device]?.lastError, reason, `${device}: ${status.devices[device]?.lastError}`)
    t.equal(status.devices[device]?.lastErrorCode, 'E_DEVICE_ABSENT', `${device} code`)
  }
  // The simulator's commands never reach a device: refused, before their arguments are read.
  await t.rejects(station.request('sim.press', { key: '1' }), { code: 'E_CONTROL_REQUEST', context: { reason: 'real-hardware' } })
  await t.rejects(station.request('sim.unplug', { device: 'nonsense' }), { code: 'E_CONTROL_REQUEST', context: { reason: 'real-hardware' } }, 'refused before args are read')
  const cli = await stationCli(['sim', 'press', '1', '--data-dir', join(dir, 'data')])
  t.equal(cli.code, 1)
  t.match(cli.stderr, /^station sim press: refused: this station runs on real hardware/)
  // No citizen-station-tech group on this machine: the socket stays the station user's alone.
  t.equal(statSync(controlSocketPath(join(dir, 'data'))).mode & 0o777, 0o600)
  t.match(station.logs(), /"group":"citizen-station-tech".*control socket stays 0600/)
  await waitUntil('the link', async () => ((await station.request('status')) as StatusReport).link.connected || undefined)
  // Central hears of each absent device: faults raised before the link was up are announced again when it connects.
  const reported = await waitUntil(
    'a fault event for every device',
    () => {
      const devices = new Set(events.messages.filter((m) => m.payload?.type === 'device.fault').map((m) => String(m.payload.device)))
      return Object.keys(expectations).every((device) => devices.has(device)) ? devices : undefined
    },
    20_000,
  )
  t.ok(reported.size >= Object.keys(expectations).length)
  t.equal(await station.stop(), 0, 'stops cleanly')
})
