/**
 * APDUs to an ISO/IEC 14443-4 card through the PN532's InDataExchange (`D4 40 Tg DataOut` →
 * `D5 41 Status DataIn`; docs/emrtd.md, "PN532"). Status bits 0-5 are the chip's error code; bit 6 (0x40,
 * MI) says the answer continues: the host asks again with `40 Tg` and no data and appends, as libnfc does.
 * Commands are sent in one frame: every eMRTD command is far below the 262-byte DataOut limit, and
 * host-side chaining is left out (docs/emrtd.md, "PN532").
 */
import { StationError } from '../../runtime/core/errors.js'
import { formatHexNumber } from './hex-bytes.js'
import { PN532_COMMAND } from './pn532-commands.js'
import type { Pn532Transport } from './pn532-transport.js'

/** DataOut/DataIn of one InDataExchange (UM0701-02 §7.3.8). */
export const IN_DATA_EXCHANGE_MAX_BYTES = 262
const STATUS_ERROR_MASK = 0x3f
const STATUS_MORE_INFORMATION = 0x40
/** An answer longer than this many MI continuations is a chip that never stops. */
const MAX_CONTINUATIONS = 16

export interface Pn532ApduOptions {
  /** The target number InListPassiveTarget gave (1 for the first card). */
  readonly tg: number
  /** Deadline of each InDataExchange. */
  readonly timeoutMs: number
}

/**
 * A transceive over `transport`. A PN532 status ≠ 0 (timeout 0x01, target released 0x29 …: the card left
 * the field) rejects with E_DEVICE_PROTOCOL and the status in the context.
 */
export function pn532ApduTransceive(transport: Pn532Transport, options: Pn532ApduOptions): (apdu: Uint8Array) => Promise<Uint8Array> {
  return async (apdu) => {
    if (apdu.length > IN_DATA_EXCHANGE_MAX_BYTES - 1) {
      throw new StationError('E_DEVICE_PROTOCOL', 'APDU longer than one InDataExchange carries', { length: apdu.length })
    }
    const parts: Uint8Array[] = []
    let params = Uint8Array.of(options.tg, ...apdu)
    for (let round = 0; round <= MAX_CONTINUATIONS; round++) {
      const data = await transport.exchange({ code: PN532_COMMAND.InDataExchange, params }, { timeoutMs: options.timeoutMs })
      const status = data[1]
      if (status === undefined) throw new StationError('E_DEVICE_PROTOCOL', 'InDataExchange answer without a status', {})
      if ((status & STATUS_ERROR_MASK) !== 0) {
        throw new StationError('E_DEVICE_PROTOCOL', 'the card did not answer the APDU', { status: formatHexNumber(status & STATUS_ERROR_MASK) })
      }
      parts.push(data.subarray(2))
      if ((status & STATUS_MORE_INFORMATION) === 0) return Uint8Array.from(parts.flatMap((part) => [...part]))
      params = Uint8Array.of(options.tg)
    }
    throw new StationError('E_DEVICE_PROTOCOL', 'InDataExchange answer never ended', { continuations: MAX_CONTINUATIONS })
  }
}
