/**
 * A simulated PN532 for sim mode and driver tests: the chip's command rules (SimPn532) behind either
 * host interface, I2C (SimPn532I2c, an I2cDevice for SimI2cBus) or HSU (SimPn532Hsu, on the device end
 * of a SimSerialLink pair). Controls are named after what a person does (present or remove a card) or
 * what goes wrong (failNext).
 */
import { BoundedLog } from '../bounded-log.js'
import type { Clock, TimerHandle } from '../../runtime/core/clock.js'
import { StationError } from '../../runtime/core/errors.js'
import type { I2cDevice } from '../i2c/i2c-bus.js'
import type { SerialLink, Unsubscribe } from '../serial/serial-link.js'
import { parseHexBytes } from './hex-bytes.js'
import { BRTY, commandName, PN532_COMMAND, RF_CFG_MAX_RETRIES } from './pn532-commands.js'
import {
  ACK_FRAME,
  createPn532FrameSplitter,
  decodeFrame,
  encodeFrame,
  ERROR_FRAME,
  I2C_STATUS_BUSY,
  I2C_STATUS_READY,
  TFI_HOST_TO_PN532,
  TFI_PN532_TO_HOST,
  type Pn532Frame,
} from './pn532-frame.js'

/** A card in the field, for `presentCard`. Hex fields accept "00 04", "0004" or "0x0004". */
export interface SimCard {
  /** NFCID1, 4, 7 or 10 bytes: "DE AD BE EF". */
  uid: string
  /** SENS_RES, MSB first; default "00 04" (MIFARE Classic 1K, docs/protocols.md 2.3). */
  atqa?: string
  /** SEL_RES; default "08". Bit 0x20 (ISO 14443-4) needs `ats`. */
  sak?: string
  /** The ATS, TL byte first; only with SAK bit 0x20. */
  ats?: string
  /**
   * An ISO/IEC 14443-4 card's answer to an APDU (InDataExchange), e.g. a simulated eMRTD chip
   * (drivers/emrtd/sim-chip.ts, `answer`). Throwing means the card stopped answering: status 0x01.
   */
  apdu?: (apdu: Uint8Array) => Uint8Array
}

/**
 * What `failNext` injects, per host command:
 * - `nack`: the command never reaches the chip (I2C: the write transaction is not acknowledged,
 *   E_I2C_NACK; HSU: the frame is lost, no ACK);
 * - `eio`: the chip gets the command but the answer is damaged in transit (I2C: the next read fails
 *   with E_I2C_IO; HSU: the response stops halfway);
 * - `garbage`: noise and a frame with a bad checksum instead of the answer.
 */
export type Pn532Fault = 'nack' | 'eio' | 'garbage'

/** One command frame the chip received, in `SimPn532.commands`. */
export interface Pn532CommandRecord {
  code: number
  /** The manual's name: "SAMConfiguration". */
  name: string
  params: Uint8Array
  /**
   * `answered` (ACK and response), `error` (ACK and the error frame), `waiting` (ACK; the response
   * comes when a card does), `ignored` (no ACK: LowVbat on HSU, or a `nack` fault).
   */
  outcome: 'answered' | 'error' | 'waiting' | 'ignored'
}

/** What the chip does with one host frame. */
export interface Pn532Reply {
  ack: boolean
  /** The response or error frame to send after the ACK (or alone, for a NACK's resend). */
  response?: Uint8Array
}

/** How an interface adapter hears about answers that come later and about power cycles. */
export interface Pn532Port {
  /** A response that became ready after the command (a card arrived during InListPassiveTarget). */
  deliver(frame: Uint8Array): void
  powerCycled(): void
}

/** GetFirmwareVersion fields the chip reports; defaults are the PN532 v1.6 of the vectors. */
export interface SimPn532Options {
  ic?: number
  ver?: number
  rev?: number
  support?: number
}

/**
 * Noise, then a frame with a bad DCS (the checksum of `D5 4B 00` is E0, not 00): what a damaged
 * line or a clock-stretching glitch delivers.
 */
