import { ListenerSet } from './core/listener-set.js'
import { isStationError, messageOf } from './core/errors.js'
import type { Health, Service, ServiceContext } from './supervisor/service.js'

export interface DeviceServiceOptions {
  name: string
  /** Opens and initialises the device; rejects when it is absent or does not answer. */
  open: (context: ServiceContext) => Promise<void>
  close: () => Promise<void>
  /**
   * The driver's own view, when it has one (e.g. a keypad that counts failed polls). The device calls
   * `driverHealthChanged` when it changes.
   */
  driverHealth?: () => Health | undefined
  /** Told about every health change, so faults and recoveries reach the bus and central. */
  onHealth: (health: Health) => void
  /** Does the device answer (one cheap bus read)? Lets the supervisor reopen it as soon as it does (Service.probe). */
  probe?: () => Promise<boolean>
}

/**
 * Adapts a device driver to the supervisor: a failing open becomes a faulty device that the
 * supervisor retries with backoff, and health changes are reported once each. `onHealthChange`
 * listeners hear of every change of its own health and of the driver's.
 */
export class DeviceService implements Service {
  readonly name: string
  #o: DeviceServiceOptions
  #health: Health = { state: 'stopped' }
  #changeListeners = new ListenerSet<void>()

  readonly probe?: () => Promise<boolean>

  constructor(options: DeviceServiceOptions) {
    this.name = options.name
    this.#o = options
    if (options.probe) this.probe = options.probe
  }

  async start(context: ServiceContext): Promise<void> {
    this.#set({ state: 'starting' })
    try {
      await this.#o.open(context)
      this.#set({ state: 'ok' })
    } catch (error) {
      this.#set({
        state: isStationError(error) && error.code === 'E_DEVICE_ABSENT' ? 'absent' : 'faulty',
        lastError: messageOf(error),
        ...(isStationError(error) ? { lastErrorCode: error.code } : {}),
      })
      throw error
    }
  }

  async stop(): Promise<void> {
    await this.#o.close()
    if (this.#health.state === 'ok' || this.#health.state === 'starting') this.#set({ state: 'stopped' })
  }

  health(): Health {
    const own = this.#o.driverHealth?.()
    if (own && this.#health.state === 'ok') return own
    return this.#health
  }

  onHealthChange(listener: () => void): () => void {
    return this.#changeListeners.add(listener)
  }

  /** The driver's own health (`driverHealth`) changed: tells the listeners. */
  driverHealthChanged(): void {
    this.#notify()
  }

  /** Lets the driver's events (paper out, unplug) move the health shown to operators. */
  report(health: Health): void {
    this.#set(health)
  }

  #set(health: Health): void {
    const changed = health.state !== this.#health.state || health.lastError !== this.#health.lastError
    this.#health = health
    if (!changed) return
    this.#o.onHealth(health)
    this.#notify()
  }

  #notify(): void {
    // A listener's failure is its own; the device keeps running.
    this.#changeListeners.emit(undefined, () => undefined)
  }
}
