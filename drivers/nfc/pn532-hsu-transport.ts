import type { Clock } from '../../runtime/core/clock.js'
import { StationError } from '../../runtime/core/errors.js'
import type { SerialLink, Unsubscribe } from '../serial/serial-link.js'
import type { Pn532Command } from './pn532-commands.js'
import {
  ACK_FRAME,
  createPn532FrameSplitter,
  decodeFrame,
  encodeCommand,
  HSU_WAKEUP,
  TFI_PN532_TO_HOST,
  type Pn532Frame,
} from './pn532-frame.js'
import { abortReason, responseData, type Pn532ExchangeOptions, type Pn532Transport } from './pn532-transport.js'

/** Options for `Pn532HsuTransport`. */
export interface Pn532HsuTransportOptions {
  clock: Clock
  /** The ACK normally comes within a few ms (docs/protocols.md 2.1); default 50 ms (6 bytes take 0.5 ms at 115200 baud). */
  ackTimeoutMs?: number
}

/**
 * PN532 over HSU (UART, 115200 8N1) on any SerialLink (docs/protocols.md 2.2). Sends the `55 55` + zeros
 * wake-up before the first command, and again after any failed exchange (the chip may have reset into
 * power-down). Drops stale bytes before each command (ACKs of aborted commands), waits for the ACK and
 * then the response, and ignores frames with TFI D4: on an echoing line the host reads its own frames
 * back (docs/protocols.md 2.3 pitfalls). Does not own the link: `close()` only stops listening.
 */
export class Pn532HsuTransport implements Pn532Transport {
  readonly description: string
  #link: SerialLink
  #clock: Clock
  #ackTimeoutMs: number
  #splitter = createPn532FrameSplitter()
  #unsubscribe: Unsubscribe | undefined
  #awake = false
  #inbox: Pn532Frame[] = []
  /** Set when a frame with a bad checksum arrived since the last flush. */
  #corrupted: StationError | undefined
  #strayBytes = 0
  #wake: (() => void) | undefined
  #tail: Promise<unknown> = Promise.resolve()

  constructor(link: SerialLink, options: Pn532HsuTransportOptions) {
    const ackTimeoutMs = options.ackTimeoutMs ?? 50
    if (!Number.isFinite(ackTimeoutMs) || ackTimeoutMs <= 0) {
      throw new TypeError(`ackTimeoutMs must be a positive number (got ${ackTimeoutMs})`)
    }
    this.#link = link
    this.#clock = options.clock
    this.#ackTimeoutMs = ackTimeoutMs
    this.description = `HSU ${link.path}`
    this.#unsubscribe = link.onData((chunk) => this.#onData(chunk))
  }

  exchange(command: Pn532Command, options: Pn532ExchangeOptions): Promise<Uint8Array> {
    const run = this.#tail.then(() => this.#exchange(command, options))
    this.#tail = run.catch(() => undefined)
    return run
  }

  /** Stops listening to the link (which stays open). Later exchanges time out. Idempotent. */
  close(): void {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
  }

  async #exchange(command: Pn532Command, { timeoutMs, signal }: Pn532ExchangeOptions): Promise<Uint8Array> {
    if (signal?.aborted) throw abortReason(signal)
    this.#flush()
    const startMs = this.#clock.now()
    const frame = encodeCommand(command.code, command.params)
    const bytes = this.#awake ? frame : Uint8Array.from([...HSU_WAKEUP, ...frame])
    try {
      await this.#link.write(bytes)
      const ackDeadlineMs = startMs + Math.min(this.#ackTimeoutMs, timeoutMs)
      // A response before the ACK is a stale one to an earlier command; an echo of our frame has TFI D4.
      const ack = await this.#next((next) => next.type !== 'DATA', ackDeadlineMs, signal, 'ACK')
      if (ack.type !== 'ACK') {
        throw new StationError('E_DEVICE_PROTOCOL', `PN532 sent ${ack.type} where the ACK belongs`, {
          link: this.#link.path,
          command: command.code,
        })
      }
      const response = await this.#next(
        (next) =>
          next.type === 'ERROR' ||
          (next.type === 'DATA' && next.tfi === TFI_PN532_TO_HOST && next.data[0] === command.code + 1),
        startMs + timeoutMs,
        signal,
        'response',
      )
      this.#awake = true
      return responseData(response, command)
    } catch (error) {
      this.#awake = false
      await this.#abortCommand()
      throw error
    }
  }

  /** Drops everything received so far: nothing sent before this command can answer it. */
  #flush(): void {
    this.#splitter.reset()
    this.#inbox = []
    this.#corrupted = undefined
    this.#strayBytes = 0
  }

  #onData(chunk: Uint8Array): void {
    for (const result of this.#splitter.push(chunk)) {
      if (result.kind === 'frame') {
        this.#inbox.push(decodeFrame(result.bytes))
      } else if (result.reason === 'stray bytes') {
        // Line noise, or our own wake-up echoed back: not an answer, so not an error either.
        this.#strayBytes += result.byteCount
      } else {
        this.#corrupted ??= new StationError('E_CODEC_INVALID', `PN532 frame dropped: ${result.reason}`, {
          link: this.#link.path,
          bytes: result.byteCount,
        })
      }
    }
    this.#wake?.()
  }

  /** The next received frame that `accept`s, skipping others; rejects on a corrupted frame, the deadline or abort. */
  #next(
    accept: (frame: Pn532Frame) => boolean,
    deadlineMs: number,
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<Pn532Frame> {
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        this.#clock.clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.#wake = undefined
      }
      const check = (): void => {
        while (this.#inbox.length > 0) {
          const frame = this.#inbox.shift() as Pn532Frame
          if (accept(frame)) {
            finish()
            resolve(frame)
            return
          }
        }
        if (this.#corrupted) {
          finish()
          reject(this.#corrupted)
        }
      }
      const onAbort = (): void => {
        finish()
        reject(abortReason(signal))
      }
      const timer = this.#clock.setTimeout(() => {
        finish()
        const stray = this.#strayBytes > 0 ? ` (${this.#strayBytes} stray bytes received)` : ''
        reject(
          new StationError('E_DEVICE_TIMEOUT', `no ${what} from the PN532 on ${this.#link.path} in time${stray}`, {
            link: this.#link.path,
            strayBytes: this.#strayBytes,
          }),
        )
      }, Math.max(0, deadlineMs - this.#clock.now()))
      if (signal?.aborted) {
        onAbort()
        return
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#wake = check
      check()
    })
  }

  /** The host's ACK aborts the chip's running command (docs/protocols.md 2.1). Best effort. */
  async #abortCommand(): Promise<void> {
    try {
      await this.#link.write(ACK_FRAME)
    } catch {
      // The exchange's own error is the one worth reporting.
    }
  }
}
