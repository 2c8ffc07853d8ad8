/**
 * Wraps errors from the native GPIO libraries (onoff, pigpio) into StationError, once, at the adapter
 * boundary. A GPIO line that fails is a line the driver cannot use until someone fixes the wiring,
 * permissions or numbering, so every failure is E_DEVICE_ABSENT (isDeviceGone), with the errno kept.
 */
import { StationError, isStationError, type ErrorContext } from '../../runtime/core/errors.js'

/** Hints for the errnos a kiosk actually meets (docs/protocols.md 9.1, 9.2). */
const HINTS: Readonly<Record<string, string>> = {
  ENOENT: 'the GPIO node does not exist (legacy sysfs GPIO disabled, or not a Raspberry Pi)',
  EACCES: 'permission denied: add the service user to group gpio',
  EPERM: 'permission denied: add the service user to group gpio',
  EINVAL: 'the kernel refused the line number (wrong sysfs base? see docs/protocols.md 9.1)',
  EBUSY: 'the line is already in use by a driver or another process',
}

/**
 * `what` says what was being done ("export GPIO17 (sysfs 529)"); `context` is kept and `errno` added.
 * A StationError is returned unchanged. Pure.
 */
export function mapGpioError(error: unknown, what: string, context: ErrorContext): StationError {
  if (isStationError(error)) return error
  const errno = errnoOf(error)
  const detail = (errno !== null ? HINTS[errno] : undefined) ?? (error instanceof Error ? error.message : String(error))
  return new StationError('E_DEVICE_ABSENT', `cannot ${what}: ${detail}`, { ...context, errno }, { cause: error })
}

/** The errno name of a Node or addon error, or null. */
export function errnoOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : null
}
