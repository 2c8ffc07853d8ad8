/**
 * The I2C bus of the board (/dev/i2c-N) through the optional native i2c-bus package. The only file
 * that imports i2c-bus, and only lazily, so nothing native loads on a laptop or in sim mode.
 */
import { constants as fsConstants } from 'node:fs'
import { access } from 'node:fs/promises'
import type { PromisifiedBus } from 'i2c-bus'
import { StationError, isStationError, type ErrorContext } from '../../runtime/core/errors.js'
import { checkAddress, checkLength, checkRegister, formatAddress, I2C_BLOCK_MAX_BYTES } from './i2c-address.js'
import type { I2cBus } from './i2c-bus.js'

/** Options for tests and unusual boards. */
export interface NativeI2cBusOptions {
  /** Folder holding the i2c-N device nodes; default '/dev'. */
  deviceDir?: string
  /** Loads the i2c-bus package; default a lazy `import('i2c-bus')`. */
  loadModule?: () => Promise<typeof import('i2c-bus')>
}

/**
 * Opens /dev/i2c-`busNumber`. Rejects with E_DEVICE_ABSENT when the node is missing or not readable
 * and writable (I2C not enabled, or the service user is not in group `i2c`), or when the optional
 * i2c-bus package is not installed or not built for this machine.
 */
export async function openNativeI2cBus(busNumber: number, options: NativeI2cBusOptions = {}): Promise<I2cBus> {
  if (!Number.isInteger(busNumber) || busNumber < 0) {
    throw new TypeError(`busNumber must be a non-negative integer (got ${String(busNumber)})`)
  }
  const node = `${options.deviceDir ?? '/dev'}/i2c-${busNumber}`
  // i2c-bus opens the node lazily on the first transfer (docs/toolchain.md 5), so check it here, where the
  // error can still name the cause instead of surfacing later as a bus failure.
  try {
    await access(node, fsConstants.R_OK | fsConstants.W_OK)
  } catch (error) {
    throw new StationError(
      'E_DEVICE_ABSENT',
      `${node} is missing or not accessible: enable I2C (dtparam=i2c_arm=on) and add the service user to group i2c`,
      { node, errno: errnoOf(error) },
      { cause: error },
    )
  }
  let i2c: typeof import('i2c-bus')
  try {
    i2c = await (options.loadModule ?? (() => import('i2c-bus')))()
  } catch (error) {
    throw new StationError('E_DEVICE_ABSENT', 'i2c-bus native module not installed', { node }, { cause: error })
  }
  const bus = await i2c.openPromisified(busNumber).catch((error: unknown) => {
    throw mapI2cError(error, { node })
  })
  return new NativeI2cBus(bus)
}

/**
 * I2cBus over an i2c-bus PromisifiedBus. Transactions run one at a time (docs/protocols.md 10, "Serialise
 * I2C transactions per bus"), so a multi-step driver sequence is never interleaved byte-wise with another's.
 */
export class NativeI2cBus implements I2cBus {
  #bus: PromisifiedBus
  #tail: Promise<unknown> = Promise.resolve()
  #closed = false

  constructor(bus: PromisifiedBus) {
    this.#bus = bus
  }

