import type { PrinterConfig } from '../../config/schema.js'
import { EscPosPrinter } from '../../drivers/printer/escpos-printer.js'
import type { SerialLink } from '../../drivers/serial/serial-link.js'
import type { Clock } from '../core/clock.js'
import { messageOf } from '../core/errors.js'
import { fail, pass, warn, type CheckResult } from './check-result.js'

/**
 * The printer must answer a real-time status request (DLE EOT, through the station's own driver)
 * and be able to print: paper in, cover shut, no error. Near end of paper is a warn.
 */
export async function printerCheck(openLink: () => Promise<SerialLink>, config: PrinterConfig, clock: Clock): Promise<CheckResult> {
  let link: SerialLink
  try {
    link = await openLink()
  } catch (error) {
    return fail('printer', `cannot open ${config.path}: ${messageOf(error)}`, 'plug the printer in and switch it on')
  }
  const printer = new EscPosPrinter({ link, clock, profile: config, statusTimeoutMs: config.statusTimeoutMs })
  try {
    const status = await printer.status()
    if (status.coverOpen) return fail('printer', 'printer answers: cover open', 'close the paper cover')
    if (status.paperOut) return fail('printer', 'printer answers: out of paper', 'load a paper roll')
    if (status.error) return fail('printer', 'printer answers: error (mechanism or cutter)', 'clear the jam, then power-cycle the printer')
    if (!status.online) return fail('printer', 'printer answers: offline', 'power-cycle the printer')
    if (status.paperNearEnd) return warn('printer', 'printer ready, paper near its end', 'load a new paper roll soon')
    return pass('printer', 'printer ready (status answered)')
  } catch (error) {
    return fail('printer', messageOf(error), 'switch the printer on; check hardware.printer.baudRate')
  } finally {
    await printer.stop()
    await link.close()
  }
}
