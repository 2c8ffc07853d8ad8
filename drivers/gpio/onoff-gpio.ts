/**
 * GPIO lines through legacy sysfs (/sys/class/gpio) with the optional native `onoff` package: the default
 * GPIO transport, fine for LEDs, buzzers and switches. The only file that imports onoff, lazily.
 *
 * Limits (docs/protocols.md 5.3): sysfs signals only "an interrupt happened"; onoff then reads the current
 * level from the event loop, often hundreds of µs to ms later. So a watcher's level may not be the level
 * the edge produced, two quick edges may arrive as one, and `tickUs` is the time the callback ran
 * (`performance.now()`), not the time of the edge. Do not use it for pulse trains such as Wiegand.
 */
import { constants as fsConstants } from 'node:fs'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { Gpio } from 'onoff'
import { StationError } from '../../runtime/core/errors.js'
import { errnoOf, mapGpioError } from './gpio-error.js'
import type { GpioEdge, GpioEdgeListener, GpioLevel, GpioLine, Unwatch } from './gpio-line.js'
import { readGpioChips, sysfsNumber } from './gpio-numbering.js'
import { performanceTickUs, toTickUs } from './gpio-tick.js'

/** The part of the onoff module this adapter uses. */
export type OnoffModule = { readonly Gpio: typeof Gpio }

/** Options for `openOnoffLine`. */
export interface OnoffLineOptions {
  /** BCM GPIO number (header line offset), e.g. 17 for physical pin 11. */
  bcm: number
  direction: 'in' | 'out'
  /** Edges the kernel should report (inputs only); default 'both'. `watch` may ask only for these. */
  edge?: GpioEdge | 'none'
  /** sysfs GPIO folder; default '/sys/class/gpio'. */
  sysfsRoot?: string
  /** Loads onoff; default a lazy `import('onoff')`. */
  loadModule?: () => Promise<OnoffModule>
  /** Tick source for watcher callbacks, reduced modulo 2^32 like every tick; default `performanceTickUs`. */
  tickUs?: () => number
}

/**
 * Exports and opens header line `bcm` through sysfs, numbered by the header chip's base (gpio-numbering.ts).
 * Rejects with a TypeError for a bad `bcm`, and with E_DEVICE_ABSENT, naming the node and group `gpio`,
 * when sysfs GPIO is missing or not writable, when onoff is not installed or not built, when onoff finds
 * sysfs inaccessible, or when the kernel refuses the export (errno in context).
 */
export async function openOnoffLine(options: OnoffLineOptions): Promise<GpioLine> {
  const { bcm, direction } = options
  if (!Number.isInteger(bcm) || bcm < 0) throw new TypeError(`bcm must be a non-negative integer (got ${String(bcm)})`)
  const root = options.sysfsRoot ?? '/sys/class/gpio'
  const sysfs = sysfsNumber(await readGpioChips(root), bcm)
  const exportNode = join(root, 'export')
  try {
    await access(exportNode, fsConstants.W_OK)
  } catch (error) {
    throw new StationError(
      'E_DEVICE_ABSENT',
      `${exportNode} is missing or not writable: add the service user to group gpio`,
      { node: exportNode, bcm, errno: errnoOf(error) },
      { cause: error },
    )
  }
  let onoff: OnoffModule
  try {
    onoff = await (options.loadModule ?? (() => import('onoff')))()
  } catch (error) {
    throw new StationError('E_DEVICE_ABSENT', 'onoff native module not installed', { node: root, bcm }, { cause: error })
  }
  if (!onoff.Gpio.accessible) {
    throw new StationError('E_DEVICE_ABSENT', `onoff cannot access ${root}: add the service user to group gpio`, {
      node: root,
      bcm,
    })
  }
  const edge = direction === 'in' ? (options.edge ?? 'both') : 'none'
  let gpio: Gpio
  try {
    gpio = direction === 'in' ? new onoff.Gpio(sysfs, 'in', edge) : new onoff.Gpio(sysfs, 'out')
  } catch (error) {
    throw mapGpioError(error, `export GPIO${bcm} (sysfs ${sysfs}) under ${root}`, { node: root, bcm, sysfs })
  }
  return new OnoffLine(gpio, { bcm, sysfs, edge, tickUs: options.tickUs ?? performanceTickUs })
}

/** GpioLine over an exported onoff Gpio. */
export class OnoffLine implements GpioLine {
  #gpio: Gpio
  #bcm: number
  #sysfs: number
  #edge: GpioEdge | 'none'
  #tickUs: () => number
  #closed = false

  constructor(gpio: Gpio, options: { bcm: number; sysfs: number; edge: GpioEdge | 'none'; tickUs: () => number }) {
    this.#gpio = gpio
    this.#bcm = options.bcm
    this.#sysfs = options.sysfs
    this.#edge = options.edge
    this.#tickUs = options.tickUs
  }

  async read(): Promise<GpioLevel> {
    this.#checkOpen()
    try {
      return await this.#gpio.read()
    } catch (error) {
      throw this.#wrap(error, 'read')
    }
  }

  async write(level: GpioLevel): Promise<void> {
    if (level !== 0 && level !== 1) throw new TypeError(`level must be 0 or 1 (got ${String(level)})`)
    this.#checkOpen()
    try {
      await this.#gpio.write(level)
    } catch (error) {
      throw this.#wrap(error, 'write')
    }
  }

  /** Throws a TypeError when the line was opened without the edges `edge` needs. */
  watch(edge: GpioEdge, listener: GpioEdgeListener): Unwatch {
    this.#checkOpen()
    if (this.#edge === 'none' || (this.#edge !== 'both' && this.#edge !== edge)) {
      throw new TypeError(`GPIO${this.#bcm} was opened with edge '${this.#edge}'; cannot watch '${edge}'`)
    }
    const callback = (error: Error | null | undefined, value: GpioLevel): void => {
      // A failed read after an interrupt loses that edge, as a late read does; the next read or write
      // reports the failure.
      if (error) return
      if (edge === 'both' || (edge === 'rising') === (value === 1)) listener(value, toTickUs(this.#tickUs()))
    }
    this.#gpio.watch(callback)
    return () => this.#gpio.unwatch(callback)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    try {
      this.#gpio.unwatchAll()
      this.#gpio.unexport()
    } catch (error) {
      throw this.#wrap(error, 'unexport')
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new StationError('E_CANCELED', `GPIO${this.#bcm} is closed`, { bcm: this.#bcm })
  }

  #wrap(error: unknown, what: string): StationError {
    return mapGpioError(error, `${what} GPIO${this.#bcm} (sysfs ${this.#sysfs})`, { bcm: this.#bcm, sysfs: this.#sysfs })
  }
}
