import type { Clock } from '../../runtime/core/clock.js'
import { StationError } from '../../runtime/core/errors.js'
import { checkAddress, formatAddress } from '../i2c/i2c-address.js'
import type { I2cBus } from '../i2c/i2c-bus.js'
import type { Pn532Command } from './pn532-commands.js'
import { ACK_FRAME, decodeI2cRead, decodeI2cStatus, encodeCommand, type Pn532Frame } from './pn532-frame.js'
import { abortReason, responseData, type Pn532ExchangeOptions, type Pn532Transport } from './pn532-transport.js'

/** The PN532's 7-bit I2C address (docs/protocols.md 2.2; the datasheet writes 0x48/0x49 as 8-bit). */
export const PN532_I2C_ADDRESS = 0x24

/** Options for `Pn532I2cTransport`. */
export interface Pn532I2cTransportOptions {
  clock: Clock
  /** 7-bit address; default 0x24. */
  address?: number
  /** Pause between 1-byte status reads while the chip is busy; default 2 ms (docs/protocols.md 2.2; our choice). */
  statusPollMs?: number
  /** The ACK normally comes within a few ms (docs/protocols.md 2.1); default 50 ms. */
  ackTimeoutMs?: number
  /**
   * Bytes read after the status byte for a response, whose length is not known before reading; bytes
   * past the frame are ignored. Default 270 (RESPONSE_READ_BYTES): a chip's protected answer fills a
   * normal frame (262 bytes framed, docs/emrtd.md, "PN532"); a UID answer needs only 45.
   */
  responseReadBytes?: number
}

/**
 * The default response read: a normal information frame at its largest (preamble, start code, LEN, LCS,
 * 255 bytes of TFI and data, DCS, postamble = 262) and a margin, so an eMRTD answer of up to 252 bytes
 * (docs/emrtd.md, "Reading") arrives whole. Longer answers come in MI pieces (pn532-apdu-transceive.ts).
 */
export const RESPONSE_READ_BYTES = 270

/**
 * PN532 over I2C: write the command frame, poll 1-byte status reads until ready (with a deadline),
 * then read status + frame in one transaction (docs/protocols.md 2.2). The status read does not consume
 * the frame; the longer read does. On a Raspberry Pi 0–4 the chip's clock stretching makes reads
 * fail now and then (E_I2C_IO): the caller retries.
 */
export class Pn532I2cTransport implements Pn532Transport {
  readonly description: string
  #bus: I2cBus
  #clock: Clock
  #address: number
  #statusPollMs: number
  #ackTimeoutMs: number
  #responseReadBytes: number
  #tail: Promise<unknown> = Promise.resolve()

  constructor(bus: I2cBus, options: Pn532I2cTransportOptions) {
    const address = options.address ?? PN532_I2C_ADDRESS
    checkAddress(address)
    this.#bus = bus
    this.#clock = options.clock
    this.#address = address
    this.#statusPollMs = positive('statusPollMs', options.statusPollMs ?? 2)
    this.#ackTimeoutMs = positive('ackTimeoutMs', options.ackTimeoutMs ?? 50)
    this.#responseReadBytes = positive('responseReadBytes', options.responseReadBytes ?? RESPONSE_READ_BYTES)
    this.description = `I2C ${formatAddress(address)}`
  }

  exchange(command: Pn532Command, options: Pn532ExchangeOptions): Promise<Uint8Array> {
    const run = this.#tail.then(() => this.#exchange(command, options))
    this.#tail = run.catch(() => undefined)
    return run
  }

  async #exchange(command: Pn532Command, { timeoutMs, signal }: Pn532ExchangeOptions): Promise<Uint8Array> {
    if (signal?.aborted) throw abortReason(signal)
    const startMs = this.#clock.now()
    const responseDeadlineMs = startMs + timeoutMs
    await this.#bus.write(this.#address, encodeCommand(command.code, command.params))
    try {
      const ackDeadlineMs = Math.min(startMs + this.#ackTimeoutMs, responseDeadlineMs)
      const ack = await this.#readFrame(ACK_FRAME.length, ackDeadlineMs, signal, 'ACK')
      if (ack.type !== 'ACK') {
        throw new StationError('E_DEVICE_PROTOCOL', `PN532 sent ${ack.type} where the ACK belongs`, {
          address: this.#address,
          command: command.code,
        })
      }
      const response = await this.#readFrame(this.#responseReadBytes, responseDeadlineMs, signal, 'response')
      return responseData(response, command)
    } catch (error) {
      await this.#abortCommand()
      throw error
    }
  }

  /** Polls the status byte until ready or `deadlineMs`, then reads status + `length` bytes. */
  async #readFrame(length: number, deadlineMs: number, signal: AbortSignal | undefined, what: string): Promise<Pn532Frame> {
    for (;;) {
      if (signal?.aborted) throw abortReason(signal)
      const [status = 0] = await this.#bus.read(this.#address, 1)
      if (decodeI2cStatus(status)) {
        const read = decodeI2cRead(await this.#bus.read(this.#address, 1 + length))
        if (read.ready) return read.frame
      }
      const leftMs = deadlineMs - this.#clock.now()
      if (leftMs <= 0) {
        throw new StationError('E_DEVICE_TIMEOUT', `no ${what} from the PN532 at ${formatAddress(this.#address)} in time`, {
          address: this.#address,
        })
      }
      try {
        await this.#clock.sleep(Math.min(this.#statusPollMs, leftMs), signal)
      } catch {
        throw abortReason(signal)
      }
    }
  }

  /** The host's ACK aborts the chip's running command (docs/protocols.md 2.1). Best effort: the chip may be gone. */
  async #abortCommand(): Promise<void> {
    try {
      await this.#bus.write(this.#address, ACK_FRAME)
    } catch {
      // The exchange's own error is the one worth reporting.
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number (got ${value})`)
  return value
}
