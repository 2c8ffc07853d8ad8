import type { HardwareConfig, KeyName } from '../../config/schema.js'
import { SimHd44780Pcf8574 } from '../../drivers/display/sim-hd44780.js'
import { clockTickSource } from '../../drivers/gpio/gpio-tick.js'
import { SimGpioChip } from '../../drivers/gpio/sim-gpio.js'
import { SimI2cBus } from '../../drivers/i2c/sim-i2c-bus.js'
import { wireIrq, type SimIrqChip } from '../../drivers/i2c/sim-irq-wire.js'
import { SimMpr121 } from '../../drivers/keypad/sim-mpr121.js'
import { Pn532HsuTransport } from '../../drivers/nfc/pn532-hsu-transport.js'
import { Pn532I2cTransport } from '../../drivers/nfc/pn532-i2c-transport.js'
import { SimPn532, SimPn532Hsu, SimPn532I2c } from '../../drivers/nfc/sim-pn532.js'
import { SimEscPosPrinter, type SimPaperState } from '../../drivers/printer/sim-escpos-printer.js'
import { SimQrScanner } from '../../drivers/scanner/sim-qr-scanner.js'
import { SimSerialLink } from '../../drivers/serial/sim-serial-link.js'
import { SimFt6x36 } from '../../drivers/touch/sim-ft6x36.js'
import { SimWiegandReader } from '../../drivers/wiegand/sim-wiegand-reader.js'
import type { Clock } from '../core/clock.js'
import { StationError } from '../core/errors.js'
import { touchZonesOf } from '../touch-zones.js'
import type { Hardware } from './hardware.js'
import type { SimDevice, SimRig } from './sim-rig.js'

/**
 * The simulated PN532 passes an APDU to its simulated chip in the same thread, and PACE's point
 * multiplications there take tens of ms (more on a loaded machine) before the ACK is readable; a real
 * PN532 ACKs within a few ms and the card's time counts against the response deadline instead. Over
 * HSU a lost frame shows only as a missing ACK, so there the deadline stays short (faults are found
 * in time) and chips are best simulated on I2C, the default.
 */
const SIM_PN532_ACK_TIMEOUT_MS = 2000

/**
 * Every device of `config` as a simulated chip with the device's own rules, on an in-memory I2C bus,
 * serial cables and one GPIO chip, and the rig to act on those chips. Loads no native module.
 */
