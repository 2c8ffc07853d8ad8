/**
 * A simulated ESC/POS receipt printer at the far end of a SerialLink (give it the `device` end of
 * SimSerialLink.pair). It follows the printer's rules: DLE EOT n is answered at once from the receive
 * stream, even in the middle of a job or inside data; print data is buffered and becomes a receipt at the
 * cut; with no paper, the cover open or an error it is offline and prints nothing.
 */
import { BoundedLog } from '../bounded-log.js'
import type { StationError } from '../../runtime/core/errors.js'
import type { SerialLink, Unsubscribe } from '../serial/serial-link.js'
import { DLE, ENQ, EOT, XOFF, XON } from './escpos-commands.js'
import { concatBytes } from './escpos-codec.js'
import { decodeEscPos, type DecodedLine } from './escpos-decoder.js'
import { EscPosSplitter, isCutToken } from './escpos-splitter.js'
import { encodeRealtimeStatus, type StatusQuery } from './escpos-status.js'
import type { PrinterProfile } from './printer-profile.js'

export type SimPaperState = 'ok' | 'near-end' | 'out'
/** Which DLE EOT 3 error the printer has; 'autocutter' is cleared by DLE ENQ 1 or 2. */
export type SimPrinterFault = 'none' | 'autocutter' | 'unrecoverable' | 'auto-recoverable'

/** One receipt that came out of the printer. */
export interface PrintedReceipt {
  /** What is on the paper, ending with the cut. */
  lines: DecodedLine[]
  /** The print data from the previous cut up to and including this one (real-time commands included). */
  bytes: Uint8Array
}

export interface SimEscPosPrinterOptions {
  /** Code page, ESC t number and width the printer is set up for; text is decoded with it. */
  profile: PrinterProfile
  /** Default 'ok'. */
  paper?: SimPaperState
  /** 'xon-xoff': sends XOFF when it goes offline and XON when it comes back (docs/protocols.md 1.1). Default 'none'. */
  flowControl?: 'none' | 'xon-xoff'
}

/** Real-time command scanner state: where we are in `10 04 n` / `10 05 n`. */
type RealtimeState = 'idle' | 'dle' | 'eot' | 'enq'

export class SimEscPosPrinter {
  readonly #link: SerialLink
  readonly #profile: PrinterProfile
  readonly #flowControl: 'none' | 'xon-xoff'
  // Bounded (bounded-log.ts): the station asks for status every few seconds, for days.
  readonly #receipts = new BoundedLog<PrintedReceipt>()
  readonly #protocolErrors = new BoundedLog<StationError>()
  readonly #statusRequests = new BoundedLog<StatusQuery>()
  readonly #listeners = new Set<(receipt: PrintedReceipt) => void>()
  #splitter = new EscPosSplitter()
  #job: Uint8Array[] = []
  #realtime: RealtimeState = 'idle'
  #paper: SimPaperState
  #coverOpen = false
  #fault: SimPrinterFault = 'none'
  #responsive = true
  #replyPrefix = new Uint8Array(0)
  #paperLeftLines: number | undefined

  constructor(link: SerialLink, options: SimEscPosPrinterOptions) {
    this.#link = link
    this.#profile = options.profile
    this.#paper = options.paper ?? 'ok'
    this.#flowControl = options.flowControl ?? 'none'
    link.onData((chunk) => this.#receive(chunk))
  }

  /** Every receipt printed so far, oldest first. */
  get receipts(): readonly PrintedReceipt[] {
    return this.#receipts.entries
  }

  /** Commands the printer could not parse (their prefix byte was skipped). Empty for a correct encoder. */
  get protocolErrors(): readonly StationError[] {
    return this.#protocolErrors.entries
  }

  /** The n of every DLE EOT n answered or ignored, in arrival order. */
  get statusRequests(): readonly StatusQuery[] {
    return this.#statusRequests.entries
  }

  /** Offline: paper out, cover open or a fault. Print data is dropped while offline. */
  get offline(): boolean {
    return this.#paper === 'out' || this.#coverOpen || this.#fault !== 'none'
  }

  /** The lines of the last receipt, ending with its cut; undefined before the first. */
  lastReceipt(): DecodedLine[] | undefined {
    return this.#receipts.entries.at(-1)?.lines
  }

  /** Called for each receipt as it is cut. */
  onReceipt(listener: (receipt: PrintedReceipt) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Loads, nearly uses up, or takes out the paper roll. */
  setPaper(state: SimPaperState): void {
    this.#changeOffline(() => {
      this.#paper = state
      if (state !== 'out') this.#paperLeftLines = undefined
    })
  }

  /** The paper runs out after `lines` more printed lines (mid-job if a job needs more); undefined = endless roll. */
  setPaperRemainingLines(lines: number | undefined): void {
    this.#paperLeftLines = lines
  }

