import type { HardwareConfig } from '../config/schema.js'
import { openOnoffLine } from '../drivers/gpio/onoff-gpio.js'
import { openPigpioLine } from '../drivers/gpio/pigpio-gpio.js'
import { openNativeI2cBus } from '../drivers/i2c/native-i2c-bus.js'
import { Pn532HsuTransport } from '../drivers/nfc/pn532-hsu-transport.js'
import { Pn532I2cTransport } from '../drivers/nfc/pn532-i2c-transport.js'
import { openSerialportLink } from '../drivers/serial/serialport-link.js'
import { StationError } from './errors.js'
import type { Hardware } from './hardware.js'

/** Real buses and lines. Each adapter imports its native module lazily, on first use. */
export async function openNativeHardware(config: HardwareConfig): Promise<Hardware> {
  const i2c = await openNativeI2cBus(config.display.bus)
  return {
    i2c,
    openScannerLink: () => openSerialportLink({ path: config.scanner.path, baudRate: config.scanner.baudRate }),
    openPrinterLink: () => openSerialportLink({ path: config.printer.path, baudRate: config.printer.baudRate }),
    async openNfcTransport(clock) {
      if (!config.nfc.enabled) throw new StationError('E_DEVICE_ABSENT', 'no NFC reader is configured (hardware.nfc.enabled is false)')
      if (config.nfc.interface === 'i2c') {
        // The display's bus object serves the NFC reader when they share a bus (the usual /dev/i2c-1).
        const nfcBus = config.nfc.bus === config.display.bus ? i2c : await openNativeI2cBus(config.nfc.bus)
        return new Pn532I2cTransport(nfcBus, { clock, address: config.nfc.address })
      }
      const link = await openSerialportLink({ path: config.nfc.path, baudRate: config.nfc.baudRate })
      return new Pn532HsuTransport(link, { clock })
    },
    async openGpioLine(request) {
      if (request.backend === 'pigpio') {
        return openPigpioLine({ bcm: request.bcm, direction: request.direction, ...(request.pull ? { pull: request.pull } : {}) })
      }
      return openOnoffLine({
        bcm: request.bcm,
        direction: request.direction,
        ...(request.edge ? { edge: request.edge } : {}),
        sysfsRoot: config.gpio.sysfsRoot,
      })
    },
    sim: null,
    async close() {
      await i2c.close()
    },
  }
}
