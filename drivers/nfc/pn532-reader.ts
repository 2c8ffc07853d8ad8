import { ListenerSet } from '../../runtime/core/listener-set.js'
import { PollHealth } from '../poll-health.js'
import { PollLoop } from '../poll-loop.js'
import type { Clock } from '../../runtime/core/clock.js'
import { StationError, isStationError, messageOf } from '../../runtime/core/errors.js'
import type { Logger } from '../../runtime/core/logger.js'
import type { Health, HealthState } from '../../runtime/core/health.js'
import type { Unsubscribe } from '../serial/serial-link.js'
import { formatHexBytes, parseHexBytes } from './hex-bytes.js'
import { pn532ApduTransceive } from './pn532-apdu-transceive.js'
import {
  BRTY,
  getFirmwareVersion,
  IC_PN532,
  inListPassiveTarget,
  isRandomUid,
  parseFirmwareVersion,
  parseInListPassiveTarget,
  rfConfigurationMaxRetries,
  SAM_MODE,
  samConfiguration,
  type Pn532Command,
} from './pn532-commands.js'
import type { Pn532Transport } from './pn532-transport.js'

/** A card read. `uid` may identify a person: never log it. */
export interface NfcCard {
  /** NFCID1 as compact uppercase hex: "04A224E2C85A80". */
  uid: string
  /** A 4-byte UID starting 0x08 (eMRTD/ID-card chips): random per session, never a person key. */
  randomUid: boolean
  /** The card speaks ISO/IEC 14443-4 (SAK bit 0x20, an ATS): APDUs can go to it (`readCard`). */
  apdus: boolean
}

/** What `readCard` hands its reader: one APDU to the card in the field and its answer. */
export type CardTransceive = (apdu: Uint8Array) => Promise<Uint8Array>

/** What the reader needs to run. */
export interface Pn532ReaderDeps {
  transport: Pn532Transport
  clock: Clock
  /** Where health changes go (component driver.nfc); never UIDs. */
  log?: Logger
}

/** Reader settings. */
export interface Pn532ReaderConfig {
  /** Pause between the end of one InListPassiveTarget and the next. */
  pollIntervalMs: number
  /** The same card read again within this long of its last read is not a new card; default 2000 ms. */
  holdMs?: number
  /** Failed polls in a row before health turns faulty and onFault fires; default 5. */
  maxConsecutiveFailures?: number
  /** Deadline of each command, ACK and response; default 1000 ms. */
  commandTimeoutMs?: number
  /**
   * MxRtyPassiveActivation, 0..0xFE: how often the chip retries activating a card before answering
   * "no card". Default 2 (docs/protocols.md 2.3 example). 0xFF (retry forever) would block polling.
   */
  passiveActivationRetries?: number
}

/** MxRtyATR 0xFF (the chip's default) and MxRtyPSL 0x01, as in docs/protocols.md 2.3 "RFConfiguration MaxRetries (FF, 01, 02)". */
const MX_RTY_ATR = 0xff
const MX_RTY_PSL = 0x01
/** SAMConfiguration timeout, 0x14 × 50 ms = 1 s; used only in virtual-card mode (vector cmd_SAMConfiguration_normal). */
const SAM_TIMEOUT_50MS = 0x14
/** Every random UID is the same card for the hold: the chip may draw a new one at each activation. */
const RANDOM_UID_KEY = 'random'
/**
 * Polls in a row with no card that end the hold of a random-UID card: with no UID to tell cards
 * apart, only its absence says a chip was lifted, and one put down after that is a new presentation
 * (the resident retrying after a read cut short, or the next resident). Two, so that one missed
 * poll at the edge of the field is not taken for a new card.
 */
const ABSENT_POLLS_END_RANDOM_HOLD = 2

/**
 * An NFC reader on a PN532, over either transport. `start()` sends SAMConfiguration (leaving LowVbat
 * mode; retried once, as the first command after power-up often fails), checks GetFirmwareVersion
 * says IC 0x32, and sets MxRtyPassiveActivation small so InListPassiveTarget answers "no card"
 * instead of blocking. Then it polls InListPassiveTarget (one target, 106 kbps type A) every
 * `pollIntervalMs` on the injected clock and emits each card once: reads of the same card within
 * `holdMs` of its last read count once, so a card left on the reader is one read; a random-UID
 * chip lifted for ABSENT_POLLS_END_RANDOM_HOLD polls and put down again is a new read. A failed poll
 * degrades health and is retried, after setting the chip up again (it may have reset to its
 * power-up state, where InListPassiveTarget blocks); after `maxConsecutiveFailures` in a row health
 * is faulty and onFault fires once, and the reader recovers by itself when the chip answers again.
 */
