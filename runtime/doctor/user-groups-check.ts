import { fail, pass, type CheckResult, type DoctorIo } from './check-result.js'
import type { DeviceNode } from './device-needs.js'

const TIMEOUT_MS = 5000

/**
 * The service user (`user`, or this process's user when null) must be in the groups of the device
 * nodes the config uses, or be root; a device on pigpio needs root. Asked with `id`, so it works for
 * another user than the one running doctor.
 */
export async function userGroupsCheck(io: DoctorIo, nodes: readonly DeviceNode[], user: string | null): Promise<CheckResult> {
  const who = user === null ? [] : [user]
  const needed = [...new Set(nodes.flatMap((node) => (node.group === null ? [] : [node.group])))]
  const rootOnly = nodes.filter((node) => node.group === null).flatMap((node) => node.devices)
  if (needed.length === 0 && rootOnly.length === 0) return pass('groups', 'no device groups needed')
  const uid = await io.exec('id', ['-u', ...who], TIMEOUT_MS)
  const groups = await io.exec('id', ['-Gn', ...who], TIMEOUT_MS)
  const name = user ?? 'the current user'
  if (uid.kind === 'missing' || groups.kind === 'missing' || uid.code !== 0 || groups.code !== 0) {
    const why = uid.kind === 'exited' ? uid.stderr.trim() || `exit ${uid.code}` : 'id is not installed'
    return fail('groups', `cannot look up ${name}: ${why}`, 'create the service user (systemd unit comment)')
  }
  if (uid.stdout.trim() === '0') return pass('groups', `${user ?? 'root'} is root: every device node opens`)
  const member = new Set(groups.stdout.trim().split(/\s+/))
  const missing = needed.filter((group) => !member.has(group))
  if (rootOnly.length > 0) {
    return fail('groups', `${rootOnly.join(', ')} on pigpio need root; ${name} is not`, 'add the drop-in systemd/pigpio-root.conf, or backend: onoff')
  }
  if (missing.length > 0) {
    return fail('groups', `${name} is not in group ${missing.join(', ')}`, `usermod -aG ${missing.join(',')} ${user ?? '$USER'}`)
  }
  return pass('groups', `${name} is in ${needed.join(', ')}`)
}
