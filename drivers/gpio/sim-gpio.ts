/**
 * A GPIO chip in memory, for sim mode and tests. Lines keep their level, record every change with its
 * tick, and deliver edges to watchers strictly in the order they happened, each with its own tick (as
 * pigpio's alert queue does), also when a watcher drives another line from inside its callback.
 */
import { StationError } from '../../runtime/core/errors.js'
import { BoundedLog } from '../bounded-log.js'
import type { GpioEdge, GpioEdgeListener, GpioLevel, Unwatch } from './gpio-line.js'
import { toTickUs } from './gpio-tick.js'
import { checkPwm, type PwmLine } from './pwm-line.js'

/** One level change in `SimGpioChip.history`. */
export interface SimGpioChange {
  readonly level: GpioLevel
  readonly tickUs: number
  /** `drive`: the outside world (a reader, a switch); `write`: the code under test through a line. */
  readonly by: 'drive' | 'write'
}

/** One `pwm` call in `SimGpioChip.pwmHistory`. */
export interface SimPwmChange {
  readonly dutyCycle: number
  readonly frequencyHz: number
  readonly tickUs: number
}

/** Options for `SimGpioChip`. */
export interface SimGpioChipOptions {
  /**
   * The microsecond tick (0..2^32-1) stamped on changes that `drive` gets without `atTickUs`, and on
   * writes. Default: the tick of the latest `drive(…, atTickUs)`, starting at 0.
   */
  tickUs?: () => number
  /** Level of lines never driven or written; default 0. Pulled-up inputs (Wiegand, tamper) want 1. */
  idleLevel?: GpioLevel
}

interface Watcher {
  readonly edge: GpioEdge
  readonly listener: GpioEdgeListener
}

interface LineState {
  level: GpioLevel
  failing: boolean
  // Bounded (bounded-log.ts): a blinking LED changes its line every half second, for days.
  readonly history: BoundedLog<SimGpioChange>
  readonly pwmHistory: BoundedLog<SimPwmChange>
  readonly watchers: Set<Watcher>
}

/**
 * The simulated chip. `line(n)` hands out lines (any number of handles per line, as the real adapters
 * allow one per open); `drive`, `fail` and the recorded history are the test controls.
 */
export class SimGpioChip {
  #lines = new Map<number, LineState>()
  #tickSource: (() => number) | undefined
  #lastTickUs = 0
  #idleLevel: GpioLevel
  #queue: { state: LineState; level: GpioLevel; tickUs: number }[] = []
  #delivering = false

  constructor(options: SimGpioChipOptions = {}) {
    this.#tickSource = options.tickUs
    this.#idleLevel = options.idleLevel ?? 0
  }

  /** Opens line `n` (a non-negative integer). The line supports PWM, recorded in `pwmHistory`. */
  line(n: number): PwmLine {
    const state = this.#state(n)
    let closed = false
    const own = new Set<Watcher>()
    const check = (): void => {
      if (closed) throw new StationError('E_CANCELED', `GPIO${n} is closed`, { bcm: n })
      if (state.failing) throw new StationError('E_DEVICE_ABSENT', `GPIO${n} is not accessible`, { bcm: n })
    }
    return {
      read: async () => {
        check()
        return state.level
      },
      write: async (level) => {
        check()
        this.#change(state, level, this.#nowTickUs(), 'write')
      },
      pwm: async (dutyCycle, frequencyHz) => {
        checkPwm(dutyCycle, frequencyHz)
        check()
        state.pwmHistory.push({ dutyCycle, frequencyHz, tickUs: this.#nowTickUs() })
      },
      watch: (edge, listener) => {
        if (closed) throw new StationError('E_CANCELED', `GPIO${n} is closed`, { bcm: n })
        const watcher: Watcher = { edge, listener }
        state.watchers.add(watcher)
        own.add(watcher)
        return () => {
          state.watchers.delete(watcher)
          own.delete(watcher)
        }
      },
      close: async () => {
        closed = true
        for (const watcher of own) state.watchers.delete(watcher)
        own.clear()
      },
    }
  }

  /**
   * Sets line `n` from outside, as a reader or a switch would, and delivers the edge to watchers.
   * `atTickUs` (reduced modulo 2^32) stamps the change; without it the chip's tick source does.
   * Driving a line to the level it already has changes nothing and records nothing.
   */
  drive(n: number, level: GpioLevel, atTickUs?: number): void {
    let tickUs: number
    if (atTickUs === undefined) {
      tickUs = this.#nowTickUs()
    } else {
      tickUs = toTickUs(atTickUs)
      this.#lastTickUs = tickUs
    }
    this.#change(this.#state(n), level, tickUs, 'drive')
  }

  /** The current level of line `n`. */
  level(n: number): GpioLevel {
    return this.#state(n).level
  }

  /** The newest level changes of line `n` (up to 4096), oldest first. */
  history(n: number): readonly SimGpioChange[] {
    return this.#state(n).history.entries
  }

  /** How many level changes line `n` had, also those no longer in `history`. */
  changeCount(n: number): number {
    return this.#state(n).history.total
  }

  /** The newest `pwm` calls on line `n` (up to 4096), oldest first. */
  pwmHistory(n: number): readonly SimPwmChange[] {
    return this.#state(n).pwmHistory.entries
  }

  /** While `failing`, every read, write and pwm on line `n` rejects with E_DEVICE_ABSENT (a lost line). */
  fail(n: number, failing = true): void {
    this.#state(n).failing = failing
  }

  /** How many watchers line `n` has, over all its handles. */
  watcherCount(n: number): number {
    return this.#state(n).watchers.size
  }

  #nowTickUs(): number {
    return this.#tickSource ? toTickUs(this.#tickSource()) : this.#lastTickUs
  }

  #state(n: number): LineState {
    if (!Number.isInteger(n) || n < 0) throw new TypeError(`line must be a non-negative integer (got ${String(n)})`)
    let state = this.#lines.get(n)
    if (state === undefined) {
      state = { level: this.#idleLevel, failing: false, history: new BoundedLog(), pwmHistory: new BoundedLog(), watchers: new Set() }
      this.#lines.set(n, state)
    }
    return state
  }

  #change(state: LineState, level: GpioLevel, tickUs: number, by: SimGpioChange['by']): void {
    if (level !== 0 && level !== 1) throw new TypeError(`level must be 0 or 1 (got ${String(level)})`)
    if (state.level === level) return
    state.level = level
    state.history.push({ level, tickUs, by })
    this.#queue.push({ state, level, tickUs })
    if (this.#delivering) return
    // A watcher that drives a line from its callback queues that edge behind the one being delivered.
    this.#delivering = true
    try {
      for (let event = this.#queue.shift(); event !== undefined; event = this.#queue.shift()) {
        for (const watcher of [...event.state.watchers]) {
          if (event.state.watchers.has(watcher) && matches(watcher.edge, event.level)) watcher.listener(event.level, event.tickUs)
        }
      }
    } finally {
      this.#queue.length = 0
      this.#delivering = false
    }
  }
}

function matches(edge: GpioEdge, level: GpioLevel): boolean {
  return edge === 'both' || (edge === 'rising') === (level === 1)
}
