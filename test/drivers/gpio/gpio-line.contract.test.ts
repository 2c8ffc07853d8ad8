import { join } from 'node:path'
import t from 'tap'
import { OnoffLine, openOnoffLine } from '../../../drivers/gpio/onoff-gpio.js'
import { openPigpioLine } from '../../../drivers/gpio/pigpio-gpio.js'
import { SimGpioChip } from '../../../drivers/gpio/sim-gpio.js'
import { describeGpioLineContract } from '../../support/contracts/gpio-line-contract.js'
import { createOnoffModel, createPigpioModel, PI4_SYSFS_GPIO } from '../../support/gpio-modules.js'
import { testDir } from '../../support/test-dir.js'

const BCM = 17

describeGpioLineContract(t, 'SimGpioChip line', async (_t, _direction) => {
  const chip = new SimGpioChip({ tickUs: () => performance.now() * 1000 })
  return { line: chip.line(BCM), drive: (level) => chip.drive(BCM, level), level: () => chip.level(BCM) }
})

describeGpioLineContract(t, 'OnoffLine over sysfs', async (t, direction) => {
  const { module, pins } = createOnoffModel()
  // A tick source past the 32-bit wrap, as performance.now() is after 71.6 min of uptime.
  let tickUs = 2 ** 32 - 2
  const line = await openOnoffLine({
    bcm: BCM,
    direction,
    sysfsRoot: testDir(t, PI4_SYSFS_GPIO),
    loadModule: async () => module,
    tickUs: () => tickUs++,
  })
  t.ok(line instanceof OnoffLine)
  return { line, drive: (level) => pins.drive(BCM, level), level: () => pins.level(BCM) }
})

describeGpioLineContract(t, 'PigpioLine', async (t, direction) => {
  const { module, pins } = createPigpioModel()
  const line = await openPigpioLine({
    bcm: BCM,
    direction,
    modelPath: join(testDir(t, { model: 'Raspberry Pi 4 Model B Rev 1.5\0' }), 'model'),
    loadModule: async () => module,
  })
  return { line, drive: (level) => pins.drive(BCM, level), level: () => pins.level(BCM) }
})
