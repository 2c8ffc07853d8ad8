import type { I2cDevice } from '../../drivers/i2c/i2c-bus.js'

/**
 * A stand-in for the i2c-bus package over a Linux i2c-dev adapter (/dev/i2c-N), for machines without
 * one. It behaves the way the real package does on the kernel: a file descriptor per address, opened
 * on its first transfer; an address nobody acknowledges fails with EREMOTEIO (bcm2835 adapter), as a
 * libuv error (negative errno) for plain read/write and as an addon error (positive errno) for the
 * SMBus block ioctls; close() closes those descriptors without forgetting them, so a later transfer
 * to such an address, or a second close, fails with EBADF. The chips behind the addresses are
 * I2cDevice models: a block transfer is a write of [command, ...data], or [command] then a read.
 */
export interface I2cDevAdapter {
  /** Chips on the adapter's bus, by 7-bit address. */
  readonly devices: Map<number, I2cDevice>
  /** The module to inject as NativeI2cBusOptions.loadModule's result. */
  readonly module: typeof import('i2c-bus')
  /** Bus numbers opened through the module, in order. */
  readonly opened: number[]
}

const EREMOTEIO = 121
const EBADF = 9

function errnoError(code: string, errno: number, syscall: string): Error {
  return Object.assign(new Error(`${code}, ${syscall}`), { code, errno, syscall })
}

export function createI2cDevAdapter(): I2cDevAdapter {
  const devices = new Map<number, I2cDevice>()
  const opened: number[] = []

  function openPromisified(busNumber: number) {
    opened.push(busNumber)
    /** address → whether its descriptor is still open (absent: never opened). */
    const descriptors = new Map<number, boolean>()
    /** The transfer on a later tick, like the addon's worker thread and libuv's thread pool. */
    const transfer = <T>(address: number, syscall: string, libuv: boolean, run: (device: I2cDevice) => T) =>
      new Promise<T>((resolve, reject) => {
        setImmediate(() => {
          if (descriptors.get(address) === false) return reject(errnoError('EBADF', libuv ? -EBADF : EBADF, syscall))
          descriptors.set(address, true)
          const device = devices.get(address)
          if (device === undefined) return reject(errnoError('EREMOTEIO', libuv ? -EREMOTEIO : EREMOTEIO, syscall))
          try {
            resolve(run(device))
          } catch (error) {
            reject(error)
          }
        })
      })
    return Promise.resolve({
      i2cWrite: (address: number, length: number, buffer: Buffer) =>
        transfer(address, 'write', true, (device) => {
          device.write(Uint8Array.from(buffer.subarray(0, length)))
          return { bytesWritten: length, buffer }
        }),
      i2cRead: (address: number, length: number, buffer: Buffer) =>
        transfer(address, 'read', true, (device) => {
          buffer.set(device.read(length))
          return { bytesRead: length, buffer }
        }),
      writeI2cBlock: (address: number, command: number, length: number, buffer: Buffer) =>
        transfer(address, 'writeI2cBlock', false, (device) => {
          device.write(Uint8Array.of(command, ...buffer.subarray(0, length)))
          return { bytesWritten: length, buffer }
        }),
      readI2cBlock: (address: number, command: number, length: number, buffer: Buffer) =>
        transfer(address, 'readI2cBlock', false, (device) => {
          device.write(Uint8Array.of(command))
          buffer.set(device.read(length))
          return { bytesRead: length, buffer }
        }),
      close: () =>
        new Promise<void>((resolve, reject) => {
          setImmediate(() => {
            // i2c-bus calls fs.close on every descriptor it ever opened, closed ones included.
            const alreadyClosed = [...descriptors.values()].includes(false)
            for (const address of descriptors.keys()) descriptors.set(address, false)
            if (alreadyClosed) reject(errnoError('EBADF', -EBADF, 'close'))
            else resolve()
          })
        }),
    })
  }

  return { devices, opened, module: { openPromisified } as unknown as typeof import('i2c-bus') }
}
