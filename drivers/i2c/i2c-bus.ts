/**
 * The I2C transport every I2C driver talks to. Two implementations: NativeI2cBus over the i2c-bus
 * package (/dev/i2c-N) and SimI2cBus, where simulated chips (I2cDevice) sit at their addresses.
 * Addresses are 7-bit (0x03..0x77). Bad arguments (address, register outside 0x00..0xff, length
 * 0, register transfers over 32 bytes) reject with a TypeError (i2c-address.ts); bus failures with a
 * StationError: E_I2C_NACK when nothing answers at the address, E_I2C_IO for other bus failures.
 * Transactions run one at a time, in call order. `close` is idempotent; transfers called after it
 * reject with E_I2C_IO (errno EBADF). A contract suite checks every implementation (docs/drivers.md).
 */
export interface I2cBus {
  /** Plain write of `bytes` to the device (a PCF8574 port write is one byte). */
  write(address: number, bytes: Uint8Array): Promise<void>
  /** Plain read of `length` bytes from the device. */
  read(address: number, length: number): Promise<Uint8Array>
  /** Write `bytes` starting at `register` (one transaction: register byte, then data). */
  writeRegister(address: number, register: number, bytes: Uint8Array): Promise<void>
  /** Set the register pointer, then read `length` bytes (write + repeated-start read). */
  readRegister(address: number, register: number, length: number): Promise<Uint8Array>
  close(): Promise<void>
}

/**
 * A simulated chip on a SimI2cBus, seen the way the bus sees it: a write transaction delivers
 * bytes, a read transaction asks for bytes. Register-addressed chips treat the first written
 * byte as the register pointer. Throwing a StationError simulates a NACK or bus error.
 */
export interface I2cDevice {
  write(bytes: Uint8Array): void
  read(length: number): Uint8Array
}
