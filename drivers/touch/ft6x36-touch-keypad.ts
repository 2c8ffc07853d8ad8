import type { KeyName } from '../keypad/key-names.js'
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
import type { Keypad } from '../keypad/keypad.js'
import { decodeTouchReport, diffTouches, type TouchPoint } from './ft6x36-codec.js'
import { DEV_MODE, FT6X36_MAX_POINTS, FT6X36_REPORT_LENGTH, ID_G_CIPHER, KNOWN_CHIP_IDS } from './ft6x36-registers.js'
import { keyAt, keyZoneProblems, MAX_PANEL, type KeyZone, type PanelSize } from './key-zones.js'

/** What the driver needs to run. */
export interface Ft6x36TouchKeypadDeps {
  bus: I2cBus
  clock: Clock
  /** Where listener failures and health changes go; never key names or touch coordinates. */
  log?: Logger
  /**
   * Opens the panel's INT line (an input) when one is wired: the report is then read on each of its
   * edges, polled every `pollIntervalMs` while a finger is down and every `irqSafetyPollMs` otherwise.
   */
  openIrq?: OpenIrqLine
}

/** How the panel is wired and laid out. */
export interface Ft6x36TouchKeypadConfig {
  /** 7-bit I2C address; every FT5x06/FT6x36 answers at 0x38 (FT6X36_ADDRESS). */
  address: number
  /** On-screen keys in panel coordinates; checked with `keyZoneProblems` against `panel`. */
  zones: readonly KeyZone[]
  /** Touch area the zones must fit in; default the whole 12-bit range (4096 × 4096). */
  panel?: PanelSize
  /** Time between reads of the touch report, ms (with an INT line: while a finger is down). */
  pollIntervalMs: number
  /** With `openIrq` and no finger down: the safety poll for a missed edge or a stuck line; default 1000 ms. */
  irqSafetyPollMs?: number
  /** Failed polls in a row before health turns faulty and onFault fires; default 5. */
  maxConsecutiveFailures?: number
  /** ID_G_CIPHER values accepted at start; default FT6206, FT6236, FT6236U/FT6336U, FT3267. */
  chipIds?: readonly number[]
}

/**
 * A touch panel on an FT6x36 controller used as the station's keypad: on-screen key zones stand in for
 * the MPR121's electrodes. `start()` checks the chip ID; then the touch report is polled every
 * `pollIntervalMs` on the injected clock (or read at once through `checkNow`, the INT seam). With an
 * INT line the report is read on both its edges: in trigger mode INT pulses once per report, in
 * polling mode it is held low while a finger is down and released on the lift, which must be read too
 * or the next tap (same touch ID) looks like the same finger still held. While a finger is down the
 * timer keeps polling at `pollIntervalMs` (a second finger gives no edge while INT is held low); with
 * no finger it drops to `irqSafetyPollMs`, so an idle panel costs about one read a second. Each finger
 * that goes down inside a zone gives one key event: none while it is held, none when it goes down
 * outside every zone, none when it slides into another zone. A finger already on the glass at start
 * is not a press. Reports the codec rejects (noise, a read in the middle of an update) and bus errors
 * count as failed polls; after `maxConsecutiveFailures` in a row health is faulty and onFault fires
 * once, and the next good read makes it ok again (nothing needs configuring: the driver writes no
 * registers).
 */
export class Ft6x36TouchKeypad implements Keypad {
  #bus: I2cBus
  #log: Logger | undefined
  #address: number
  #zones: readonly KeyZone[]
  #health: PollHealth
  #chipIds: readonly number[]
  #keyListeners = new ListenerSet<KeyName>()
  #faultListeners = new ListenerSet<StationError>()
  #loop: PollLoop
  #held: readonly TouchPoint[] = []
  #irq: IrqTrigger | null

