import { constants } from 'node:fs'
import { errnoText, fail, pass, type CheckResult, type DoctorIo } from './check-result.js'
import type { DeviceNode } from './device-needs.js'

/** What to do when a node of this kind is missing. */
const MISSING_FIX: Readonly<Record<DeviceNode['kind'], string>> = {
  i2c: 'dtparam=i2c_arm=on in /boot/firmware/config.txt, then reboot',
  serial: 'plug it in; check the udev rule, ls -l /dev/serial/by-id/',
  'sysfs-gpio': 'check hardware.gpio.sysfsRoot (legacy sysfs GPIO needed)',
  pigpio: 'pigpio needs /dev/mem (Pi 0-4); on a Pi 5 use backend: onoff',
}

/** One result per node: present and readable/writable by this process (sysfs export: writable). */
export async function deviceNodesCheck(io: DoctorIo, nodes: readonly DeviceNode[]): Promise<CheckResult[]> {
  return Promise.all(
    nodes.map(async (node): Promise<CheckResult> => {
      const users = node.devices.join(', ')
      const mode = node.kind === 'sysfs-gpio' ? constants.W_OK : constants.R_OK | constants.W_OK
      try {
        await io.access(node.node, mode)
        return pass('device', `${users}: ${node.node}`)
      } catch (error) {
        const errno = errnoText(error)
        if (errno === 'ENOENT') return fail('device', `${users}: ${node.node} is missing`, MISSING_FIX[node.kind])
        const fix = node.group === null ? 'run as root (systemd/pigpio-root.conf)' : `add the service user to group ${node.group}`
        return fail('device', `${users}: ${node.node} not accessible (${errno})`, fix)
      }
    }),
  )
}
