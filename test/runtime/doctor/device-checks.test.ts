import { join } from 'node:path'
import t from 'tap'
import type { HardwareConfig } from '../../../config/schema.js'
import { deviceNodesOf } from '../../../runtime/doctor/device-needs.js'
import { deviceNodesCheck } from '../../../runtime/doctor/device-nodes-check.js'
import { unitSupplementaryGroups, userGroupsCheck } from '../../../runtime/doctor/user-groups-check.js'
import { configOf as validatedConfig } from '../../support/validated-config.js'
import { exited, testIo } from './doctor-io.js'
import { testDir } from '../../support/test-dir.js'

function piHardware(overrides: Record<string, unknown> = {}): HardwareConfig {
  return validatedConfig({
    mqtt: { url: 'mqtt://broker.example:1883' },
    hardware: {
      simulated: false,
      keypad: { irqLine: 17 },
      scanner: { path: '/dev/serial/by-id/usb-scanner' },
      printer: { path: '/dev/serial/by-id/usb-printer' },
      nfc: { enabled: true, interface: 'i2c' },
      wiegand: { enabled: true, backend: 'pigpio' },
      tamper: { enabled: true },
      leds: { enabled: true },
      buzzer: { enabled: true, backend: 'onoff' },
      ...overrides,
    },
  }).hardware
}

t.test('device needs: each node once with its devices and group; none in simulation', async (t) => {
  t.strictSame(deviceNodesOf(validatedConfig({ hardware: { simulated: true } }).hardware), [])
  t.strictSame(deviceNodesOf(piHardware()), [
    { node: '/dev/i2c-1', kind: 'i2c', devices: ['display', 'keypad', 'nfc'], group: 'i2c' },
    { node: '/sys/class/gpio/export', kind: 'sysfs-gpio', devices: ['keypad irq', 'tamper', 'leds', 'buzzer'], group: 'gpio' },
    { node: '/dev/serial/by-id/usb-scanner', kind: 'serial', devices: ['scanner'], group: 'dialout' },
    { node: '/dev/serial/by-id/usb-printer', kind: 'serial', devices: ['printer'], group: 'dialout' },
    { node: '/dev/mem', kind: 'pigpio', devices: ['wiegand'], group: null },
  ])
  const hsu = deviceNodesOf(
    piHardware({ keypad: {}, nfc: { enabled: true, interface: 'hsu', path: '/dev/serial/by-id/usb-nfc' }, wiegand: { enabled: false }, tamper: { enabled: false }, leds: { enabled: false }, buzzer: { enabled: true, backend: 'pigpio' } }),
  )
  t.strictSame(
    hsu.map((node) => [node.node, node.devices.join(',')]),
    [
      ['/dev/i2c-1', 'display,keypad'],
      ['/dev/serial/by-id/usb-scanner', 'scanner'],
      ['/dev/serial/by-id/usb-printer', 'printer'],
      ['/dev/serial/by-id/usb-nfc', 'nfc'],
      ['/dev/mem', 'buzzer'],
    ],
  )
})

t.test('device nodes: present passes, missing names the device and the fix, denied names the group', async (t) => {
  const dir = testDir(t, { 'i2c-1': '', export: '' })
  const nodes = [
    { node: join(dir, 'i2c-1'), kind: 'i2c' as const, devices: ['display', 'keypad'], group: 'i2c' as const },
    { node: join(dir, 'export'), kind: 'sysfs-gpio' as const, devices: ['tamper'], group: 'gpio' as const },
    { node: join(dir, 'usb-printer'), kind: 'serial' as const, devices: ['printer'], group: 'dialout' as const },
    { node: '/dev/serial/by-id/usb-scanner', kind: 'serial' as const, devices: ['scanner'], group: 'dialout' as const },
    { node: '/dev/mem', kind: 'pigpio' as const, devices: ['wiegand'], group: null },
  ]
  // Running as root, a real file cannot refuse access: the denial is the one answer handed in.
  const io = testIo({ access: { '/dev/serial/by-id/usb-scanner': 'EACCES', '/dev/mem': 'EPERM' } })
  const results = await deviceNodesCheck(io, nodes)
  t.match(results, [
    { check: 'device', status: 'pass', summary: `display, keypad: ${dir}/i2c-1` },
    { status: 'pass', summary: `tamper: ${dir}/export` },
    { status: 'fail', summary: `printer: ${dir}/usb-printer is missing`, fix: /by-id/ },
    { status: 'fail', summary: 'scanner: /dev/serial/by-id/usb-scanner not accessible (EACCES)', fix: 'add the service user to group dialout' },
    { status: 'fail', summary: /wiegand: \/dev\/mem not accessible \(EPERM\)/, fix: /root/ },
  ])
  const missing = await deviceNodesCheck(testIo(), [
    { node: join(dir, 'i2c-9'), kind: 'i2c', devices: ['display'], group: 'i2c' },
    { node: join(dir, 'nogpio'), kind: 'sysfs-gpio', devices: ['leds'], group: 'gpio' },
    { node: join(dir, 'nomem'), kind: 'pigpio', devices: ['buzzer'], group: null },
  ])
  t.match(missing, [{ fix: /dtparam=i2c_arm=on/ }, { fix: /sysfsRoot/ }, { fix: /Pi 5/ }])
})

