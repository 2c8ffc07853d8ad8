import type { Clock } from '../../runtime/core/clock.js'
import { isStationError } from '../../runtime/core/errors.js'
import type { I2cBus } from './i2c-bus.js'

export interface RetryOptions {
  clock: Clock
  /** Extra attempts after a failed transaction (E_I2C_IO or E_I2C_NACK); default 2. */
  retries?: number
  /** Pause between attempts, letting a glitch on the line pass; default 2 ms. */
  retryDelayMs?: number
}

/**
 * An I2cBus that repeats a failed transaction a bounded number of times before passing the error up,
 * so one glitch does not reach the driver: EIO (E_I2C_IO) and EREMOTEIO/ENXIO (E_I2C_NACK), since on a
 * long or noisy line an address byte can be lost as easily as a data byte. A device that is really
 * gone costs two more attempts (a few ms); then its driver's health and the supervisor take over.
 */
export class RetryingI2cBus implements I2cBus {
  #bus: I2cBus
  #clock: Clock
  #retries: number
  #delayMs: number

  constructor(bus: I2cBus, options: RetryOptions) {
    this.#bus = bus
    this.#clock = options.clock
    this.#retries = options.retries ?? 2
    this.#delayMs = options.retryDelayMs ?? 2
  }

  write(address: number, bytes: Uint8Array): Promise<void> {
    return this.#attempt(() => this.#bus.write(address, bytes))
  }

  read(address: number, length: number): Promise<Uint8Array> {
    return this.#attempt(() => this.#bus.read(address, length))
  }

  writeRegister(address: number, register: number, bytes: Uint8Array): Promise<void> {
    return this.#attempt(() => this.#bus.writeRegister(address, register, bytes))
  }

  readRegister(address: number, register: number, length: number): Promise<Uint8Array> {
    return this.#attempt(() => this.#bus.readRegister(address, register, length))
  }

  close(): Promise<void> {
    return this.#bus.close()
  }

  async #attempt<T>(transaction: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await transaction()
      } catch (error) {
        // A closed bus (EBADF) stays closed: retrying it would only delay the error.
        const transient =
          isStationError(error) &&
          (error.code === 'E_I2C_IO' || error.code === 'E_I2C_NACK') &&
          error.context['errno'] !== 'EBADF'
        if (!transient || attempt >= this.#retries) throw error
        await this.#clock.sleep(this.#delayMs)
      }
    }
  }
}
