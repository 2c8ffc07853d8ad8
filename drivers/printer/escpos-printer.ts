/**
 * The ESC/POS receipt printer driver over a SerialLink: one job at a time, a real-time status check
 * before and after each job, and optional status polling while idle.
 */
import type { Clock, TimerHandle } from '../../runtime/core/clock.js'
import { StationError } from '../../runtime/core/errors.js'
import type { SerialLink, Unsubscribe } from '../serial/serial-link.js'
import { DLE, EOT } from './escpos-commands.js'
import { encodeReceipt } from './escpos-codec.js'
import { decodeRealtimeStatus, isFlowControlByte, isStatusByte, type StatusQuery } from './escpos-status.js'
import type { NotReadyReason, Printer, PrinterStatus } from './printer.js'
import type { PrinterProfile } from './printer-profile.js'
import type { Receipt } from './receipt.js'

export interface EscPosPrinterOptions {
  /** The host end of the printer's serial link; the driver does not close it. */
  link: SerialLink
  clock: Clock
  profile: PrinterProfile
  /** How long to wait for each DLE EOT reply byte; a serial printer answers within ~100 ms (docs/protocols.md 1.4). */
  statusTimeoutMs: number
}

/** What `status()` reports for a printer that does not answer at all. */
const UNREACHABLE: PrinterStatus = { online: false, paperNearEnd: false, paperOut: false, coverOpen: false, error: false }

interface PendingReply {
  resolve(byte: number): void
  reject(error: unknown): void
  timer: TimerHandle
}

/** Runs tasks one after another, in call order; a failed task does not stop the next. */
class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task)
    this.#tail = result.catch(() => undefined)
    return result
  }
}

/** Which E_PRINTER_NOT_READY reason a status gives, or undefined when the printer can print. */
export function notReadyReason(status: PrinterStatus): NotReadyReason | undefined {
  // Cover first: with the cover open the paper sensor may also read "no paper".
  if (status.coverOpen) return 'cover-open'
  if (status.paperOut) return 'paper-out'
  if (status.error) return 'error'
  if (!status.online) return 'offline'
  return undefined
}

function sameStatus(a: PrinterStatus, b: PrinterStatus): boolean {
  return (
    a.online === b.online && a.paperNearEnd === b.paperNearEnd && a.paperOut === b.paperOut && a.coverOpen === b.coverOpen && a.error === b.error
  )
}

export class EscPosPrinter implements Printer {
  readonly #link: SerialLink
  readonly #clock: Clock
  readonly #profile: PrinterProfile
  readonly #statusTimeoutMs: number
  readonly #jobs = new SerialQueue()
  readonly #queries = new SerialQueue()
  readonly #listeners = new Set<(status: PrinterStatus) => void>()
  readonly #unsubscribes: Unsubscribe[]
  #pending: PendingReply | undefined
  #lastStatus: PrinterStatus | undefined
  #jobsInFlight = 0
  #pollTimer: TimerHandle | undefined
  #stopped = false

