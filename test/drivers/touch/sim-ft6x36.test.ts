import t from 'tap'
import { decodeTouchReport } from '../../../drivers/touch/ft6x36-codec.js'
import { SimFt6x36 } from '../../../drivers/touch/sim-ft6x36.js'
import { vectorsFor } from '../../support/vectors.js'

function readRegister(chip: SimFt6x36, register: number, length: number): number[] {
  chip.write(Uint8Array.of(register))
  return [...chip.read(length)]
}

function writeRegister(chip: SimFt6x36, register: number, ...values: number[]): void {
  chip.write(Uint8Array.of(register, ...values))
}

/** The 16-byte report block as the driver reads it, as uppercase hex like the vectors. */
function reportHex(chip: SimFt6x36): string {
  return readRegister(chip, 0x00, 16)
    .map((byte) => byte.toString(16).toUpperCase().padStart(2, '0'))
    .join(' ')
}

function vectorBytes(name: string): string {
  const vector = vectorsFor('ft6x36').find((candidate) => candidate.name === name)
  if (vector === undefined) throw new Error(`vector ft6x36/${name} is missing`)
  return String(vector.input['bytes'])
}

t.test('identifies itself as an FT6236 from FocalTech by default, and as told otherwise', async (t) => {
  const chip = new SimFt6x36()
  t.strictSame(readRegister(chip, 0xa1, 8), [0x30, 0x03, 0x36, 0x00, 0x00, 0x10, 0x00, 0x11])
  const clone = new SimFt6x36({ chipId: 0x64, vendorId: 0x88, firmwareVersion: 0x02, libraryVersion: 0x0102 })
  t.strictSame(readRegister(clone, 0xa1, 3), [0x01, 0x02, 0x64])
  t.equal(clone.peek(0xa6), 0x02)
  t.equal(clone.peek(0xa8), 0x88)
})

t.test('reports a held finger exactly as ft6x36/one_touch_contact, put-down on the first read', async (t) => {
  const chip = new SimFt6x36()
  t.equal(reportHex(chip), '00 00 00 FF FF FF FF FF FF FF FF FF FF FF FF FF', 'power-on: no touches')
  chip.touch(0, 123, 456)
  t.equal(reportHex(chip), '00 00 01 00 7B 01 C8 00 00 FF FF FF FF FF FF FF', 'put-down until read once')
  t.equal(reportHex(chip), vectorBytes('one_touch_contact'))
})

t.test('after a lift TD_STATUS is 0 and P1 keeps the old point flagged put-up (ft6x36/release_td_status_zero)', async (t) => {
  const chip = new SimFt6x36()
  chip.touch(0, 123, 456)
  reportHex(chip)
  chip.lift(0)
  t.equal(reportHex(chip), vectorBytes('release_td_status_zero'))
  chip.lift(0)
  t.strictSame(chip.touchIds, [], 'lifting again does nothing')
})

t.test('tracks two fingers, ignores a third, and moves the remaining point into P1 after a lift', async (t) => {
  const chip = new SimFt6x36()
  chip.touch(0, 100, 200)
  chip.touch(1, 300, 400)
  chip.touch(2, 500, 600)
  t.strictSame(chip.touchIds, [0, 1], 'third finger not tracked')
  readRegister(chip, 0x00, 16)
  t.strictSame(decodeTouchReport(Uint8Array.from(readRegister(chip, 0x00, 16)), { maxPoints: 2 }), {
    touches: 2,
    points: [
      { id: 0, event: 'contact', x: 100, y: 200 },
      { id: 1, event: 'contact', x: 300, y: 400 },
    ],
  })
  chip.lift(0)
  t.strictSame(readRegister(chip, 0x02, 13), [
    0x01,
    ...[0x81, 0x2c, 0x11, 0x90, 0x00, 0x00], // P1: id 1, contact, (300, 400)
    ...[0x40, 0x64, 0x00, 0xc8, 0x00, 0x00], // P2: id 0, put-up, (100, 200)
  ])
})

t.test('a finger that moves keeps its touch ID and reads contact', async (t) => {
  const chip = new SimFt6x36()
  chip.touch(5, 10, 20)
  readRegister(chip, 0x00, 16)
  chip.touch(5, 4095, 4095)
  t.strictSame(decodeTouchReport(Uint8Array.from(readRegister(chip, 0x00, 16)), { maxPoints: 2 }).points, [
    { id: 5, event: 'contact', x: 4095, y: 4095 },
  ])
})

t.test('a read that stops before the point slots does not use up the put-down event', async (t) => {
  const chip = new SimFt6x36()
  chip.touch(0, 1, 2)
  t.strictSame(readRegister(chip, 0x02, 1), [1])
  t.strictSame(readRegister(chip, 0x03, 1), [0x00], 'still put-down')
  t.strictSame(readRegister(chip, 0x03, 1), [0x80], 'contact once read')
})

