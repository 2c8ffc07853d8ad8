import { Pn532Reader } from '../../drivers/nfc/pn532-reader.js'
import { DeviceService } from '../device-service.js'
import { healthReporter, type DeviceDeps } from './device-deps.js'

/** The PN532 reader. It reports card UIDs only; the kiosk treats them as a card without personal data. */
export function nfcDevice(deps: DeviceDeps): DeviceService {
  const { config, hardware, clock, log, bus } = deps
  const nfcConfig = config.hardware.nfc
  let nfcReader: Pn532Reader | null = null
  return new DeviceService({
    name: 'nfc',
    open: async (context) => {
      const transport = await hardware.openNfcTransport(clock)
      const reader = new Pn532Reader(
        { transport, clock, log: log.child({ component: 'driver.nfc' }) },
        { pollIntervalMs: nfcConfig.pollIntervalMs, holdMs: nfcConfig.holdMs },
      )
      reader.onCard((card) => bus.emit('card.presented', { kind: 'nfc', text: card.uid }))
      const off = reader.onFault((error) => context.fail(error))
      context.signal.addEventListener('abort', off, { once: true })
      await reader.start()
      nfcReader = reader
    },
    close: async () => {
      await nfcReader?.stop()
      nfcReader = null
    },
    driverHealth: () => nfcReader?.health(),
    onHealth: healthReporter(bus, 'nfc'),
  })
}
