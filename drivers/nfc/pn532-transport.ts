/**
 * How the PN532 driver talks to the chip, whatever the host interface (I2C or HSU), and the check
 * both transports apply to what comes back.
 */
import { StationError } from '../../runtime/core/errors.js'
import { formatHexNumber } from './hex-bytes.js'
import { commandName, type Pn532Command } from './pn532-commands.js'
import { TFI_PN532_TO_HOST, type Pn532Frame } from './pn532-frame.js'

/** Per-exchange options. */
export interface Pn532ExchangeOptions {
  /** From sending the command to the whole response; the ACK has the transport's own, shorter deadline. */
  timeoutMs: number
  /** Aborting rejects the exchange with E_CANCELED (or the signal's StationError reason) and aborts the chip's command. */
  signal?: AbortSignal
}

/**
 * One command/response exchange at a time with a PN532 (docs/protocols.md 2.1: command → ACK → response).
 * Exchanges do not overlap: a second call waits for the first. When an exchange fails after the
 * command went out, the transport sends an ACK frame to abort the chip's command (best effort), so
 * the chip is idle for the next one.
 */
export interface Pn532Transport {
  /** For logs and errors: "I2C 0x24", "HSU /dev/serial0". */
  readonly description: string
  /**
   * Sends `command`, waits for the ACK, then the response. Resolves with the response data (PD0 =
   * command code + 1, then the fields). Rejects with E_DEVICE_TIMEOUT (no ACK or no response in time),
   * E_DEVICE_PROTOCOL (error frame, NACK, or a response to another command), E_CODEC_INVALID
   * (corrupted frame), E_CANCELED (aborted), or the link's own E_I2C_NACK / E_I2C_IO / E_SERIAL_IO.
   */
  exchange(command: Pn532Command, options: Pn532ExchangeOptions): Promise<Uint8Array>
}

/**
 * The response data in `frame` for `command`, or the StationError that `frame` means: an error
 * frame, an ACK/NACK where a response belongs, a host frame, or the response to another command.
 */
export function responseData(frame: Pn532Frame, command: Pn532Command): Uint8Array {
  const name = commandName(command.code)
  if (frame.type === 'ERROR') {
    throw new StationError('E_DEVICE_PROTOCOL', `PN532 rejected ${name} with an application error frame`, {
      command: command.code,
    })
  }
  if (frame.type !== 'DATA') {
    throw new StationError('E_DEVICE_PROTOCOL', `PN532 sent ${frame.type} where the ${name} response belongs`, {
      command: command.code,
    })
  }
  const [code] = frame.data
  if (frame.tfi !== TFI_PN532_TO_HOST || code !== command.code + 1) {
    throw new StationError(
      'E_DEVICE_PROTOCOL',
      `expected the ${name} response (D5 ${formatHexNumber(command.code + 1)}), got TFI ${formatHexNumber(frame.tfi)}`,
      { command: command.code, tfi: frame.tfi, code: code ?? null },
    )
  }
  return frame.data
}

/** The reason an aborted exchange rejects with: the signal's StationError, or E_CANCELED. */
export function abortReason(signal: AbortSignal | undefined): StationError {
  const reason: unknown = signal?.reason
  if (reason instanceof StationError) return reason
  return new StationError('E_CANCELED', 'PN532 exchange aborted', {})
}
