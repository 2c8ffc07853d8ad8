import t from 'tap'
import { defaultConfig } from '../../config/defaults.js'
import type { HardwareConfig } from '../../config/schema.js'
import { Hd44780Display } from '../../drivers/display/hd44780-display.js'
import { systemClock } from '../../runtime/core/clock.js'
import { openHardware, type OpenedHardware } from '../../runtime/hardware/open-hardware.js'
import type { SimRig } from '../../runtime/hardware/sim-rig.js'

/** A backpack strapped to 0x3f and a keypad with ADDR tied to VDD (0x5b), so defaults cannot pass by luck. */
function simConfig(): HardwareConfig {
  const hardware = defaultConfig('/nonexistent/data', '/nonexistent/flows').hardware
  return {
    ...hardware,
    simulated: true,
    display: { ...hardware.display, address: 0x3f },
    keypad: { ...hardware.keypad, address: 0x5b },
  }
}

function rigOf(opened: OpenedHardware): SimRig {
  if (!opened.sim) throw new Error('expected a simulated rig')
  return opened.sim
}

/** MPR121 Electrode Configuration Register (data sheet, register map): bits 0-3 enable electrodes, so nonzero = run mode. */
const MPR121_ECR = 0x5e

t.test('the simulated rig puts the LCD and the keypad at the configured addresses', async (t) => {
  const opened = await openHardware(simConfig())
  const { hardware } = opened
  t.teardown(() => hardware.close())
  const rig = rigOf(opened)

  const display = new Hd44780Display({ bus: hardware.i2c, clock: systemClock }, { ...simConfig().display })
  await display.start()
  await display.show(['Xin chao', 'row two', '', ''])
  t.equal(rig.lcd.initialised, true, 'the display driver reached the LCD at 0x3f')
  t.match(rig.lcd.rows()[0], /^Xin chao/)
  await display.stop()

  await hardware.i2c.writeRegister(0x5b, MPR121_ECR, Uint8Array.of(0x8c))
  t.equal(rig.keypad.peek(MPR121_ECR), 0x8c, 'a write to 0x5b reaches the MPR121')
  t.equal(rig.keypad.running, true)

  await t.rejects(hardware.i2c.read(0x27, 1), { code: 'E_I2C_NACK' }, 'nothing answers at the default LCD address')
  await t.rejects(hardware.i2c.read(0x5a, 1), { code: 'E_I2C_NACK' }, 'nothing answers at the default keypad address')
})

t.test('the scanner and printer exist only once their links are opened', async (t) => {
  const opened = await openHardware(simConfig())
  const { hardware } = opened
  t.teardown(() => hardware.close())
  const rig = rigOf(opened)
  t.throws(() => rig.scanner(), /not connected yet/)
  t.throws(() => rig.printer(), /not connected yet/)
  t.equal(rig.scannerCable(), null)

  const scannerLink = await hardware.openScannerLink()
  t.equal(scannerLink.path, '/dev/serial/by-id/usb-scanner')
  t.equal(rig.scannerCable(), scannerLink, 'the rig can unplug the cable the station holds')
  const received: number[] = []
  scannerLink.onData((chunk) => received.push(...chunk))
  await rig.scanner().present('HELLO')
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(Buffer.from(received).toString('utf8'), 'HELLO\r\n', 'what the sim scanner reads reaches the station end')

  const printerLink = await hardware.openPrinterLink()
  t.equal(printerLink.path, '/dev/serial/by-id/usb-printer')
  t.equal(rig.printer().offline, false)
})

t.test('paper and cover survive a printer cable replug, like the real box', async (t) => {
  const opened = await openHardware(simConfig())
  const { hardware } = opened
  t.teardown(() => hardware.close())
  const rig = rigOf(opened)
  rig.setPaper('out')
  const first = await hardware.openPrinterLink()
  t.equal(rig.printer().offline, true, 'paper taken out before the cable was plugged in')
  rig.setPaper('ok')
  t.equal(rig.printer().offline, false)
  rig.setCoverOpen(true)
  const before = rig.printer()
  await first.close()
  await hardware.openPrinterLink()
  t.not(rig.printer(), before, 'a new cable has a new far end')
  t.equal(rig.printer().offline, true, 'the cover is still open')
  rig.setCoverOpen(false)
  t.equal(rig.printer().offline, false)
})

t.test('close shuts the simulated bus', async (t) => {
  const { hardware } = await openHardware(simConfig())
  await hardware.close()
  await t.rejects(hardware.i2c.read(0x3f, 1))
})

t.test('real hardware without an I2C bus node opens, and each I2C transfer is refused as absent with the reason', async (t) => {
  const config = simConfig()
  const { hardware, sim } = await openHardware({ ...config, simulated: false, display: { ...config.display, bus: 250 } })
  t.equal(sim, undefined, 'real hardware comes without a simulated rig')
  await t.rejects(hardware.i2c.read(0x27, 1), { code: 'E_DEVICE_ABSENT', message: /\/dev\/i2c-250 is missing.*group i2c/ })
  await t.rejects(hardware.i2c.write(0x27, Uint8Array.of(0)), { code: 'E_DEVICE_ABSENT' }, 'tried again, still absent')
  await hardware.close()
})
