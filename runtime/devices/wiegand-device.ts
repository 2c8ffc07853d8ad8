import type { GpioLine } from '../../drivers/gpio/gpio-line.js'
import { WiegandReader } from '../../drivers/wiegand/wiegand-reader.js'
import { DeviceService } from '../device-service.js'
import { healthReporter, type DeviceDeps } from './device-deps.js'

/**
 * A Wiegand reader on two GPIO inputs. A card is its data bits as hex (a card number, like an NFC
 * UID: no personal data); a frame that fails its checks is an unreadable card.
 */
export function wiegandDevice(deps: DeviceDeps): DeviceService {
  const { config, hardware, clock, bus } = deps
  const wiegand = config.hardware.wiegand
  let reader: WiegandReader | null = null
  let lines: GpioLine[] = []
  const closeLines = async () => {
    const open = lines
    lines = []
    await Promise.all(open.map((line) => line.close()))
  }
  return new DeviceService({
    name: 'wiegand',
    open: async () => {
      try {
        for (const [purpose, bcm] of [['wiegand.d0', wiegand.d0Line], ['wiegand.d1', wiegand.d1Line]] as const) {
          // Pulses are low-going; the reader's own pull-up (level-shifted to 3.3 V) holds the line high.
          lines.push(await hardware.openGpioLine({ purpose, bcm, direction: 'in', backend: wiegand.backend, edge: 'falling', pull: 'off' }))
        }
        const [d0, d1] = lines as [GpioLine, GpioLine]
        const next = new WiegandReader({ d0, d1, clock, frameGapMs: wiegand.frameGapMs, holdMs: wiegand.holdMs, lengths: wiegand.lengths })
        next.onCard((card) => bus.emit('card.presented', { kind: 'wiegand', text: card.raw_hex }))
        next.onGarbage((reason) => bus.emit('card.unreadable', { device: 'wiegand', reason }))
        next.start()
        reader = next
      } catch (error) {
        await closeLines()
        throw error
      }
    },
    close: async () => {
      reader?.stop()
      reader = null
      await closeLines()
    },
    onHealth: healthReporter(bus, 'wiegand'),
  })
}
