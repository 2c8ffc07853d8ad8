import type { HardwareConfig } from '../../config/schema.js'
import { openOnoffLine } from '../../drivers/gpio/onoff-gpio.js'
import { openPigpioLine } from '../../drivers/gpio/pigpio-gpio.js'
import type { I2cBus } from '../../drivers/i2c/i2c-bus.js'
import { openNativeI2cBus } from '../../drivers/i2c/native-i2c-bus.js'
import { ReopeningI2cBus } from '../../drivers/i2c/reopening-i2c-bus.js'
import { Pn532HsuTransport } from '../../drivers/nfc/pn532-hsu-transport.js'
import { Pn532I2cTransport } from '../../drivers/nfc/pn532-i2c-transport.js'
import { openSerialportLink } from '../../drivers/serial/serialport-link.js'
import { StationError } from '../core/errors.js'
import type { Hardware } from './hardware.js'

/** Real buses and lines. Each adapter imports its native module lazily, on first use. */
export async function openNativeHardware(config: HardwareConfig): Promise<Hardware> {
  // Opened on first use: a missing /dev/i2c-N makes the I2C devices absent (with the reason), not the station.
  const i2c = new ReopeningI2cBus(() => openNativeI2cBus(config.display.bus))
  // An NFC reader on another I2C bus gets that bus once, kept across reader restarts, closed with the rest.
  let nfcBus: I2cBus | null = null
  return {
    i2c,
    rawI2c: i2c,
    openScannerLink: () => openSerialportLink({ path: config.scanner.path, baudRate: config.scanner.baudRate }),
    openPrinterLink: () => openSerialportLink({ path: config.printer.path, baudRate: config.printer.baudRate }),
    async openNfcTransport(clock) {
      if (!config.nfc.enabled) throw new StationError('E_DEVICE_ABSENT', 'no NFC reader is configured (hardware.nfc.enabled is false)')
      if (config.nfc.interface === 'i2c') {
        // The display's bus object serves the NFC reader when they share a bus (the usual /dev/i2c-1).
        if (config.nfc.bus !== config.display.bus) nfcBus ??= new ReopeningI2cBus(() => openNativeI2cBus(config.nfc.bus))
        const transport = new Pn532I2cTransport(nfcBus ?? i2c, { clock, address: config.nfc.address })
        return { transport, close: async () => undefined }
      }
      const link = await openSerialportLink({ path: config.nfc.path, baudRate: config.nfc.baudRate })
      const transport = new Pn532HsuTransport(link, { clock })
      return {
        transport,
        async close() {
          transport.close()
          await link.close()
        },
      }
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
    async close() {
      await nfcBus?.close()
      await i2c.close()
    },
  }
}
