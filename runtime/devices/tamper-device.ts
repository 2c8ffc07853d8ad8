import type { GpioLine } from '../../drivers/gpio/gpio-line.js'
import { TamperSwitch } from '../../drivers/tamper/tamper-switch.js'
import { DeviceService } from '../device-service.js'
import { healthReporter, type DeviceDeps } from './device-deps.js'

/**
 * The enclosure's tamper switch. Each stable change goes on the bus as `tamper.changed`; a door
 * found open at start counts as an opening. A line that cannot be read fails the service, so the
 * supervisor reopens it and central hears of the fault.
 */
export function tamperDevice(deps: DeviceDeps): DeviceService {
  const { config, hardware, clock, bus } = deps
  const tamper = config.hardware.tamper
  let line: GpioLine | null = null
  let sensor: TamperSwitch | null = null
  const release = async () => {
    sensor?.stop()
    sensor = null
    await line?.close()
    line = null
  }
  return new DeviceService({
    name: 'tamper',
    open: async (context) => {
      try {
        line = await hardware.openGpioLine({ purpose: 'tamper', bcm: tamper.line, direction: 'in', backend: 'onoff', edge: 'both' })
        const next = new TamperSwitch({
          line,
          clock,
          debounceMs: tamper.debounceMs,
          openLevel: tamper.openLevel,
          onError: (error) => context.fail(error),
        })
        next.onChange((open) => bus.emit('tamper.changed', { open }))
        await next.start()
        sensor = next
        if (next.isOpen) bus.emit('tamper.changed', { open: true })
      } catch (error) {
        await release()
        throw error
      }
    },
    close: release,
    onHealth: healthReporter(bus, 'tamper'),
  })
}
