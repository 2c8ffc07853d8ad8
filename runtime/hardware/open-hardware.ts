/**
 * The one place that chooses between native and simulated transports. Native modules load only in
 * native-hardware.ts, lazily, and only for devices the config names; a simulated station loads none.
 */
import type { HardwareConfig } from '../../config/schema.js'
import { RetryingI2cBus } from '../../drivers/i2c/retrying-i2c-bus.js'
import { systemClock, type Clock } from '../core/clock.js'
import type { Hardware } from './hardware.js'
import type { SimRig } from './sim-rig.js'

/** The station's transports and, on a simulated station only, the simulated chips behind them. */
export interface OpenedHardware {
  hardware: Hardware
  sim?: SimRig
}

export async function openHardware(config: HardwareConfig, clock: Clock = systemClock): Promise<OpenedHardware> {
  // Only the chosen side is loaded: a simulated station never loads the native drivers, nor a real one the simulators.
  const opened: OpenedHardware = config.simulated
    ? (await import('./sim-hardware.js')).openSimHardware(config, clock)
    : { hardware: await (await import('./native-hardware.js')).openNativeHardware(config) }
  // Bus glitches are retried below the drivers, on the real bus and the simulated one alike.
  return { ...opened, hardware: { ...opened.hardware, i2c: new RetryingI2cBus(opened.hardware.i2c, { clock }) } }
}
