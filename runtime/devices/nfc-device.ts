import { Pn532Reader, type CardTransceive } from '../../drivers/nfc/pn532-reader.js'
import { StationError } from '../core/errors.js'
import { DeviceService } from '../device-service.js'
import type { NfcConnection } from '../hardware/hardware.js'
import { healthReporter, i2cProbe, type DeviceDeps } from './device-deps.js'

/**
 * Deadline of each APDU to a chip: PACE's point multiplications on the card take a few hundred ms on a
 * real CCCD (docs/emrtd.md, "PN532"); a card pulled away shows as this passing.
 */
const APDU_TIMEOUT_MS = 3000

export interface NfcDevice {
  service: DeviceService
  /** A conversation with the ISO/IEC 14443-4 card in the field (Pn532Reader.readCard); rejects while the reader is down. */
  readCard<T>(run: (transceive: CardTransceive) => Promise<T>): Promise<T>
}

/**
 * The PN532 reader. A card with a fixed UID is reported by its UID (the kiosk treats it as a card without
 * personal data); a CCCD chip (a random UID and ISO/IEC 14443-4) as a `chip`, which the kiosk reads
 * through `readCard` once it has a key for it (docs/emrtd.md, "In the station").
 */
export function nfcDevice(deps: DeviceDeps): NfcDevice {
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
      reader.onCard((card) =>
        bus.emit('card.presented', card.randomUid && card.apdus ? { kind: 'chip', text: '' } : { kind: 'nfc', text: card.uid }),
      )
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
  return {
    service,
    readCard(run) {
      if (!nfcReader) return Promise.reject(new StationError('E_DEVICE_ABSENT', 'the NFC reader is not running', { reason: 'chip_error' }))
      return nfcReader.readCard(run, { timeoutMs: APDU_TIMEOUT_MS })
    },
  }
}