const GARBAGE: Uint8Array = Uint8Array.of(0x5a, 0xa5, 0x00, 0x00, 0xff, 0x03, 0xfd, 0xd5, 0x4b, 0x00, 0x00, 0x00)
/** RFConfiguration CfgItem → length of its ConfigurationData (UM0701-02 RFConfiguration). */
const RF_CFG_DATA_LENGTHS: ReadonlyMap<number, number> = new Map([
  [0x01, 1], // RF field
  [0x02, 3], // various timings
  [0x04, 1], // MaxRtyCOM
  [RF_CFG_MAX_RETRIES, 3], // MxRtyATR, MxRtyPSL, MxRtyPassiveActivation
  [0x0a, 11], // analog settings, 106 kbps type A
  [0x0b, 3], // analog settings, 212/424 kbps
  [0x0c, 1], // analog settings, type B
  [0x0d, 9], // analog settings, ISO/IEC 14443-4 212/424/848 kbps
])
/** MxRtyPassiveActivation value meaning "retry forever" (docs/protocols.md 2.3 pitfalls). */
const RETRY_FOREVER = 0xff
/** InListPassiveTarget InitiatorData lengths: FeliCa polling payload 5 bytes, type B AFI 1 byte (UM0701-02). */
const INITIATOR_DATA_LENGTHS: ReadonlyMap<number, number> = new Map([
  [BRTY.felica212, 5],
  [BRTY.felica424, 5],
  [BRTY.iso14443b106, 1],
])
const SAK_ISO14443_4 = 0x20

interface Target {
  uid: Uint8Array
  atqa: Uint8Array
  sak: number
  ats: Uint8Array
  apdu: ((apdu: Uint8Array) => Uint8Array) | undefined
}

/** InDataExchange DataIn bytes per answer (UM0701-02 §7.3.8); the rest follows with status bit 0x40 (MI). */
const DATA_IN_MAX_BYTES = 262
const STATUS_MORE_INFORMATION = 0x40
/** InDataExchange status: the target did not answer in time (the card left the field). */
const STATUS_TIMEOUT = 0x01
/** InDataExchange status: the command is not acceptable here (no ISO/IEC 14443-4 target). */
const STATUS_NOT_ACCEPTABLE = 0x27

type Outcome = { kind: 'response'; data: number[] } | { kind: 'error' } | { kind: 'waiting' }

/**
 * The PN532's command rules, whatever the host interface. Kept from UM0701-02 and docs/protocols.md 2:
 * - a well-formed command is ACKed, then answered with `D5 <code+1> …`, or with the error frame when
 *   its length or parameters are wrong or the command is unknown;
 * - InDataExchange passes the APDU to a card that has an `apdu` handler; an answer longer than one
 *   DataIn comes in pieces with status bit 0x40 (MI), the next one fetched with `40 Tg`;
 * - the host's ACK aborts the running command; the host's NACK asks for the last response again;
 * - InListPassiveTarget (106 kbps type A) answers the card in the field; without one it answers
 *   `D5 4B 00` after MxRtyPassiveActivation retries, but with 0xFF (the power-up value) it waits for
 *   a card forever, until aborted or replaced by another command;
 * - after power-up the chip is in LowVbat mode until SAMConfiguration (the HSU adapter enforces it);
 * - a card stays selectable while it is in the field: every InListPassiveTarget finds it again.
 */
export class SimPn532 {
  // Bounded (bounded-log.ts): the station polls for a card four times a second, for days.
  #commands = new BoundedLog<Pn532CommandRecord>()

  /** The newest command frames received (up to 4096), in order. */
  get commands(): readonly Pn532CommandRecord[] {
    return this.#commands.entries
  }
  #firmware: number[]
  #card: Target | undefined
  #mxRtyPassiveActivation = RETRY_FOREVER
  #lowVbat = true
  #waiting: Pn532CommandRecord | undefined
  #lastResponse: Uint8Array | undefined
  #fault: { kind: Pn532Fault; count: number } | undefined
  #ports = new Set<Pn532Port>()
  /** The rest of a card's answer longer than one DataIn, fetched with `40 Tg`. */
  #pendingDataIn: Uint8Array | undefined

  constructor(options: SimPn532Options = {}) {
    this.#firmware = [options.ic ?? 0x32, options.ver ?? 1, options.rev ?? 6, options.support ?? 0x07]
  }

