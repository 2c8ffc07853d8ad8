/**
 * The one error type that travels above the adapter boundary. Library errors (serialport, i2c-bus,
 * mqtt, fs) are wrapped once where they enter our code; the original goes in `cause`.
 * Codes are strings so they read well in logs, events and MQTT payloads.
 */
export type ErrorCode =
  /** A config file or value is invalid; the station cannot start. */
  | 'E_CONFIG_INVALID'
  /** A bus transaction to an I2C address that nothing answers (NACK, ENXIO, EREMOTEIO). */
  | 'E_I2C_NACK'
  /** Any other I2C bus failure (EIO, timeout); usually transient. */
  | 'E_I2C_IO'
  /** A serial port could not be opened, was unplugged, or a write failed. */
  | 'E_SERIAL_IO'
  /** A device is configured but its node is missing or not accessible. */
  | 'E_DEVICE_ABSENT'
  /** A device answered with something its protocol does not allow. */
  | 'E_DEVICE_PROTOCOL'
  /** A device did not answer within its deadline. */
  | 'E_DEVICE_TIMEOUT'
  /** The printer cannot print now: paper out, cover open, offline. */
  | 'E_PRINTER_NOT_READY'
  /** Bytes or text that a codec cannot decode (bad checksum, framing, range). */
  | 'E_CODEC_INVALID'
  /** An identity document was read but failed validation. */
  | 'E_CARD_INVALID'
  /** A flow definition is invalid or refers to something that does not exist. */
  | 'E_FLOW_INVALID'
  /** The outbox could not persist or read a record. */
  | 'E_OUTBOX_IO'
  /** The outbox is at its size bound and refuses new records. */
  | 'E_OUTBOX_FULL'
  /** The MQTT link is not connected or a publish failed. */
  | 'E_MQTT_UNAVAILABLE'
  /** A message from outside (central's reply or notice, an operations command) failed its checks: unsigned, forged, stale, malformed. */
  | 'E_INBOUND_REFUSED'
  /** A control-socket request was malformed or named an unknown command. */
  | 'E_CONTROL_REQUEST'
  /** An operation was cancelled because its owner is stopping (expected during shutdown). */
  | 'E_CANCELED'

/** Small, plain, loggable facts about the failure: `{ address: 0x5a, register: 0x00, errno: 'EREMOTEIO' }`. */
export type ErrorContext = Readonly<Record<string, string | number | boolean | null | undefined>>

export class StationError extends Error {
  readonly code: ErrorCode
  readonly context: ErrorContext

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StationError'
    this.code = code
    this.context = context
  }
}

export function isStationError(error: unknown): error is StationError {
  return error instanceof StationError
}

/** Errors worth retrying with backoff: the same call may succeed later. */
export function isTransient(error: unknown): boolean {
  return (
    isStationError(error) &&
    (error.code === 'E_I2C_IO' || error.code === 'E_DEVICE_TIMEOUT' || error.code === 'E_MQTT_UNAVAILABLE')
  )
}

/** Errors that mean the device is gone: restart its driver and tell the operator. */
export function isDeviceGone(error: unknown): boolean {
  return (
    isStationError(error) &&
    (error.code === 'E_DEVICE_ABSENT' || error.code === 'E_SERIAL_IO' || error.code === 'E_I2C_NACK')
  )
}

/** Errors expected during shutdown; dropped silently. */
export function isCanceled(error: unknown): boolean {
  return isStationError(error) && error.code === 'E_CANCELED'
}

/** A message for any thrown value, for places that must print something. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
