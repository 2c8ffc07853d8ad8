import type { Config } from '../../config/schema.js'
import type { EventBus } from '../bus/event-bus.js'
import type { StationEvents } from '../bus/events.js'
import type { Clock } from '../core/clock.js'
import { isStationError, messageOf } from '../core/errors.js'
import type { Hardware } from '../hardware/hardware.js'
import type { Logger } from '../core/logger.js'
import type { Health } from '../core/health.js'

/** What every device of the station is built from. */
export interface DeviceDeps {
  config: Config
  hardware: Hardware
  clock: Clock
  log: Logger
  bus: EventBus<StationEvents>
}

/** Puts a device's health changes on the bus, where faults and recoveries become events for central. */
export function healthReporter(bus: EventBus<StationEvents>, device: string): (health: Health) => void {
  return (health) => bus.emit('device.health', { device, health })
}

/**
 * Service.probe for a chip on the I2C bus: one plain one-byte read on the raw bus (no retries),
 * true when the chip acknowledges. Every chip here tolerates it: a PCF8574 returns its port, an
 * MPR121 or FT6x36 the register under its pointer, a PN532 its status byte.
 */
export function i2cProbe(hardware: Hardware, address: number): () => Promise<boolean> {
  return async () => {
    try {
      await hardware.rawI2c.read(address, 1)
      return true
    } catch {
      return false
    }
  }
}

/** A degraded health naming the error, for a device that keeps working around it. */
export function degradedBy(error: unknown): Health {
  return { state: 'degraded', lastError: messageOf(error), ...(isStationError(error) ? { lastErrorCode: error.code } : {}) }
}