t.test('unit groups: SupplementaryGroups of the installed unit, none when systemctl cannot tell', async (t) => {
  const io = testIo({ exec: { systemctl: exited(0, 'dialout i2c gpio\n') } })
  t.strictSame(await unitSupplementaryGroups(io, 'citizen-station'), ['dialout', 'i2c', 'gpio'])
  t.strictSame(io.execCalls, [['systemctl', 'show', '-p', 'SupplementaryGroups', '--value', 'citizen-station']])
  t.strictSame(await unitSupplementaryGroups(testIo({ exec: { systemctl: exited(0, '\n') } }), 'u'), [])
  t.strictSame(await unitSupplementaryGroups(testIo({ exec: { systemctl: exited(1, '', 'Failed to connect to bus') } }), 'u'), [])
  t.strictSame(await unitSupplementaryGroups(testIo(), 'u'), [])
})

t.test('groups: the service user must be in every needed group, or root; pigpio needs root', async (t) => {
  const nodes = deviceNodesOf(piHardware({ wiegand: { enabled: false } }))
  const user = (uid: string, groups: string) => ({ id: (args: readonly string[]) => (args[0] === '-u' ? exited(0, `${uid}\n`) : exited(0, `${groups}\n`)) })
  const member = testIo({ exec: user('999', 'citizen-station dialout i2c gpio') })
  t.match(await userGroupsCheck(member, nodes, 'citizen-station'), { check: 'groups', status: 'pass', summary: 'citizen-station is in i2c, gpio, dialout' })
  t.strictSame(member.execCalls, [
    ['id', '-u', 'citizen-station'],
    ['id', '-Gn', 'citizen-station'],
  ])
  t.match(await userGroupsCheck(testIo({ exec: user('1000', 'pi dialout') }), nodes, 'pi'), {
    status: 'fail',
    summary: 'pi is not in group i2c, gpio',
    fix: 'usermod -aG i2c,gpio pi',
  })
  // The shipped unit adds the device groups itself (SupplementaryGroups=dialout i2c gpio).
  t.match(await userGroupsCheck(testIo({ exec: user('999', 'citizen-station dialout') }), nodes, 'citizen-station', ['dialout', 'i2c', 'gpio']), {
    status: 'pass',
    summary: "citizen-station gets i2c, gpio from the unit's SupplementaryGroups",
  })
  t.match(await userGroupsCheck(testIo({ exec: user('999', 'citizen-station') }), nodes, 'citizen-station', ['i2c']), {
    status: 'fail',
    summary: 'citizen-station is not in group gpio, dialout',
  })
  const current = testIo({ exec: user('1000', 'pi') })
  t.match(await userGroupsCheck(current, nodes, null), { status: 'fail', summary: /the current user is not in group i2c, gpio, dialout/, fix: /\$USER/ })
  t.strictSame(current.execCalls[0], ['id', '-u'], 'no name: the user running doctor')
  t.match(await userGroupsCheck(testIo({ exec: user('0', 'root') }), nodes, null), { status: 'pass', summary: 'the current user is root: every device node opens' })
  const pigpio = deviceNodesOf(piHardware())
  t.match(await userGroupsCheck(testIo({ exec: user('999', 'dialout i2c gpio') }), pigpio, 'citizen-station'), {
    status: 'fail',
    summary: 'wiegand on pigpio need root; citizen-station is not',
    fix: /pigpio-root\.conf/,
  })
  t.match(await userGroupsCheck(testIo({ exec: { id: exited(1, '', "id: 'ghost': no such user\n") } }), nodes, 'ghost'), {
    status: 'fail',
    summary: "cannot look up ghost: id: 'ghost': no such user",
  })
  t.match(await userGroupsCheck(testIo(), nodes, 'x'), { status: 'fail', summary: /id is not installed/ })
  t.match(await userGroupsCheck(testIo(), [], null), { status: 'pass', summary: 'no device groups needed' })
})
