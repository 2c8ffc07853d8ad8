import { fail, pass, warn, type CheckResult, type DoctorIo } from './check-result.js'

export const UNIT_NAME = 'citizen-station'
const TIMEOUT_MS = 5000
const FIX = 'copy the unit from systemd/, then systemctl enable --now it'

/**
 * The station starts at boot only through its unit. On a simulated station the unit is optional
 * (a laptop runs it by hand), so a missing unit is a warn there and a fail on real hardware.
 */
export async function systemdUnitCheck(io: DoctorIo, simulated: boolean): Promise<CheckResult> {
  const result = await io.exec('systemctl', ['is-enabled', UNIT_NAME], TIMEOUT_MS)
  if (result.kind === 'missing') return warn('systemd', 'systemctl is not installed: cannot check the unit', FIX)
  const state = result.stdout.trim()
  if (result.code === 0 && (state === 'enabled' || state === 'enabled-runtime')) return pass('systemd', `${UNIT_NAME} unit enabled`)
  const detail = state || (result.stderr.trim().split('\n')[0] ?? '') || `exit ${result.code}`
  const summary = state === '' || /no such file|not found/i.test(detail) ? `${UNIT_NAME} unit is not installed` : `${UNIT_NAME} unit is ${detail}`
  return simulated ? warn('systemd', summary, FIX) : fail('systemd', summary, FIX)
}
