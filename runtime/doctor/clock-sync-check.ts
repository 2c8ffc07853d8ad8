import { pass, warn, type CheckResult, type DoctorIo } from './check-result.js'

const TIMEOUT_MS = 5000
const FIX = 'timedatectl set-ntp true, and let it reach an NTP server'

/**
 * The clock must be right: signed commands are refused beyond ops.maxSkewS, certificates have validity
 * dates, and with both state files lost the counters restart from the clock (docs/storage-faults.md).
 * A clock we cannot ask about is a warn, not a fail: a board with an RTC may be right without NTP.
 */
export async function clockSyncCheck(io: DoctorIo): Promise<CheckResult> {
  const result = await io.exec('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], TIMEOUT_MS)
  if (result.kind === 'missing') return warn('clock', 'timedatectl is not installed: cannot tell whether the clock is synchronised', FIX)
  const answer = result.stdout.trim()
  if (result.code === 0 && answer === 'yes') return pass('clock', 'clock synchronised (NTP)')
  if (result.code === 0 && answer === 'no') return warn('clock', 'the clock is not synchronised (NTPSynchronized=no)', FIX)
  const why = (result.stderr.trim().split('\n')[0] ?? '') || `exit ${result.code}`
  return warn('clock', `timedatectl could not tell: ${why}`, FIX)
}
