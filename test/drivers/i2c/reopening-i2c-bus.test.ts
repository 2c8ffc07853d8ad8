import t from 'tap'
import type { I2cBus } from '../../../drivers/i2c/i2c-bus.js'
import { openNativeI2cBus } from '../../../drivers/i2c/native-i2c-bus.js'
import { ReopeningI2cBus } from '../../../drivers/i2c/reopening-i2c-bus.js'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { SimMpr121 } from '../../../drivers/keypad/sim-mpr121.js'
import { CONFIG2 } from '../../../drivers/keypad/mpr121-registers.js'
import { testDir } from '../../support/test-dir.js'

t.test('a bus that cannot be opened fails each transfer with the reason, and is opened once it can be', async (t) => {
  const deviceDir = testDir(t, {})
  let opens = 0
  let present = false
  const sim = new SimI2cBus()
  sim.attach(0x5a, new SimMpr121())
  const bus = new ReopeningI2cBus(async (): Promise<I2cBus> => {
    opens += 1
    // The real opener's check of the device node, on a folder where it is missing.
    if (!present) return openNativeI2cBus(1, { deviceDir })
    return sim
  })
  t.equal(opens, 0, 'nothing is opened before the first transfer')
  await t.rejects(bus.readRegister(0x5a, CONFIG2, 1), { code: 'E_DEVICE_ABSENT', message: /i2c-1 is missing.*group i2c/ })
  await t.rejects(bus.write(0x5a, Uint8Array.of(0)), { code: 'E_DEVICE_ABSENT' })
  t.equal(opens, 2, 'each transfer after a failed open tries again')

  present = true
  t.same(await bus.readRegister(0x5a, CONFIG2, 1), Uint8Array.of(0x24), 'the MPR121 answers once the bus is there')
  await bus.writeRegister(0x5a, 0x5e, Uint8Array.of(0))
  t.equal((await bus.read(0x5a, 1)).length, 1)
  t.equal(opens, 3, 'an open bus is kept')

  await bus.close()
  await bus.close()
  await t.rejects(bus.read(0x5a, 1), { code: 'E_I2C_IO', message: /closed/ })
  await t.rejects(sim.read(0x5a, 1), { code: 'E_I2C_IO' }, 'closing closed the bus it had opened')
})

t.test('transfers that arrive while the bus is opening share one open', async (t) => {
  let opens = 0
  const sim = new SimI2cBus()
  sim.attach(0x5a, new SimMpr121())
  const bus = new ReopeningI2cBus(async () => {
    opens += 1
    await new Promise((resolve) => setTimeout(resolve, 10))
    return sim
  })
  await Promise.all([bus.read(0x5a, 1), bus.read(0x5a, 1), bus.readRegister(0x5a, CONFIG2, 1)])
  t.equal(opens, 1)
  await bus.close()
})
