/**
 * The simulated chips behind a `--sim` station, returned beside its Hardware by openHardware (never
 * a field of it): `station sim …` commands and tests act on them as a person would on the real box.
 */
import type { KeyName } from '../../config/schema.js'
import type { SimHd44780Pcf8574 } from '../../drivers/display/sim-hd44780.js'
import type { SimGpioChip } from '../../drivers/gpio/sim-gpio.js'
import type { SimI2cBus } from '../../drivers/i2c/sim-i2c-bus.js'
import type { SimMpr121 } from '../../drivers/keypad/sim-mpr121.js'
import type { SimPn532 } from '../../drivers/nfc/sim-pn532.js'
import type { SimEscPosPrinter, SimPaperState } from '../../drivers/printer/sim-escpos-printer.js'
import type { SimQrScanner } from '../../drivers/scanner/sim-qr-scanner.js'
import type { SimSerialLink } from '../../drivers/serial/sim-serial-link.js'
import type { SimFt6x36 } from '../../drivers/touch/sim-ft6x36.js'
import type { SimWiegandReader } from '../../drivers/wiegand/sim-wiegand-reader.js'

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
