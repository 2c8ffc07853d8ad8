import t from 'tap'
import { StationError } from '../../../runtime/core/errors.js'
import type { I2cDevice } from '../../../drivers/i2c/i2c-bus.js'
import { DEFAULT_LOG_CAPACITY } from '../../../drivers/bounded-log.js'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'

/** A device with 8 registers and a pointer, enough to see what the bus delivers. */
class RegisterDevice implements I2cDevice {
  readonly received: number[][] = []
  registers = Uint8Array.from([10, 11, 12, 13, 14, 15, 16, 17])
  #pointer = 0
  write(bytes: Uint8Array): void {
    this.received.push([...bytes])
    const [pointer, ...data] = bytes
    if (pointer === undefined) return
    this.#pointer = pointer
    for (const value of data) this.registers[this.#pointer++] = value
  }
  read(length: number): Uint8Array {
    const bytes = this.registers.slice(this.#pointer, this.#pointer + length)
    this.#pointer += length
    return bytes
  }
}

t.test('delivers register writes as pointer plus data and reads after setting the pointer', async (t) => {
  const bus = new SimI2cBus()
  const device = new RegisterDevice()
  bus.attach(0x20, device)
  await bus.writeRegister(0x20, 2, Uint8Array.of(0xaa, 0xbb))
  t.strictSame([...(await bus.readRegister(0x20, 1, 4))], [11, 0xaa, 0xbb, 14])
  await bus.write(0x20, Uint8Array.of(6))
  t.strictSame([...(await bus.read(0x20, 2))], [16, 17])
  t.strictSame(device.received, [[2, 0xaa, 0xbb], [1], [6]])
  t.strictSame(
    bus.transactions.map(({ kind, register, bytes }) => ({ kind, register, bytes: [...bytes] })),
    [
      { kind: 'writeRegister', register: 2, bytes: [0xaa, 0xbb] },
      { kind: 'readRegister', register: 1, bytes: [11, 0xaa, 0xbb, 14] },
      { kind: 'write', register: undefined, bytes: [6] },
      { kind: 'read', register: undefined, bytes: [16, 17] },
    ],
  )
})

t.test('rejects a transaction to an empty address with E_I2C_NACK and errno EREMOTEIO', async (t) => {
  const bus = new SimI2cBus()
  await t.rejects(bus.readRegister(0x5a, 0, 2), { code: 'E_I2C_NACK', context: { address: 0x5a, errno: 'EREMOTEIO' } })
  bus.attach(0x5a, new RegisterDevice())
  bus.detach(0x5a)
  await t.rejects(bus.write(0x5a, Uint8Array.of(1)), { code: 'E_I2C_NACK' })
  t.strictSame(bus.transactions.map((transaction) => transaction.error), ['E_I2C_NACK', 'E_I2C_NACK'])
})

t.test('injected faults fail the next transactions without reaching the device, then clear', async (t) => {
  const bus = new SimI2cBus()
  const device = new RegisterDevice()
  bus.attach(0x27, device)
  bus.failNext(0x27, 'eio', 2)
  await t.rejects(bus.write(0x27, Uint8Array.of(1)), { code: 'E_I2C_IO', context: { address: 0x27, errno: 'EIO' } })
  await t.rejects(bus.write(0x27, Uint8Array.of(2)), { code: 'E_I2C_IO' })
  await bus.write(0x27, Uint8Array.of(3))
  bus.failNext(0x27, 'nack')
  await t.rejects(bus.read(0x27, 1), { code: 'E_I2C_NACK', context: { errno: 'EREMOTEIO' } })
  t.strictSame(device.received, [[3]])
})

t.test('adds the address to errors a device throws', async (t) => {
  const bus = new SimI2cBus()
  bus.attach(0x38, {
    write: () => {
      throw new StationError('E_I2C_IO', 'arbitration lost', { errno: 'EAGAIN' })
    },
    read: (length) => new Uint8Array(length),
  })
  await t.rejects(bus.write(0x38, Uint8Array.of(0)), { code: 'E_I2C_IO', context: { address: 0x38, errno: 'EAGAIN' } })
})

t.test('runs one transaction at a time and always resolves asynchronously', async (t) => {
  const bus = new SimI2cBus()
  const order: string[] = []
  bus.attach(0x20, {
    write: (bytes) => {
      order.push(`write ${bytes[0]}`)
    },
    read: (length) => {
      order.push('read')
      return new Uint8Array(length)
    },
  })
  const first = bus.write(0x20, Uint8Array.of(1))
  const second = bus.read(0x20, 1)
  const third = bus.write(0x20, Uint8Array.of(3))
  order.push('called')
  await Promise.all([first, second, third])
  t.strictSame(order, ['called', 'write 1', 'read', 'write 3'])
})

t.test('a failed transaction does not block the ones queued behind it', async (t) => {
  const bus = new SimI2cBus()
  bus.attach(0x20, new RegisterDevice())
  bus.failNext(0x20, 'nack')
  const results = await Promise.allSettled([bus.write(0x20, Uint8Array.of(0)), bus.read(0x20, 1)])
  t.strictSame(results.map((result) => result.status), ['rejected', 'fulfilled'])
})

t.test('checks arguments like the native bus, including the 32-byte block limit', async (t) => {
  const bus = new SimI2cBus()
  bus.attach(0x20, new RegisterDevice())
  await t.rejects(bus.write(0x80, Uint8Array.of(0)), TypeError)
  await t.rejects(bus.readRegister(0x20, 0x100, 1), TypeError)
  await t.rejects(bus.readRegister(0x20, 0, 33), TypeError)
  await t.rejects(bus.writeRegister(0x20, 0, new Uint8Array(33)), TypeError)
  await t.rejects(bus.write(0x20, new Uint8Array(0)), TypeError)
  t.throws(() => bus.attach(0x20, new RegisterDevice()), TypeError)
})

t.test('after close every transaction fails with E_I2C_IO (EBADF)', async (t) => {
  const bus = new SimI2cBus()
  bus.attach(0x20, new RegisterDevice())
  await bus.close()
  await bus.close()
  await t.rejects(bus.read(0x20, 1), { code: 'E_I2C_IO', context: { errno: 'EBADF' } })
})

t.test('the transaction log keeps the newest 4096 and counts them all, so a long-running sim does not grow', async (t) => {
  const bus = new SimI2cBus()
  let reads = 0
  bus.attach(0x20, { write: () => undefined, read: (length) => Uint8Array.of(reads++ & 0xff).subarray(0, length) })
  const total = DEFAULT_LOG_CAPACITY + 100
  for (let n = 0; n < total; n++) await bus.read(0x20, 1)
  t.equal(bus.transactions.length, DEFAULT_LOG_CAPACITY)
  t.equal(bus.transactionCount, total)
  t.same(bus.transactions.at(-1)?.bytes, Uint8Array.of((total - 1) & 0xff), 'the newest is kept')
  t.same(bus.transactions[0]?.bytes, Uint8Array.of(100 & 0xff), 'the oldest were dropped')
  bus.clearTransactions()
  t.equal(bus.transactions.length, 0)
  t.equal(bus.transactionCount, total, 'the count goes on')
})
