import type { KeyName } from './key-names.js'
import type { KeypadConfig } from './keypad-options.js'
import { ListenerSet } from '../../runtime/core/listener-set.js'
import { PollHealth } from '../poll-health.js'
import { PollLoop } from '../poll-loop.js'
import type { Clock } from '../../runtime/core/clock.js'
import { StationError, isStationError, messageOf } from '../../runtime/core/errors.js'
import type { Logger } from '../../runtime/core/logger.js'
import type { Health, HealthState } from '../../runtime/core/health.js'
import { checkAddress, formatAddress } from '../i2c/i2c-address.js'
import { DEFAULT_IRQ_SAFETY_POLL_MS, IrqTrigger, type OpenIrqLine } from '../gpio/irq-trigger.js'
import type { I2cBus } from '../i2c/i2c-bus.js'
import type { Keypad } from './keypad.js'
import { decodeTouchStatus, diffElectrodes, initWrites, isPresent } from './mpr121-codec.js'
import { CONFIG2, ECR, ECR_RUN_BITS, ELECTRODE_COUNT, SOFT_RESET, TOUCH_STATUS_0 } from './mpr121-registers.js'

/** What the driver needs to run. */
export interface Mpr121KeypadDeps {
  bus: I2cBus
  clock: Clock
  /** Where listener failures and health changes go (component driver.keypad); never key names. */
  log?: Logger
  /**
   * Opens the chip's IRQ line (an input) when one is wired: the status is then read on its falling
   * edge and polled only every `irqSafetyPollMs`. Absent: polled every `pollIntervalMs`.
   */
  openIrq?: OpenIrqLine
}

/** `config.hardware.keypad` fits. */
export interface Mpr121KeypadConfig
  extends Pick<KeypadConfig, 'address' | 'electrodes' | 'pollIntervalMs' | 'touchThreshold' | 'releaseThreshold'> {
  /** With `openIrq`: the safety poll for a missed edge or a stuck line; default 1000 ms. */
  irqSafetyPollMs?: number
  /** Failed polls in a row before health turns faulty and onFault fires; default 5. */
  maxConsecutiveFailures?: number
}

/** Data sheet: registers are ready ≥ 1 ms after a soft reset (docs/protocols.md 3.2 step 1). */
const RESET_SETTLE_MS = 1
/**
 * How often ECR is read back. A chip that browned out comes back in stop mode and reports "no touch"
 * forever without any bus error; this is how the driver notices and configures it again.
 */
const ECR_CHECK_INTERVAL_MS = 1000

/**
 * A 12-key capacitive keypad on an MPR121. `start()` resets the chip, checks its identity and
 * configures it; then the status is polled every `pollIntervalMs` on the injected clock (with an IRQ
 * line: read on each falling edge, the chip asserts IRQ on every touch status change and releases it
 * when the status is read, and polled every `irqSafetyPollMs`) and each new
 * touch on a mapped electrode becomes one key event. Transient bus errors are retried on the next
 * poll; after `maxConsecutiveFailures` in a row health is faulty and onFault fires once, and the chip
 * is configured afresh when it answers again (it may have lost power). ECR is read back about once a
 * second, and a chip found in stop mode (a brown-out resets it silently) is configured again. Over-current (OVCF) makes
 * health faulty and fires onFault; the chip stays stopped until the driver is restarted.
 */
export class Mpr121Keypad implements Keypad {
  #bus: I2cBus
  #clock: Clock
  #log: Logger | undefined
  #address: number
  #electrodes: readonly KeyName[]
  #touchThreshold: number
  #releaseThreshold: number
  #health: PollHealth
  #keyListeners = new ListenerSet<KeyName>()
  #faultListeners = new ListenerSet<StationError>()
  #loop: PollLoop
  #held: readonly number[] = []
  #lastEcrCheckMs = 0
  #needsConfigure = false
  #irq: IrqTrigger | null

