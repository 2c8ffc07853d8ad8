/**
 * The station's configuration: the type every part of the runtime receives, and its defaults.
 * `config/validate.ts` turns raw YAML into this (or lists every problem); nothing reads config
 * from anywhere else.
 */
export type Language = 'vi' | 'en'

export interface SerialDeviceConfig {
  /** Stable path: /dev/serial/by-id/… in production. */
  path: string
  baudRate: number
}

export type PrinterCodepage = 'ascii' | 'cp1258' | 'tcvn3'

export interface PrinterConfig extends SerialDeviceConfig {
  kind: 'escpos'
  /** How Vietnamese text is sent: folded to ASCII, or a code page (its ESC t number is vendor-specific). */
  codepage: PrinterCodepage
  /** ESC t table number for the code page; ignored for 'ascii'. */
  codeTable: number
  /** Characters per line in font A (32 on 58 mm paper, 48 on 80 mm). */
  lineWidthChars: number
  /** How long to wait for a DLE EOT status reply before calling the printer unreachable. */
  statusTimeoutMs: number
}

export interface ScannerConfig extends SerialDeviceConfig {
  kind: 'serial-qr'
}

export interface DisplayConfig {
  kind: 'hd44780-pcf8574'
  /** /dev/i2c-N */
  bus: number
  /** 7-bit address; 0x27 (PCF8574) or 0x3f (PCF8574A) from the factory. */
  address: number
  cols: number
  rows: number
  /**
   * 'vietnamese': ă â ê ô ơ ư đ Đ as CGRAM glyphs (tone marks still dropped); 'none': everything folded
   * to ASCII. Eight CGRAM slots cannot hold all 134 Vietnamese letters (docs/protocols.md 4.4).
   */
  glyphs: 'none' | 'vietnamese'
}

/** Resident-facing keys. */
export type KeyName = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | 'ok' | 'back'

/** One on-screen key of a touch panel: the rectangle [x, x + widthPx) × [y, y + heightPx) in panel coordinates. */
export interface TouchZoneConfig {
  key: KeyName
  x: number
  y: number
  widthPx: number
  heightPx: number
}

/** The touch panel in front of the display (keypad.kind ft6x36). */
export interface TouchPanelConfig {
  /** Touch area in the controller's coordinates (FT6x36: up to 4096 × 4096; a 2.8" panel reports 240 × 320). */
  widthPx: number
  heightPx: number
  /** Dead band between the keys of the default phone layout; ignored when `zones` is given. */
  gapPx: number
  /** Key zones; absent = a 4 × 3 phone layout (1 2 3 / 4 5 6 / 7 8 9 / back 0 ok) over the whole panel. */
  zones?: TouchZoneConfig[]
}

export interface KeypadConfig {
  /** 'mpr121': 12 capacitive electrodes; 'ft6x36': a capacitive touch panel with on-screen key zones. */
  kind: 'mpr121' | 'ft6x36'
  bus: number
  /** MPR121: 0x5a..0x5d, chosen by the ADDR pin; FT6x36: 0x38. */
  address: number
  /** BCM line of the chip's active-low IRQ/INT output (read through onoff); absent = poll only. */
  irqLine?: number
  /** Time between reads without `irqLine`. */
  pollIntervalMs: number
  /**
   * With `irqLine`: the chip is read on its IRQ edge, and polled only this often, as the safety net for
   * a missed edge (an FT6x36 holding INT low for a finger is polled at `pollIntervalMs` meanwhile).
   */
  irqSafetyPollMs: number
  /** MPR121: key for each electrode 0..11. */
  electrodes: KeyName[]
  /** MPR121 touch and release thresholds. */
  touchThreshold: number
  releaseThreshold: number
  /** FT6x36: the panel and its key zones. */
  touch: TouchPanelConfig
}

/** How a GPIO line is driven: sysfs through onoff (any Pi, no root), or pigpio (Pi 0-4, root; µs ticks and PWM). */
export type GpioBackend = 'onoff' | 'pigpio'

export interface GpioConfig {
  /** sysfs GPIO folder onoff uses; the line number is offset by the header chip's base found here. */
  sysfsRoot: string
}

/** A Wiegand card reader on two GPIO inputs (card number only, like an NFC UID). */
export interface WiegandConfig {
  enabled: boolean
  /** pigpio stamps edges in µs (reliable); onoff stamps them late and loses bits under load (docs/drivers.md). */
  backend: GpioBackend
  /** BCM lines of DATA0 (green) and DATA1 (white), level-shifted to 3.3 V. */
  d0Line: number
  d1Line: number
  /** Quiet time that ends a frame; above 20 ms for SIA readers and at least 3× the bit interval. */
  frameGapMs: number
  /** The same card again within this long counts once. */
  holdMs: number
  /** Frame lengths accepted. */
  lengths: Array<26 | 34>
}

/** The enclosure's tamper switch: opening it wipes the session and puts the station in maintenance. */
export interface TamperConfig {
  enabled: boolean
  line: number
  /** Level that means open; 1 for a normally-closed switch to ground with a pull-up (a cut wire reads open too). */
  openLevel: 0 | 1
  debounceMs: number
}

/** Green and red status LEDs on two GPIO outputs (onoff). */
export interface LedsConfig {
  enabled: boolean
  greenLine: number
  redLine: number
}

