import type { I2cDevice } from '../../drivers/i2c/i2c-bus.js'

/**
 * The commonest I2C chip shape (24C02 EEPROM, MPR121, FT6x36): 256 byte registers behind a pointer.
 * A write sets the pointer from its first byte and stores the rest from there; a read returns bytes
 * from the pointer; both advance it, wrapping at 0xff, as the chips' auto-increment does.
 */
export class RegisterFileChip implements I2cDevice {
  readonly registers = new Uint8Array(256)
  #pointer = 0

  write(bytes: Uint8Array): void {
    const [pointer, ...data] = bytes
    if (pointer === undefined) return
    this.#pointer = pointer
    for (const value of data) {
      this.registers[this.#pointer] = value
      this.#pointer = (this.#pointer + 1) & 0xff
    }
  }

  read(length: number): Uint8Array {
    const bytes = new Uint8Array(length)
    for (let index = 0; index < length; index++) {
      bytes[index] = this.registers[this.#pointer] ?? 0
      this.#pointer = (this.#pointer + 1) & 0xff
    }
    return bytes
  }
}