  setCoverOpen(open: boolean): void {
    this.#changeOffline(() => {
      this.#coverOpen = open
    })
  }

  /** Puts the printer into (or out of) a DLE EOT 3 error state. */
  setFault(fault: SimPrinterFault): void {
    this.#changeOffline(() => {
      this.#fault = fault
    })
  }

  /** false: never answers and ignores all data, like a powered-off printer. */
  setResponsive(responsive: boolean): void {
    this.#responsive = responsive
    if (!responsive) this.#dropJob()
  }

  /** Bytes sent in front of every status reply from now on, in the same chunk (e.g. XOFF 0x13). */
  setReplyPrefix(bytes: Uint8Array): void {
    this.#replyPrefix = Uint8Array.from(bytes)
  }

  /** Sends unsolicited bytes to the host now (XON/XOFF, noise). */
  async sendGarbage(bytes: Uint8Array): Promise<void> {
    await this.#link.write(bytes)
  }

  #changeOffline(change: () => void): void {
    const wasOffline = this.offline
    change()
    if (this.offline === wasOffline) return
    if (this.offline) this.#dropJob()
    if (this.#flowControl === 'xon-xoff') this.#send(Uint8Array.of(this.offline ? XOFF : XON))
  }

  #dropJob(): void {
    this.#job = []
    this.#splitter = new EscPosSplitter()
  }

  #send(bytes: Uint8Array): void {
    // A reply to a link that has closed is lost, as on a real cable.
    this.#link.write(bytes).catch(() => undefined)
  }

  #receive(chunk: Uint8Array): void {
    if (!this.#responsive) return
    for (const byte of chunk) this.#scanRealtime(byte)
    if (this.offline) return
    const { tokens, errors } = this.#splitter.push(chunk)
    this.#protocolErrors.push(...errors)
    for (const token of tokens) {
      this.#job.push(token.kind === 'control' ? Uint8Array.of(token.byte) : token.bytes)
      if (isCutToken(token)) this.#finishJob()
      if (this.offline) return
    }
  }

  /** Real-time commands are recognised anywhere in the byte stream, even inside command data (docs/protocols.md 1.5). */
  #scanRealtime(byte: number): void {
    if (this.#realtime === 'eot' && byte >= 1 && byte <= 4) {
      this.#answerStatus(byte as StatusQuery)
    } else if (this.#realtime === 'enq' && (byte === 1 || byte === 2)) {
      this.#recover(byte)
    }
    if (this.#realtime === 'dle' && byte === EOT) this.#realtime = 'eot'
    else if (this.#realtime === 'dle' && byte === ENQ) this.#realtime = 'enq'
    else this.#realtime = byte === DLE ? 'dle' : 'idle'
  }

  #answerStatus(n: StatusQuery): void {
    this.#statusRequests.push(n)
    const paperOut = this.#paper === 'out'
    const byte =
      n === 1
        ? encodeRealtimeStatus(1, { drawerPin3High: false, offline: this.offline, waitingOnlineRecovery: false, feedButtonPressed: false })
        : n === 2
          ? encodeRealtimeStatus(2, { coverOpen: this.#coverOpen, feedingByButton: false, paperEndStop: paperOut, errorOccurred: this.#fault !== 'none' })
          : n === 3
            ? encodeRealtimeStatus(3, {
                recoverableError: false,
                autocutterError: this.#fault === 'autocutter',
                unrecoverableError: this.#fault === 'unrecoverable',
                autoRecoverableError: this.#fault === 'auto-recoverable',
              })
            : encodeRealtimeStatus(4, { paperNearEnd: this.#paper !== 'ok', paperEnd: paperOut })
    this.#send(concatBytes([this.#replyPrefix, Uint8Array.of(byte)]))
  }

  /** DLE ENQ 1 (resume) or 2 (clear buffers): clears an autocutter error once the jam is gone. */
  #recover(n: number): void {
    if (n === 2) this.#dropJob()
    if (this.#fault === 'autocutter') this.setFault('none')
  }

  #finishJob(): void {
    const bytes = concatBytes(this.#job)
    this.#job = []
    let lines: DecodedLine[]
    try {
      lines = decodeEscPos(bytes, this.#profile).lines
    } catch (error) {
      this.#protocolErrors.push(error as StationError)
      return
    }
    if (this.#paperLeftLines !== undefined) {
      const needed = lines.filter((line) => !('cut' in line)).length
      if (needed > this.#paperLeftLines) {
        // The roll ends during this job: what fitted is on the paper, but there is no finished receipt.
        this.#paperLeftLines = 0
        this.setPaper('out')
        return
      }
      this.#paperLeftLines -= needed
    }
    const receipt: PrintedReceipt = { lines, bytes }
    this.#receipts.push(receipt)
    for (const listener of this.#listeners) listener(receipt)
  }
}
