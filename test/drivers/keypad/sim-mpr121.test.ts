import t from 'tap'
import { initWrites } from '../../../drivers/keypad/mpr121-codec.js'
import { SimMpr121 } from '../../../drivers/keypad/sim-mpr121.js'

function writeRegister(chip: SimMpr121, register: number, ...values: number[]): void {
  chip.write(Uint8Array.of(register, ...values))
}

function readRegister(chip: SimMpr121, register: number, length: number): number[] {
  chip.write(Uint8Array.of(register))
  return [...chip.read(length)]
}

/** A chip configured the Adafruit way: 12 electrodes, running. */
function runningChip(): SimMpr121 {
  const chip = new SimMpr121()
  for (const { register, value } of initWrites({ touchThreshold: 12, releaseThreshold: 6 })) {
    writeRegister(chip, register, value)
  }
  return chip
}

t.test('comes out of reset with CONFIG1 0x10 and CONFIG2 0x24 and in stop mode', async (t) => {
  const chip = new SimMpr121()
  t.strictSame(readRegister(chip, 0x5c, 3), [0x10, 0x24, 0x00])
  t.notOk(chip.running)
})

t.test('ignores configuration writes outside stop mode', async (t) => {
  const chip = runningChip()
  t.ok(chip.running)
  writeRegister(chip, 0x41, 40)
  writeRegister(chip, 0x5d, 0x3f)
  t.strictSame(readRegister(chip, 0x41, 1), [12], 'threshold unchanged')
  t.strictSame(readRegister(chip, 0x5d, 1), [0x20], 'CONFIG2 unchanged')
  t.strictSame(chip.writes.slice(-2), [
    { register: 0x41, value: 40, mode: 'run', applied: false },
    { register: 0x5d, value: 0x3f, mode: 'run', applied: false },
  ])
  writeRegister(chip, 0x5e, 0x00)
  writeRegister(chip, 0x41, 40)
  t.strictSame(readRegister(chip, 0x41, 1), [40], 'accepted in stop mode')
})

t.test('accepts ECR and GPIO writes while running', async (t) => {
  const chip = runningChip()
  writeRegister(chip, 0x77, 0x01)
  t.strictSame(readRegister(chip, 0x77, 1), [0x01])
  writeRegister(chip, 0x5e, 0x00)
  t.notOk(chip.running)
})

t.test('soft reset restores CONFIG2 = 0x24 and stop mode; other values at 0x80 do nothing', async (t) => {
  const chip = runningChip()
  writeRegister(chip, 0x80, 0x62)
  t.ok(chip.running)
  writeRegister(chip, 0x80, 0x63)
  t.strictSame(readRegister(chip, 0x5d, 1), [0x24])
  t.notOk(chip.running)
  t.strictSame(readRegister(chip, 0x41, 1), [0], 'thresholds back to 0')
})

t.test('touch status follows touch and release only for enabled electrodes while running', async (t) => {
  const chip = new SimMpr121()
  chip.touch(2)
  t.strictSame(readRegister(chip, 0x00, 2), [0, 0], 'stop mode: nothing measured')
  chip.release(2)
  writeRegister(chip, 0x5e, 0x84) // electrodes 0..3
  chip.touch(0)
  chip.touch(2)
  chip.touch(9)
  t.strictSame(readRegister(chip, 0x00, 2), [0x05, 0x00], 'electrode 9 is not enabled')
  writeRegister(chip, 0x5e, 0x8c)
  chip.release(0)
  t.strictSame(readRegister(chip, 0x00, 2), [0x04, 0x02])
  t.throws(() => chip.touch(12), TypeError)
})

t.test('reports the proximity channel when ELEPROX is enabled', async (t) => {
  const chip = new SimMpr121()
  chip.setProximity(true)
  writeRegister(chip, 0x5e, 0x8c)
  t.strictSame(readRegister(chip, 0x00, 2), [0, 0])
  writeRegister(chip, 0x5e, 0x00)
  writeRegister(chip, 0x5e, 0xbc)
  t.strictSame(readRegister(chip, 0x00, 2), [0, 0x10])
})

t.test('over-current sets OVCF and stops the chip until the flag is cleared', async (t) => {
  const chip = runningChip()
  chip.touch(1)
  chip.setOverCurrent(true)
  t.notOk(chip.running)
  t.strictSame(readRegister(chip, 0x00, 2), [0x00, 0x80])
  writeRegister(chip, 0x5e, 0x8f)
  t.notOk(chip.running, 'cannot run while the fault lasts')
  chip.setOverCurrent(false)
  writeRegister(chip, 0x5e, 0x8f)
  t.notOk(chip.running, 'the flag is still latched')
  writeRegister(chip, 0x01, 0x80)
  writeRegister(chip, 0x5e, 0x8f)
  t.ok(chip.running)
  chip.release(1)
  chip.touch(1)
  t.strictSame(readRegister(chip, 0x00, 2), [0x02, 0x00])
})

t.test('multi-byte reads and writes auto-increment the register pointer', async (t) => {
  const chip = new SimMpr121()
  writeRegister(chip, 0x41, 1, 2, 3, 4)
  t.strictSame(readRegister(chip, 0x41, 4), [1, 2, 3, 4])
  t.strictSame([...chip.read(1)], [0], 'pointer moved on to 0x45')
})

t.test('raises IRQ on a status change and releases it when the status is read', async (t) => {
  const chip = runningChip()
  t.notOk(chip.irqAsserted)
  chip.touch(4)
  t.ok(chip.irqAsserted)
  readRegister(chip, 0x00, 2)
  t.notOk(chip.irqAsserted)
})

t.test('failNext makes the next transactions fail like a NACK or a bus error', async (t) => {
  const chip = new SimMpr121()
  chip.failNext('nack', 2)
  t.throws(() => chip.write(Uint8Array.of(0x5d)), { code: 'E_I2C_NACK', context: { errno: 'EREMOTEIO' } })
  t.throws(() => chip.read(1), { code: 'E_I2C_NACK' })
  t.strictSame(readRegister(chip, 0x5d, 1), [0x24])
  chip.failNext('eio')
  t.throws(() => chip.read(1), { code: 'E_I2C_IO', context: { errno: 'EIO' } })
})

t.test('a power cycle resets registers; a finger left on a pad is part of the new baseline', async (t) => {
  const chip = runningChip()
  chip.touch(3)
  chip.powerCycle()
  t.notOk(chip.running)
  t.equal(chip.peek(0x5d), 0x24)
  writeRegister(chip, 0x5e, 0x8c)
  t.strictSame(readRegister(chip, 0x00, 2), [0x00, 0x00], 'baseline captured with the finger on')
  chip.release(3)
  chip.touch(3)
  t.strictSame(readRegister(chip, 0x00, 2), [0x08, 0x00])
})