  write(address: number, bytes: Uint8Array): Promise<void> {
    return this.#run({ address }, async () => {
      checkAddress(address)
      checkLength(bytes.length)
      const { bytesWritten } = await this.#bus.i2cWrite(address, bytes.length, toBuffer(bytes))
      checkCount('write', bytesWritten, bytes.length, { address })
    })
  }

  read(address: number, length: number): Promise<Uint8Array> {
    return this.#run({ address }, async () => {
      checkAddress(address)
      checkLength(length)
      const { bytesRead, buffer } = await this.#bus.i2cRead(address, length, Buffer.alloc(length))
      checkCount('read', bytesRead, length, { address })
      return new Uint8Array(buffer.subarray(0, length))
    })
  }

  writeRegister(address: number, register: number, bytes: Uint8Array): Promise<void> {
    return this.#run({ address, register }, async () => {
      checkAddress(address)
      checkRegister(register)
      checkLength(bytes.length, I2C_BLOCK_MAX_BYTES)
      const { bytesWritten } = await this.#bus.writeI2cBlock(address, register, bytes.length, toBuffer(bytes))
      checkCount('write', bytesWritten, bytes.length, { address, register })
    })
  }

  readRegister(address: number, register: number, length: number): Promise<Uint8Array> {
    return this.#run({ address, register }, async () => {
      checkAddress(address)
      checkRegister(register)
      checkLength(length, I2C_BLOCK_MAX_BYTES)
      const { bytesRead, buffer } = await this.#bus.readI2cBlock(address, register, length, Buffer.alloc(length))
      checkCount('read', bytesRead, length, { address, register })
      return new Uint8Array(buffer.subarray(0, length))
    })
  }

  /**
   * Idempotent; later transfers reject with E_I2C_IO (errno EBADF). The closed state is kept here:
   * i2c-bus keeps the descriptors it closed, so a second close or a transfer to an address used before
   * would hit a closed (or by then reused) descriptor, and a new address would silently reopen the bus.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#tail
    await this.#bus.close().catch((error: unknown) => {
      throw mapI2cError(error, {})
    })
  }

  #run<T>(context: ErrorContext, transfer: () => Promise<T>): Promise<T> {
    // Checked at the call, not when the transfer's turn comes: close lets the queued ones finish.
    if (this.#closed) {
      return Promise.reject(new StationError('E_I2C_IO', 'I2C bus is closed', { ...context, errno: 'EBADF' }))
    }
    const result = this.#tail.then(transfer).catch((error: unknown) => {
      // Argument errors stay TypeErrors (docs/architecture.md, "Errors"); everything from the addon is wrapped once, here.
      if (error instanceof TypeError) throw error
      throw mapI2cError(error, context)
    })
    this.#tail = result.catch(() => undefined)
    return result
  }
}

/**
 * Linux errno numbers (asm-generic/errno-base.h, errno.h) for errors that carry only a number.
 * Node's os.constants.errno lacks EREMOTEIO, the one i2c-dev returns for a NACK on most adapters.
 */
const ERRNO_NAMES: Readonly<Record<number, string>> = {
  2: 'ENOENT',
  5: 'EIO',
  6: 'ENXIO',
  9: 'EBADF',
  11: 'EAGAIN',
  13: 'EACCES',
  16: 'EBUSY',
  110: 'ETIMEDOUT',
  121: 'EREMOTEIO',
}

/** Errnos that mean "nobody acknowledged the address": ENXIO (some adapters) or EREMOTEIO (bcm2835 i2c). */
const NACK_ERRNOS: ReadonlySet<string> = new Set(['ENXIO', 'EREMOTEIO'])

/**
 * Wraps an error from i2c-bus into a StationError: ENXIO/EREMOTEIO → E_I2C_NACK, anything else
 * (EIO, ETIMEDOUT, …) → E_I2C_IO. `context` plus `errno` (the name, or null if unknown) go into the
 * error's context and the original error into `cause`. A StationError is returned unchanged. Pure.
 */
export function mapI2cError(error: unknown, context: ErrorContext): StationError {
  if (isStationError(error)) return error
  const errno = errnoOf(error)
  const where = typeof context['address'] === 'number' ? ` at ${formatAddress(context['address'])}` : ''
  if (errno !== null && NACK_ERRNOS.has(errno)) {
    return new StationError('E_I2C_NACK', `no answer from I2C address${where} (${errno})`, { ...context, errno }, {
      cause: error,
    })
  }
  const detail = errno ?? (error instanceof Error ? error.message : String(error))
  return new StationError('E_I2C_IO', `I2C bus error${where} (${detail})`, { ...context, errno }, { cause: error })
}

function errnoOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null
  const { code, errno } = error as { code?: unknown; errno?: unknown }
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code
  // libuv errors carry negative numbers, the i2c-bus addon (Nan::ErrnoException) positive ones.
  if (typeof errno === 'number') return ERRNO_NAMES[Math.abs(errno)] ?? `errno ${Math.abs(errno)}`
  return null
}

function checkCount(direction: 'read' | 'write', actual: number, expected: number, context: ErrorContext): void {
  if (actual !== expected) {
    throw new StationError('E_I2C_IO', `short I2C ${direction}: ${actual} of ${expected} bytes`, {
      ...context,
      errno: null,
      expected,
      actual,
    })
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
