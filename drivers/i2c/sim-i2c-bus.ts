import { BoundedLog } from '../bounded-log.js'
import { StationError, isStationError, type ErrorCode } from '../../runtime/core/errors.js'
import { checkAddress, checkLength, checkRegister, formatAddress, I2C_BLOCK_MAX_BYTES } from './i2c-address.js'
import type { I2cBus, I2cDevice } from './i2c-bus.js'

/** Which I2cBus call made a transaction. */
export type I2cTransactionKind = 'write' | 'read' | 'writeRegister' | 'readRegister'

/** One entry of `SimI2cBus.transactions`. */
export interface I2cTransaction {
  readonly address: number
  readonly kind: I2cTransactionKind
  /** Set for writeRegister and readRegister. */
  readonly register?: number
  /** Writes: the data sent (without the register byte). Reads: the bytes returned; empty when it failed. */
  readonly bytes: Uint8Array
  /** Set when the transaction rejected. */
  readonly error?: ErrorCode
}

/** Fault kinds `failNext` can inject: `nack` = nothing acknowledges, `eio` = any other bus error. */
export type I2cFault = 'nack' | 'eio'

/**
 * An I2C bus in memory: simulated chips (I2cDevice) sit at their addresses. It fails the way the
 * native bus does (E_I2C_NACK with errno EREMOTEIO for an empty address, E_I2C_IO for bus errors,
 * the same argument checks and block limits), runs one transaction at a time, and always resolves
 * asynchronously, so drivers cannot come to rely on synchronous completion.
 */
export class SimI2cBus implements I2cBus {
  #log = new BoundedLog<I2cTransaction>()
  #devices = new Map<number, I2cDevice>()
  #faults = new Map<number, { kind: I2cFault; count: number }>()
  #tail: Promise<unknown> = Promise.resolve()
  #closed = false

  /** Puts `device` at `address`. Throws a TypeError if the address is taken. */
  attach(address: number, device: I2cDevice): void {
    checkAddress(address)
    if (this.#devices.has(address)) throw new TypeError(`address ${formatAddress(address)} already has a device`)
    this.#devices.set(address, device)
  }

  /** Removes the device at `address` (as if unplugged); later transactions there NACK. Idempotent. */
  detach(address: number): void {
    this.#devices.delete(address)
  }

  /** The next `count` transactions to `address` fail with `kind`, without reaching the device. */
  failNext(address: number, kind: I2cFault, count = 1): void {
    checkAddress(address)
    if (!Number.isInteger(count) || count < 1) throw new TypeError(`count must be a positive integer (got ${count})`)
    this.#faults.set(address, { kind, count })
  }

  /** The newest transactions (up to 4096, bounded-log.ts) in order, including failed ones. */
  get transactions(): readonly I2cTransaction[] {
    return this.#log.entries
  }

  /** How many transactions ran since the bus was made, also those no longer kept. */
  get transactionCount(): number {
    return this.#log.total
  }

  /** Empties `transactions` (`transactionCount` keeps counting). */
  clearTransactions(): void {
    this.#log.clear()
  }

  write(address: number, bytes: Uint8Array): Promise<void> {
    return this.#run(address, 'write', undefined, Uint8Array.from(bytes), () => {
      checkLength(bytes.length)
      this.#device(address).write(Uint8Array.from(bytes))
      return undefined
    }).then(() => undefined)
  }

  read(address: number, length: number): Promise<Uint8Array> {
    return this.#run(address, 'read', undefined, undefined, () => {
      checkLength(length)
      return this.#readFrom(this.#device(address), length)
    })
  }

  writeRegister(address: number, register: number, bytes: Uint8Array): Promise<void> {
    return this.#run(address, 'writeRegister', register, Uint8Array.from(bytes), () => {
      checkRegister(register)
      checkLength(bytes.length, I2C_BLOCK_MAX_BYTES)
      this.#device(address).write(Uint8Array.of(register, ...bytes))
      return undefined
    }).then(() => undefined)
  }

  readRegister(address: number, register: number, length: number): Promise<Uint8Array> {
    return this.#run(address, 'readRegister', register, undefined, () => {
      checkRegister(register)
      checkLength(length, I2C_BLOCK_MAX_BYTES)
      const device = this.#device(address)
      // Register pointer write, repeated start, read: one transaction to the chip (I2C spec 3.1.10).
      device.write(Uint8Array.of(register))
      return this.#readFrom(device, length)
    })
  }

  /**
   * Transactions called later reject with E_I2C_IO (errno EBADF), as on a closed file descriptor; those
   * called before finish first, as on the native bus. Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true
    await this.#tail
  }

  #device(address: number): I2cDevice {
    const device = this.#devices.get(address)
    if (device === undefined) {
      throw new StationError('E_I2C_NACK', `no answer from I2C address ${formatAddress(address)}`, {
        address,
        errno: 'EREMOTEIO',
      })
    }
    return device
  }

  #readFrom(device: I2cDevice, length: number): Uint8Array {
    const bytes = device.read(length)
    if (bytes.length !== length) {
      throw new TypeError(`simulated device returned ${bytes.length} bytes for a read of ${length}`)
    }
    return Uint8Array.from(bytes)
  }

  /** Queues one transaction behind the previous one and records its outcome. */
  #run<T extends Uint8Array | undefined>(
    address: number,
    kind: I2cTransactionKind,
    register: number | undefined,
    written: Uint8Array | undefined,
    transfer: () => T,
  ): Promise<T> {
    const closedAtCall = this.#closed
    const result = this.#tail.then(() => {
      checkAddress(address)
      const base = register === undefined ? { address, kind } : { address, kind, register }
      try {
        this.#injectFault(address, closedAtCall)
        const value = transfer()
        this.#log.push({ ...base, bytes: written ?? value ?? new Uint8Array(0) })
        return value
      } catch (error) {
        const wrapped = withAddress(error, address)
        if (isStationError(wrapped)) {
          this.#log.push({ ...base, bytes: written ?? new Uint8Array(0), error: wrapped.code })
        }
        throw wrapped
      }
    })
    this.#tail = result.catch(() => undefined)
    return result
  }

  #injectFault(address: number, closed: boolean): void {
    if (closed) {
      throw new StationError('E_I2C_IO', 'I2C bus is closed', { address, errno: 'EBADF' })
    }
    const fault = this.#faults.get(address)
    if (fault === undefined) return
    fault.count -= 1
    if (fault.count <= 0) this.#faults.delete(address)
    if (fault.kind === 'nack') {
      throw new StationError('E_I2C_NACK', `no answer from I2C address ${formatAddress(address)} (injected)`, {
        address,
        errno: 'EREMOTEIO',
      })
    }
    throw new StationError('E_I2C_IO', `I2C bus error at ${formatAddress(address)} (injected)`, {
      address,
      errno: 'EIO',
    })
  }
}

/** Devices do not know their address; errors they throw get it added, as the native bus would report it. */
function withAddress(error: unknown, address: number): unknown {
  if (!isStationError(error) || error.context['address'] !== undefined) return error
  return new StationError(error.code, error.message, { ...error.context, address }, { cause: error.cause })
}
