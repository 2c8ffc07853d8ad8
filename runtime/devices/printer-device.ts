import { EscPosPrinter } from '../../drivers/printer/escpos-printer.js'
import type { Printer, PrinterStatus } from '../../drivers/printer/printer.js'
import type { SerialLink } from '../../drivers/serial/serial-link.js'
import { DeviceService } from '../device-service.js'
import { StationError } from '../core/errors.js'
import { healthReporter, type DeviceDeps } from './device-deps.js'

/** Printer status between jobs, as docs/protocols.md 10 suggests (every 2-5 s when idle). */
const PRINTER_IDLE_POLL_MS = 3000

export interface PrinterDevice {
  service: DeviceService
  /** Stays the same object while the driver underneath is replaced on each reopen. */
  printer: Printer
}

/**
 * The ESC/POS printer. Paper out, cover open and offline make it degraded (the job fails cleanly and
 * the resident keeps the code on screen); near-end is a warning; the idle poll sees it recover.
 */
export function printerDevice(deps: DeviceDeps): PrinterDevice {
  const { config, hardware, clock, bus } = deps
  let printerLink: SerialLink | null = null
  let driver: EscPosPrinter | null = null
  const statusListeners = new Set<(status: PrinterStatus) => void>()
  const printer: Printer = {
    print: (receipt) => {
      if (!driver) return Promise.reject(new StationError('E_DEVICE_ABSENT', 'printer is not connected'))
      return driver.print(receipt)
    },
    status: () => {
      if (!driver) return Promise.reject(new StationError('E_DEVICE_ABSENT', 'printer is not connected'))
      return driver.status()
    },
    onStatusChange: (listener) => {
      statusListeners.add(listener)
      return () => statusListeners.delete(listener)
    },
  }
  const service = new DeviceService({
    name: 'printer',
    open: async (context) => {
      const link = await hardware.openPrinterLink()
      printerLink = link
      const next = new EscPosPrinter({
        link,
        clock,
        profile: config.hardware.printer,
        statusTimeoutMs: config.hardware.printer.statusTimeoutMs,
      })
      next.onStatusChange((status) => {
        for (const listener of statusListeners) listener(status)
      })
      link.onClose((error) => {
        if (error) context.fail(error)
      })
      driver = next
      const status = await next.status()
      for (const listener of statusListeners) listener(status)
      next.startIdlePolling(PRINTER_IDLE_POLL_MS)
    },
    close: async () => {
      const current = driver
      driver = null
      await current?.stop()
      await printerLink?.close()
      printerLink = null
    },
    onHealth: healthReporter(bus, 'printer'),
  })
  printer.onStatusChange((status) => {
    if (status.paperOut || status.coverOpen || !status.online) {
      service.report({
        state: 'degraded',
        lastError: status.paperOut ? 'paper out' : status.coverOpen ? 'cover open' : 'offline',
        lastErrorCode: 'E_PRINTER_NOT_READY',
      })
    } else if (status.paperNearEnd) {
      service.report({ state: 'degraded', lastError: 'paper near end' })
    } else {
      service.report({ state: 'ok' })
    }
  })
  return { service, printer }
}
