/**
 * The config rules a schema cannot state because they involve more than one option: reconnect delays,
 * broker URLs with TLS, shared I2C buses and serial paths, display size, touch zones, GPIO lines.
 * Pure; each rule is skipped while one of its options already has a problem.
 */
import { maskUrlPassword } from './checks.js'
import { keyZoneProblems, phoneKeyZones } from '../drivers/touch/key-zones.js'
import { messageOf } from '../runtime/core/errors.js'
import { HD44780_DDRAM_CHARS } from '../drivers/display/display-options.js'
import { KEY_NAMES } from '../drivers/keypad/key-names.js'
import type { KeypadConfig } from '../drivers/keypad/keypad-options.js'
import { renderAddress, renderValue } from './problem-lines.js'
import type { Config, HardwareConfig } from './schema.js'

/** Where the rules report, and how they learn which options are already wrong. */
export interface CrossFieldSink {
  problem(path: string, problem: string, rendered: string): void
  /** True when none of the paths has a problem yet, so a rule does not pile onto one. */
  allGood(...paths: string[]): boolean
}

/** Rules that involve more than one option; each is skipped when one of its options already has a problem. */
export function checkCrossField(config: Config, collector: CrossFieldSink): void {
  const { mqtt, hardware } = config
  const { display, keypad } = hardware

  if (collector.allGood('mqtt.reconnectMinMs', 'mqtt.reconnectMaxMs') && mqtt.reconnectMinMs > mqtt.reconnectMaxMs) {
    collector.problem(
      'mqtt.reconnectMinMs',
      `must not exceed mqtt.reconnectMaxMs (${mqtt.reconnectMaxMs})`,
      renderValue(mqtt.reconnectMinMs),
    )
  }
  if (mqtt.tls !== undefined && collector.allGood('mqtt.url', 'mqtt.urls')) {
    const plain = (mqtt.urls ?? [mqtt.url]).filter((broker) => broker !== 'auto' && !/^(mqtts|wss):/.test(broker))
    if (plain.length > 0) {
      collector.problem('mqtt.tls', 'needs mqtts:// or wss:// broker URLs (a client certificate is never sent in the clear)', renderValue(plain.map(maskUrlPassword)))
    }
  }
  if (collector.allGood('mqtt.url', 'hardware.simulated') && mqtt.url === 'auto' && !hardware.simulated && mqtt.urls === undefined) {
    collector.problem('mqtt.url', "'auto' is for simulated stations only; name the broker", renderValue(mqtt.url))
  }
  if (
    keypad.kind === 'mpr121' &&
    collector.allGood('hardware.keypad.touchThreshold', 'hardware.keypad.releaseThreshold') &&
    keypad.releaseThreshold >= keypad.touchThreshold
  ) {
    // Touch must exceed release, or a key chatters between touched and released (docs/protocols.md 3.2, step 2).
    collector.problem(
      'hardware.keypad.releaseThreshold',
      `must be lower than hardware.keypad.touchThreshold (${keypad.touchThreshold})`,
      renderValue(keypad.releaseThreshold),
    )
  }
  if (
    collector.allGood('hardware.display.bus', 'hardware.display.address', 'hardware.keypad.bus', 'hardware.keypad.address') &&
    display.bus === keypad.bus &&
    display.address === keypad.address
  ) {
    collector.problem(
      'hardware.keypad.address',
      `must differ from hardware.display.address on the same bus (i2c-${keypad.bus})`,
      renderAddress(keypad.address),
    )
  }
  if (
    collector.allGood('hardware.display.cols', 'hardware.display.rows') &&
    display.cols * display.rows > HD44780_DDRAM_CHARS
  ) {
    collector.problem(
      'hardware.display.cols',
      `must be at most ${HD44780_DDRAM_CHARS / display.rows} with ${display.rows} rows (one HD44780 holds 80 characters)`,
      renderValue(display.cols),
    )
  }
  if (
    collector.allGood('hardware.scanner.path', 'hardware.printer.path') &&
    hardware.scanner.path === hardware.printer.path
  ) {
    collector.problem('hardware.printer.path', 'must differ from hardware.scanner.path', renderValue(hardware.printer.path))
  }
  checkTouchZones(keypad, collector)
  checkGpioLines(hardware, collector)
  const { nfc } = hardware
  if (nfc.enabled && nfc.interface === 'i2c') {
    for (const [name, device] of [['display', display], ['keypad', keypad]] as const) {
      if (
        collector.allGood('hardware.nfc.bus', 'hardware.nfc.address', `hardware.${name}.bus`, `hardware.${name}.address`) &&
        device.bus === nfc.bus &&
        device.address === nfc.address
      ) {
        collector.problem('hardware.nfc.address', `must differ from hardware.${name}.address on the same bus (i2c-${nfc.bus})`, renderAddress(nfc.address))
      }
    }
  }
  if (nfc.enabled && nfc.interface === 'hsu') {
    for (const name of ['scanner', 'printer'] as const) {
      if (collector.allGood('hardware.nfc.path', `hardware.${name}.path`) && hardware[name].path === nfc.path) {
        collector.problem('hardware.nfc.path', `must differ from hardware.${name}.path`, renderValue(nfc.path))
      }
    }
  }
}