  /** Checks the configuration (TypeError naming the problems); does no I/O. */
  constructor(deps: Ft6x36TouchKeypadDeps, config: Ft6x36TouchKeypadConfig) {
    checkAddress(config.address)
    const problems = keyZoneProblems(config.zones, config.panel ?? MAX_PANEL)
    if (problems.length > 0) throw new TypeError(`key zones are not usable: ${problems.join('; ')}`)
    const irqSafetyPollMs = config.irqSafetyPollMs ?? DEFAULT_IRQ_SAFETY_POLL_MS
    for (const [name, valueMs] of [['pollIntervalMs', config.pollIntervalMs], ['irqSafetyPollMs', irqSafetyPollMs]] as const) {
      if (!Number.isFinite(valueMs) || valueMs <= 0) throw new TypeError(`${name} must be a positive number (got ${valueMs})`)
    }
    this.#health = new PollHealth(config.maxConsecutiveFailures, (error) => this.#log?.error({ err: error }, 'touch panel health listener threw'))
    const chipIds = config.chipIds ?? KNOWN_CHIP_IDS
    if (chipIds.length === 0) throw new TypeError('chipIds must name at least one chip ID')
    this.#bus = deps.bus
    this.#log = deps.log
    this.#address = config.address
    this.#zones = config.zones.map((zone) => ({ ...zone }))
    const irq = deps.openIrq ? new IrqTrigger(deps.openIrq, 'both') : null
    this.#irq = irq
    const intervalMs = () => (irq === null || this.#held.length > 0 ? config.pollIntervalMs : irqSafetyPollMs)
    this.#loop = new PollLoop(deps.clock, intervalMs, () => this.#check())
    this.#chipIds = [...chipIds]
  }

  /**
   * Reads ID_G_CIPHER and the current touches, opens the INT line, then starts polling. Rejects with
   * E_DEVICE_ABSENT when nothing answers, E_DEVICE_PROTOCOL when the chip ID is not one of `chipIds`,
   * E_I2C_IO on bus errors, and as the INT line's open does. Idempotent while running.
   */
  async start(): Promise<void> {
    if (this.#loop.running) return
    this.#health.starting()
    let held: TouchPoint[]
    try {
      await this.#checkChipId()
      held = await this.#readTouchesAtStart()
      await this.#irq?.start(() => void this.#loop.checkNow())
    } catch (error) {
      const stationError = this.#asStationError(this.#absentIfNack(error))
      this.#health.startFailed(stationError)
      throw stationError
    }
    this.#health.started()
    this.#held = held
    this.#loop.start()
    // A finger that went down after the first read left INT low with no edge to come: read it now.
    if (this.#irq) void this.#loop.checkNow()
  }

  /**
   * Stops polling, releases the INT line and waits for a read in progress. Writes nothing to the chip.
   * Never rejects.
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
    this.#held = []
    this.#health.stopped(stopError)
  }

  onKey(listener: (key: KeyName) => void): () => void {
    return this.#keyListeners.add(listener)
  }

  /**
   * Called when the panel becomes faulty (`maxConsecutiveFailures` failed polls in a row). Once per
   * fault; again only after the panel has recovered in between.
   */
  onFault(listener: (error: StationError) => void): () => void {
    return this.#faultListeners.add(listener)
  }

  /**
   * Reads the touch report now, between polls. This is the seam for the INT line: call it on the
   * falling edge (in trigger mode INT pulses once per report; in polling mode it falls when a finger
   * goes down, and the timer keeps reading while it is held). Reads never overlap; never rejects.
   * Does nothing unless started.
   */
  checkNow(): Promise<void> {
    return this.#loop.checkNow()
  }

  /** Called with the new state each time health changes state, so nobody need poll `health()`. */
  onHealthChange(listener: (state: HealthState) => void): () => void {
    return this.#health.onChange(listener)
  }

  health(): Health {
    return this.#health.health({ touches: this.#held.length })
  }

  async #check(): Promise<void> {
    try {
      const points = await this.#readTouches()
      this.#succeeded()
      // A finger held through an outage keeps its touch ID, so it is not pressed again on recovery.
      const { pressed } = diffTouches(this.#held, points)
      this.#held = points
      for (const point of pressed) {
        const key = keyAt(this.#zones, point.x, point.y)
        if (key !== undefined) this.#emitKey(key)
      }
    } catch (error) {
      this.#failed(error)
    }
  }

  /** One read of 0x00..0x0F, so both points come from the same report (docs/protocols.md 3.1). */
  async #readTouches(): Promise<TouchPoint[]> {
    const bytes = await this.#bus.readRegister(this.#address, DEV_MODE, FT6X36_REPORT_LENGTH)
    return decodeTouchReport(bytes, { maxPoints: FT6X36_MAX_POINTS }).points
  }

  /** Fingers on the glass at start are not presses; a report the codec rejects counts as none. */
  async #readTouchesAtStart(): Promise<TouchPoint[]> {
    try {
      return await this.#readTouches()
    } catch (error) {
      if (isStationError(error) && error.code === 'E_CODEC_INVALID') return []
      throw error
    }
  }

  async #checkChipId(): Promise<void> {
    const [chipId = -1] = await this.#bus.readRegister(this.#address, ID_G_CIPHER, 1)
    if (!this.#chipIds.includes(chipId)) {
      throw new StationError(
        'E_DEVICE_PROTOCOL',
        `device at ${formatAddress(this.#address)} is not a known FT6x36 (ID_G_CIPHER reads 0x${chipId.toString(16)})`,
        { address: this.#address, register: ID_G_CIPHER, value: chipId },
      )
    }
  }

  #absentIfNack(error: unknown): unknown {
    if (!isStationError(error) || error.code !== 'E_I2C_NACK') return error
    return new StationError(
      'E_DEVICE_ABSENT',
      `no FT6x36 answers at ${formatAddress(this.#address)}`,
      { ...error.context, address: this.#address },
      { cause: error },
    )
  }

  #succeeded(): void {
    if (this.#health.succeeded()) this.#log?.info({ address: this.#address }, 'touch panel answering again')
  }

  #failed(error: unknown): void {
    const stationError = this.#asStationError(error)
    if (this.#health.failed(stationError)) this.#reportFault(stationError)
  }

  #reportFault(error: StationError): void {
    if (!this.#health.claimFaultReport()) return
    this.#log?.warn({ err: error, failures: this.#health.failures }, 'touch panel faulty')
    this.#faultListeners.emit(error, (listenerError) => this.#log?.error({ err: listenerError }, 'touch panel fault listener threw'))
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
