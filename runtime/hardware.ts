import type { GpioBackend, HardwareConfig, KeyName } from '../config/schema.js'
import type { SimHd44780Pcf8574 } from '../drivers/display/sim-hd44780.js'
import type { GpioEdge, GpioLine } from '../drivers/gpio/gpio-line.js'
import type { PwmLine } from '../drivers/gpio/pwm-line.js'
import type { SimGpioChip } from '../drivers/gpio/sim-gpio.js'
import type { I2cBus } from '../drivers/i2c/i2c-bus.js'
import { RetryingI2cBus } from '../drivers/i2c/retrying-i2c-bus.js'
import type { SimI2cBus } from '../drivers/i2c/sim-i2c-bus.js'
import type { SimMpr121 } from '../drivers/keypad/sim-mpr121.js'
import type { Pn532Transport } from '../drivers/nfc/pn532-transport.js'
import type { SimPn532 } from '../drivers/nfc/sim-pn532.js'
import type { SimEscPosPrinter, SimPaperState } from '../drivers/printer/sim-escpos-printer.js'
import type { SimQrScanner } from '../drivers/scanner/sim-qr-scanner.js'
import type { SerialLink } from '../drivers/serial/serial-link.js'
import type { SimSerialLink } from '../drivers/serial/sim-serial-link.js'
import type { SimFt6x36 } from '../drivers/touch/sim-ft6x36.js'
import type { SimWiegandReader } from '../drivers/wiegand/sim-wiegand-reader.js'
import { systemClock, type Clock } from './core/clock.js'

/** The simulated chips behind a `--sim` station, for `station sim …` and tests to act on. */
export interface SimRig {
  bus: SimI2cBus
  lcd: SimHd44780Pcf8574
  /** The MPR121 (attached to the bus when keypad.kind is mpr121). */
  keypad: SimMpr121
  /** The FT6x36 touch controller, when keypad.kind is ft6x36. */
  touchPanel: SimFt6x36 | null
  /** A finger on `key` (its electrode, or the middle of its zone); throws a TypeError when no input is wired to it. */
  keyDown(key: KeyName): void
  /** The finger leaves `key`. */
  keyUp(key: KeyName): void
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
  /** The GPIO chip every simulated line is on (Wiegand, tamper, LEDs, buzzer, IRQ lines), by BCM number. */
  gpio: SimGpioChip
  /** The Wiegand reader on its two lines, when config.wiegand is enabled. */
  wiegand: SimWiegandReader | null
  /** Opens or closes the enclosure door at the tamper switch (its line moves to the configured level). */
  setTamperOpen(open: boolean): void
  /** The scanner cable, to unplug it. */
  scannerCable(): SimSerialLink | null
  /** Pulls a device's cable: serial links close with an error and stay absent; I2C chips stop answering. */
  unplug(device: SimDevice): void
  /** Plugs it back; an I2C chip comes back powered up from scratch, as after a real replug. */
  replug(device: SimDevice): void
  /** The next `transactions` bus transactions to an I2C device fail with EIO, as on a noisy line. */
  i2cNoise(device: 'display' | 'keypad' | 'nfc', transactions: number): void
}

export const SIM_DEVICES = ['display', 'keypad', 'scanner', 'printer', 'nfc'] as const
export type SimDevice = (typeof SIM_DEVICES)[number]

/** One GPIO line a device asks for. */
export interface GpioLineRequest {
  /** Who holds the line, for error messages: 'tamper', 'wiegand.d0', … */
  purpose: string
  /** BCM number (header line offset). */
  bcm: number
  direction: 'in' | 'out'
  backend: GpioBackend
  /** Inputs: the edges the kernel should report; default both. */
  edge?: GpioEdge
  /** Inputs on pigpio: internal pull resistor; default off. */
  pull?: 'up' | 'down' | 'off'
}

/** The NFC reader's transport and what closes it (the serial port on HSU; nothing on the shared I2C bus). */
export interface NfcConnection {
  transport: Pn532Transport
  /** Releases the port; the supervisor opens a fresh connection on restart. Idempotent. */
  close(): Promise<void>
}

/** The transports the drivers run on: one I2C bus, serial links and GPIO lines, real or simulated. */
export interface Hardware {
  /** The I2C bus with bounded retries of failed transactions (RetryingI2cBus), for register-based chips. */
  i2c: I2cBus
  /**
   * The same bus without retries, for the display: a row write that failed half-way has already
   * strobed some nibbles into the HD44780, and repeating it would leave the 4-bit interface out of
   * step; its driver re-initialises instead.
   */
  rawI2c: I2cBus
  openScannerLink(): Promise<SerialLink>
  openPrinterLink(): Promise<SerialLink>
  /** The NFC reader's transport (I2C at its address, or its UART); only when config.nfc is enabled. */
  openNfcTransport(clock: Clock): Promise<NfcConnection>
  /** A GPIO line; a pigpio line can do PWM. Rejects with E_DEVICE_ABSENT naming the node and group when it cannot. */
  openGpioLine(request: GpioLineRequest): Promise<GpioLine | PwmLine>
  sim: SimRig | null
  close(): Promise<void>
}

/**
 * The one place that chooses between native and simulated transports. Native modules load only
 * in native-hardware.ts, lazily, and only for devices the config names; a simulated station loads none.
 */
export async function openHardware(config: HardwareConfig, clock: Clock = systemClock): Promise<Hardware> {
  // Only the chosen side is loaded: a simulated station never loads the native drivers, nor a real one the simulators.
  const hardware = config.simulated
    ? (await import('./sim-hardware.js')).openSimHardware(config, clock)
    : await (await import('./native-hardware.js')).openNativeHardware(config)
  // Bus glitches are retried below the drivers, on the real bus and the simulated one alike.
  return { ...hardware, i2c: new RetryingI2cBus(hardware.i2c, { clock }) }
}
