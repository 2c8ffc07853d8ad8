import type { KeyName } from '../../config/schema.js'
import type { GpioLine, Unwatch } from '../../drivers/gpio/gpio-line.js'
import type { Keypad } from '../../drivers/keypad/keypad.js'
import { Mpr121Keypad } from '../../drivers/keypad/mpr121-keypad.js'
import { Ft6x36TouchKeypad } from '../../drivers/touch/ft6x36-touch-keypad.js'
import type { StationError } from '../errors.js'
import { DeviceService } from '../device-service.js'
import type { Health } from '../supervisor/service.js'
import { touchZonesOf } from '../touch-zones.js'
import { healthReporter, i2cProbe, type DeviceDeps } from './device-deps.js'

/** What the station needs of either keypad driver. */
interface PolledKeypad extends Keypad {
  onFault(listener: (error: StationError) => void): () => void
  /** Reads the chip now, between polls: the IRQ line's seam. */
  checkNow(): Promise<void>
  health(): Health
}

/**
 * The resident's keys: an MPR121 keypad or an FT6x36 touch panel with on-screen key zones, polled,
 * and read at once on each edge of the chip's IRQ line when one is wired (onoff: sysfs edges suit a
 * line that changes a few times per touch).
 */
export function keypadDevice(deps: DeviceDeps): DeviceService {
  const { config, hardware, clock, log, bus } = deps
  const keypadConfig = config.hardware.keypad
  const driverDeps = { bus: hardware.i2c, clock, log: log.child({ component: 'driver.keypad' }) }
  const keypad: PolledKeypad =
    keypadConfig.kind === 'ft6x36'
      ? new Ft6x36TouchKeypad(driverDeps, {
          address: keypadConfig.address,
          zones: touchZonesOf(keypadConfig),
          panel: { widthPx: keypadConfig.touch.widthPx, heightPx: keypadConfig.touch.heightPx },
          pollIntervalMs: keypadConfig.pollIntervalMs,
        })
      : new Mpr121Keypad(driverDeps, keypadConfig)
  keypad.onKey((key: KeyName) => bus.emit('key.pressed', { key }))
  let irq: GpioLine | null = null
  let unwatchIrq: Unwatch | null = null
  const closeIrq = async () => {
    unwatchIrq?.()
    unwatchIrq = null
    await irq?.close()
    irq = null
  }
  return new DeviceService({
    name: 'keypad',
    open: async (context) => {
      const off = keypad.onFault((error) => context.fail(error))
      context.signal.addEventListener('abort', off, { once: true })
      await keypad.start()
      if (keypadConfig.irqLine !== undefined) {
        try {
          // Both edges: the MPR121 pulls IRQ low on every change, but an FT6x36 in polling mode holds INT
          // low while a finger is down and releases it on the lift, which must be read too or the next
          // tap (same touch ID) looks like the same finger still held.
          irq = await hardware.openGpioLine({
            purpose: 'keypad.irq',
            bcm: keypadConfig.irqLine,
            direction: 'in',
            backend: 'onoff',
            edge: 'both',
          })
          unwatchIrq = irq.watch('both', () => void keypad.checkNow())
        } catch (error) {
          await keypad.stop()
          throw error
        }
      }
    },
    close: async () => {
      await closeIrq()
      await keypad.stop()
    },
    driverHealth: () => keypad.health(),
    onHealth: healthReporter(bus, 'keypad'),
    probe: i2cProbe(hardware, keypadConfig.address),
  })
}
