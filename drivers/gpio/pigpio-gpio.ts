/**
 * GPIO lines through the optional native `pigpio` package, for the jobs that need hardware timing: edge
 * alerts stamped with a microsecond tick by DMA sampling (Wiegand, docs/protocols.md 5.3), PWM (passive buzzer)
 * and the glitch filter. The only file that imports pigpio, and only lazily inside `openPigpioLine`:
 * pigpio prints a warning box to stderr when imported where its C library is missing (docs/toolchain.md 5).
 * pigpio runs its C library in-process, wants root, and does not run on the Raspberry Pi 5 (RP1 I/O chip,
 * joan2937/pigpio#589), so it is used only when configured.
 */
import { readFile } from 'node:fs/promises'
import type { Gpio } from 'pigpio'
import { StationError } from '../../runtime/core/errors.js'
import { errnoOf, mapGpioError } from './gpio-error.js'
import type { GpioEdge, GpioEdgeListener, GpioLevel, Unwatch } from './gpio-line.js'
import { checkPwm, type PwmLine } from './pwm-line.js'

/** The part of the pigpio module this adapter uses. */
export type PigpioModule = { readonly Gpio: typeof Gpio }

/** Options for `openPigpioLine`. */
export interface PigpioLineOptions {
  /** BCM GPIO number, 0–31: pigpio alerts and PWM cover only the user GPIOs of bank 1 (pigpio docs, gpioSetAlertFunc). */
  bcm: number
  direction: 'in' | 'out'
  /** Internal pull resistor for inputs; default 'off' (Wiegand readers need an external pull-up to 3.3 V, docs/protocols.md 5.1). */
  pull?: 'up' | 'down' | 'off'
  /** Inputs: ignore level changes shorter than this, 0–300000 µs (pigpio gpioGlitchFilter); default 0 (off). */
  glitchFilterUs?: number
  /** Device-tree model file naming the board; default '/proc/device-tree/model'. */
  modelPath?: string
  /** Loads pigpio; default a lazy `import('pigpio')`. */
  loadModule?: () => Promise<PigpioModule>
}

/** pigpio's default PWM range: duty cycles run 0..255 (pigpio docs, gpioSetPWMrange). */
const PWM_RANGE = 255
/** gpioGlitchFilter accepts 0–300000 µs (pigpio docs). */
const GLITCH_FILTER_MAX_US = 300_000
/** pigpio alerts exist for GPIO 0–31 only (PI_MAX_USER_GPIO). */
const MAX_USER_GPIO = 31

/**
 * Opens header line `bcm` through pigpio. Rejects with a TypeError for bad options, and with
 * E_DEVICE_ABSENT when the board is not a Raspberry Pi, is a Pi 5 (pigpio cannot drive the RP1), when
 * pigpio is not installed, or when its C library cannot start (missing, or not running as root).
 */
export async function openPigpioLine(options: PigpioLineOptions): Promise<PwmLine> {
  const { bcm, direction } = options
  if (!Number.isInteger(bcm) || bcm < 0 || bcm > MAX_USER_GPIO) {
    throw new TypeError(`bcm must be an integer from 0 to ${MAX_USER_GPIO} for pigpio (got ${String(bcm)})`)
  }
  const glitchFilterUs = options.glitchFilterUs ?? 0
  if (!Number.isInteger(glitchFilterUs) || glitchFilterUs < 0 || glitchFilterUs > GLITCH_FILTER_MAX_US) {
    throw new TypeError(`glitchFilterUs must be an integer from 0 to ${GLITCH_FILTER_MAX_US} (got ${String(glitchFilterUs)})`)
  }
  const modelPath = options.modelPath ?? '/proc/device-tree/model'
  checkPigpioBoard(await readModel(modelPath), modelPath)
  let pigpio: PigpioModule
  try {
    pigpio = await (options.loadModule ?? (() => import('pigpio')))()
  } catch (error) {
    throw new StationError('E_DEVICE_ABSENT', 'pigpio native module not installed', { bcm }, { cause: error })
  }
  const { Gpio: PigpioGpio } = pigpio
  let gpio: Gpio
  try {
    if (direction === 'in') {
      const pull = options.pull ?? 'off'
      const pullUpDown = pull === 'up' ? PigpioGpio.PUD_UP : pull === 'down' ? PigpioGpio.PUD_DOWN : PigpioGpio.PUD_OFF
      gpio = new PigpioGpio(bcm, { mode: PigpioGpio.INPUT, pullUpDown, alert: true })
      if (glitchFilterUs > 0) gpio.glitchFilter(glitchFilterUs)
    } else {
      gpio = new PigpioGpio(bcm, { mode: PigpioGpio.OUTPUT })
    }
  } catch (error) {
    // On a machine where the C library did not load, every call fails with "gpioInitialise is not a function".
    if (error instanceof TypeError && /is not a function/.test(error.message)) {
      throw new StationError(
        'E_DEVICE_ABSENT',
        'pigpio C library not loaded: install the pigpio C package before npm install, and run as root',
        { bcm },
        { cause: error },
      )
    }
    throw mapGpioError(error, `open GPIO${bcm} with pigpio`, { bcm })
  }
  return new PigpioLine(gpio, { bcm, alerts: direction === 'in' })
}

