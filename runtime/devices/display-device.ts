import { Hd44780Display } from '../../drivers/display/hd44780-display.js'
import type { TimerHandle } from '../core/clock.js'
import { DeviceService } from '../device-service.js'
import { degradedBy, healthReporter, type DeviceDeps } from './device-deps.js'

/** A display write that failed is retried this often until it succeeds (the driver re-initialises). */
const DISPLAY_RETRY_MS = 1000

export interface DisplayDevice {
  service: DeviceService
  /** Shows `rows` now, and again after the display comes back from a fault. */
  showRows(rows: string[]): void
}

/** The character display: keeps what it should show, so it can repaint after the driver restarts. */
export function displayDevice(deps: DeviceDeps): DisplayDevice {
  const { config, hardware, clock, bus } = deps
  // The raw bus: the driver recovers from a failed write by re-initialising, never by repeating it.
  const display = new Hd44780Display({ bus: hardware.rawI2c, clock }, config.hardware.display)
  let wantedRows: string[] = []
  let displayReady = false
  let painting: Promise<void> = Promise.resolve()
  let repaintTimer: TimerHandle | null = null
  const paint = () => {
    const rows = wantedRows
    painting = painting
      .then(async () => {
        if (!displayReady) return
        await display.show(rows)
        if (service.health().state !== 'ok') service.report({ state: 'ok' })
      })
      .catch((error: unknown) => {
        service.report(degradedBy(error))
        // Keep trying: a resident may be standing in front of a blank screen.
        if (displayReady && !repaintTimer) {
          repaintTimer = clock.setTimeout(() => {
            repaintTimer = null
            paint()
          }, DISPLAY_RETRY_MS)
        }
      })
  }
  const service = new DeviceService({
    name: 'display',
    open: async () => {
      await display.start()
      displayReady = true
      paint()
    },
    close: async () => {
      displayReady = false
      if (repaintTimer) clock.clearTimeout(repaintTimer)
      repaintTimer = null
      await display.stop()
    },
    onHealth: healthReporter(bus, 'display'),
  })
  return {
    service,
    showRows(rows) {
      wantedRows = rows
      bus.emit('display.changed', { rows })
      paint()
    },
  }
}
