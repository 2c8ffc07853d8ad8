/**
 * Argument checkers shared by both I2C buses, in the i2c-bus `check…` style: they throw a TypeError
 * naming the argument and showing the value, because a bad address is a programming or config error,
 * not a bus failure.
 */

/** Lowest and highest 7-bit addresses a device may use; 0x00–0x02 and 0x78–0x7f are reserved (I2C spec UM10204 3.1.12). */
export const I2C_ADDRESS_MIN = 0x03
export const I2C_ADDRESS_MAX = 0x77

/**
 * Largest data length of one register-addressed (SMBus I2C block) transfer: I2C_SMBUS_BLOCK_MAX in
 * linux/i2c.h. i2c-bus enforces it for readI2cBlock/writeI2cBlock, so the sim enforces it too.
 */
export const I2C_BLOCK_MAX_BYTES = 32

/** `0x5a`, the way i2cdetect and the datasheets write addresses. */
export function formatAddress(address: number): string {
  return `0x${address.toString(16).padStart(2, '0')}`
}

/** Throws a TypeError unless `address` is an integer 0x03..0x77. */
export function checkAddress(address: number): void {
  if (!Number.isInteger(address) || address < I2C_ADDRESS_MIN || address > I2C_ADDRESS_MAX) {
    throw new TypeError(`address must be an integer 0x03..0x77 (got ${String(address)})`)
  }
}

/** Throws a TypeError unless `register` is an integer 0x00..0xff. */
export function checkRegister(register: number): void {
  if (!Number.isInteger(register) || register < 0 || register > 0xff) {
    throw new TypeError(`register must be an integer 0x00..0xff (got ${String(register)})`)
  }
}

/** Throws a TypeError unless `length` is an integer 1..`maxLength`. */
export function checkLength(length: number, maxLength = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(length) || length < 1 || length > maxLength) {
    const range = maxLength === Number.MAX_SAFE_INTEGER ? 'at least 1' : `1..${maxLength}`
    throw new TypeError(`length must be an integer ${range} (got ${String(length)})`)
  }
}
