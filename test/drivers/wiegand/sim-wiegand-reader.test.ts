import t from 'tap'
import { SimGpioChip } from '../../../drivers/gpio/sim-gpio.js'
import { SimWiegandReader } from '../../../drivers/wiegand/sim-wiegand-reader.js'

t.test('idles both lines high from construction on', async (t) => {
  const chip = new SimGpioChip()
  new SimWiegandReader({ chip, d0: 1, d1: 2 })
  t.equal(chip.level(1), 1)
  t.equal(chip.level(2), 1)
})

t.test('sends 0 as a 50 µs low pulse on DATA0 and 1 on DATA1, one every 2 ms', async (t) => {
  const chip = new SimGpioChip({ idleLevel: 1 })
  const sim = new SimWiegandReader({ chip, d0: 1, d1: 2, startTickUs: 1_000_000 })
  sim.present('010')
  t.strictSame(chip.history(1), [
    { level: 0, tickUs: 1_000_000, by: 'drive' },
    { level: 1, tickUs: 1_000_050, by: 'drive' },
    { level: 0, tickUs: 1_004_000, by: 'drive' },
    { level: 1, tickUs: 1_004_050, by: 'drive' },
  ])
  t.strictSame(chip.history(2), [
    { level: 0, tickUs: 1_002_000, by: 'drive' },
    { level: 1, tickUs: 1_002_050, by: 'drive' },
  ])
  t.equal(sim.nextTickUs, 1_004_000 + 100_000, 'the next frame follows after the frame gap')
})

t.test('pulses both lines together for *', async (t) => {
  const chip = new SimGpioChip({ idleLevel: 1 })
  const sim = new SimWiegandReader({ chip, d0: 1, d1: 2, pulseWidthUs: 100, pulseIntervalUs: 1000 })
  sim.present('*')
  t.strictSame(chip.history(1).map((change) => [change.level, change.tickUs]), [[0, 0], [1, 100]])
  t.strictSame(chip.history(2).map((change) => [change.level, change.tickUs]), [[0, 0], [1, 100]])
})

t.test('wraps ticks at 2^32 when started near the wrap', async (t) => {
  const chip = new SimGpioChip({ idleLevel: 1 })
  const sim = new SimWiegandReader({ chip, d0: 1, d1: 2, startTickUs: 2 ** 32 - 2000 })
  sim.present('00')
  t.strictSame(chip.history(1).map((change) => change.tickUs), [2 ** 32 - 2000, 2 ** 32 - 1950, 0, 50])
})

t.test('takes a start tick and interval per frame, and encodes cards', async (t) => {
  const chip = new SimGpioChip({ idleLevel: 1 })
  const sim = new SimWiegandReader({ chip, d0: 1, d1: 2 })
  sim.presentCard26(1, 1, { startTickUs: 500, pulseIntervalUs: 1000 })
  const ones = chip.history(2).filter((change) => change.level === 0).map((change) => change.tickUs)
  // 10000000100000000000000010: ones at bit 0, 8 and 24
  t.strictSame(ones, [500, 8500, 24_500])
  sim.presentCard34(0, 0)
  t.equal(chip.history(1).filter((change) => change.level === 0).length, 23 + 33, 'zeros of both frames')
})

t.test('refuses frames with other characters and pulses as long as the interval', async (t) => {
  const chip = new SimGpioChip()
  const sim = new SimWiegandReader({ chip, d0: 1, d1: 2 })
  t.throws(() => sim.present('01x'), TypeError)
  t.throws(() => new SimWiegandReader({ chip, d0: 1, d1: 2, pulseWidthUs: 2000 }), TypeError)
})