  /** A card enters the field. Replaces any card there. Throws a TypeError for a malformed card. */
  presentCard(card: SimCard): void {
    const uid = parseHexBytes(card.uid)
    if (![4, 7, 10].includes(uid.length)) throw new TypeError(`uid must be 4, 7 or 10 bytes (got ${uid.length})`)
    const atqa = parseHexBytes(card.atqa ?? '00 04')
    if (atqa.length !== 2) throw new TypeError(`atqa must be 2 bytes (got ${atqa.length})`)
    const sakBytes = parseHexBytes(card.sak ?? '08')
    const sak = sakBytes[0]
    if (sakBytes.length !== 1 || sak === undefined) throw new TypeError(`sak must be 1 byte (got ${sakBytes.length})`)
    const ats = parseHexBytes(card.ats ?? '')
    const wantsAts = (sak & SAK_ISO14443_4) !== 0
    if (wantsAts !== ats.length > 0 || (wantsAts && ats[0] !== ats.length)) {
      throw new TypeError('ats is needed exactly when sak has bit 0x20, and its first byte (TL) is its length')
    }
    this.#card = { uid, atqa, sak, ats, apdu: card.apdu }
    this.#pendingDataIn = undefined
    const waiting = this.#waiting
    if (waiting === undefined) return
    this.#waiting = undefined
    waiting.outcome = 'answered'
    const frame = this.#respond({ kind: 'response', data: this.#targetResponse(this.#card) })
    for (const port of this.#ports) port.deliver(frame)
  }

  /** The card leaves the field. Idempotent. */
  removeCard(): void {
    this.#card = undefined
  }

  /** The next `count` host commands fail with `kind` (see Pn532Fault). */
  failNext(kind: Pn532Fault, count = 1): void {
    if (!Number.isInteger(count) || count < 1) throw new TypeError(`count must be a positive integer (got ${count})`)
    this.#fault = { kind, count }
  }

  /** Power off and on: LowVbat again, MxRtyPassiveActivation 0xFF, nothing pending; HSU sleeps. */
  powerCycle(): void {
    this.#lowVbat = true
    this.#mxRtyPassiveActivation = RETRY_FOREVER
    this.#waiting = undefined
    this.#lastResponse = undefined
    for (const port of this.#ports) port.powerCycled()
  }

  /** In LowVbat mode (from power-up until SAMConfiguration). */
  get lowVbat(): boolean {
    return this.#lowVbat
  }

  /** MxRtyPassiveActivation as last set; 0xFF = retry forever. */
  get passiveActivationRetries(): number {
    return this.#mxRtyPassiveActivation
  }

  /** An InListPassiveTarget is waiting for a card. */
  get waitingForCard(): boolean {
    return this.#waiting !== undefined
  }

  /** For interface adapters: hear about late responses and power cycles. Returns a disconnect function. */
  connect(port: Pn532Port): Unsubscribe {
    this.#ports.add(port)
    return () => this.#ports.delete(port)
  }

  /** For interface adapters: the fault for the command frame that just arrived, if one is armed. */
  takeFault(): Pn532Fault | undefined {
    const fault = this.#fault
    if (fault === undefined) return undefined
    fault.count -= 1
    if (fault.count <= 0) this.#fault = undefined
    return fault.kind
  }

  /**
   * For interface adapters: what the chip does with one well-formed host frame. With
   * `enforceLowVbat`, commands other than SAMConfiguration are ignored (no ACK) in LowVbat mode.
   * `dropped` records a command lost to a `nack` fault.
   */
  handleFrame(frame: Pn532Frame, options: { enforceLowVbat: boolean; dropped?: boolean }): Pn532Reply {
    if (frame.type === 'ACK') {
      this.#abort()
      return { ack: false }
    }
    if (frame.type === 'NACK') {
      return this.#lastResponse === undefined ? { ack: false } : { ack: false, response: this.#lastResponse }
    }
    if (frame.type !== 'DATA' || frame.tfi !== TFI_HOST_TO_PN532) return { ack: false }
    const [code = 0] = frame.data
    const record: Pn532CommandRecord = {
      code,
      name: commandName(code),
      params: frame.data.slice(1),
      outcome: 'ignored',
    }
    this.#commands.push(record)
    if (options.dropped) return { ack: false }
    if (options.enforceLowVbat && this.#lowVbat && code !== PN532_COMMAND.SAMConfiguration) return { ack: false }
    // A new command replaces one still waiting for a card.
    this.#abort()
    const outcome = this.#execute(code, record.params)
    record.outcome = outcome.kind === 'response' ? 'answered' : outcome.kind
    if (outcome.kind === 'waiting') {
      this.#waiting = record
      return { ack: true }
    }
    return { ack: true, response: this.#respond(outcome) }
  }

  #abort(): void {
    if (this.#waiting) this.#waiting.outcome = 'ignored'
    this.#waiting = undefined
  }

  #respond(outcome: Outcome): Uint8Array {
    const frame = outcome.kind === 'response' ? encodeFrame(TFI_PN532_TO_HOST, Uint8Array.from(outcome.data)) : ERROR_FRAME
    this.#lastResponse = frame
    return frame
  }

  #execute(code: number, params: Uint8Array): Outcome {
    const error: Outcome = { kind: 'error' }
    const answer = (...data: number[]): Outcome => ({ kind: 'response', data: [code + 1, ...data] })
    switch (code) {
      case PN532_COMMAND.GetFirmwareVersion:
        return params.length === 0 ? answer(...this.#firmware) : error
      case PN532_COMMAND.SAMConfiguration: {
        const mode = params[0] ?? 0
        if (params.length < 1 || params.length > 3 || mode < 1 || mode > 4) return error
        this.#lowVbat = false
        return answer()
      }
      case PN532_COMMAND.RFConfiguration: {
        const item = params[0] ?? -1
        if (RF_CFG_DATA_LENGTHS.get(item) !== params.length - 1) return error
        if (item === RF_CFG_MAX_RETRIES) this.#mxRtyPassiveActivation = params[3] ?? RETRY_FOREVER
        return answer()
      }
      case PN532_COMMAND.InListPassiveTarget: {
        const maxTg = params[0] ?? 0
        const brTy = params[1] ?? -1
        if (maxTg < 1 || maxTg > 2 || brTy < 0 || brTy > 4) return error
        if (params.length < 2 + (INITIATOR_DATA_LENGTHS.get(brTy) ?? 0)) return error
        if (brTy === BRTY.iso14443a106 && this.#card) return answer(...this.#targetResponse(this.#card).slice(1))
        return this.#mxRtyPassiveActivation === RETRY_FOREVER ? { kind: 'waiting' } : answer(0)
      }
      case PN532_COMMAND.InRelease:
        return params.length === 1 ? answer(0x00) : error
      case PN532_COMMAND.InDataExchange:
        return params.length < 1 ? error : answer(...this.#dataExchange(params))
      default:
        return error
    }
  }

  /** `Status DataIn` of InDataExchange: the card's answer, in pieces of DATA_IN_MAX_BYTES with MI set. */
  #dataExchange(params: Uint8Array): number[] {
    const card = this.#card
    if (card?.apdu === undefined) return [card === undefined ? STATUS_TIMEOUT : STATUS_NOT_ACCEPTABLE]
    let answer = this.#pendingDataIn
    this.#pendingDataIn = undefined
    if (params.length > 1 || answer === undefined) {
      try {
        answer = card.apdu(params.subarray(1))
      } catch {
        this.#card = undefined
        return [STATUS_TIMEOUT]
      }
    }
    if (answer.length > DATA_IN_MAX_BYTES) {
      this.#pendingDataIn = answer.subarray(DATA_IN_MAX_BYTES)
      return [STATUS_MORE_INFORMATION, ...answer.subarray(0, DATA_IN_MAX_BYTES)]
    }
    return [0x00, ...answer]
  }

  /** `4B 01 Tg ATQA SAK NFCIDLength NFCID1 [ATS]` (docs/protocols.md 2.3). */
  #targetResponse(card: Target): number[] {
    return [
      PN532_COMMAND.InListPassiveTarget + 1,
      1,
      1,
      ...card.atqa,
      card.sak,
      card.uid.length,
      ...card.uid,
      ...card.ats,
    ]
  }
}

/** Options for `SimPn532I2c`: how long the chip stays busy before each ACK or response. */
export interface SimPn532I2cOptions {
  /** Reads that return busy before each ACK or response is ready; default 1. Used without `clock`. */
  busyReads?: number
  /** Measure the busy period on this clock instead of counting reads. */
  clock?: Clock
  /** With `clock`: each ACK or response is ready this long after the previous one was read; default 1 ms. */
  busyMs?: number
}

/**
 * The PN532 on I2C (docs/protocols.md 2.2). Every read returns the status byte first: 0x00 while busy,
 * with the rest of the read repeating the last frame read (stale bytes that look valid, the trap of
 * vector i2c_read_not_ready), and 0x01 when the ACK or the response is ready. A 1-byte status read
 * never consumes a frame; a longer ready read returns the frame (zero-padded or cut to the length)
 * and consumes it. Any well-formed host frame replaces what was waiting to be read. A frame that
 * fails its checksums is ignored: no ACK.
 */
export class SimPn532I2c implements I2cDevice {
  #chip: SimPn532
  #busyReads: number
  #clock: Clock | undefined
  #busyMs: number
  #outputs: Uint8Array[] = []
  #busyReadsLeft = 0
  #readyAtMs = 0
  #stale: Uint8Array = new Uint8Array(0)
  #eioPending = false
  #garbagePending = false

  constructor(chip: SimPn532, options: SimPn532I2cOptions = {}) {
    this.#chip = chip
    this.#busyReads = options.busyReads ?? 1
    this.#clock = options.clock
    this.#busyMs = options.busyMs ?? 1
    chip.connect({
      deliver: (frame) => this.#queue(frame),
      powerCycled: () => {
        this.#outputs = []
      },
    })
  }

  write(bytes: Uint8Array): void {
    let frame: Pn532Frame
    try {
      frame = decodeFrame(bytes)
    } catch {
      return
    }
    const isCommand = frame.type === 'DATA' && frame.tfi === TFI_HOST_TO_PN532
    const fault = isCommand ? this.#chip.takeFault() : undefined
    if (fault === 'nack') {
      this.#chip.handleFrame(frame, { enforceLowVbat: false, dropped: true })
      throw new StationError('E_I2C_NACK', 'PN532 did not acknowledge its address (injected)', { errno: 'EREMOTEIO' })
    }
    this.#eioPending = fault === 'eio'
    this.#garbagePending = fault === 'garbage'
    const reply = this.#chip.handleFrame(frame, { enforceLowVbat: false })
    this.#outputs = []
    if (reply.ack) this.#queue(ACK_FRAME)
    if (reply.response) this.#queue(reply.response)
  }

  read(length: number): Uint8Array {
    if (this.#eioPending) {
      this.#eioPending = false
      throw new StationError('E_I2C_IO', 'I2C read from the PN532 failed (injected clock-stretch glitch)', { errno: 'EIO' })
    }
    const bytes = new Uint8Array(length)
    const head = this.#outputs[0]
    if (head === undefined || !this.#headReady()) {
      bytes[0] = I2C_STATUS_BUSY
      bytes.set(this.#stale.subarray(0, length - 1), 1)
      return bytes
    }
    bytes[0] = I2C_STATUS_READY
    if (length === 1) return bytes
    this.#outputs.shift()
    this.#startHead()
    const frame = this.#garbagePending ? GARBAGE : head
    this.#garbagePending = false
    this.#stale = frame
    bytes.set(frame.subarray(0, length - 1), 1)
    return bytes
  }

  #queue(frame: Uint8Array): void {
    this.#outputs.push(frame)
    if (this.#outputs.length === 1) this.#startHead()
  }

  #startHead(): void {
    this.#busyReadsLeft = this.#busyReads
    this.#readyAtMs = (this.#clock?.now() ?? 0) + this.#busyMs
  }

  #headReady(): boolean {
    if (this.#clock) return this.#clock.now() >= this.#readyAtMs
    if (this.#busyReadsLeft > 0) {
      this.#busyReadsLeft -= 1
      return false
    }
    return true
  }
}

/** Options for `SimPn532Hsu`. */
export interface SimPn532HsuOptions {
  /** Delay the response (not the ACK) by `responseDelayMs` on this clock; without it, it follows the ACK at once. */
  clock?: Clock
  responseDelayMs?: number
}

/**
 * The PN532 on HSU, at the device end of a serial link (docs/protocols.md 2.2). It sleeps until the wake-up
 * `55 55` followed by zeros (the zeros run on into the first frame's preamble); while asleep every
 * byte is lost. Awake, it splits frames from the stream, ignores damaged ones, ignores every command
 * but SAMConfiguration while in LowVbat mode, and writes the ACK then the response. A power cycle puts
 * it back to sleep. `close()` stops listening.
 */
export class SimPn532Hsu {
  #chip: SimPn532
  #link: SerialLink
  #clock: Clock | undefined
  #responseDelayMs: number
  #splitter = createPn532FrameSplitter()
  #awake = false
  #seen55 = 0
  #timers = new Set<TimerHandle>()
  #unsubscribe: Unsubscribe[]

  constructor(chip: SimPn532, link: SerialLink, options: SimPn532HsuOptions = {}) {
    this.#chip = chip
    this.#link = link
    this.#clock = options.clock
    this.#responseDelayMs = options.responseDelayMs ?? 0
    this.#unsubscribe = [
      link.onData((chunk) => this.#onData(chunk)),
      chip.connect({ deliver: (frame) => this.#sendResponse(frame), powerCycled: () => this.#sleep() }),
    ]
  }

  /** Woken by `55 55 00` since power-up. */
  get awake(): boolean {
    return this.#awake
  }

  /** Stops listening to the link and the chip. Idempotent. */
  close(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe()
    this.#unsubscribe = []
    this.#sleep()
  }

  #onData(chunk: Uint8Array): void {
    let bytes = chunk
    if (!this.#awake) {
      const wakeAt = this.#findWakeup(chunk)
      if (wakeAt === -1) return
      this.#awake = true
      this.#splitter.reset()
      bytes = chunk.subarray(wakeAt)
    }
    for (const result of this.#splitter.push(bytes)) {
      if (result.kind === 'frame') this.#onFrame(decodeFrame(result.bytes))
    }
  }

  /** Index of the first 00 after `55 55`, across chunks; -1 while still asleep. */
  #findWakeup(chunk: Uint8Array): number {
    for (let index = 0; index < chunk.length; index++) {
      const byte = chunk[index]
      if (byte === 0x55) {
        this.#seen55 = Math.min(this.#seen55 + 1, 2)
      } else if (byte === 0x00 && this.#seen55 === 2) {
        return index
      } else {
        this.#seen55 = 0
      }
    }
    return -1
  }

  #onFrame(frame: Pn532Frame): void {
    const isCommand = frame.type === 'DATA' && frame.tfi === TFI_HOST_TO_PN532
    const fault = isCommand ? this.#chip.takeFault() : undefined
    const reply = this.#chip.handleFrame(frame, { enforceLowVbat: true, dropped: fault === 'nack' })
    if (fault === 'garbage' && reply.ack) {
      this.#send(GARBAGE)
      return
    }
    if (reply.ack) this.#send(ACK_FRAME)
    if (reply.response) {
      const response = reply.response
      this.#sendResponse(fault === 'eio' ? response.subarray(0, Math.ceil(response.length / 2)) : response)
    }
  }

  #sendResponse(frame: Uint8Array): void {
    const clock = this.#clock
    if (clock === undefined || this.#responseDelayMs <= 0) {
      this.#send(frame)
      return
    }
    const timer = clock.setTimeout(() => {
      this.#timers.delete(timer)
      this.#send(frame)
    }, this.#responseDelayMs)
    this.#timers.add(timer)
  }

  #send(bytes: Uint8Array): void {
    this.#link.write(bytes).catch(() => undefined)
  }

  #sleep(): void {
    this.#awake = false
    this.#seen55 = 0
    this.#splitter.reset()
    for (const timer of this.#timers) this.#clock?.clearTimeout(timer)
    this.#timers.clear()
  }
}
