import t from 'tap'
import { clockSyncCheck } from '../../../runtime/doctor/clock-sync-check.js'
import { diskSpaceCheck } from '../../../runtime/doctor/disk-space-check.js'
import { nodeVersionCheck } from '../../../runtime/doctor/node-version-check.js'
import { systemdUnitCheck } from '../../../runtime/doctor/systemd-unit-check.js'
import { errnoError, exited, testIo } from './doctor-io.js'
import { testDir } from '../../support/test-dir.js'

t.test('node: 20 and later pass, older or unreadable versions fail', async (t) => {
  t.match(nodeVersionCheck('v20.0.0'), { status: 'pass', summary: 'Node v20.0.0' })
  t.match(nodeVersionCheck('v22.3.1'), { status: 'pass' })
  t.match(nodeVersionCheck('v18.19.0'), { status: 'fail', summary: /too old \(20 or later/, fix: /Node 20/ })
  t.match(nodeVersionCheck('garbage'), { status: 'fail' })
})

t.test('clock: yes passes; no, a failing or a missing timedatectl warn', async (t) => {
  const asked = testIo({ exec: { timedatectl: exited(0, 'yes\n') } })
  t.match(await clockSyncCheck(asked), { check: 'clock', status: 'pass' })
  t.strictSame(asked.execCalls, [['timedatectl', 'show', '-p', 'NTPSynchronized', '--value']])
  t.match(await clockSyncCheck(testIo({ exec: { timedatectl: exited(0, 'no\n') } })), { status: 'warn', summary: /not synchronised/, fix: /set-ntp true/ })
  t.match(await clockSyncCheck(testIo({ exec: { timedatectl: exited(1, '', 'System has not been booted with systemd\nmore') } })), {
    status: 'warn',
    summary: 'timedatectl could not tell: System has not been booted with systemd',
  })
  t.match(await clockSyncCheck(testIo({ exec: { timedatectl: exited(3, '') } })), { status: 'warn', summary: /exit 3/ })
  t.match(await clockSyncCheck(testIo()), { status: 'warn', summary: /timedatectl is not installed/ })
})

t.test('systemd: enabled passes; a missing unit fails on real hardware and warns in simulation', async (t) => {
  const enabled = testIo({ exec: { systemctl: exited(0, 'enabled\n') } })
  t.match(await systemdUnitCheck(enabled, false), { check: 'systemd', status: 'pass' })
  t.strictSame(enabled.execCalls, [['systemctl', 'is-enabled', 'citizen-station']])
  const notFound = exited(1, '', 'Failed to get unit file state for citizen-station.service: No such file or directory\n')
  t.match(await systemdUnitCheck(testIo({ exec: { systemctl: notFound } }), false), { status: 'fail', summary: 'citizen-station unit is not installed' })
  t.match(await systemdUnitCheck(testIo({ exec: { systemctl: notFound } }), true), { status: 'warn' })
  t.match(await systemdUnitCheck(testIo({ exec: { systemctl: exited(1, 'disabled\n') } }), false), {
    status: 'fail',
    summary: 'citizen-station unit is disabled',
    fix: /enable --now/,
  })
  t.match(await systemdUnitCheck(testIo({ exec: { systemctl: exited(1, 'masked\n') } }), false), { summary: /is masked/ })
  t.match(await systemdUnitCheck(testIo(), false), { status: 'warn', summary: /systemctl is not installed/ })
})

t.test('disk: fail under the reserve, warn under reserve + outbox bound, pass above', async (t) => {
  const dir = testDir(t, {})
  const MIB = 1024 * 1024
  const at = (freeBytes: number) => testIo({ statfs: async () => ({ bavail: freeBytes / 4096, bsize: 4096 }) })
  const limits = { dataDir: dir, reserveBytes: 8 * MIB, outboxMaxBytes: 64 * MIB }
  t.match(await diskSpaceCheck(at(4 * MIB), limits), { check: 'disk', status: 'fail', summary: /4\.0 MiB free .* below storage\.reserveBytes 8\.0 MiB/ })
  t.match(await diskSpaceCheck(at(40 * MIB), limits), { status: 'warn', summary: /40 MiB free.*\(72 MiB\)/, fix: /outboxMaxBytes/ })
  t.match(await diskSpaceCheck(at(100 * MIB), limits), { status: 'pass', summary: `100 MiB free at ${dir}` })
  // The real statfs of the test's folder: this machine has room for a 64 MiB outbox.
  t.match(await diskSpaceCheck(testIo(), limits), { status: 'pass' })
})

t.test('disk: a data dir not made yet is measured at its nearest parent; other errors fail', async (t) => {
  const dir = testDir(t, {})
  const result = await diskSpaceCheck(testIo(), { dataDir: `${dir}/a/b`, reserveBytes: 1, outboxMaxBytes: 1 })
  t.match(result, { status: 'pass', summary: new RegExp(`not made yet; measured at ${dir}\\)`) })
  const denied = testIo({
    statfs: async () => {
      throw errnoError('EACCES')
    },
  })
  t.match(await diskSpaceCheck(denied, { dataDir: dir, reserveBytes: 1, outboxMaxBytes: 1 }), { status: 'fail', summary: /cannot measure free space/ })
})
