import t from 'tap'
import { RetryingI2cBus } from '../../../drivers/i2c/retrying-i2c-bus.js'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { systemClock } from '../../../runtime/core/clock.js'

/** A register file that remembers what was written, enough to see a transaction go through. */
function registerChip() {
  const registers = new Uint8Array(256)
  let pointer = 0
  return {
    write(bytes: Uint8Array) {
      pointer = bytes[0] ?? 0
      registers.set(bytes.subarray(1), pointer)
    },
    read(length: number) {
      return registers.slice(pointer, pointer + length)
    },
  }
}

t.test('a glitch shorter than the retry budget never reaches the driver', async (t) => {
  const sim = new SimI2cBus()
  sim.attach(0x5a, registerChip())
  const bus = new RetryingI2cBus(sim, { clock: systemClock, retries: 2, retryDelayMs: 1 })
  sim.failNext(0x5a, 'eio', 2)
  await bus.writeRegister(0x5a, 0x10, Uint8Array.of(7))
  t.strictSame([...(await bus.readRegister(0x5a, 0x10, 1))], [7])
  t.equal(sim.transactions.filter((tx) => tx.error).length, 2, 'both failures happened on the bus')
})

t.test('a longer burst of bus errors is passed up after the retries', async (t) => {
  const sim = new SimI2cBus()
  sim.attach(0x27, registerChip())
  const bus = new RetryingI2cBus(sim, { clock: systemClock, retries: 2, retryDelayMs: 1 })
  sim.failNext(0x27, 'eio', 5)
  await t.rejects(bus.write(0x27, Uint8Array.of(0x08)), { code: 'E_I2C_IO' })
  t.equal(sim.transactions.length, 3, 'one attempt plus two retries')
})

t.test('a lost address byte (NACK) is retried like a bus error; an empty address fails after the retries', async (t) => {
  const sim = new SimI2cBus()
  sim.attach(0x5a, registerChip())
  const bus = new RetryingI2cBus(sim, { clock: systemClock, retries: 2, retryDelayMs: 1 })
  sim.failNext(0x5a, 'nack', 1)
  await bus.writeRegister(0x5a, 0x10, Uint8Array.of(9))
  t.strictSame([...(await bus.readRegister(0x5a, 0x10, 1))], [9], 'one NACK never reached the caller')
  sim.clearTransactions()
  await t.rejects(bus.read(0x38, 1), { code: 'E_I2C_NACK' })
  t.equal(sim.transactions.length, 3, 'nothing at 0x38: one attempt plus two retries')
})

t.test('a closed bus is not retried: EBADF will not pass', async (t) => {
  const sim = new SimI2cBus()
  sim.attach(0x5a, registerChip())
  const bus = new RetryingI2cBus(sim, { clock: systemClock, retries: 2, retryDelayMs: 1 })
  await bus.close()
  await t.rejects(bus.readRegister(0x5a, 0x10, 1), { code: 'E_I2C_IO', context: { errno: 'EBADF' } })
  t.equal(sim.transactions.length, 1, 'one attempt, no retries')
})
