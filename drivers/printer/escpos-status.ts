/**
 * Pure decoding (and, for the simulator, encoding) of the one-byte replies to DLE EOT n
 * (docs/protocols.md 1.4). Every reply has bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0.
 */
import { StationError } from '../../runtime/core/errors.js'
import { STATUS_FIXED_MASK, STATUS_FIXED_VALUE, XOFF, XON } from './escpos-commands.js'

/** Which DLE EOT status: 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor. */
export type StatusQuery = 1 | 2 | 3 | 4

/** DLE EOT 1 reply. */
export interface RealtimePrinterStatus {
  /** Bit 2: drawer kick-out connector pin 3 is HIGH. */
  drawerPin3High: boolean
  /** Bit 3: the printer is offline; ask DLE EOT 2 why. */
  offline: boolean
  /** Bit 5: waiting for online recovery (undefined on some older models; do not alarm on it). */
  waitingOnlineRecovery: boolean
  /** Bit 6: the paper feed button is pressed (same caveat as bit 5). */
  feedButtonPressed: boolean
}

/** DLE EOT 2 reply. */
export interface RealtimeOfflineCause {
  /** Bit 2: cover open. */
  coverOpen: boolean
  /** Bit 3: paper is being fed by the FEED button. */
  feedingByButton: boolean
  /** Bit 5: printing stopped because the paper ran out. */
  paperEndStop: boolean
  /** Bit 6: an error occurred; DLE EOT 3 says which. */
  errorOccurred: boolean
}

/** DLE EOT 3 reply. */
export interface RealtimeErrorCause {
  /** Bit 2: recoverable (mechanical) error, model-specific. */
  recoverableError: boolean
  /** Bit 3: autocutter error; clear the jam, then DLE ENQ 1 or 2. */
  autocutterError: boolean
  /** Bit 5: unrecoverable error. */
  unrecoverableError: boolean
  /** Bit 6: auto-recoverable error, e.g. head over-temperature. */
  autoRecoverableError: boolean
}

/** DLE EOT 4 reply. Each condition is a two-bit field. */
export interface RealtimePaperSensor {
  /** Bits 2+3 (0x0c): the roll is nearly used up. */
  paperNearEnd: boolean
  /** Bits 5+6 (0x60): no paper. */
  paperEnd: boolean
}

/** The decoded reply for each query number. */
export interface RealtimeStatusReplies {
  1: RealtimePrinterStatus
  2: RealtimeOfflineCause
  3: RealtimeErrorCause
  4: RealtimePaperSensor
}

const BIT2 = 0x04
const BIT3 = 0x08
const BIT5 = 0x20
const BIT6 = 0x40
const NEAR_END_FIELD = BIT2 | BIT3
const PAPER_END_FIELD = BIT5 | BIT6

/** XON (0x11) or XOFF (0x13): software flow control, which shares the receive stream with status replies. */
export function isFlowControlByte(byte: number): boolean {
  return byte === XON || byte === XOFF
}

/** Whether `byte` has the four fixed bits of a real-time status reply. */
export function isStatusByte(byte: number): boolean {
  return Number.isInteger(byte) && byte >= 0 && byte <= 0xff && (byte & STATUS_FIXED_MASK) === STATUS_FIXED_VALUE
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0').toUpperCase()}`
}

function checkStatusByte(n: number, byte: number): void {
  if (!Number.isInteger(byte) || byte < 0 || byte > 0xff) {
    throw new StationError('E_CODEC_INVALID', `status reply must be a byte, got ${byte}`, { n, byte })
  }
  if (isStatusByte(byte)) return
  const problems: string[] = []
  if (byte & 0x01) problems.push('bit 0 must be 0')
  if (!(byte & 0x02)) problems.push('bit 1 must be 1')
  if (!(byte & 0x10)) problems.push('bit 4 must be 1')
  if (byte & 0x80) problems.push('bit 7 must be 0')
  const flow = byte === XOFF ? `; ${hex(byte)} is XOFF from software flow control` : byte === XON ? `; ${hex(byte)} is XON from software flow control` : ''
  throw new StationError('E_CODEC_INVALID', `${hex(byte)} is not a status byte (${problems.join(', ')})${flow}`, { n, byte })
}

/**
 * Decodes the reply to DLE EOT n. Checks the fixed bits first and throws E_CODEC_INVALID when they are
 * wrong (an XON/XOFF byte, noise, or a reply to something else). On n = 4 either bit of a two-bit field
 * counts, so a printer that sets only one still reports the paper problem.
 */
export function decodeRealtimeStatus<N extends StatusQuery>(n: N, byte: number): RealtimeStatusReplies[N]
export function decodeRealtimeStatus(n: StatusQuery, byte: number): RealtimeStatusReplies[StatusQuery] {
  if (n !== 1 && n !== 2 && n !== 3 && n !== 4) {
    throw new StationError('E_CODEC_INVALID', `DLE EOT n must be 1..4, got ${String(n)}`, { n })
  }
  checkStatusByte(n, byte)
  const bit = (mask: number): boolean => (byte & mask) !== 0
  switch (n) {
    case 1:
      return { drawerPin3High: bit(BIT2), offline: bit(BIT3), waitingOnlineRecovery: bit(BIT5), feedButtonPressed: bit(BIT6) }
    case 2:
      return { coverOpen: bit(BIT2), feedingByButton: bit(BIT3), paperEndStop: bit(BIT5), errorOccurred: bit(BIT6) }
    case 3:
      return { recoverableError: bit(BIT2), autocutterError: bit(BIT3), unrecoverableError: bit(BIT5), autoRecoverableError: bit(BIT6) }
    case 4:
      return { paperNearEnd: bit(NEAR_END_FIELD), paperEnd: bit(PAPER_END_FIELD) }
  }
}

/** Builds the reply byte a printer sends for DLE EOT n: the inverse of decodeRealtimeStatus (used by the simulator). */
export function encodeRealtimeStatus<N extends StatusQuery>(n: N, fields: RealtimeStatusReplies[N]): number
export function encodeRealtimeStatus(n: StatusQuery, fields: Partial<Record<string, boolean>>): number {
  const set = (name: string, mask: number): number => (fields[name] === true ? mask : 0)
  switch (n) {
    case 1:
      return STATUS_FIXED_VALUE | set('drawerPin3High', BIT2) | set('offline', BIT3) | set('waitingOnlineRecovery', BIT5) | set('feedButtonPressed', BIT6)
    case 2:
      return STATUS_FIXED_VALUE | set('coverOpen', BIT2) | set('feedingByButton', BIT3) | set('paperEndStop', BIT5) | set('errorOccurred', BIT6)
    case 3:
      return STATUS_FIXED_VALUE | set('recoverableError', BIT2) | set('autocutterError', BIT3) | set('unrecoverableError', BIT5) | set('autoRecoverableError', BIT6)
    case 4:
      return STATUS_FIXED_VALUE | set('paperNearEnd', NEAR_END_FIELD) | set('paperEnd', PAPER_END_FIELD)
  }
}
