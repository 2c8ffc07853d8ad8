import type { Clock } from '../../runtime/clock.js'
import { isStationError } from '../../runtime/errors.js'
import type { I2cBus } from './i2c-bus.js'

export interface RetryOptions {
  clock: Clock
  /** Extra attempts after a failed transaction (E_I2C_IO only); default 2. */
  retries?: number
  /** Pause between attempts, letting a glitch on the line pass; default 2 ms. */
  retryDelayMs?: number
}

/**
 * An I2cBus that repeats a transaction that failed with a bus error (E_I2C_IO: EIO, a glitch on a
 * long or noisy line) a bounded number of times before passing the error up, so one glitch does
 * not reach the driver. A NACK (nothing at the address) is not retried: the device is gone, and
 * the driver's health and the supervisor deal with that.
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
        const transient = isStationError(error) && error.code === 'E_I2C_IO'
        if (!transient || attempt >= this.#retries) throw error
        await this.#clock.sleep(this.#delayMs)
      }
    }
  }
}
