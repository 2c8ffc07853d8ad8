import { fail, pass, type CheckResult, type DoctorIo } from './check-result.js'
import type { DeviceNode } from './device-needs.js'

const TIMEOUT_MS = 5000

/**
 * Groups the installed unit gives the service (`SupplementaryGroups=`, systemd/citizen-station.service);
 * empty when systemctl is missing or cannot tell.
 */
export async function unitSupplementaryGroups(io: DoctorIo, unit: string): Promise<string[]> {
  const result = await io.exec('systemctl', ['show', '-p', 'SupplementaryGroups', '--value', unit], TIMEOUT_MS)
  if (result.kind === 'missing' || result.code !== 0) return []
  return result.stdout.trim().split(/\s+/).filter((group) => group !== '')
}

/**
 * The service user (`user`, or this process's user when null) must be in the groups of the device
 * nodes the config uses, or get them from the unit's SupplementaryGroups (`grantedByUnit`), or be
 * root; a device on pigpio needs root. Asked with `id`, so it works for another user than the one
 * running doctor.
 */
export async function userGroupsCheck(
  io: DoctorIo,
  nodes: readonly DeviceNode[],
  user: string | null,
  grantedByUnit: readonly string[] = [],
): Promise<CheckResult> {
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
  if (uid.stdout.trim() === '0') return pass('groups', `${name} is root: every device node opens`)
  const member = new Set(groups.stdout.trim().split(/\s+/))
  const missing = needed.filter((group) => !member.has(group) && !grantedByUnit.includes(group))
  const fromUnit = needed.filter((group) => !member.has(group) && grantedByUnit.includes(group))
  if (rootOnly.length > 0) {
    return fail('groups', `${rootOnly.join(', ')} on pigpio need root; ${name} is not`, 'add the drop-in systemd/pigpio-root.conf, or backend: onoff')
  }
  if (missing.length > 0) {
    return fail('groups', `${name} is not in group ${missing.join(', ')}`, `usermod -aG ${missing.join(',')} ${user ?? '$USER'}`)
  }
  if (fromUnit.length > 0) return pass('groups', `${name} gets ${fromUnit.join(', ')} from the unit's SupplementaryGroups`)
  return pass('groups', `${name} is in ${needed.join(', ')}`)
}