export class Pn532Reader {
  #transport: Pn532Transport
  #clock: Clock
  #log: Logger | undefined
  #holdMs: number
  #health: PollHealth
  #commandTimeoutMs: number
  #passiveActivationRetries: number
  #cardListeners = new ListenerSet<NfcCard>()
  #faultListeners = new ListenerSet<StationError>()
  #loop: PollLoop
  #abort = new AbortController()
  #needsSetup = false
  #lastCardKey: string | undefined
  #lastCardMs = 0
  #absentPolls = 0
  #firmware: string | undefined
  /** A conversation with the card in the field (`readCard`): polls wait it out, as InListPassiveTarget would reset the card. */
  #cardSession: Promise<unknown> | undefined

  constructor(deps: Pn532ReaderDeps, config: Pn532ReaderConfig) {
    this.#transport = deps.transport
    this.#clock = deps.clock
    this.#log = deps.log
    this.#loop = new PollLoop(deps.clock, positive('pollIntervalMs', config.pollIntervalMs), () => this.#poll())
    this.#holdMs = nonNegative('holdMs', config.holdMs ?? 2000)
    this.#commandTimeoutMs = positive('commandTimeoutMs', config.commandTimeoutMs ?? 1000)
    this.#health = new PollHealth(config.maxConsecutiveFailures, (error) => this.#log?.error({ err: error }, 'nfc reader health listener threw'))
    const retries = config.passiveActivationRetries ?? 2
    if (!Number.isInteger(retries) || retries < 0 || retries > 0xfe) {
      throw new TypeError(`passiveActivationRetries must be an integer 0..254 (got ${retries})`)
    }
    this.#passiveActivationRetries = retries
  }

