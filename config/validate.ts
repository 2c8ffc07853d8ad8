/**
 * Turns parsed YAML into a frozen `Config`, or lists every problem as `path: problem (got value)`.
 * Options the raw value omits are taken from `base` (deep merge; arrays are replaced whole). Pure: no I/O.
 *
 * The schema (`config/station-options.ts`) states what each option may be; TypeBox judges the merged
 * config against it. This file holds only what a schema cannot state: the rules that involve more than
 * one option (or, like the keypad's address, depend on another option's value).
 */
import { TransformDecode } from '@sinclair/typebox/value'
import { isPlainObject, maskUrlPassword, socketMode } from './checks.js'
import './formats.js'
import { keyZoneProblems, phoneKeyZones } from '../drivers/touch/key-zones.js'
import { messageOf } from '../runtime/core/errors.js'
import { HD44780_DDRAM_CHARS } from '../drivers/display/display-options.js'
import { KEY_NAMES } from '../drivers/keypad/key-names.js'
import { electrodesProblem, KEYPAD_DEFAULT_ADDRESS, keypadAddressProblem, type KeypadConfig, type KeypadKind } from '../drivers/keypad/keypad-options.js'
import { mergeRaw } from './merge-raw.js'
import { isObjectSchema, type OptionSchema } from './option-problems.js'
import { renderAddress, renderOption, renderValue, unknownOptionLine } from './problem-lines.js'
import { knownPaths, schemaFindings, type OptionProblem } from './schema-findings.js'
import type { Config, HardwareConfig } from './schema.js'
import { StationOptions } from './station-options.js'

export { renderValue } from './problem-lines.js'

export type ValidationResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly problems: string[] }

const ROOT: OptionSchema = StationOptions
const KNOWN_PATHS = knownPaths(ROOT)

/** Problems by option path, and the cross-field rules' view of which options are already wrong. */
class Collector {
  readonly byPath = new Map<string, OptionProblem[]>()
  /** Cross-field problems, in the order the rules found them. */
  readonly crossField: string[] = []

  add(path: string, problem: OptionProblem): void {
    const list = this.byPath.get(path) ?? []
    list.push(problem)
    this.byPath.set(path, list)
  }

  problem(path: string, problem: string, rendered: string): void {
    this.add(path, { problem: '', rendered: '' })
    this.crossField.push(`${path}: ${problem} (got ${rendered})`)
  }

  /** True when none of the paths has a problem yet, so a cross-field rule does not pile onto one. */
  allGood(...paths: string[]): boolean {
    return paths.every((path) => !this.byPath.has(path))
  }
}

function segmentsOf(path: string): string[] {
  return path === '' ? [] : path.split('.')
}

function getAt(value: unknown, path: string): unknown {
  let current = value
  for (const key of segmentsOf(path)) {
    if (!isPlainObject(current)) return undefined
    current = current[key]
  }
  return current
}

/** Puts `replacement` (or nothing, when undefined) at `path` of the merged config. */
function setAt(root: Record<string, unknown>, path: string, replacement: unknown): void {
  const segments = segmentsOf(path)
  const last = segments.pop()
  let current: unknown = root
  for (const key of segments) {
    if (!isPlainObject(current)) return
    current = current[key]
  }
  if (!isPlainObject(current) || last === undefined) return
  if (replacement === undefined) delete current[last]
  else current[last] = structuredClone(replacement)
}

/** True when the raw config itself sets the option at `path` (to anything, null included). */
function isGiven(raw: unknown, path: string): boolean {
  let current = raw
  for (const key of segmentsOf(path)) {
    if (!isPlainObject(current) || !Object.hasOwn(current, key)) return false
    current = current[key]
  }
  return true
}

function schemaAt(path: string): OptionSchema | undefined {
  let schema: OptionSchema | undefined = ROOT
  for (const key of segmentsOf(path)) schema = schema?.properties?.[key]
  return schema
}

