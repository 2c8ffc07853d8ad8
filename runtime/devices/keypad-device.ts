import type { KeyName } from '../../config/schema.js'
import type { OpenIrqLine } from '../../drivers/gpio/irq-trigger.js'
import type { Keypad } from '../../drivers/keypad/keypad.js'
import { Mpr121Keypad } from '../../drivers/keypad/mpr121-keypad.js'
import { Ft6x36TouchKeypad } from '../../drivers/touch/ft6x36-touch-keypad.js'
import type { StationError } from '../core/errors.js'
import { DeviceService } from '../device-service.js'
import type { Health } from '../core/health.js'
import { touchZonesOf } from '../touch-zones.js'
import { healthReporter, i2cProbe, type DeviceDeps } from './device-deps.js'

/** What the station needs of either keypad driver. */
interface PolledKeypad extends Keypad {
  onFault(listener: (error: StationError) => void): () => void
  onHealthChange(listener: () => void): () => void
  health(): Health
}

/**
 * The resident's keys: an MPR121 keypad or an FT6x36 touch panel with on-screen key zones, read on
 * the chip's IRQ line when one is wired (onoff: sysfs edges suit a line that changes a few times per
 * touch; the driver opens it on start, watches the edges its chip needs and polls only as a safety
 * net), polled otherwise.
 */
export function keypadDevice(deps: DeviceDeps): DeviceService {
  const { config, hardware, clock, log, bus } = deps
  const keypadConfig = config.hardware.keypad
  const irqLine = keypadConfig.irqLine
  const openIrq: OpenIrqLine | undefined =
    irqLine === undefined
      ? undefined
      : (edge) => hardware.openGpioLine({ purpose: 'keypad.irq', bcm: irqLine, direction: 'in', backend: 'onoff', edge })
  const driverDeps = { bus: hardware.i2c, clock, log: log.child({ component: 'driver.keypad' }), ...(openIrq ? { openIrq } : {}) }
  const keypad: PolledKeypad =
    keypadConfig.kind === 'ft6x36'
      ? new Ft6x36TouchKeypad(driverDeps, {
          address: keypadConfig.address,
          zones: touchZonesOf(keypadConfig),
          panel: { widthPx: keypadConfig.touch.widthPx, heightPx: keypadConfig.touch.heightPx },
          pollIntervalMs: keypadConfig.pollIntervalMs,
          irqSafetyPollMs: keypadConfig.irqSafetyPollMs,
        })
      : new Mpr121Keypad(driverDeps, keypadConfig)
  keypad.onKey((key: KeyName) => bus.emit('key.pressed', { key }))
  const service = new DeviceService({
    name: 'keypad',
    open: async (context) => {
      const off = keypad.onFault((error) => context.fail(error))
      context.signal.addEventListener('abort', off, { once: true })
      await keypad.start()
    },
    close: () => keypad.stop(),
    driverHealth: () => keypad.health(),
    onHealth: healthReporter(bus, 'keypad'),
    probe: i2cProbe(hardware, keypadConfig.address),
  })
  keypad.onHealthChange(() => service.driverHealthChanged())
  return service
}
