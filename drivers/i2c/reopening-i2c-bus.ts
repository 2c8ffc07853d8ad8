/**
 * An I2C bus opened on first use and again after it could not be opened, so a station whose
 * /dev/i2c-N is missing (I2C not enabled, wrong group) still starts: its I2C devices report absent
 * with the reason, the supervisor retries them, and everything else keeps working.
 */
import { StationError } from '../../runtime/core/errors.js'
import type { I2cBus } from './i2c-bus.js'

export class ReopeningI2cBus implements I2cBus {
  #open: () => Promise<I2cBus>
  #bus: Promise<I2cBus> | null = null
  #closed = false

  /** `open` rejects with E_DEVICE_ABSENT naming the node and the group when the bus cannot be opened. */
  constructor(open: () => Promise<I2cBus>) {
    this.#open = open
  }

  write(address: number, bytes: Uint8Array): Promise<void> {
    return this.#use((bus) => bus.write(address, bytes))
  }

  read(address: number, length: number): Promise<Uint8Array> {
    return this.#use((bus) => bus.read(address, length))
  }

  writeRegister(address: number, register: number, bytes: Uint8Array): Promise<void> {
    return this.#use((bus) => bus.writeRegister(address, register, bytes))
  }

  readRegister(address: number, register: number, length: number): Promise<Uint8Array> {
    return this.#use((bus) => bus.readRegister(address, register, length))
  }

  async close(): Promise<void> {
    this.#closed = true
    const bus = this.#bus
    this.#bus = null
    if (bus) await (await bus.catch(() => null))?.close()
  }

  async #use<T>(transfer: (bus: I2cBus) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StationError('E_I2C_IO', 'I2C bus is closed', { errno: 'EBADF' })
    if (!this.#bus) {
      const opening = this.#open()
      this.#bus = opening
      // A failed open is forgotten, so the next transfer (the supervisor's retry) tries again.
      opening.catch(() => {
        if (this.#bus === opening) this.#bus = null
      })
    }
    return transfer(await this.#bus)
  }
}
