import { Pn532Reader } from '../../drivers/nfc/pn532-reader.js'
import { DeviceService } from '../device-service.js'
import type { NfcConnection } from '../hardware/hardware.js'
import { healthReporter, i2cProbe, type DeviceDeps } from './device-deps.js'

/** The PN532 reader. It reports card UIDs only; the kiosk treats them as a card without personal data. */
export function nfcDevice(deps: DeviceDeps): DeviceService {
  const { config, hardware, clock, log, bus } = deps
  const nfcConfig = config.hardware.nfc
  let nfcReader: Pn532Reader | null = null
  let connection: NfcConnection | null = null
  const release = async () => {
    await nfcReader?.stop()
    nfcReader = null
    // A restart opens the port afresh; the old one must be closed first or it stays locked.
    await connection?.close()
    connection = null
  }
  const service: DeviceService = new DeviceService({
    name: 'nfc',
    open: async (context) => {
      connection = await hardware.openNfcTransport(clock)
      const reader = new Pn532Reader(
        { transport: connection.transport, clock, log: log.child({ component: 'driver.nfc' }) },
        { pollIntervalMs: nfcConfig.pollIntervalMs, holdMs: nfcConfig.holdMs },
      )
      reader.onCard((card) => bus.emit('card.presented', { kind: 'nfc', text: card.uid }))
      reader.onHealthChange(() => service.driverHealthChanged())
      const off = reader.onFault((error) => context.fail(error))
      context.signal.addEventListener('abort', off, { once: true })
      try {
        await reader.start()
      } catch (error) {
        await release()
        throw error
      }
      nfcReader = reader
    },
    close: release,
    driverHealth: () => nfcReader?.health(),
    onHealth: healthReporter(bus, 'nfc'),
    // On I2C a one-byte read tells whether the chip is back; over HSU the reopen itself is the probe.
    ...(nfcConfig.interface === 'i2c' ? { probe: i2cProbe(hardware, nfcConfig.address) } : {}),
  })
  return service
}