t.test('refuses touches the chip could not report', async (t) => {
  const chip = new SimFt6x36()
  t.throws(() => chip.touch(16, 0, 0), TypeError)
  t.throws(() => chip.touch(0, 4096, 0), TypeError)
  t.throws(() => chip.touch(0, 0, -1), TypeError)
  t.throws(() => chip.touch(0.5, 0, 0), TypeError)
})

t.test('the register pointer auto-increments on writes and reads and wraps at 0xFF', async (t) => {
  const chip = new SimFt6x36()
  writeRegister(chip, 0x86, 0x01, 0x0a, 0x06)
  t.strictSame(readRegister(chip, 0x86, 3), [0x01, 0x0a, 0x06])
  t.strictSame([...chip.read(1)], [0x00], 'pointer moved on to 0x89')
  t.strictSame(readRegister(chip, 0xff, 3), [0x00, 0x00, 0x00], 'wraps to DEV_MODE and GEST_ID')
})

t.test('touch data and identity registers ignore writes; configuration registers take them', async (t) => {
  const chip = new SimFt6x36()
  chip.touch(0, 123, 456)
  writeRegister(chip, 0x02, 0x00)
  writeRegister(chip, 0xa3, 0x99)
  writeRegister(chip, 0x80, 0x46)
  t.equal(chip.peek(0x02), 0x01)
  t.equal(chip.peek(0xa3), 0x36)
  t.equal(chip.peek(0x80), 0x46)
  t.strictSame(chip.writes, [
    { register: 0x02, value: 0x00, applied: false },
    { register: 0xa3, value: 0x99, applied: false },
    { register: 0x80, value: 0x46, applied: true },
  ])
})

t.test('INT in polling mode is asserted for as long as a finger is down', async (t) => {
  const chip = new SimFt6x36()
  t.notOk(chip.irqAsserted)
  chip.touch(0, 1, 1)
  t.ok(chip.irqAsserted)
  readRegister(chip, 0x00, 16)
  t.ok(chip.irqAsserted, 'reading does not release it')
  chip.lift(0)
  t.notOk(chip.irqAsserted)
})

t.test('INT in trigger mode is pending per new report until TD_STATUS is read', async (t) => {
  const chip = new SimFt6x36({ interruptMode: 'trigger' })
  t.equal(chip.peek(0xa4), 0x01)
  chip.touch(0, 1, 1)
  t.ok(chip.irqAsserted)
  readRegister(chip, 0x00, 2)
  t.ok(chip.irqAsserted, 'TD_STATUS not read yet')
  readRegister(chip, 0x02, 1)
  t.notOk(chip.irqAsserted, 'held finger, no new report')
  chip.lift(0)
  t.ok(chip.irqAsserted, 'the lift is a new report')
  writeRegister(chip, 0xa4, 0x00)
  t.notOk(chip.irqAsserted, 'switched to polling mode with nothing touched')
})

t.test('failNext makes the next transactions fail like a NACK or a bus error', async (t) => {
  const chip = new SimFt6x36()
  chip.failNext('nack', 2)
  t.throws(() => chip.write(Uint8Array.of(0xa3)), { code: 'E_I2C_NACK', context: { errno: 'EREMOTEIO' } })
  t.throws(() => chip.read(1), { code: 'E_I2C_NACK' })
  t.strictSame(readRegister(chip, 0xa3, 1), [0x36])
  chip.failNext('eio')
  t.throws(() => chip.read(1), { code: 'E_I2C_IO', context: { errno: 'EIO' } })
  t.strictSame([...chip.read(1)], [0x00])
  t.throws(() => chip.failNext('eio', 0), TypeError)
})

t.test('hibernate stops the chip answering until a power cycle; fingers stay on the glass', async (t) => {
  const chip = new SimFt6x36()
  chip.touch(1, 50, 60)
  writeRegister(chip, 0x80, 0x20)
  writeRegister(chip, 0xa5, 0x03)
  t.ok(chip.hibernating)
  t.notOk(chip.irqAsserted)
  t.throws(() => readRegister(chip, 0x00, 16), { code: 'E_I2C_NACK' })
  chip.powerCycle()
  t.notOk(chip.hibernating)
  t.equal(chip.peek(0x80), 0x80, 'threshold back to its power-on value')
  t.strictSame(decodeTouchReport(Uint8Array.from(readRegister(chip, 0x00, 16)), { maxPoints: 2 }).points, [
    { id: 1, event: 'down', x: 50, y: 60 },
  ])
})
