/**
 * The transports the drivers run on, as the station sees them: the same interface for the board and
 * the simulator. The simulated chips behind a `--sim` station are not part of it: open-hardware.ts
 * returns them beside the hardware (sim-rig.ts), so production code cannot reach for them.
 */
import type { GpioBackend } from '../../config/schema.js'
import type { GpioEdge, GpioLine } from '../../drivers/gpio/gpio-line.js'
import type { PwmLine } from '../../drivers/gpio/pwm-line.js'
import type { I2cBus } from '../../drivers/i2c/i2c-bus.js'
import type { Pn532Transport } from '../../drivers/nfc/pn532-transport.js'
import type { SerialLink } from '../../drivers/serial/serial-link.js'
import type { Clock } from '../core/clock.js'

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
  close(): Promise<void>
}