  constructor(options: EscPosPrinterOptions) {
    this.#link = options.link
    this.#clock = options.clock
    this.#profile = options.profile
    this.#statusTimeoutMs = options.statusTimeoutMs
    this.#unsubscribes = [
      this.#link.onData((chunk) => this.#receive(chunk)),
      this.#link.onClose((error) => {
        this.#failPending(error ?? new StationError('E_SERIAL_IO', `serial link ${this.#link.path} closed`, { path: this.#link.path }))
      }),
    ]
  }

  /** The status found by the last check; undefined before the first. */
  get lastStatus(): PrinterStatus | undefined {
    return this.#lastStatus
  }

  print(receipt: Receipt): Promise<void> {
    this.#jobsInFlight++
    return this.#jobs
      .run(async () => {
        this.#assertRunning()
        // Encode first: a receipt the codec refuses fails without touching the printer.
        const bytes = encodeReceipt(receipt, this.#profile)
        this.#assertReady(await this.status(), 'before-job')
        await this.#link.write(bytes)
        // The printer keeps buffering after paper-out, so only a clean status after the job means it is on paper (docs/protocols.md 1.5).
        this.#assertReady(await this.status(), 'after-job')
      })
      .finally(() => {
        this.#jobsInFlight--
      })
  }

  /**
   * DLE EOT 1 and 4; when offline also 2, and 3 when 2 reports an error. Rejects E_DEVICE_TIMEOUT when a
   * reply does not come within statusTimeoutMs; listeners then see the printer as offline (`online: false`).
   */
  status(): Promise<PrinterStatus> {
    return this.#queries.run(async () => {
      this.#assertRunning()
      let status: PrinterStatus
      try {
        status = await this.#readStatus()
      } catch (error) {
        if (error instanceof StationError && error.code === 'E_DEVICE_TIMEOUT') this.#update(UNREACHABLE)
        throw error
      }
      this.#update(status)
      return status
    })
  }

  onStatusChange(listener: (status: PrinterStatus) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Checks status every `intervalMs` on the clock while no job is running; changes reach onStatusChange listeners. */
  startIdlePolling(intervalMs: number): void {
    this.#assertRunning()
    if (this.#pollTimer) this.#clock.clearTimeout(this.#pollTimer)
    const poll = (): void => {
      this.#pollTimer = undefined
      if (this.#stopped) return
      const check = this.#jobsInFlight > 0 ? Promise.resolve() : this.status().then(() => undefined)
      check
        .catch(() => undefined) // a failed poll is already reported as a status change
        .finally(() => {
          if (!this.#stopped) this.#pollTimer = this.#clock.setTimeout(poll, intervalMs)
        })
    }
    this.#pollTimer = this.#clock.setTimeout(poll, intervalMs)
  }

  /** Stops polling and detaches from the link (which stays open); pending and later calls reject with E_CANCELED. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    if (this.#pollTimer) this.#clock.clearTimeout(this.#pollTimer)
    this.#pollTimer = undefined
    for (const unsubscribe of this.#unsubscribes) unsubscribe()
    this.#failPending(new StationError('E_CANCELED', 'printer driver stopped', { path: this.#link.path }))
  }

  async #readStatus(): Promise<PrinterStatus> {
    const printer = decodeRealtimeStatus(1, await this.#query(1))
    const paper = decodeRealtimeStatus(4, await this.#query(4))
    let coverOpen = false
    let paperEndStop = false
    let error = false
    if (printer.offline) {
      const cause = decodeRealtimeStatus(2, await this.#query(2))
      coverOpen = cause.coverOpen
      paperEndStop = cause.paperEndStop
      if (cause.errorOccurred) {
        // Asked so the reply is read off the line; every DLE EOT 3 cause counts as an error here.
        decodeRealtimeStatus(3, await this.#query(3))
        error = true
      }
    }
    return {
      online: !printer.offline,
      paperNearEnd: paper.paperNearEnd,
      paperOut: paper.paperEnd || paperEndStop,
      coverOpen,
      error,
    }
  }

  /** Sends DLE EOT n and resolves with the first byte that looks like a status reply. */
  async #query(n: StatusQuery): Promise<number> {
    const reply = new Promise<number>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#pending = undefined
        reject(
          new StationError('E_DEVICE_TIMEOUT', `printer at ${this.#link.path} did not answer DLE EOT ${n} within ${this.#statusTimeoutMs} ms`, {
            path: this.#link.path,
            n,
            timeoutMs: this.#statusTimeoutMs,
          }),
        )
      }, this.#statusTimeoutMs)
      this.#pending = { resolve, reject, timer }
    })
    // The timeout may fire while the write is still pending; mark the rejection handled until we await it.
    reply.catch(() => undefined)
    try {
      await this.#link.write(Uint8Array.of(DLE, EOT, n))
    } catch (error) {
      this.#failPending(error)
      throw error
    }
    return reply
  }

  #receive(chunk: Uint8Array): void {
    for (const byte of chunk) {
      const pending = this.#pending
      // Bytes with no query waiting are stale or unsolicited; XON/XOFF and noise fail the fixed-bit check.
      if (!pending || isFlowControlByte(byte) || !isStatusByte(byte)) continue
      this.#pending = undefined
      this.#clock.clearTimeout(pending.timer)
      pending.resolve(byte)
    }
  }

  #failPending(error: unknown): void {
    const pending = this.#pending
    if (!pending) return
    this.#pending = undefined
    this.#clock.clearTimeout(pending.timer)
    pending.reject(error)
  }

  #update(status: PrinterStatus): void {
    const previous = this.#lastStatus
    this.#lastStatus = status
    if (previous && sameStatus(previous, status)) return
    for (const listener of this.#listeners) {
      try {
        listener({ ...status })
      } catch {
        // One listener's failure must not hide the change from the others.
      }
    }
  }

  #assertReady(status: PrinterStatus, stage: 'before-job' | 'after-job'): void {
    const reason = notReadyReason(status)
    if (reason === undefined) return
    throw new StationError('E_PRINTER_NOT_READY', `printer not ready (${reason}) ${stage === 'before-job' ? 'before' : 'after'} the job`, {
      path: this.#link.path,
      reason,
      stage,
    })
  }

  #assertRunning(): void {
    if (this.#stopped) throw new StationError('E_CANCELED', 'printer driver stopped', { path: this.#link.path })
  }
}
