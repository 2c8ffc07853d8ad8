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
}

/** Resident-facing keys. */
export type KeyName = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | 'ok' | 'back'

export interface KeypadConfig {
  kind: 'mpr121'
  bus: number
  /** 0x5a..0x5d, chosen by the ADDR pin. */
  address: number
  /** BCM line of the IRQ output; absent = poll. */
  irqLine?: number
  pollIntervalMs: number
  /** Key for each electrode 0..11. */
  electrodes: KeyName[]
  touchThreshold: number
  releaseThreshold: number
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
}

export interface MqttConfig {
  /** Broker URL, or 'auto' (sim only: 127.0.0.1:1883 if it answers, else a private mosquitto, else offline). */
  url: string
  topicPrefix: string
  username?: string
  /** File holding the broker password (kept out of the config file and logs). */
  passwordFile?: string
  keepaliveS: number
  reconnectMinMs: number
  reconnectMaxMs: number
  connectTimeoutMs: number
  telemetryIntervalS: number
}

export interface StorageConfig {
  /** Key for AES-256-GCM encryption of personal fields at rest; created 0600 when absent. */
  keyFile: string
  /** The outbox refuses new submissions beyond this size and raises an alarm. */
  outboxMaxBytes: number
}

export interface SessionConfig {
  /** No key or card for this long returns to the welcome screen and wipes the session. */
  idleTimeoutS: number
  /** How long the final screen of a procedure stays before the welcome screen. */
  endScreenS: number
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
  storage: StorageConfig
  session: SessionConfig
  flows: {
    /** Folder of flow YAML files; relative paths resolve against the config file. */
    dir: string
  }
  control: {
    /** Unix socket path; default <dataDir>/station.sock. */
    socketPath: string
  }
  hardware: HardwareConfig
}