/**
 * A touch keypad needs usable zones: configured ones must fit the panel, not overlap and give every key
 * (a resident without ok, back or a digit cannot finish a procedure); without zones, the phone layout
 * must fit the panel with the configured gap.
 */
function checkTouchZones(keypad: KeypadConfig, collector: CrossFieldSink): void {
  const { touch } = keypad
  const panelPaths = ['hardware.keypad.touch.widthPx', 'hardware.keypad.touch.heightPx']
  if (keypad.kind !== 'ft6x36' || !collector.allGood(...panelPaths)) return
  const panel = { widthPx: touch.widthPx, heightPx: touch.heightPx }
  if (touch.zones === undefined) {
    if (!collector.allGood('hardware.keypad.touch.gapPx')) return
    try {
      phoneKeyZones(panel, { gapPx: touch.gapPx })
    } catch (error) {
      collector.problem('hardware.keypad.touch.gapPx', messageOf(error), renderValue(touch.gapPx))
    }
    return
  }
  if (!collector.allGood('hardware.keypad.touch.zones')) return
  // The zone lines quote each zone themselves; the whole list would only repeat them.
  const rendered = `${touch.zones.length} zones`
  const problems = keyZoneProblems(touch.zones, panel)
  if (problems.length > 0) {
    collector.problem('hardware.keypad.touch.zones', problems.join('; '), rendered)
    return
  }
  const missing = KEY_NAMES.filter((key) => !touch.zones?.some((zone) => zone.key === key))
  if (missing.length > 0) collector.problem('hardware.keypad.touch.zones', `must give every key a zone; missing ${missing.join(' ')}`, rendered)
}

/**
 * Two devices on one GPIO line would fight over it; pigpio reaches only lines 0-31 (PI_MAX_USER_GPIO).
 * Only enabled devices (and a configured keypad IRQ) take a line.
 */
function checkGpioLines(hardware: HardwareConfig, collector: CrossFieldSink): void {
  const { wiegand, tamper, leds, buzzer, keypad } = hardware
  const used: Array<{ path: string; line: number; pigpio: boolean }> = []
  if (keypad.irqLine !== undefined) used.push({ path: 'hardware.keypad.irqLine', line: keypad.irqLine, pigpio: false })
  if (wiegand.enabled) {
    const pigpio = wiegand.backend === 'pigpio'
    used.push({ path: 'hardware.wiegand.d0Line', line: wiegand.d0Line, pigpio }, { path: 'hardware.wiegand.d1Line', line: wiegand.d1Line, pigpio })
  }
  if (tamper.enabled) used.push({ path: 'hardware.tamper.line', line: tamper.line, pigpio: false })
  if (leds.enabled) used.push({ path: 'hardware.leds.greenLine', line: leds.greenLine, pigpio: false }, { path: 'hardware.leds.redLine', line: leds.redLine, pigpio: false })
  if (buzzer.enabled) used.push({ path: 'hardware.buzzer.line', line: buzzer.line, pigpio: buzzer.backend === 'pigpio' })
  const claimed = new Map<number, string>()
  // The header's bus pins are taken by the buses themselves: GPIO 2/3 carry I2C-1, GPIO 14/15 the UART.
  const onI2c1 = hardware.display.bus === 1 || keypad.bus === 1 || (hardware.nfc.enabled && hardware.nfc.interface === 'i2c' && hardware.nfc.bus === 1)
  if (onI2c1) for (const line of [2, 3]) claimed.set(line, 'I2C-1 (SDA/SCL)')
  const headerUart = /^\/dev\/(serial0|ttyAMA0|ttyS0)$/
  const serialPaths = [hardware.scanner.path, hardware.printer.path, ...(hardware.nfc.enabled && hardware.nfc.interface === 'hsu' ? [hardware.nfc.path] : [])]
  if (serialPaths.some((path) => headerUart.test(path))) for (const line of [14, 15]) claimed.set(line, 'the header UART (TXD/RXD)')
  for (const { path, line, pigpio } of used) {
    if (!collector.allGood(path)) continue
    const owner = claimed.get(line)
    if (owner !== undefined) {
      collector.problem(path, `must differ from ${owner} (one line, one device)`, renderValue(line))
      continue
    }
    claimed.set(line, path)
    if (pigpio && line > 31) collector.problem(path, 'must be 0 to 31 with backend pigpio (pigpio reaches only GPIO 0-31)', renderValue(line))
  }
}
