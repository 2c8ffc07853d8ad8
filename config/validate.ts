/**
 * Turns parsed YAML into a frozen `Config`, or lists every problem as `path: problem (got value)`.
 * Options the raw value omits are taken from `base` (deep merge; arrays are replaced whole). Pure: no I/O.
 */
import {
  absolutePath,
  absolutePaths,
  urlList,
  bcmLine,
  boolean,
  i2cAddress,
  intInRange,
  isPlainObject,
  maskUrlPassword,
  nonEmptyString,
  oneOf,
  parseI2cAddress,
  serialPath,
  socketPath,
  socketMode,
  groupName,
  parseFileMode,
  stationId,
  topicPrefix,
  url,
  type Checker,
} from './checks.js'
import { keyZoneProblems, phoneKeyZones } from '../drivers/touch/key-zones.js'
import { messageOf } from '../runtime/core/errors.js'
import { FT6X36_ADDRESS } from '../drivers/touch/ft6x36-registers.js'
import type {
  BuzzerConfig,
  GpioConfig,
  LedsConfig,
  TamperConfig,
  TouchPanelConfig,
  TouchZoneConfig,
  WiegandConfig,
  NfcConfig,
  Config,
  DisplayConfig,
  HardwareConfig,
  KeyName,
  KeypadConfig,
  MqttConfig,
  MqttTlsConfig,
  PrinterConfig,
  ScannerConfig,
} from './schema.js'

export type ValidationResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly problems: string[] }

const LANGUAGES = ['vi', 'en'] as const
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
const KEY_NAMES: readonly KeyName[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'ok', 'back']
const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const
const PRINTER_CODEPAGES = ['ascii', 'cp1258', 'tcvn3'] as const
/** HD44780 geometries in use; the controller's DDRAM holds 80 characters (Hitachi HD44780U data sheet, DDRAM section). */
const DISPLAY_COLS = [8, 16, 20, 24, 40] as const
const DISPLAY_ROWS = [1, 2, 4] as const
const HD44780_DDRAM_CHARS = 80
const MIB = 1024 * 1024
/** Longest rendering of a rejected value; config values are short, so more is a paste accident. */
const MAX_RENDERED_CHARS = 60

/** JSON rendering of a value for a problem line, truncated. */
export function renderValue(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > MAX_RENDERED_CHARS ? `${text.slice(0, MAX_RENDERED_CHARS - 1)}…` : text
}

/** I2C addresses read better in hex, as the data sheets and i2cdetect print them. */
function renderAddress(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xff) {
    return `0x${value.toString(16).padStart(2, '0')}`
  }
  return renderValue(value)
}

function renderUrl(value: unknown): string {
  return renderValue(maskUrlPassword(value))
}

function joinPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`
}

function parentOf(path: string): string {
  const dot = path.lastIndexOf('.')
  return dot === -1 ? '' : path.slice(0, dot)
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1)
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** The known option closest to a mistyped one: a near sibling first, else the same name in another section. */
function suggestPath(unknownPath: string, knownPaths: ReadonlySet<string>): string | undefined {
  const parent = parentOf(unknownPath)
  const key = lastSegment(unknownPath).toLowerCase()
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of knownPaths) {
    if (parentOf(candidate) !== parent) continue
    const distance = editDistance(key, lastSegment(candidate).toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(key.length / 3))) return best
  for (const candidate of knownPaths) {
    if (lastSegment(candidate).toLowerCase() === key) return candidate
  }
  return undefined
}

type Entry = { readonly path: string; readonly text: string } | { readonly path: string; readonly unknown: true }

/** Collects problems, known option paths and unknown keys across one validation. */
class Collector {
  readonly entries: Entry[] = []
  readonly knownPaths = new Set<string>()
  readonly badPaths = new Set<string>()

  problem(path: string, problem: string, rendered: string): void {
    this.badPaths.add(path)
    this.entries.push({ path, text: `${path}: ${problem} (got ${rendered})` })
  }

  unknown(path: string): void {
    this.entries.push({ path, unknown: true })
  }

  /** True when none of the paths has a problem yet, so a cross-field rule does not pile onto one. */
  allGood(...paths: string[]): boolean {
    return paths.every((path) => !this.badPaths.has(path))
  }

  problems(): string[] {
    return this.entries.map((entry) => {
      if ('text' in entry) return entry.text
      const suggestion = suggestPath(entry.path, this.knownPaths)
      return suggestion === undefined
        ? `${entry.path}: unknown option`
        : `${entry.path}: unknown option (did you mean ${suggestion}?)`
    })
  }
}

interface ValueOptions<T> {
  /** Turns an accepted raw value into the config value (e.g. '0x27' into 39). */
  convert?: (value: unknown) => T
  /** Renders a rejected value; default JSON. */
  render?: (value: unknown) => string
}

/** One mapping of the raw config, read field by field against its base values. */
class Section {
  readonly #collector: Collector
  readonly #path: string
  readonly #raw: Readonly<Record<string, unknown>>
  readonly #read = new Set<string>()

  constructor(collector: Collector, path: string, raw: Readonly<Record<string, unknown>>) {
    this.#collector = collector
    this.#path = path
    this.#raw = raw
  }

  #visit(key: string): string {
    this.#read.add(key)
    const path = joinPath(this.#path, key)
    this.#collector.knownPaths.add(path)
    return path
  }

  /** A nested mapping. A YAML key with nothing under it (null) counts as an empty mapping. */
  child(key: string): Section {
    const path = this.#visit(key)
    const value = this.#raw[key]
    if (value === undefined || value === null) return new Section(this.#collector, path, {})
    if (!isPlainObject(value)) {
      this.#collector.problem(path, 'must be a mapping of options', renderValue(value))
      return new Section(this.#collector, path, {})
    }
    return new Section(this.#collector, path, value)
  }

  /** A required option: the raw value if it passes `check`, else the base value and a problem. */
  value<T>(key: string, base: T, check: Checker, options: ValueOptions<T> = {}): T {
    const path = this.#visit(key)
    if (!Object.hasOwn(this.#raw, key)) return copyValue(base)
    const value = this.#raw[key]
    const problem = check(value)
    if (problem !== null) {
      this.#collector.problem(path, problem, (options.render ?? renderValue)(value))
      return copyValue(base)
    }
    return options.convert === undefined ? copyValue(value as T) : options.convert(value)
  }

  /** An optional option: null in the raw config unsets it. */
  optional<T>(key: string, base: T | undefined, check: Checker, options: ValueOptions<T> = {}): T | undefined {
    if (this.#raw[key] === null) {
      this.#visit(key)
      return undefined
    }
    return this.value<T | undefined>(key, base, check, options)
  }

  /** Records a problem when the raw mapping lacks `key` (for options that have no default). */
  require(key: string, what: string): void {
    if (!this.has(key)) this.#collector.problem(joinPath(this.#path, key), `is required (${what})`, 'nothing')
  }

  /** True when the raw mapping sets `key` (to anything but null). */
  has(key: string): boolean {
    return this.#raw[key] !== undefined && this.#raw[key] !== null
  }

  /** Records every raw key that no reader asked for. */
  finish(): void {
    for (const key of Object.keys(this.#raw)) {
      if (!this.#read.has(key)) this.#collector.unknown(joinPath(this.#path, key))
    }
  }
}

/** Arrays are copied so the frozen result never freezes (or shares) the caller's base. */
function copyValue<T>(value: T): T {
  return (Array.isArray(value) ? [...(value as unknown[])] : value) as T
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

const range =
  (min: number, max: number): Checker =>
  (value) =>
    intInRange(value, min, max)
const among =
  (allowed: readonly unknown[]): Checker =>
  (value) =>
    oneOf(value, allowed)

/** MPR121 answers only at 0x5a..0x5d, chosen by the ADDR pin (MPR121 data sheet, serial communication section). */
function mpr121Address(value: unknown): string | null {
  const address = parseI2cAddress(value)
  if (address !== undefined && address >= 0x5a && address <= 0x5d) return null
  return 'must be 0x5a to 0x5d (set by the MPR121 ADDR pin)'
}

/** A mode as octal (the decimal 660 an unquoted YAML 0660 gives is shown as it was read). */
function renderMode(value: unknown): string {
  return typeof value === 'number' && value <= 0o777 ? `0${value.toString(8)}` : renderValue(value)
}

function toAddress(value: unknown): number {
  return parseI2cAddress(value) ?? Number.NaN
}

/** YAML reads an unquoted `5` as a number; digit keys are accepted either way. */
function toKeyNames(value: unknown): unknown[] {
  if (!Array.isArray(value)) return []
  return value.map((key: unknown) => (typeof key === 'number' && Number.isInteger(key) && key >= 0 && key <= 9 ? String(key) : key))
}

/** Twelve key names, one per electrode 0..11, each key exactly once. */
function electrodes(raw: unknown): string | null {
  const expected = `must list 12 keys, one per electrode 0..11, from ${KEY_NAMES.join(' ')}`
  if (!Array.isArray(raw) || raw.length !== KEY_NAMES.length) return expected
  const value = toKeyNames(raw)
  if (!value.every((key) => (KEY_NAMES as readonly unknown[]).includes(key))) return expected
  const duplicates = value.filter((key, index) => value.indexOf(key) !== index)
  if (duplicates.length === 0) return null
  const missing = KEY_NAMES.filter((key) => !value.includes(key))
  const names = (keys: readonly unknown[]): string => [...new Set(keys)].map((key) => JSON.stringify(key)).join(', ')
  return `lists ${names(duplicates)} more than once and lacks ${names(missing)}`
}

function readMqttTls(section: Section, base: MqttTlsConfig | undefined): MqttTlsConfig | undefined {
  if (base === undefined) {
    section.require('caFile', "the broker's CA certificate, PEM")
    section.require('certFile', "the station's certificate, PEM")
    section.require('keyFile', "the station's private key, PEM")
  }
  const config: MqttTlsConfig = {
    caFile: section.value('caFile', base?.caFile ?? '', absolutePath),
    certFile: section.value('certFile', base?.certFile ?? '', absolutePath),
    keyFile: section.value('keyFile', base?.keyFile ?? '', absolutePath),
  }
  section.finish()
  return config
}

function readMqtt(section: Section, base: MqttConfig): MqttConfig {
  const username = section.optional('username', base.username, nonEmptyString)
  const passwordFile = section.optional('passwordFile', base.passwordFile, absolutePath)
  const brokerUrl = section.value('url', base.url, url, { render: renderUrl })
  const urls = section.optional('urls', base.urls, urlList, { render: (value) => renderValue(Array.isArray(value) ? value.map(maskUrlPassword) : value) })
  const tls = section.has('tls') || base.tls !== undefined ? readMqttTls(section.child('tls'), base.tls) : undefined
  const config: MqttConfig = {
    url: brokerUrl,
    ...(urls === undefined ? {} : { urls }),
    ...(tls === undefined ? {} : { tls }),
    topicPrefix: section.value('topicPrefix', base.topicPrefix, topicPrefix),
    ...(username === undefined ? {} : { username }),
    ...(passwordFile === undefined ? {} : { passwordFile }),
    // MQTT 5 section 3.1.2.10: Keep Alive is a two-byte integer; 0 turns it off.
    keepaliveS: section.value('keepaliveS', base.keepaliveS, range(0, 65_535)),
    reconnectMinMs: section.value('reconnectMinMs', base.reconnectMinMs, range(100, 3_600_000)),
    reconnectMaxMs: section.value('reconnectMaxMs', base.reconnectMaxMs, range(100, 3_600_000)),
    reconnectSpreadMs: section.value('reconnectSpreadMs', base.reconnectSpreadMs, range(0, 3_600_000)),
    connectTimeoutMs: section.value('connectTimeoutMs', base.connectTimeoutMs, range(100, 120_000)),
    telemetryIntervalS: section.value('telemetryIntervalS', base.telemetryIntervalS, range(5, 86_400)),
  }
  section.finish()
  return config
}

function readDisplay(section: Section, base: DisplayConfig): DisplayConfig {
  const config: DisplayConfig = {
    kind: section.value('kind', base.kind, among(['hd44780-pcf8574'])),
    bus: section.value('bus', base.bus, range(0, 255)),
    // Any valid address, not only the factory 0x27/0x3f: backpacks re-strapped with A0..A2 exist, and a
    // wrong one fails loudly at start (E_DEVICE_ABSENT). The shared-bus rule below catches clashes.
    address: section.value('address', base.address, i2cAddress, { convert: toAddress, render: renderAddress }),
    cols: section.value('cols', base.cols, among(DISPLAY_COLS)),
    rows: section.value('rows', base.rows, among(DISPLAY_ROWS)),
    glyphs: section.value('glyphs', base.glyphs, among(['none', 'vietnamese'])),
  }
  section.finish()
  return config
}

/** Every FT5x06/FT6x36 answers at 0x38 (FocalTech application notes; docs/protocols.md 3.1). */
function ft6x36Address(value: unknown): string | null {
  return parseI2cAddress(value) === FT6X36_ADDRESS ? null : 'must be 0x38 (the FT6x36 address is fixed)'
}

const ZONE_KEYS = ['key', 'x', 'y', 'widthPx', 'heightPx'] as const

/** A list of {key, x, y, widthPx, heightPx}; overlap and fit are checked against the panel later. */
function touchZones(value: unknown): string | null {
  const expected = 'must be a list of {key, x, y, widthPx, heightPx}'
  if (!Array.isArray(value) || value.length === 0) return expected
  for (const [index, zone] of value.entries()) {
    if (!isPlainObject(zone)) return `${expected}: item ${index} is not a mapping`
    const extra = Object.keys(zone).find((key) => !(ZONE_KEYS as readonly string[]).includes(key))
    if (extra !== undefined) return `${expected}: item ${index} has unknown option ${extra}`
    const key = toKeyNames([zone.key])[0]
    if (!(KEY_NAMES as readonly unknown[]).includes(key)) return `${expected}: item ${index} key must be one of ${KEY_NAMES.join(' ')}`
    for (const field of ['x', 'y', 'widthPx', 'heightPx'] as const) {
      if (intInRange(zone[field], 0, 4096) !== null) return `${expected}: item ${index} ${field} must be an integer 0..4096`
    }
  }
  return null
}

function toTouchZones(value: unknown): TouchZoneConfig[] {
  return (value as Array<Record<string, unknown>>).map((zone) => ({
    key: toKeyNames([zone.key])[0] as KeyName,
    x: Number(zone.x),
    y: Number(zone.y),
    widthPx: Number(zone.widthPx),
    heightPx: Number(zone.heightPx),
  }))
}

function readTouchPanel(section: Section, base: TouchPanelConfig): TouchPanelConfig {
  const zones = section.optional('zones', base.zones, touchZones, { convert: toTouchZones })
  const config: TouchPanelConfig = {
    // The FT6x36 reports 12-bit coordinates (docs/protocols.md 3.1).
    widthPx: section.value('widthPx', base.widthPx, range(1, 4096)),
    heightPx: section.value('heightPx', base.heightPx, range(1, 4096)),
    gapPx: section.value('gapPx', base.gapPx, range(0, 512)),
    ...(zones === undefined ? {} : { zones }),
  }
  section.finish()
  return config
}

function readKeypad(section: Section, base: KeypadConfig): KeypadConfig {
  const kind = section.value('kind', base.kind, among(['mpr121', 'ft6x36']))
  const bus = section.value('bus', base.bus, range(0, 255))
  // Switching the kind without naming an address takes that chip's own address.
  const baseAddress = kind === base.kind ? base.address : kind === 'ft6x36' ? FT6X36_ADDRESS : 0x5a
  const addressCheck = kind === 'ft6x36' ? ft6x36Address : mpr121Address
  const address = section.value('address', baseAddress, addressCheck, { convert: toAddress, render: renderAddress })
  const irqLine = section.optional('irqLine', base.irqLine, bcmLine)
  const config: KeypadConfig = {
    kind,
    bus,
    address,
    ...(irqLine === undefined ? {} : { irqLine }),
    pollIntervalMs: section.value('pollIntervalMs', base.pollIntervalMs, range(5, 1_000)),
    irqSafetyPollMs: section.value('irqSafetyPollMs', base.irqSafetyPollMs, range(50, 60_000)),
    electrodes: section.value('electrodes', base.electrodes, electrodes, { convert: (value) => toKeyNames(value) as KeyName[] }),
    // Threshold registers 0x41+2n / 0x42+2n are 8 bits wide (docs/protocols.md 3.2).
    touchThreshold: section.value('touchThreshold', base.touchThreshold, range(0, 255)),
    releaseThreshold: section.value('releaseThreshold', base.releaseThreshold, range(0, 255)),
    touch: readTouchPanel(section.child('touch'), base.touch),
  }
  section.finish()
  return config
}

function readScanner(section: Section, base: ScannerConfig): ScannerConfig {
  const config: ScannerConfig = {
    kind: section.value('kind', base.kind, among(['serial-qr'])),
    path: section.value('path', base.path, serialPath),
    baudRate: section.value('baudRate', base.baudRate, among(BAUD_RATES)),
  }
  section.finish()
  return config
}

function readPrinter(section: Section, base: PrinterConfig): PrinterConfig {
  const config: PrinterConfig = {
    kind: section.value('kind', base.kind, among(['escpos'])),
    path: section.value('path', base.path, serialPath),
    baudRate: section.value('baudRate', base.baudRate, among(BAUD_RATES)),
    codepage: section.value('codepage', base.codepage, among(PRINTER_CODEPAGES)),
    // ESC t n takes one byte (ESC/POS command reference, ESC t).
    codeTable: section.value('codeTable', base.codeTable, range(0, 255)),
    lineWidthChars: section.value('lineWidthChars', base.lineWidthChars, range(16, 80)),
    statusTimeoutMs: section.value('statusTimeoutMs', base.statusTimeoutMs, range(50, 10_000)),
  }
  section.finish()
  return config
}

function readNfc(section: Section, base: NfcConfig): NfcConfig {
  const config: NfcConfig = {
    enabled: section.value('enabled', base.enabled, boolean),
    kind: section.value('kind', base.kind, among(['pn532'])),
    interface: section.value('interface', base.interface, among(['i2c', 'hsu'])),
    bus: section.value('bus', base.bus, range(0, 255)),
    address: section.value('address', base.address, i2cAddress, { convert: toAddress, render: renderAddress }),
    path: section.value('path', base.path, serialPath),
    baudRate: section.value('baudRate', base.baudRate, among(BAUD_RATES)),
    pollIntervalMs: section.value('pollIntervalMs', base.pollIntervalMs, range(20, 10_000)),
    holdMs: section.value('holdMs', base.holdMs, range(0, 60_000)),
  }
  section.finish()
  return config
}

const GPIO_BACKENDS = ['onoff', 'pigpio'] as const

function readGpio(section: Section, base: GpioConfig): GpioConfig {
  const config: GpioConfig = { sysfsRoot: section.value('sysfsRoot', base.sysfsRoot, absolutePath) }
  section.finish()
  return config
}

/** Frame lengths: 26 and/or 34, each at most once. */
function wiegandLengths(value: unknown): string | null {
  const ok = Array.isArray(value) && value.length > 0 && value.every((n) => n === 26 || n === 34) && new Set(value).size === value.length
  return ok ? null : 'must list 26, 34 or both'
}

function readWiegand(section: Section, base: WiegandConfig): WiegandConfig {
  const config: WiegandConfig = {
    enabled: section.value('enabled', base.enabled, boolean),
    backend: section.value('backend', base.backend, among(GPIO_BACKENDS)),
    d0Line: section.value('d0Line', base.d0Line, bcmLine),
    d1Line: section.value('d1Line', base.d1Line, bcmLine),
    // SIA readers may pause 20 ms between bits; 500 ms would make a resident wait (docs/protocols.md 5.1).
    frameGapMs: section.value('frameGapMs', base.frameGapMs, range(3, 500)),
    holdMs: section.value('holdMs', base.holdMs, range(0, 60_000)),
    lengths: section.value('lengths', base.lengths, wiegandLengths),
  }
  section.finish()
  return config
}

function readTamper(section: Section, base: TamperConfig): TamperConfig {
  const config: TamperConfig = {
    enabled: section.value('enabled', base.enabled, boolean),
    line: section.value('line', base.line, bcmLine),
    openLevel: section.value('openLevel', base.openLevel, among([0, 1])),
    debounceMs: section.value('debounceMs', base.debounceMs, range(1, 5_000)),
  }
  section.finish()
  return config
}

function readLeds(section: Section, base: LedsConfig): LedsConfig {
  const config: LedsConfig = {
    enabled: section.value('enabled', base.enabled, boolean),
    greenLine: section.value('greenLine', base.greenLine, bcmLine),
    redLine: section.value('redLine', base.redLine, bcmLine),
  }
  section.finish()
  return config
}

function readBuzzer(section: Section, base: BuzzerConfig): BuzzerConfig {
  const config: BuzzerConfig = {
    enabled: section.value('enabled', base.enabled, boolean),
    backend: section.value('backend', base.backend, among(GPIO_BACKENDS)),
    line: section.value('line', base.line, bcmLine),
    frequencyHz: section.value('frequencyHz', base.frequencyHz, range(100, 20_000)),
    keyClick: section.value('keyClick', base.keyClick, boolean),
  }
  section.finish()
  return config
}

function readHardware(section: Section, base: HardwareConfig): HardwareConfig {
  const config: HardwareConfig = {
    simulated: section.value('simulated', base.simulated, boolean),
    display: readDisplay(section.child('display'), base.display),
    keypad: readKeypad(section.child('keypad'), base.keypad),
    scanner: readScanner(section.child('scanner'), base.scanner),
    printer: readPrinter(section.child('printer'), base.printer),
    nfc: readNfc(section.child('nfc'), base.nfc),
    gpio: readGpio(section.child('gpio'), base.gpio),
    wiegand: readWiegand(section.child('wiegand'), base.wiegand),
    tamper: readTamper(section.child('tamper'), base.tamper),
    leds: readLeds(section.child('leds'), base.leds),
    buzzer: readBuzzer(section.child('buzzer'), base.buzzer),
  }
  section.finish()
  return config
}

function readConfig(root: Section, base: Config): Config {
  const station = root.child('station')
  const log = root.child('log')
  const storage = root.child('storage')
  const session = root.child('session')
  const flows = root.child('flows')
  const control = root.child('control')
  const ops = root.child('ops')
  const central = root.child('central')
  const config: Config = {
    station: {
      id: station.value('id', base.station.id, stationId),
      defaultLanguage: station.value('defaultLanguage', base.station.defaultLanguage, among(LANGUAGES)),
    },
    dataDir: root.value('dataDir', base.dataDir, absolutePath),
    log: { level: log.value('level', base.log.level, among(LOG_LEVELS)) },
    mqtt: readMqtt(root.child('mqtt'), base.mqtt),
    ops: {
      trustedKeys: ops.value('trustedKeys', base.ops.trustedKeys, absolutePaths),
      maxSkewS: ops.value('maxSkewS', base.ops.maxSkewS, range(10, 86_400)),
    },
    central: {
      trustedKeys: central.value('trustedKeys', base.central.trustedKeys, absolutePaths),
      ackTimeoutS: central.value('ackTimeoutS', base.central.ackTimeoutS, range(1, 3_600)),
      window: central.value('window', base.central.window, range(1, 1024)),
      maxUnacknowledged: central.value('maxUnacknowledged', base.central.maxUnacknowledged, range(1, 65_536)),
    },
    storage: {
      keyFile: storage.value('keyFile', base.storage.keyFile, absolutePath),
      outboxMaxBytes: storage.value('outboxMaxBytes', base.storage.outboxMaxBytes, range(1 * MIB, 16 * 1024 * MIB)),
      outboxSegmentBytes: storage.value('outboxSegmentBytes', base.storage.outboxSegmentBytes, range(64 * 1024, 256 * MIB)),
      reserveBytes: storage.value('reserveBytes', base.storage.reserveBytes, range(0, 16 * 1024 * MIB)),
    },
    session: {
      idleTimeoutS: session.value('idleTimeoutS', base.session.idleTimeoutS, range(5, 3_600)),
      endScreenS: session.value('endScreenS', base.session.endScreenS, range(1, 300)),
      stopGraceS: session.value('stopGraceS', base.session.stopGraceS, range(0, 600)),
    },
    flows: { dir: flows.value('dir', base.flows.dir, absolutePath) },
    control: {
      socketPath: control.value('socketPath', base.control.socketPath, socketPath),
      // null: no group (the socket stays 0600).
      group: control.value<string | null>('group', base.control.group, (value) => (value === null ? null : groupName(value))),
      mode: control.value('mode', base.control.mode, socketMode, { convert: (value) => parseFileMode(value) ?? Number.NaN, render: renderMode }),
      idleTimeoutMs: control.value('idleTimeoutMs', base.control.idleTimeoutMs, range(100, 3_600_000)),
      maxConnections: control.value('maxConnections', base.control.maxConnections, range(1, 1024)),
    },
    hardware: readHardware(root.child('hardware'), base.hardware),
  }
  for (const section of [station, log, storage, session, flows, control, ops, central, root]) section.finish()
  return config
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
  const collector = new Collector()
  const config = readConfig(new Section(collector, '', rootRaw), base)
  checkCrossField(config, collector)
  const problems = collector.problems()
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, config: deepFreeze(config) }
}
