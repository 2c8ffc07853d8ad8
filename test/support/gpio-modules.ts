import { EventEmitter } from 'node:events'
import type { GpioEdge, GpioLevel } from '../../drivers/gpio/gpio-line.js'
import type { OnoffModule } from '../../drivers/gpio/onoff-gpio.js'
import type { PigpioModule } from '../../drivers/gpio/pigpio-gpio.js'

/**
 * Stand-ins for the onoff and pigpio packages on a board we do not have, modelled on what the packages
 * do over the kernel and the C library, with the pins themselves as shared state the outside world can
 * drive (a switch, a reader). Both deliver edges later than the change, as the real ones do: onoff
 * after an epoll wake-up, reading the level only then; pigpio from its alert queue with the 32-bit tick
 * of the change.
 */

/** A recorded Pi 4 (kernel 6.6) /sys/class/gpio: header chip at base 512. */
export const PI4_SYSFS_GPIO = {
  export: '',
  unexport: '',
  gpiochip512: { base: '512\n', label: 'pinctrl-bcm2711\n', ngpio: '58\n' },
}

/** The header's pins: `drive` is the outside world, `level` what a meter on the pin shows. */
export interface GpioPins {
  drive(pin: number, level: GpioLevel): void
  level(pin: number): GpioLevel
}

type PinListener = (level: GpioLevel, tickUs: number) => void

const CHANGE_INTERVAL_US = 1000

/** Pin levels plus change listeners, keyed by the number the package uses (sysfs or BCM). */
function pinBoard(startTickUs: number) {
  const levels = new Map<number, GpioLevel>()
  const listeners = new Map<number, Set<PinListener>>()
  let changes = 0
  const set = (pin: number, level: GpioLevel): void => {
    if ((levels.get(pin) ?? 0) === level) return
    levels.set(pin, level)
    // Changes 1 ms apart on the chip's clock, whatever the test's pace, so a start near the wrap crosses it.
    const at = (startTickUs + CHANGE_INTERVAL_US * ++changes) >>> 0
    for (const listener of [...(listeners.get(pin) ?? [])]) listener(level, at)
  }
  return {
    level: (pin: number): GpioLevel => levels.get(pin) ?? 0,
    set,
    listen(pin: number, listener: PinListener): () => void {
      const set = listeners.get(pin) ?? new Set()
      listeners.set(pin, set)
      set.add(listener)
      return () => set.delete(listener)
    },
  }
}

const errnoError = (code: string, syscall: string): Error => Object.assign(new Error(`${code}, ${syscall}`), { code, syscall })

/**
 * onoff over sysfs: pins by sysfs number (BCM + 512 on PI4_SYSFS_GPIO). The kernel's `edge` setting
 * decides which changes wake epoll; onoff then reads the value file and calls every watcher with it.
 * Writing an input's value fails with EPERM, as the kernel refuses it; after unexport the value file is
 * closed (EBADF).
 */
export function createOnoffModel(): { module: OnoffModule; pins: GpioPins } {
  const board = pinBoard(0)
  class Gpio {
    static accessible = true
    #pin: number
    #direction: 'in' | 'out'
    #watchers = new Set<(error: Error | null | undefined, value: GpioLevel) => void>()
    #unlisten: () => void
    #exported = true

    constructor(pin: number, direction: 'in' | 'out', edge: GpioEdge | 'none' = 'none') {
      this.#pin = pin
      this.#direction = direction
      this.#unlisten = board.listen(pin, (level) => {
        if (edge === 'none' || (edge !== 'both' && (edge === 'rising') !== (level === 1))) return
        setImmediate(() => {
          if (!this.#exported) return
          const value = board.level(pin)
          for (const watcher of [...this.#watchers]) watcher(null, value)
        })
      })
    }

    async read(): Promise<GpioLevel> {
      if (!this.#exported) throw errnoError('EBADF', 'read')
      return board.level(this.#pin)
    }

    async write(value: GpioLevel): Promise<void> {
      if (!this.#exported) throw errnoError('EBADF', 'write')
      if (this.#direction === 'in') throw errnoError('EPERM', 'write')
      board.set(this.#pin, value)
    }

    watch(callback: (error: Error | null | undefined, value: GpioLevel) => void): void {
      this.#watchers.add(callback)
    }

    unwatch(callback: (error: Error | null | undefined, value: GpioLevel) => void): void {
      this.#watchers.delete(callback)
    }

    unwatchAll(): void {
      this.#watchers.clear()
    }

    unexport(): void {
      this.#exported = false
      this.#unlisten()
    }
  }
  return {
    module: { Gpio } as unknown as OnoffModule,
    pins: { drive: (pin, level) => board.set(pin + 512, level), level: (pin) => board.level(pin + 512) },
  }
}

/**
 * pigpio: pins by BCM number, a tick counter that starts at `startTickUs` (default two changes before
 * its 32-bit wrap). A Gpio opened with `alert: true` emits 'alert' (level, tick) for every
 * change of its pin, its own writes included, from the alert queue (a later tick of the event loop).
 * digitalWrite drives the pin whatever its mode, as gpioWrite does.
 */
export function createPigpioModel(startTickUs = 2 ** 32 - 2500): { module: PigpioModule; pins: GpioPins } {
  const board = pinBoard(startTickUs)
  class Gpio extends EventEmitter {
    static INPUT = 0
    static OUTPUT = 1
    static PUD_OFF = 0
    static PUD_DOWN = 1
    static PUD_UP = 2
    #pin: number
    #unlisten: (() => void) | undefined

    constructor(pin: number, options: { mode?: number; pullUpDown?: number; alert?: boolean } = {}) {
      super()
      this.#pin = pin
      if (options.pullUpDown === Gpio.PUD_UP) board.set(pin, 1)
      if (options.alert) {
        this.#unlisten = board.listen(pin, (level, tickUs) => setImmediate(() => this.emit('alert', level, tickUs)))
      }
    }

    digitalRead(): number {
      return board.level(this.#pin)
    }

    digitalWrite(level: number): this {
      board.set(this.#pin, level === 0 ? 0 : 1)
      return this
    }

    pwmFrequency(): this {
      return this
    }

    pwmWrite(): this {
      return this
    }

    glitchFilter(): this {
      return this
    }

    disableAlert(): this {
      this.#unlisten?.()
      this.#unlisten = undefined
      return this
    }
  }
  return { module: { Gpio } as unknown as PigpioModule, pins: { drive: board.set, level: board.level } }
}
