import type { Test } from 'tap'
import type { I2cBus } from '../../../drivers/i2c/i2c-bus.js'
import { StationError } from '../../../runtime/core/errors.js'
import { RegisterFileChip } from '../register-file-chip.js'

/** Where every subject's bus has the contract's chip; nothing answers at EMPTY_ADDRESS. */
export const CONTRACT_CHIP_ADDRESS = 0x50
const EMPTY_ADDRESS = 0x51

/** What a subject factory gets: the chip it must put at CONTRACT_CHIP_ADDRESS, and nothing else. */
export interface I2cBusContractFixture {
  t: Test
  chip: RegisterFileChip
}

/**
 * What every I2cBus must do (drivers/i2c/i2c-bus.ts), run once per implementation: register and
 * plain transfers reach the chip and read back exactly what was asked, bad arguments reject with a
 * TypeError, an empty address with E_I2C_NACK, transactions complete in call order, and close is
 * idempotent, lets transfers called before it finish, and makes later ones reject with E_I2C_IO
 * (errno EBADF).
 */
export function describeI2cBusContract(
  t: Test,
  name: string,
  makeSubject: (fixture: I2cBusContractFixture) => Promise<I2cBus>,
): void {
  const subject = async (t: Test) => {
    const chip = new RegisterFileChip()
    const bus = await makeSubject({ t, chip })
    return { chip, bus }
  }

  t.test(`${name} satisfies the I2cBus contract`, async (t) => {
    t.test('writeRegister then readRegister round-trips through the chip', async (t) => {
      const { chip, bus } = await subject(t)
      const data = Uint8Array.of(0x00, 0x7f, 0x80, 0xff)
      await bus.writeRegister(CONTRACT_CHIP_ADDRESS, 0x10, data)
      t.strictSame([...chip.registers.subarray(0x10, 0x14)], [...data], 'the bytes landed at the register')
      t.strictSame([...(await bus.readRegister(CONTRACT_CHIP_ADDRESS, 0x10, 4))], [...data])
      t.strictSame([...(await bus.readRegister(CONTRACT_CHIP_ADDRESS, 0x11, 2))], [0x7f, 0x80], 'from another register')
      await bus.close()
    })

    t.test('plain write sets the pointer and data; plain read reads from the pointer', async (t) => {
      const { chip, bus } = await subject(t)
      await bus.write(CONTRACT_CHIP_ADDRESS, Uint8Array.of(0x20, 0xaa, 0xbb, 0xcc))
      t.strictSame([...chip.registers.subarray(0x20, 0x23)], [0xaa, 0xbb, 0xcc])
      await bus.write(CONTRACT_CHIP_ADDRESS, Uint8Array.of(0x21))
      t.strictSame([...(await bus.read(CONTRACT_CHIP_ADDRESS, 2))], [0xbb, 0xcc])
      await bus.close()
    })

    t.test('reads return exactly `length` bytes as a Uint8Array, up to the 32-byte block limit', async (t) => {
      const { chip, bus } = await subject(t)
      chip.registers.forEach((_, index) => (chip.registers[index] = index))
      for (const length of [1, 7, 32]) {
        const bytes = await bus.readRegister(CONTRACT_CHIP_ADDRESS, 0x40, length)
        t.ok(bytes instanceof Uint8Array, `readRegister ${length}`)
        t.strictSame([...bytes], Array.from({ length }, (_, index) => 0x40 + index))
        t.equal((await bus.read(CONTRACT_CHIP_ADDRESS, length)).length, length, `read ${length}`)
      }
      await bus.close()
    })

    t.test('refuses bad arguments with a TypeError, before any transfer', async (t) => {
      const { chip, bus } = await subject(t)
      const one = Uint8Array.of(1)
      for (const address of [0x02, 0x78, -1, 1.5, 0x100]) {
        await t.rejects(bus.write(address, one), TypeError, `write ${address}`)
        await t.rejects(bus.read(address, 1), TypeError, `read ${address}`)
        await t.rejects(bus.writeRegister(address, 0, one), TypeError, `writeRegister ${address}`)
        await t.rejects(bus.readRegister(address, 0, 1), TypeError, `readRegister ${address}`)
      }
      await t.rejects(bus.writeRegister(CONTRACT_CHIP_ADDRESS, 0x100, one), TypeError, 'register above 0xff')
      await t.rejects(bus.readRegister(CONTRACT_CHIP_ADDRESS, -1, 1), TypeError, 'negative register')
      await t.rejects(bus.readRegister(CONTRACT_CHIP_ADDRESS, 0, 0), TypeError, 'zero length')
      await t.rejects(bus.readRegister(CONTRACT_CHIP_ADDRESS, 0, 33), TypeError, 'beyond the block limit')
      await t.rejects(bus.writeRegister(CONTRACT_CHIP_ADDRESS, 0, new Uint8Array(33)), TypeError, 'long block write')
      await t.rejects(bus.write(CONTRACT_CHIP_ADDRESS, new Uint8Array(0)), TypeError, 'empty write')
      t.equal(chip.registers.reduce((sum, value) => sum + value, 0), 0, 'the chip saw no data')
      await bus.close()
    })

    t.test('an address nobody answers rejects with E_I2C_NACK naming it', async (t) => {
      const { bus } = await subject(t)
      const nack = { code: 'E_I2C_NACK', context: { address: EMPTY_ADDRESS } }
      for (const [kind, transfer] of [
        ['write', () => bus.write(EMPTY_ADDRESS, Uint8Array.of(0))],
        ['read', () => bus.read(EMPTY_ADDRESS, 1)],
        ['writeRegister', () => bus.writeRegister(EMPTY_ADDRESS, 0, Uint8Array.of(0))],
        ['readRegister', () => bus.readRegister(EMPTY_ADDRESS, 0, 1)],
      ] as const) {
        const error = await transfer().then(
          () => undefined,
          (error: unknown) => error,
        )
        t.ok(error instanceof StationError, `${kind} rejects with a StationError`)
        t.match(error, nack, kind)
      }
      t.strictSame([...(await bus.readRegister(CONTRACT_CHIP_ADDRESS, 0, 1))], [0], 'the bus still works')
      await bus.close()
    })

    t.test('transactions issued together complete in call order, each whole', async (t) => {
      const { bus } = await subject(t)
      const results = await Promise.all([
        bus.writeRegister(CONTRACT_CHIP_ADDRESS, 0x30, Uint8Array.of(1, 1)),
        bus.readRegister(CONTRACT_CHIP_ADDRESS, 0x30, 2),
        bus.writeRegister(CONTRACT_CHIP_ADDRESS, 0x30, Uint8Array.of(2, 2)),
        bus.readRegister(CONTRACT_CHIP_ADDRESS, 0x30, 2),
      ])
      t.strictSame([...(results[1] ?? [])], [1, 1])
      t.strictSame([...(results[3] ?? [])], [2, 2])
      await bus.close()
    })

    t.test('close lets the transfers called before it finish, and resolves after them', async (t) => {
      const { bus } = await subject(t)
      const written = bus.writeRegister(CONTRACT_CHIP_ADDRESS, 0x60, Uint8Array.of(0x5a))
      const read = bus.readRegister(CONTRACT_CHIP_ADDRESS, 0x60, 1)
      let readDone = false
      void read.then(() => (readDone = true), () => undefined)
      await bus.close()
      t.equal(readDone, true, 'the read finished before close resolved')
      await written
      t.strictSame([...(await read)], [0x5a])
    })

    t.test('close is idempotent; every transfer after it rejects with E_I2C_IO (EBADF)', async (t) => {
      const { chip, bus } = await subject(t)
      await bus.writeRegister(CONTRACT_CHIP_ADDRESS, 0, Uint8Array.of(5))
      await bus.close()
      await bus.close()
      const closed = { code: 'E_I2C_IO', context: { errno: 'EBADF' } }
      await t.rejects(bus.write(CONTRACT_CHIP_ADDRESS, Uint8Array.of(0, 9)), closed, 'write')
      await t.rejects(bus.read(CONTRACT_CHIP_ADDRESS, 1), closed, 'read')
      await t.rejects(bus.writeRegister(CONTRACT_CHIP_ADDRESS, 0, Uint8Array.of(9)), closed, 'writeRegister')
      await t.rejects(bus.readRegister(CONTRACT_CHIP_ADDRESS, 0, 1), closed, 'readRegister')
      await t.rejects(bus.read(EMPTY_ADDRESS, 1), closed, 'also at an address never used before')
      t.equal(chip.registers[0], 5, 'nothing reached the chip after close')
      await bus.close()
    })
  })
}
