import { SerialQrScanner } from '../../drivers/scanner/qr-scanner.js'
import type { SerialLink } from '../../drivers/serial/serial-link.js'
import { DeviceService } from '../device-service.js'
import { healthReporter, type DeviceDeps } from './device-deps.js'

/** The serial QR/MRZ scanner: an unplugged cable fails the service, and the supervisor reopens it. */
export function scannerDevice(deps: DeviceDeps): DeviceService {
  const { hardware, clock, bus } = deps
  let scanner: SerialQrScanner | null = null
  let scannerLink: SerialLink | null = null
  return new DeviceService({
    name: 'scanner',
    open: async (context) => {
      const link = await hardware.openScannerLink()
      scannerLink = link
      const reader = new SerialQrScanner(link, { clock })
      reader.onScan((scan) => bus.emit('card.presented', { kind: scan.kind, text: scan.text }))
      reader.onGarbage((reason) => bus.emit('card.unreadable', { device: 'scanner', reason }))
      link.onClose((error) => {
        if (error) context.fail(error)
      })
      reader.start()
      scanner = reader
    },
    close: async () => {
      scanner?.stop()
      scanner = null
      await scannerLink?.close()
      scannerLink = null
    },
    onHealth: healthReporter(bus, 'scanner'),
  })
}