  constructor(deps: Mpr121KeypadDeps, config: Mpr121KeypadConfig) {
    checkAddress(config.address)
    if (config.electrodes.length < 1 || config.electrodes.length > ELECTRODE_COUNT) {
      throw new TypeError(`electrodes must name 1..12 keys (got ${config.electrodes.length})`)
    }
    checkInterval('pollIntervalMs', config.pollIntervalMs)
    const irqSafetyPollMs = config.irqSafetyPollMs ?? DEFAULT_IRQ_SAFETY_POLL_MS
    checkInterval('irqSafetyPollMs', irqSafetyPollMs)
    this.#health = new PollHealth(config.maxConsecutiveFailures, (error) => this.#log?.error({ err: error }, 'keypad health listener threw'))
    this.#bus = deps.bus
    this.#clock = deps.clock
    this.#log = deps.log
    this.#address = config.address
    this.#electrodes = [...config.electrodes]
    // Falling only: the rising edge is the driver's own read releasing IRQ, nothing new to read.
    this.#irq = deps.openIrq ? new IrqTrigger(deps.openIrq, 'falling') : null
    this.#loop = new PollLoop(deps.clock, this.#irq ? irqSafetyPollMs : config.pollIntervalMs, () => this.#check())
    this.#touchThreshold = config.touchThreshold
    this.#releaseThreshold = config.releaseThreshold
  }