export function openSimHardware(config: HardwareConfig, clock: Clock): { hardware: Hardware; sim: SimRig } {
  const bus = new SimI2cBus()
  const gpio = new SimGpioChip({ tickUs: clockTickSource(clock) })
  const lcd = new SimHd44780Pcf8574()
  const keypad = new SimMpr121()
  const touchPanel = config.keypad.kind === 'ft6x36' ? new SimFt6x36() : null
  const keypadChip: SimIrqChip = touchPanel ?? keypad
  // The chip's INT pin follows its state after every bus transaction and every touch, as the wire does.
  const { device: keypadOnBus, sync: syncIrq } = wireIrq(keypadChip, gpio, config.keypad.irqLine)
  bus.attach(config.display.address, lcd)
  bus.attach(config.keypad.address, keypadOnBus)
  const zones = touchPanel ? touchZonesOf(config.keypad) : []
  /** A finger on `key` and off it again: on its electrode, or in the middle of its zone on the panel. */
  const fingerOn = (key: KeyName): { down: () => void; up: () => void } => {
    if (touchPanel) {
      const zone = zones.find((candidate) => candidate.key === key)
      if (!zone) throw new TypeError(`no key zone on the touch panel is '${key}'`)
      const x = zone.x + Math.floor(zone.widthPx / 2)
      const y = zone.y + Math.floor(zone.heightPx / 2)
      return { down: () => touchPanel.touch(0, x, y), up: () => touchPanel.lift(0) }
    }
    const electrode = config.keypad.electrodes.indexOf(key)
    if (electrode < 0) throw new TypeError(`no electrode is wired to key '${key}'`)
    return { down: () => keypad.touch(electrode), up: () => keypad.release(electrode) }
  }

  const nfc = config.nfc.enabled ? new SimPn532() : null
  if (nfc && config.nfc.interface === 'i2c') bus.attach(config.nfc.address, new SimPn532I2c(nfc))
  const wiegand = config.wiegand.enabled ? new SimWiegandReader({ chip: gpio, d0: config.wiegand.d0Line, d1: config.wiegand.d1Line }) : null
  const tamperLevel = (open: boolean) => (open ? config.tamper.openLevel : config.tamper.openLevel === 1 ? 0 : 1)
  // The door starts closed.
  if (config.tamper.enabled) gpio.drive(config.tamper.line, tamperLevel(false))

  const unplugged = new Set<SimDevice>()
  const absent = (device: SimDevice, path: string) =>
    new StationError('E_DEVICE_ABSENT', `${device} is unplugged (${path} is missing)`, { path })
  const i2cAddressOf = (device: 'display' | 'keypad' | 'nfc'): number =>
    device === 'display' ? config.display.address : device === 'keypad' ? config.keypad.address : config.nfc.address
  let printerCable: SimSerialLink | null = null
  let scannerCable: SimSerialLink | null = null
  let nfcCable: SimSerialLink | null = null
  let scanner: SimQrScanner | null = null
  let printer: SimEscPosPrinter | null = null
  let paper: SimPaperState = 'ok'
  let coverOpen = false
  let powered = true
  const hardware: Hardware = {
    i2c: bus,
    rawI2c: bus,
    async openScannerLink() {
      if (unplugged.has('scanner')) throw absent('scanner', config.scanner.path)
      const cable = SimSerialLink.pair(config.scanner.path)
      scannerCable = cable.host
      scanner = new SimQrScanner(cable.device)
      return cable.host
    },
    async openNfcTransport(transportClock) {
      if (!nfc) throw new StationError('E_DEVICE_ABSENT', 'no NFC reader is configured (hardware.nfc.enabled is false)')
      if (config.nfc.interface === 'i2c') {
        return { transport: new Pn532I2cTransport(bus, { clock: transportClock, address: config.nfc.address, ackTimeoutMs: SIM_PN532_ACK_TIMEOUT_MS }), close: async () => undefined }
      }
      if (unplugged.has('nfc')) throw absent('nfc', config.nfc.path)
      const cable = SimSerialLink.pair(config.nfc.path)
      nfcCable = cable.host
      const farEnd = new SimPn532Hsu(nfc, cable.device)
      const transport = new Pn532HsuTransport(cable.host, { clock: transportClock })
      return {
        transport,
        async close() {
          transport.close()
          farEnd.close()
          await cable.host.close()
        },
      }
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
    async openGpioLine(request) {
      const line = gpio.line(request.bcm)
      if (request.backend === 'pigpio') return line
      // onoff lines cannot do PWM: hide it, so drivers take their on/off path as on the board.
      const { pwm: _pwm, ...plain } = line
      return plain
    },
    async close() {
      await bus.close()
    },
  }
  const sim: SimRig = {
    bus,
    lcd,
    keypad,
    touchPanel,
    keyDown(key) {
      fingerOn(key).down()
      syncIrq()
    },
    keyUp(key) {
      fingerOn(key).up()
      syncIrq()
    },
    nfc,
    gpio,
    wiegand,
    setTamperOpen(open) {
      if (!config.tamper.enabled) throw new TypeError('no tamper switch is configured (hardware.tamper.enabled is false)')
      gpio.drive(config.tamper.line, tamperLevel(open))
    },
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
      if (device === 'nfc' && !nfc) throw new TypeError('no NFC reader is configured (hardware.nfc.enabled is false)')
      unplugged.add(device)
      if (device === 'scanner') scannerCable?.unplug()
      else if (device === 'printer') printerCable?.unplug()
      else if (device === 'nfc' && config.nfc.interface === 'hsu') nfcCable?.unplug()
      else bus.detach(i2cAddressOf(device as 'display' | 'keypad' | 'nfc'))
    },
    replug(device) {
      if (!unplugged.delete(device)) return
      if (device === 'display') {
        lcd.powerCycle()
        bus.attach(config.display.address, lcd)
      } else if (device === 'keypad') {
        touchPanel?.powerCycle()
        keypad.powerCycle()
        bus.attach(config.keypad.address, keypadOnBus)
        syncIrq()
      } else if (device === 'nfc' && nfc) {
        nfc.powerCycle()
        if (config.nfc.interface === 'i2c') bus.attach(config.nfc.address, new SimPn532I2c(nfc))
      }
    },
    i2cNoise(device, transactions) {
      if (device === 'nfc' && (!nfc || config.nfc.interface !== 'i2c')) throw new TypeError('the NFC reader is not on the I2C bus')
      bus.failNext(i2cAddressOf(device), 'eio', transactions)
    },
  }
  return { hardware, sim }
}