export interface BuzzerConfig {
  enabled: boolean
  /** pigpio drives a passive piezo with PWM; onoff switches an active buzzer on and off. */
  backend: GpioBackend
  line: number
  /** PWM tone for a passive piezo (pigpio only). */
  frequencyHz: number
  /** A short tick on every key press. */
  keyClick: boolean
}

/** PN532 NFC reader (card UID only: reading the CCCD chip needs BAC keys, out of scope here). */
export interface NfcConfig {
  /** false: no NFC reader fitted. */
  enabled: boolean
  kind: 'pn532'
  /** 'i2c' (address 0x24) or 'hsu' (UART at `path`, 115200 baud). */
  interface: 'i2c' | 'hsu'
  bus: number
  address: number
  path: string
  baudRate: number
  /** Pause between card polls (InListPassiveTarget). */
  pollIntervalMs: number
  /** The same card within this long counts once. */
  holdMs: number
}

export interface HardwareConfig {
  /** true: every device is a simulated chip (no native modules load). */
  simulated: boolean
  display: DisplayConfig
  keypad: KeypadConfig
  scanner: ScannerConfig
  printer: PrinterConfig
  nfc: NfcConfig
  gpio: GpioConfig
  wiegand: WiegandConfig
  tamper: TamperConfig
  leds: LedsConfig
  buzzer: BuzzerConfig
}

/** Client certificate for a broker with `require_certificate` (the certificate's CN is the station id). */
export interface MqttTlsConfig {
  /** CA certificate(s) that signed the broker's certificate (PEM). */
  caFile: string
  /** The station's certificate (PEM), CN = station id. */
  certFile: string
  /** The station's private key (PEM), readable only by the service user. */
  keyFile: string
}

export interface MqttConfig {
  /** Broker URL, or 'auto' (sim only: 127.0.0.1:1883 if it answers, else a private mosquitto, else offline). */
  url: string
  /** Broker URLs tried in order (a cluster's nodes); when set it replaces `url`. */
  urls?: string[]
  /** TLS client identity for mqtts:// URLs. */
  tls?: MqttTlsConfig
  topicPrefix: string
  username?: string
  /** File holding the broker password (kept out of the config file and logs). */
  passwordFile?: string
  keepaliveS: number
  reconnectMinMs: number
  reconnectMaxMs: number
  /** After a lost connection, the first reconnect waits uniform in [0, this) so a fleet spreads out (docs/delivery.md). */
  reconnectSpreadMs: number
  connectTimeoutMs: number
  telemetryIntervalS: number
}

/** Operations' public keys: commands, desired config and flow bundles must be signed by one of them. */
export interface OpsConfig {
  /** Ed25519 public keys (SPKI PEM files); several, so a key can be rotated. */
  trustedKeys: string[]
  /** A signed command older or newer than this (by its issuedAt) is refused as stale or future. */
  maxSkewS: number
}

/** Central's public keys: its notifications and replies must be signed by one of them. */
export interface CentralTrustConfig {
  trustedKeys: string[]
  /** After PUBACK, how long a submission waits for central's `submission.accepted` before it is published again (docs/delivery.md). */
  ackTimeoutS: number
  /** Submissions awaiting the broker's PUBACK at once (docs/delivery.md "The window"). */
  window: number
  /** Submissions sent and not yet acknowledged by central, at most; raised to `window` when below it. */
  maxUnacknowledged: number
}

export interface StorageConfig {
  /** Key for AES-256-GCM encryption of personal fields at rest; created 0600 when absent. */
  keyFile: string
  /** The outbox refuses new submissions beyond this size and raises an alarm. */
  outboxMaxBytes: number
  /** Size at which the outbox starts a new segment file; delivered segments are deleted whole (docs/outbox.md). */
  outboxSegmentBytes: number
  /** New submissions are refused while the data dir's filesystem has less free space than this (docs/outbox.md). */
  reserveBytes: number
}

export interface SessionConfig {
  /** No key or card for this long returns to the welcome screen and wipes the session. */
  idleTimeoutS: number
  /** How long the final screen of a procedure stays before the welcome screen. */
  endScreenS: number
  /**
   * A stop (SIGTERM, `systemctl restart`) waits this long at most for the resident being served
   * to finish; keep it below the unit's TimeoutStopSec less 15 s (docs/deployment.md).
   */
  stopGraceS: number
}

/** The control socket (docs/security.md, "The control socket"). */
export interface ControlConfig {
  /** Unix socket path; default <dataDir>/station.sock. */
  socketPath: string
  /** Group given the socket after listen (technicians' group), or null for none. */
  group: string | null
  /** Permission bits of the socket; never any for others. Without the group: 0600. */
  mode: number
  /** A connection that sends no request this long is closed. */
  idleTimeoutMs: number
  /** Connections served at once; one more is told why and closed. */
  maxConnections: number
}

export interface Config {
  station: {
    /** Station id used in MQTT topics: [a-z0-9-], 3..40 chars. */
    id: string
    defaultLanguage: Language
  }
  /** Where the outbox, state, keys and control socket live. */
  dataDir: string
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' }
  mqtt: MqttConfig
  ops: OpsConfig
  central: CentralTrustConfig
  storage: StorageConfig
  session: SessionConfig
  flows: {
    /** Folder of flow YAML files; relative paths resolve against the config file. */
    dir: string
  }
  control: ControlConfig
  hardware: HardwareConfig
}
