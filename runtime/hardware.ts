import type { HardwareConfig } from '../config/schema.js'
import { SimHd44780Pcf8574 } from '../drivers/display/sim-hd44780.js'
import type { I2cBus } from '../drivers/i2c/i2c-bus.js'
import { openNativeI2cBus } from '../drivers/i2c/native-i2c-bus.js'
import { RetryingI2cBus } from '../drivers/i2c/retrying-i2c-bus.js'
import { SimI2cBus } from '../drivers/i2c/sim-i2c-bus.js'
import { systemClock, type Clock } from './clock.js'
import { SimMpr121 } from '../drivers/keypad/sim-mpr121.js'
import { SimEscPosPrinter, type SimPaperState } from '../drivers/printer/sim-escpos-printer.js'
import { SimQrScanner } from '../drivers/scanner/sim-qr-scanner.js'
import type { SerialLink } from '../drivers/serial/serial-link.js'
import { openSerialportLink } from '../drivers/serial/serialport-link.js'
import { SimSerialLink } from '../drivers/serial/sim-serial-link.js'
import { StationError } from './errors.js'
import { Pn532HsuTransport } from '../drivers/nfc/pn532-hsu-transport.js'
import { Pn532I2cTransport } from '../drivers/nfc/pn532-i2c-transport.js'
import type { Pn532Transport } from '../drivers/nfc/pn532-transport.js'
import { SimPn532, SimPn532Hsu, SimPn532I2c } from '../drivers/nfc/sim-pn532.js'

/** The simulated chips behind a `--sim` station, for `station sim …` and tests to act on. */
export interface SimRig {
  bus: SimI2cBus
  lcd: SimHd44780Pcf8574
  keypad: SimMpr121
  /** Far end of the scanner cable; replaced when the link is reopened. */
  scanner(): SimQrScanner
  /** The printer at the far end of the current printer cable. */
  printer(): SimEscPosPrinter
  /** Paper and cover as a person left them; kept across cable replugs, like the real box. */
  setPaper(state: SimPaperState): void
  setCoverOpen(open: boolean): void
  /** A powered-off printer answers nothing, not even real-time status. */
  setPowered(on: boolean): void
  /** The NFC controller, when config.nfc is enabled. */
  nfc: SimPn532 | null
  /** The scanner cable, to unplug it. */
  scannerCable(): SimSerialLink | null
  /** Pulls a device's cable: serial links close with an error and stay absent; I2C chips stop answering. */
  unplug(device: SimDevice): void
  /** Plugs it back; an I2C chip comes back powered up from scratch, as after a real replug. */
  replug(device: SimDevice): void
  /** The next `transactions` bus transactions to an I2C device fail with EIO, as on a noisy line. */
  i2cNoise(device: 'display' | 'keypad', transactions: number): void
}

export const SIM_DEVICES = ['display', 'keypad', 'scanner', 'printer'] as const
export type SimDevice = (typeof SIM_DEVICES)[number]

/** The transports the drivers run on: one I2C bus and two serial links, real or simulated. */
export interface Hardware {
  i2c: I2cBus
  openScannerLink(): Promise<SerialLink>
  openPrinterLink(): Promise<SerialLink>
  /** The NFC reader's transport (I2C at its address, or its UART); only when config.nfc is enabled. */
  openNfcTransport(clock: Clock): Promise<Pn532Transport>
  sim: SimRig | null
  close(): Promise<void>
}

/**
 * The one place that chooses between native and simulated transports. Native modules load only
 * here, lazily, and only for devices the config names; a simulated station loads none.
 */
export async function openHardware(config: HardwareConfig, clock: Clock = systemClock): Promise<Hardware> {
  const hardware = config.simulated ? openSimHardware(config) : await openNativeHardware(config)
  // Bus glitches are retried below the drivers, on the real bus and the simulated one alike.
  return { ...hardware, i2c: new RetryingI2cBus(hardware.i2c, { clock }) }
}

function openSimHardware(config: HardwareConfig): Hardware {
  const bus = new SimI2cBus()
  const lcd = new SimHd44780Pcf8574()
  const keypad = new SimMpr121()
  bus.attach(config.display.address, lcd)
  bus.attach(config.keypad.address, keypad)
  const nfc = config.nfc.enabled ? new SimPn532() : null
  if (nfc && config.nfc.interface === 'i2c') bus.attach(config.nfc.address, new SimPn532I2c(nfc))

  const unplugged = new Set<SimDevice>()
  const absent = (device: SimDevice, path: string) =>
    new StationError('E_DEVICE_ABSENT', `${device} is unplugged (${path} is missing)`, { path })
  let printerCable: SimSerialLink | null = null
  let scannerCable: SimSerialLink | null = null
  let scanner: SimQrScanner | null = null
  let printer: SimEscPosPrinter | null = null
  let paper: SimPaperState = 'ok'
  let coverOpen = false
  let powered = true
  return {
    i2c: bus,
    async openScannerLink() {
      if (unplugged.has('scanner')) throw absent('scanner', config.scanner.path)
      const cable = SimSerialLink.pair(config.scanner.path)
      scannerCable = cable.host
      scanner = new SimQrScanner(cable.device)
      return cable.host
    },
    async openNfcTransport(clock) {
      if (!nfc) throw new StationError('E_DEVICE_ABSENT', 'no NFC reader is configured (hardware.nfc.enabled is false)')
      if (config.nfc.interface === 'i2c') return new Pn532I2cTransport(bus, { clock, address: config.nfc.address })
      const cable = SimSerialLink.pair(config.nfc.path)
      new SimPn532Hsu(nfc, cable.device)
      return new Pn532HsuTransport(cable.host, { clock })
    },
    async openPrinterLink() {
      if (unplugged.has('printer')) throw absent('printer', config.printer.path)
      const cable = SimSerialLink.pair(config.printer.path)
      printerCable = cable.host
      printer = new SimEscPosPrinter(cable.device, { profile: config.printer, paper })
      printer.setCoverOpen(coverOpen)
      printer.setResponsive(powered)
      return cable.host
    },
    sim: {
      bus,
      lcd,
      keypad,
      nfc,
      printer() {
        if (!printer) throw new Error('the simulated printer is not connected yet')
        return printer
      },
      setPaper(state) {
        paper = state
        printer?.setPaper(state)
      },
      setCoverOpen(open) {
        coverOpen = open
        printer?.setCoverOpen(open)
      },
      setPowered(on) {
        powered = on
        printer?.setResponsive(on)
      },
      scanner() {
        if (!scanner) throw new Error('the simulated scanner is not connected yet')
        return scanner
      },
      scannerCable: () => scannerCable,
      unplug(device) {
        if (unplugged.has(device)) return
        unplugged.add(device)
        if (device === 'scanner') scannerCable?.unplug()
        else if (device === 'printer') printerCable?.unplug()
        else bus.detach(device === 'display' ? config.display.address : config.keypad.address)
      },
      replug(device) {
        if (!unplugged.delete(device)) return
        if (device === 'display') {
          lcd.powerCycle()
          bus.attach(config.display.address, lcd)
        } else if (device === 'keypad') {
          keypad.powerCycle()
          bus.attach(config.keypad.address, keypad)
        }
      },
      i2cNoise(device, transactions) {
        bus.failNext(device === 'display' ? config.display.address : config.keypad.address, 'eio', transactions)
      },
    },
    async close() {
      await bus.close()
    },
  }
}

async function openNativeHardware(config: HardwareConfig): Promise<Hardware> {
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
    sim: null,
    async close() {
      await i2c.close()
    },
  }
}
