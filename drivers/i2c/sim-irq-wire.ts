/**
 * The interrupt pin of a simulated I2C chip (MPR121 IRQ, FT6x36 INT) wired to a simulated GPIO line:
 * the line follows the chip's own `irqAsserted` (active low) after every bus transaction and whenever
 * `sync` is called (after a touch), as the wire does. The drivers then see the same edges as on the
 * board, and the simulator runs their IRQ path.
 */
import type { SimGpioChip } from '../gpio/sim-gpio.js'
import type { I2cDevice } from './i2c-bus.js'

/** A simulated chip with an active-low interrupt output. */
export interface SimIrqChip extends I2cDevice {
  readonly irqAsserted: boolean
}

/** What to attach to the bus in the chip's place, and how to bring the line up to date. */
export interface SimIrqWire {
  readonly device: I2cDevice
  /** Drives the line to the chip's state now (call after changing the chip from outside). */
  sync(): void
}

/** Wires `chip`'s interrupt pin to `line` of `gpio`; with no line it is the chip itself (not wired). */
export function wireIrq(chip: SimIrqChip, gpio: SimGpioChip, line: number | undefined): SimIrqWire {
  const sync = (): void => {
    if (line !== undefined) gpio.drive(line, chip.irqAsserted ? 0 : 1)
  }
  const device: I2cDevice = {
    write(bytes) {
      try {
        chip.write(bytes)
      } finally {
        sync()
      }
    },
    read(length) {
      try {
        return chip.read(length)
      } finally {
        sync()
      }
    },
  }
  sync()
  return { device, sync }
}