/** Switching the keypad's kind without naming an address takes that chip's own address. */
function keypadAddressFollowsKind(raw: unknown, merged: Record<string, unknown>, base: Config): void {
  const kind = getAt(raw, 'hardware.keypad.kind')
  const rawKeypad = getAt(raw, 'hardware.keypad')
  if (kind === base.hardware.keypad.kind || !isPlainObject(rawKeypad) || Object.hasOwn(rawKeypad, 'address')) return
  if (kind === 'mpr121' || kind === 'ft6x36') setAt(merged, 'hardware.keypad.address', KEYPAD_DEFAULT_ADDRESS[kind as KeypadKind])
}

/** Rules on one option that depend on another option's value, or that a JSON Schema keyword cannot say. */
const DEPENDENT_RULES: ReadonlyArray<{ readonly path: string; readonly problem: (config: Config) => string | null }> = [
  { path: 'hardware.keypad.address', problem: ({ hardware: { keypad } }) => keypadAddressProblem(keypad.kind, keypad.address) },
  { path: 'hardware.keypad.electrodes', problem: ({ hardware: { keypad } }) => electrodesProblem(keypad.electrodes) },
  // The mode's bits: others get nothing, the owner reads and writes (docs/security.md).
  { path: 'control.mode', problem: ({ control }) => socketMode(control.mode) },
]

/** The problem lines of the schema and dependent rules, in schema order: a section's options, then its unknown keys. */
function orderedLines(collector: Collector, unknown: readonly string[]): string[] {
  const lines: string[] = []
  const emit = (path: string): void => {
    for (const { problem, rendered } of collector.byPath.get(path) ?? []) {
      if (problem !== '') lines.push(`${path}: ${problem} (got ${rendered})`)
    }
  }
  const walk = (schema: OptionSchema, path: string): void => {
    if (path !== '' && collector.byPath.has(path)) return emit(path)
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      const childPath = path === '' ? key : `${path}.${key}`
      if (isObjectSchema(child)) walk(child, childPath)
      else emit(childPath)
    }
    for (const unknownPath of unknown) {
      if (unknownPath.slice(0, unknownPath.lastIndexOf('.') + 1) === (path === '' ? '' : `${path}.`)) {
        lines.push(unknownOptionLine(unknownPath, KNOWN_PATHS))
      }
    }
  }
  walk(ROOT, '')
  return lines
}

/** Rules that involve more than one option; each is skipped when one of its options already has a problem. */
function checkCrossField(config: Config, collector: Collector): void {
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
function checkTouchZones(keypad: KeypadConfig, collector: Collector): void {
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
function checkGpioLines(hardware: HardwareConfig, collector: Collector): void {
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

/**
 * Validates `raw` (parsed YAML; null or undefined = empty) over `base`. Collects every problem rather
 * than stopping at the first. The returned config is deep-frozen and shares nothing with `base`.
 */
export function validateConfig(raw: unknown, base: Config): ValidationResult {
  const rootRaw = raw ?? {}
  if (!isPlainObject(rootRaw)) {
    return { ok: false, problems: [`(root): must be a mapping of options (got ${renderValue(raw)})`] }
  }
  const merged = mergeRaw(ROOT, rootRaw, base) as Record<string, unknown>
  keypadAddressFollowsKind(rootRaw, merged, base)

  const collector = new Collector()
  const findings = schemaFindings(ROOT, merged)
  // The base is a validated config already: only what the raw value sets is judged (and a section it
  // gives that lacks a required option).
  for (const [path, problem] of findings.problems) if (problem.required === true || isGiven(rootRaw, path)) collector.add(path, problem)
  // A refused value falls back to the base's, so the rules below see a well-formed config.
  for (const path of [...findings.problems.keys(), ...findings.unknown]) setAt(merged, path, getAt(base, path))
  const config = TransformDecode(ROOT, [], merged) as Config

  for (const rule of DEPENDENT_RULES) {
    if (!collector.allGood(rule.path) || !isGiven(rootRaw, rule.path)) continue
    const problem = rule.problem(config)
    const schema = schemaAt(rule.path)
    if (problem !== null && schema !== undefined) collector.add(rule.path, { problem, rendered: renderOption(schema, getAt(merged, rule.path)) })
  }
  const lines = orderedLines(collector, findings.unknown)
  checkCrossField(config, collector)
  const problems = [...lines, ...collector.crossField]
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, config: deepFreeze(config) }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
