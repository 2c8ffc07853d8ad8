/** Every device the config names, as a supervised service, in the order they start. */
import type { Printer } from '../../drivers/printer/printer.js'
import type { DeviceService } from '../device-service.js'
import type { DeviceDeps } from './device-deps.js'
import { displayDevice } from './display-device.js'
import { buzzerDevice, statusLedsDevice, type BuzzerDevice, type StatusLedsDevice } from './indicator-devices.js'
import { keypadDevice } from './keypad-device.js'
import { nfcDevice, type NfcDevice } from './nfc-device.js'
import { printerDevice } from './printer-device.js'
import { scannerDevice } from './scanner-device.js'
import { tamperDevice } from './tamper-device.js'
import { wiegandDevice } from './wiegand-device.js'

export interface StationDevices {
  services: DeviceService[]
  showRows(rows: string[]): void
  printer: Printer
  /** The status LEDs, when hardware.leds is enabled. */
  leds: StatusLedsDevice | null
  /** The buzzer, when hardware.buzzer is enabled. */
  buzzer: BuzzerDevice | null
  /** The NFC reader, when hardware.nfc is enabled: what reads CCCD chips. */
  nfc: NfcDevice | null
}

/** Drivers on the chosen transports, each wrapped as a supervised service that reports health. */
export function stationDevices(deps: DeviceDeps): StationDevices {
  const { hardware: settings } = deps.config
  const display = displayDevice(deps)
  const printer = printerDevice(deps)
  const leds = settings.leds.enabled ? statusLedsDevice(deps) : null
  const buzzer = settings.buzzer.enabled ? buzzerDevice(deps) : null
  const nfc = settings.nfc.enabled ? nfcDevice(deps) : null
  return {
    services: [
      display.service,
      keypadDevice(deps),
      scannerDevice(deps),
      printer.service,
      ...(nfc ? [nfc.service] : []),
      ...(settings.wiegand.enabled ? [wiegandDevice(deps)] : []),
      ...(settings.tamper.enabled ? [tamperDevice(deps)] : []),
      ...(leds ? [leds.service] : []),
      ...(buzzer ? [buzzer.service] : []),
    ],
    showRows: display.showRows,
    printer: printer.printer,
    leds,
    buzzer,
    nfc,
  }
}