/**
 * Throws E_DEVICE_ABSENT unless `model` (the device-tree model, or null when the file is missing) is a
 * Raspberry Pi that pigpio supports, i.e. not a Pi 5, Pi 500 or Compute Module 5. Pure.
 */
export function checkPigpioBoard(model: string | null, modelPath = '/proc/device-tree/model'): void {
  if (model === null || !model.startsWith('Raspberry Pi')) {
    throw new StationError(
      'E_DEVICE_ABSENT',
      `pigpio needs a Raspberry Pi 0–4; ${model === null ? `${modelPath} is missing` : `this board is "${model}"`}`,
      { node: modelPath, model },
    )
  }
  if (/^Raspberry Pi (5|500|Compute Module 5)\b/.test(model)) {
    throw new StationError(
      'E_DEVICE_ABSENT',
      `pigpio does not run on the Raspberry Pi 5 family (RP1 I/O chip; "${model}"): use the onoff or gpiochip transport`,
      { node: modelPath, model },
    )
  }
}

async function readModel(modelPath: string): Promise<string | null> {
  try {
    // The device-tree string ends with a NUL.
    return (await readFile(modelPath, 'utf8')).replace(/\0+$/, '').trim()
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null
    throw mapGpioError(error, `read ${modelPath}`, { node: modelPath })
  }
}

/** PwmLine over a pigpio Gpio. Watchers get pigpio's own alert level and tick (in order, from its queue). */
export class PigpioLine implements PwmLine {
  #gpio: Gpio
  #bcm: number
  #alerts: boolean
  #handlers = new Set<(level: GpioLevel, tick: number) => void>()
  #closed = false

  constructor(gpio: Gpio, options: { bcm: number; alerts: boolean }) {
    this.#gpio = gpio
    this.#bcm = options.bcm
    this.#alerts = options.alerts
  }

  async read(): Promise<GpioLevel> {
    return this.#call('read', () => (this.#gpio.digitalRead() === 0 ? 0 : 1))
  }

  async write(level: GpioLevel): Promise<void> {
    if (level !== 0 && level !== 1) throw new TypeError(`level must be 0 or 1 (got ${String(level)})`)
    this.#call('write', () => this.#gpio.digitalWrite(level))
  }

  async pwm(dutyCycle: number, frequencyHz: number): Promise<void> {
    checkPwm(dutyCycle, frequencyHz)
    this.#call('set PWM on', () => {
      // pigpio picks the nearest frequency its sample rate allows.
      this.#gpio.pwmFrequency(Math.round(frequencyHz))
      this.#gpio.pwmWrite(Math.round(dutyCycle * PWM_RANGE))
    })
  }

  /** Throws a TypeError on an output line: pigpio alerts are enabled only for inputs. */
  watch(edge: GpioEdge, listener: GpioEdgeListener): Unwatch {
    this.#checkOpen()
    if (!this.#alerts) throw new TypeError(`GPIO${this.#bcm} is an output; only inputs can be watched`)
    const handler = (level: GpioLevel, tick: number): void => {
      if (edge === 'both' || (edge === 'rising') === (level === 1)) listener(level, tick >>> 0)
    }
    this.#gpio.on('alert', handler)
    this.#handlers.add(handler)
    return () => {
      this.#gpio.off('alert', handler)
      this.#handlers.delete(handler)
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const handler of this.#handlers) this.#gpio.off('alert', handler)
    this.#handlers.clear()
    if (!this.#alerts) return
    try {
      this.#gpio.disableAlert()
    } catch (error) {
      throw mapGpioError(error, `close GPIO${this.#bcm}`, { bcm: this.#bcm })
    }
  }

  #call<T>(what: string, run: () => T): T {
    this.#checkOpen()
    try {
      return run()
    } catch (error) {
      throw mapGpioError(error, `${what} GPIO${this.#bcm}`, { bcm: this.#bcm })
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new StationError('E_CANCELED', `GPIO${this.#bcm} is closed`, { bcm: this.#bcm })
  }
}
