/**
 * What a real-hardware config needs from the board: each device node with the devices using it and
 * the Unix group that grants access to it (docs/config.md, "Devices"). Pure.
 */
import { join } from 'node:path'
import type { HardwareConfig } from '../../config/schema.js'

export type DeviceGroup = 'i2c' | 'dialout' | 'gpio'

export type NodeKind = 'i2c' | 'serial' | 'sysfs-gpio' | 'pigpio'

export interface DeviceNode {
  /** /dev/i2c-1, a /dev/serial/by-id/… path, <sysfsRoot>/export, or /dev/mem for pigpio. */
  node: string
  kind: NodeKind
  /** Who uses it: `display`, `keypad`, `printer`, `tamper`, … */
  devices: string[]
  /** The group that opens it; null for pigpio, which needs root. */
  group: DeviceGroup | null
}

/** Every node the configured devices open, in config order, each once. Empty for a simulated station. */
export function deviceNodesOf(hardware: HardwareConfig): DeviceNode[] {
  if (hardware.simulated) return []
  const nodes = new Map<string, DeviceNode>()
  const need = (node: string, kind: NodeKind, device: string, group: DeviceGroup | null) => {
    const known = nodes.get(node)
    if (known) {
      if (!known.devices.includes(device)) known.devices.push(device)
    } else nodes.set(node, { node, kind, devices: [device], group })
  }
  const i2c = (bus: number, device: string) => need(`/dev/i2c-${bus}`, 'i2c', device, 'i2c')
  const sysfsExport = join(hardware.gpio.sysfsRoot, 'export')
  // pigpio maps the GPIO registers through /dev/mem (its C library, in-process), hence root.
  const line = (backend: 'onoff' | 'pigpio', device: string) =>
    backend === 'pigpio' ? need('/dev/mem', 'pigpio', device, null) : need(sysfsExport, 'sysfs-gpio', device, 'gpio')

  // The keypad and an I2C NFC reader on the display's bus share its node (runtime/hardware/native-hardware.ts).
  i2c(hardware.display.bus, 'display')
  i2c(hardware.display.bus, 'keypad')
  if (hardware.keypad.irqLine !== undefined) line('onoff', 'keypad irq')
  need(hardware.scanner.path, 'serial', 'scanner', 'dialout')
  need(hardware.printer.path, 'serial', 'printer', 'dialout')
  if (hardware.nfc.enabled) {
    if (hardware.nfc.interface === 'i2c') i2c(hardware.nfc.bus, 'nfc')
    else need(hardware.nfc.path, 'serial', 'nfc', 'dialout')
  }
  if (hardware.wiegand.enabled) line(hardware.wiegand.backend, 'wiegand')
  if (hardware.tamper.enabled) line('onoff', 'tamper')
  if (hardware.leds.enabled) line('onoff', 'leds')
  if (hardware.buzzer.enabled) line(hardware.buzzer.backend, 'buzzer')
  return [...nodes.values()]
}
