import t from 'tap'
import { openNativeI2cBus } from '../../../drivers/i2c/native-i2c-bus.js'
import { ReopeningI2cBus } from '../../../drivers/i2c/reopening-i2c-bus.js'
import { RetryingI2cBus } from '../../../drivers/i2c/retrying-i2c-bus.js'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { systemClock } from '../../../runtime/core/clock.js'
import { CONTRACT_CHIP_ADDRESS, describeI2cBusContract } from '../../support/contracts/i2c-bus-contract.js'
import { createI2cDevAdapter } from '../../support/i2c-dev-module.js'
import { testDir } from '../../support/test-dir.js'

describeI2cBusContract(t, 'SimI2cBus', async ({ chip }) => {
  const bus = new SimI2cBus()
  bus.attach(CONTRACT_CHIP_ADDRESS, chip)
  return bus
})

describeI2cBusContract(t, 'NativeI2cBus over an i2c-dev adapter', async ({ t, chip }) => {
  const adapter = createI2cDevAdapter()
  adapter.devices.set(CONTRACT_CHIP_ADDRESS, chip)
  const deviceDir = testDir(t, { 'i2c-1': '' })
  return openNativeI2cBus(1, { deviceDir, loadModule: async () => adapter.module })
})

describeI2cBusContract(t, 'ReopeningI2cBus', async ({ chip }) => {
  const sim = new SimI2cBus()
  sim.attach(CONTRACT_CHIP_ADDRESS, chip)
  return new ReopeningI2cBus(async () => sim)
})

describeI2cBusContract(t, 'RetryingI2cBus', async ({ chip }) => {
  const sim = new SimI2cBus()
  sim.attach(CONTRACT_CHIP_ADDRESS, chip)
  return new RetryingI2cBus(sim, { clock: systemClock, retryDelayMs: 1 })
})
