import type { Clock, TimerHandle } from '../core/clock.js'
import { StationError, isStationError, messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { ListenerSet } from '../core/listener-set.js'
import { backoffDelayMs } from '../core/backoff.js'
import type { Health, Service } from './service.js'

export interface SupervisorOptions {
  clock: Clock
  log: Logger
  /** First restart delay; doubles per failure up to maxRestartMs, with full jitter. */
  minRestartMs?: number
  maxRestartMs?: number
  /** How often a service waiting for its restart is probed (Service.probe); default 250. */
  probeIntervalMs?: number
  random?: () => number
  /** Told each time a failed service's restart is scheduled (the technician's retry counts). */
  onRetry?: (service: string) => void
}

interface Slot {
  service: Service
  controller: AbortController
  state: 'stopped' | 'starting' | 'running' | 'restarting'
  failures: number
  lastError?: string
  lastErrorCode?: string
  restartTimer?: TimerHandle
  probeTimer?: TimerHandle
}

/**
 * Starts services in order, stops them in reverse, and restarts a service that fails (at start or
 * while running) after a jittered exponential delay. One service failing never stops the others.
 */
export class Supervisor {
  #slots: Slot[]
  #clock: Clock
  #log: Logger
  #minMs: number
  #maxMs: number
  #probeMs: number
  #random: () => number
  #onRetry: ((service: string) => void) | undefined
  #stopping = false
  #changeListeners = new ListenerSet<string>()

  constructor(services: Service[], options: SupervisorOptions) {
    this.#slots = services.map((service) => ({
      service,
      controller: new AbortController(),
      state: 'stopped',
      failures: 0,
    }))
    this.#clock = options.clock
    this.#log = options.log
    this.#minMs = options.minRestartMs ?? 500
    this.#maxMs = options.maxRestartMs ?? 30_000
    this.#probeMs = options.probeIntervalMs ?? 250
    this.#random = options.random ?? Math.random
    this.#onRetry = options.onRetry
    for (const slot of this.#slots) slot.service.onHealthChange?.(() => this.#changed(slot))
  }

  /**
   * Calls `listener` with a service's name whenever its entry in `health()` may have changed: the
   * service said so, or the supervisor started, failed or restarted it. Returns the unsubscribe.
   */
  onHealthChange(listener: (name: string) => void): () => void {
    return this.#changeListeners.add(listener)
  }

  #changed(slot: Slot): void {
    this.#changeListeners.emit(slot.service.name, (err) => this.#log.error({ err, service: slot.service.name }, 'health listener threw'))
  }

  #enter(slot: Slot, state: Slot['state']): void {
    if (slot.state === state) return
    slot.state = state
    this.#changed(slot)
  }

  /** Starts every service in order. A service whose start fails is retried later; start continues. */
  async start(): Promise<void> {
    this.#stopping = false
    for (const slot of this.#slots) await this.#startSlot(slot)
  }

  /** Stops every service in reverse order; each stop is isolated from the others' failures. */
  async stop(): Promise<void> {
    this.#stopping = true
    for (const slot of [...this.#slots].reverse()) {
      this.#clearTimers(slot)
      slot.controller.abort()
      try {
        await slot.service.stop()
      } catch (err) {
        this.#log.warn({ err, service: slot.service.name }, 'service stop failed')
      }
      this.#enter(slot, 'stopped')
    }
  }

  /**
   * Stops and starts one service now (operations' `device.restart`), forgetting its failures and
   * any pending retry. A start that fails is retried with backoff as usual. Throws
   * E_CONTROL_REQUEST for a name it does not supervise.
   */
  async restart(name: string): Promise<void> {
    const slot = this.#slots.find((candidate) => candidate.service.name === name)
    if (!slot) throw new StationError('E_CONTROL_REQUEST', `no service named '${name}'`, { name })
    if (this.#stopping) return
    this.#clearTimers(slot)
    slot.controller.abort()
    this.#enter(slot, 'stopped')
    try {
      await slot.service.stop()
    } catch (err) {
      this.#log.warn({ err, service: name }, 'service stop before restart failed')
    }
    slot.failures = 0
    this.#log.info({ service: name }, 'service restarted on request')
    await this.#startSlot(slot)
  }

  /** Health of each service by name, merged with the supervisor's own view of restarts. */
  health(): Record<string, Health> {
    const result: Record<string, Health> = {}
    for (const slot of this.#slots) {
      const own = slot.service.health()
      if (slot.state === 'restarting') {
        const health: Health = {
          ...own,
          // An absent device stays 'absent' (nothing plugged in), anything else is a fault being retried.
          state: own.state === 'absent' ? 'absent' : 'faulty',
          detail: { ...own.detail, restarts: slot.failures },
        }
        if (slot.lastError) {
          // The code goes with the message it belongs to, not with an older one from the service.
          health.lastError = slot.lastError
          if (slot.lastErrorCode) health.lastErrorCode = slot.lastErrorCode
          else delete health.lastErrorCode
        }
        result[slot.service.name] = health
      } else {
        result[slot.service.name] = own
      }
    }
    return result
  }

  async #startSlot(slot: Slot): Promise<void> {
    if (this.#stopping) return
    this.#clearTimers(slot)
    slot.controller = new AbortController()
    this.#enter(slot, 'starting')
    const controller = slot.controller
    try {
      await slot.service.start({
        signal: controller.signal,
        fail: (error) => {
          if (controller.signal.aborted) return
          void this.#onFailure(slot, error)
        },
      })
      if (controller.signal.aborted) return
      this.#enter(slot, 'running')
      if (slot.failures > 0) this.#log.info({ service: slot.service.name }, 'service recovered')
      slot.failures = 0
    } catch (error) {
      await this.#onFailure(slot, error)
    }
  }

  async #onFailure(slot: Slot, error: unknown): Promise<void> {
    if (this.#stopping || slot.state === 'restarting') return
    slot.state = 'restarting'
    slot.controller.abort()
    slot.lastError = messageOf(error)
    if (isStationError(error)) slot.lastErrorCode = error.code
    else delete slot.lastErrorCode
    this.#changed(slot)
    const delayMs = backoffDelayMs(slot.failures, { minMs: this.#minMs, maxMs: this.#maxMs, random: this.#random })
    slot.failures += 1
    this.#log.warn({ err: error, service: slot.service.name, delayMs, attempt: slot.failures }, 'service failed; restarting')
    try {
      await slot.service.stop()
    } catch (err) {
      this.#log.warn({ err, service: slot.service.name }, 'stop after failure failed')
    }
    // stop() may have run while this service was closing; a retry scheduled now would outlive it.
    if (this.#stopping) return
    this.#onRetry?.(slot.service.name)
    slot.restartTimer = this.#clock.setTimeout(() => {
      delete slot.restartTimer
      void this.#startSlot(slot)
    }, delayMs)
    if (slot.service.probe && delayMs > this.#probeMs) this.#probeLater(slot)
  }

  /** Probes a service waiting for its restart every probeIntervalMs; an answer restarts it at once. */
  #probeLater(slot: Slot): void {
    slot.probeTimer = this.#clock.setTimeout(() => {
      delete slot.probeTimer
      void this.#probe(slot)
    }, this.#probeMs)
  }

  async #probe(slot: Slot): Promise<void> {
    let answered = false
    try {
      answered = (await slot.service.probe?.()) === true
    } catch {
      answered = false
    }
    // The restart timer fired, stop() or restart() came while the probe ran: theirs to go on.
    if (this.#stopping || slot.state !== 'restarting' || slot.restartTimer === undefined) return
    if (!answered) {
      this.#probeLater(slot)
      return
    }
    this.#log.info({ service: slot.service.name, attempt: slot.failures }, 'device answers again; restarting it now')
    void this.#startSlot(slot)
  }

  #clearTimers(slot: Slot): void {
    if (slot.restartTimer) this.#clock.clearTimeout(slot.restartTimer)
    if (slot.probeTimer) this.#clock.clearTimeout(slot.probeTimer)
    delete slot.restartTimer
    delete slot.probeTimer
  }
}