  /**
   * Sets the chip up and starts polling. Rejects with E_DEVICE_ABSENT when nothing answers (I2C NACK,
   * or no ACK in time), E_DEVICE_PROTOCOL when something else answers (IC not 0x32, error frames),
   * E_CANCELED when `stop()` is called meanwhile, or the transport's error. Idempotent while running.
   */
  async start(): Promise<void> {
    if (this.#loop.running) return
    this.#health.starting()
    this.#abort = new AbortController()
    try {
      await this.#setup()
    } catch (error) {
      const stationError = this.#startError(error)
      if (stationError.code === 'E_CANCELED') {
        this.#health.stopped()
        throw stationError
      }
      this.#health.startFailed(stationError)
      throw stationError
    }
    this.#health.started()
    this.#needsSetup = false
    this.#lastCardKey = undefined
    this.#loop.start()
  }

  /**
   * Stops polling and cancels a command in flight (the chip is told to abort it); a `start()` in
   * progress then rejects with E_CANCELED. Idempotent; never rejects.
   */
  async stop(): Promise<void> {
    const cancel = new StationError('E_CANCELED', 'NFC reader stopping', {})
    if (!this.#loop.running) {
      if (this.#health.state === 'starting') this.#abort.abort(cancel)
      return
    }
    // The loop stops its timer before its first await; the command in flight is then cancelled, and
    // the wait is for the poll that carried it.
    const stopped = this.#loop.stop()
    this.#abort.abort(cancel)
    await stopped
    this.#lastCardKey = undefined
    this.#health.stopped()
  }

  /** Calls `listener` once per card presented (see the hold rule above). Returns a function that removes it. */
  onCard(listener: (card: NfcCard) => void): Unsubscribe {
    return this.#cardListeners.add(listener)
  }

  /** Called when the reader becomes faulty; once per fault, again only after it recovered in between. */
  onFault(listener: (error: StationError) => void): Unsubscribe {
    return this.#faultListeners.add(listener)
  }

  /** Polls now, between scheduled polls (the seam for the P70_IRQ line). Polls never overlap; never rejects. */
  checkNow(): Promise<void> {
    return this.#loop.checkNow()
  }

  /** Called with the new state each time health changes state, so nobody need poll `health()`. */
  onHealthChange(listener: (state: HealthState) => void): () => void {
    return this.#health.onChange(listener)
  }

  health(): Health {
    return this.#health.health(this.#firmware === undefined ? {} : { firmware: this.#firmware })
  }

  /**
   * Talks to the ISO/IEC 14443-4 card in the field (docs/emrtd.md, "PN532"): polling pauses, the card is
   * activated afresh (InListPassiveTarget, so it starts from its reset state), and `run` gets a transceive
   * over InDataExchange; polling resumes when `run` settles. Rejects with E_DEVICE_PROTOCOL (reason
   * `card_lost`) when no such card is in the field, E_DEVICE_ABSENT while the reader is stopped, or with what `run` rejects with (a
   * transceive rejects when the card leaves the field). One conversation at a time.
   */
  async readCard<T>(run: (transceive: CardTransceive) => Promise<T>, options: { timeoutMs: number }): Promise<T> {
    if (!this.#loop.running) throw new StationError('E_DEVICE_ABSENT', 'the NFC reader is not running', {})
    while (this.#cardSession !== undefined) await this.#cardSession.catch(() => undefined)
    const session = (async () => {
      const target = parseInListPassiveTarget(await this.#exchange(inListPassiveTarget(1, BRTY.iso14443a106)))
      if (target.uid === undefined || target.ats === undefined || target.ats === null) {
        // The reason code of a chip that left the field (drivers/emrtd/chip-errors.ts): the same to whoever reads.
        throw new StationError('E_DEVICE_PROTOCOL', 'no ISO/IEC 14443-4 card in the field', { reason: 'card_lost' })
      }
      return run(pn532ApduTransceive(this.#transport, { tg: target.tg ?? 1, timeoutMs: options.timeoutMs }))
    })()
    this.#cardSession = session
    try {
      return await session
    } finally {
      this.#cardSession = undefined
    }
  }

  async #poll(): Promise<void> {
    if (this.#cardSession !== undefined) return
    try {
      if (this.#needsSetup) {
        await this.#setup()
        this.#needsSetup = false
      }
      const result = parseInListPassiveTarget(await this.#exchange(inListPassiveTarget(1, BRTY.iso14443a106)))
      this.#succeeded()
      if (result.uid !== undefined) this.#cardSeen(parseHexBytes(result.uid), result.ats !== undefined && result.ats !== null)
      else this.#noCard()
    } catch (error) {
      if (!this.#loop.running) return // cancelled by stop()
      this.#failed(error)
    }
  }

  /** SAMConfiguration (retried once), firmware check (retried once), MaxRetries (docs/protocols.md 2.2–2.3). */
  async #setup(): Promise<void> {
    await this.#retryOnce(samConfiguration(SAM_MODE.normal, SAM_TIMEOUT_50MS, true))
    const data = await this.#retryOnce(getFirmwareVersion())
    const firmware = parseFirmwareVersion(data)
    if (data[1] !== IC_PN532) {
      throw new StationError('E_DEVICE_PROTOCOL', `${this.#transport.description} is not a PN532 (IC ${firmware.ic})`, {
        ic: data[1] ?? null,
      })
    }
    this.#firmware = `${firmware.ver}.${firmware.rev}`
    await this.#exchange(rfConfigurationMaxRetries(MX_RTY_ATR, MX_RTY_PSL, this.#passiveActivationRetries))
  }

  async #retryOnce(command: Pn532Command): Promise<Uint8Array> {
    try {
      return await this.#exchange(command)
    } catch (error) {
      if (this.#abort.signal.aborted) throw error
      return this.#exchange(command)
    }
  }

  #exchange(command: Pn532Command): Promise<Uint8Array> {
    return this.#transport.exchange(command, { timeoutMs: this.#commandTimeoutMs, signal: this.#abort.signal })
  }

  #noCard(): void {
    this.#absentPolls += 1
    if (this.#lastCardKey === RANDOM_UID_KEY && this.#absentPolls >= ABSENT_POLLS_END_RANDOM_HOLD) this.#lastCardKey = undefined
  }

  #cardSeen(uid: Uint8Array, apdus: boolean): void {
    this.#absentPolls = 0
    const randomUid = isRandomUid(uid)
    const card: NfcCard = { uid: formatHexBytes(uid, ''), randomUid, apdus }
    const key = randomUid ? RANDOM_UID_KEY : card.uid
    const nowMs = this.#clock.now()
    // The hold slides: a card left on the reader is read at every poll and stays one card.
    const repeated = key === this.#lastCardKey && nowMs - this.#lastCardMs < this.#holdMs
    this.#lastCardKey = key
    this.#lastCardMs = nowMs
    if (repeated) return
    // The UID itself is not logged: it can be a person key.
    this.#cardListeners.emit(card, (error) => this.#log?.error({ err: error }, 'card listener threw'))
  }

  #succeeded(): void {
    if (this.#health.succeeded()) this.#log?.info({ transport: this.#transport.description }, 'NFC reader answering again')
  }

  #failed(error: unknown): void {
    const stationError = asStationError(error)
    // The chip may have reset to its power-up state (LowVbat, MxRty 0xFF): set it up before the next poll.
    this.#needsSetup = true
    if (!this.#health.failed(stationError) || !this.#health.claimFaultReport()) return
    this.#log?.warn({ err: stationError, failures: this.#health.failures }, 'NFC reader faulty')
    this.#faultListeners.emit(stationError, (listenerError) => this.#log?.error({ err: listenerError }, 'NFC fault listener threw'))
  }

  /** No answer at all at start means no reader there. */
  #startError(error: unknown): StationError {
    const stationError = asStationError(error)
    if (stationError.code === 'E_I2C_NACK' || stationError.code === 'E_DEVICE_TIMEOUT') {
      return new StationError(
        'E_DEVICE_ABSENT',
        `no PN532 answers on ${this.#transport.description}`,
        { ...stationError.context },
        { cause: stationError },
      )
    }
    return stationError
  }
}

function asStationError(error: unknown): StationError {
  if (isStationError(error)) return error
  return new StationError('E_DEVICE_PROTOCOL', messageOf(error), {}, { cause: error })
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number (got ${value})`)
  return value
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number (got ${value})`)
  return value
}