  /**
   * Resets, checks CONFIG2 reads 0x24, configures, opens the IRQ line, starts polling. Rejects with
   * E_DEVICE_ABSENT when nothing answers, E_DEVICE_PROTOCOL when another chip answers, E_I2C_IO on
   * bus errors, E_CODEC_INVALID for bad thresholds, and as the IRQ line's open does (the chip is put
   * back in stop mode). Idempotent while running.
   */
  async start(): Promise<void> {
    if (this.#loop.running) return
    this.#health.starting()
    try {
      await this.#configure()
    } catch (error) {
      const stationError = this.#asStationError(error)
      this.#health.startFailed(stationError)
      throw stationError
    }
    try {
      await this.#irq?.start(() => void this.#loop.checkNow())
    } catch (error) {
      await this.#enterStopMode()
      const stationError = this.#asStationError(error)
      this.#health.startFailed(stationError)
      throw stationError
    }
    this.#health.started()
    this.#needsConfigure = false
    this.#held = []
    this.#lastEcrCheckMs = this.#clock.now()
    this.#loop.start()
    // A touch between the configuration and the watch left IRQ low with no edge to come: read it now.
    if (this.#irq) void this.#loop.checkNow()
  }

  /**
   * Stops polling, releases the IRQ line, waits for a poll in progress, puts the chip in stop mode
   * (ECR = 0). Never rejects.
   */
  async stop(): Promise<void> {
    if (!this.#loop.running) return
    const stopping = this.#loop.stop()
    let stopError: StationError | undefined
    try {
      await this.#irq?.stop()
    } catch (error) {
      stopError = this.#asStationError(error)
    }
    await stopping
    stopError = (await this.#enterStopMode()) ?? stopError
    this.#health.stopped(stopError)
  }

  onKey(listener: (key: KeyName) => void): () => void {
    return this.#keyListeners.add(listener)
  }

  /**
   * Called when the keypad becomes faulty: `maxConsecutiveFailures` failed polls in a row, or
   * over-current. Once per fault; again only after the keypad has recovered in between.
   */
  onFault(listener: (error: StationError) => void): () => void {
    return this.#faultListeners.add(listener)
  }

  /**
   * Reads the touch status now, between polls. This is the seam for the IRQ line: call it on the
   * line's falling edge (the chip asserts IRQ on every status change and releases it on the read).
   * Checks never overlap; never rejects. Does nothing unless started.
   */
  checkNow(): Promise<void> {
    return this.#loop.checkNow()
  }

  /** Called with the new state each time health changes state, so nobody need poll `health()`. */
  onHealthChange(listener: (state: HealthState) => void): () => void {
    return this.#health.onChange(listener)
  }

  health(): Health {
    return this.#health.health()
  }

  async #check(): Promise<void> {
    try {
      if (this.#needsConfigure) {
        // `held` is kept: a finger that stayed on a key through the outage is not a new press.
        await this.#configure()
        this.#needsConfigure = false
        this.#lastEcrCheckMs = this.#clock.now()
      }
      const status = decodeTouchStatus(await this.#bus.readRegister(this.#address, TOUCH_STATUS_0, 2))
      if (status.overCurrent) {
        this.#overCurrent()
        return
      }
      this.#succeeded()
      const { pressed } = diffElectrodes(this.#held, status.electrodes)
      this.#held = status.electrodes
      for (const electrode of pressed) {
        const key = this.#electrodes[electrode]
        if (key !== undefined) this.#emitKey(key)
      }
      await this.#checkStillRunning()
    } catch (error) {
      this.#failed(error)
    }
  }

  /** ECR = 0; the error, if the write failed. */
  async #enterStopMode(): Promise<StationError | undefined> {
    try {
      await this.#bus.writeRegister(this.#address, ECR, Uint8Array.of(0x00))
      return undefined
    } catch (error) {
      return this.#asStationError(error)
    }
  }

  async #checkStillRunning(): Promise<void> {
    const nowMs = this.#clock.now()
    if (nowMs - this.#lastEcrCheckMs < ECR_CHECK_INTERVAL_MS) return
    this.#lastEcrCheckMs = nowMs
    const [ecr = 0] = await this.#bus.readRegister(this.#address, ECR, 1)
    if ((ecr & ECR_RUN_BITS) === 0) {
      this.#log?.warn({ address: this.#address, ecr }, 'keypad found in stop mode (power loss?); configuring again')
      this.#needsConfigure = true
    }
  }

  /** Soft reset, identity check, configuration writes (docs/protocols.md 3.2), in the codec's order. */
  async #configure(): Promise<void> {
    const writes = initWrites({
      touchThreshold: this.#touchThreshold,
      releaseThreshold: this.#releaseThreshold,
      electrodeCount: this.#electrodes.length,
    })
    try {
      for (const { register, value } of writes) {
        await this.#bus.writeRegister(this.#address, register, Uint8Array.of(value))
        if (register === SOFT_RESET) {
          await this.#clock.sleep(RESET_SETTLE_MS)
          const [config2 = -1] = await this.#bus.readRegister(this.#address, CONFIG2, 1)
          if (!isPresent(config2)) {
            throw new StationError(
              'E_DEVICE_PROTOCOL',
              `device at ${formatAddress(this.#address)} is not an MPR121 (CONFIG2 reads 0x${config2.toString(16)} after reset, expected 0x24)`,
              { address: this.#address, register: CONFIG2, value: config2 },
            )
          }
        }
      }
    } catch (error) {
      if (isStationError(error) && error.code === 'E_I2C_NACK') {
        throw new StationError(
          'E_DEVICE_ABSENT',
          `no MPR121 answers at ${formatAddress(this.#address)}`,
          { ...error.context, address: this.#address },
          { cause: error },
        )
      }
      throw error
    }
  }

  #succeeded(): void {
    if (this.#health.succeeded()) this.#log?.info({ address: this.#address }, 'keypad answering again')
  }

  #failed(error: unknown): void {
    const stationError = this.#asStationError(error)
    if (!this.#health.failed(stationError)) return
    // The chip may have lost power meanwhile; configure it again once it answers.
    this.#needsConfigure = true
    this.#reportFault(stationError)
  }

  #overCurrent(): void {
    const error = new StationError(
      'E_DEVICE_PROTOCOL',
      'MPR121 over-current on REXT (OVCF): chip stopped; check the keypad wiring',
      { address: this.#address, register: TOUCH_STATUS_0 },
    )
    this.#health.faulty(error)
    this.#reportFault(error)
  }

  #reportFault(error: StationError): void {
    if (!this.#health.claimFaultReport()) return
    this.#log?.warn({ err: error, failures: this.#health.failures }, 'keypad faulty')
    this.#faultListeners.emit(error, (listenerError) => this.#log?.error({ err: listenerError }, 'keypad fault listener threw'))
  }

  #emitKey(key: KeyName): void {
    // The key itself is not logged: key sequences can be ID or phone numbers.
    this.#keyListeners.emit(key, (error) => this.#log?.error({ err: error }, 'key listener threw'))
  }

  #asStationError(error: unknown): StationError {
    if (isStationError(error)) return error
    return new StationError('E_DEVICE_PROTOCOL', messageOf(error), { address: this.#address }, { cause: error })
  }
}

function checkInterval(name: string, valueMs: number): void {
  if (!Number.isFinite(valueMs) || valueMs <= 0) throw new TypeError(`${name} must be a positive number (got ${valueMs})`)
}
