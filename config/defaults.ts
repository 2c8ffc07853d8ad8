/**
 * The built-in configuration: a simulated station that runs on a laptop with no file at all. Every
 * option a config file omits takes its value from here.
 */
import { join } from 'node:path'
import type { Config, KeyName } from './schema.js'

/**
 * Electrode n of the MPR121 is key `DEFAULT_ELECTRODES[n]`: a 3×4 phone layout wired row by row,
 * with back and ok either side of 0.
 */
export const DEFAULT_ELECTRODES: readonly KeyName[] = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'back', '0', 'ok']

/**
 * A fresh, mutable default config. `dataDir` and `bundledFlowsDir` should be absolute: the key file and
 * control socket are placed inside `dataDir`, and flows are read from `bundledFlowsDir`.
 */
export function defaultConfig(dataDir: string, bundledFlowsDir: string): Config {
  return {
    station: { id: 'sim-station', defaultLanguage: 'vi' },
    dataDir,
    log: { level: 'info' },
    mqtt: {
      url: 'auto',
      topicPrefix: 'cs/v1',
      keepaliveS: 30,
      reconnectMinMs: 500,
      reconnectMaxMs: 30_000,
      reconnectSpreadMs: 10_000,
      connectTimeoutMs: 5_000,
      telemetryIntervalS: 60,
    },
    ops: { trustedKeys: [], maxSkewS: 300 },
    central: { trustedKeys: [], ackTimeoutS: 30, window: 64, maxUnacknowledged: 1024 },
    storage: {
      keyFile: join(dataDir, 'keys', 'outbox.key'),
      outboxMaxBytes: 64 * 1024 * 1024,
      outboxSegmentBytes: 4 * 1024 * 1024,
      reserveBytes: 8 * 1024 * 1024,
    },
    session: { idleTimeoutS: 60, endScreenS: 8, stopGraceS: 45 },
    flows: { dir: bundledFlowsDir },
    control: {
      socketPath: join(dataDir, 'station.sock'),
      // Technicians in this group may run `station status`, `maintenance` … (docs/security.md).
      group: 'citizen-station-tech',
      mode: 0o660,
      idleTimeoutMs: 60_000,
      maxConnections: 64,
    },
    hardware: {
      simulated: true,
      // 0x27: PCF8574 backpack with A2..A0 open, as shipped (docs/protocols.md 4).
      display: { kind: 'hd44780-pcf8574', bus: 1, address: 0x27, cols: 20, rows: 4, glyphs: 'none' },
      keypad: {
        kind: 'mpr121',
        bus: 1,
        // 0x5a: ADDR pin tied to VSS (MPR121 data sheet, serial communication section; docs/protocols.md 3.2).
        address: 0x5a,
        pollIntervalMs: 30,
        // With an IRQ line the chip says when to read; this poll only catches a missed edge.
        irqSafetyPollMs: 1000,
        electrodes: [...DEFAULT_ELECTRODES],
        // 12/6: Adafruit's values; touch must exceed release for hysteresis (docs/protocols.md 3.2, init step 2).
        touchThreshold: 12,
        releaseThreshold: 6,
        // A 2.8" FT6206 panel (Adafruit #1947) reports 240 × 320; 8 px between keys avoids border presses.
        touch: { widthPx: 240, heightPx: 320, gapPx: 8 },
      },
      scanner: { kind: 'serial-qr', path: '/dev/serial/by-id/usb-scanner', baudRate: 9600 },
      printer: {
        kind: 'escpos',
        path: '/dev/serial/by-id/usb-printer',
        baudRate: 19200,
        codepage: 'ascii',
        codeTable: 0,
        lineWidthChars: 32,
        statusTimeoutMs: 500,
      },
      nfc: {
        enabled: false,
        kind: 'pn532',
        interface: 'i2c',
        bus: 1,
        address: 0x24,
        path: '/dev/serial/by-id/usb-nfc',
        baudRate: 115200,
        pollIntervalMs: 250,
        holdMs: 2000,
      },
      gpio: { sysfsRoot: '/sys/class/gpio' },
      // Lines follow a common Pi kiosk HAT layout; none is used unless its device is enabled.
      wiegand: { enabled: false, backend: 'pigpio', d0Line: 5, d1Line: 6, frameGapMs: 25, holdMs: 2000, lengths: [26, 34] },
      tamper: { enabled: false, line: 16, openLevel: 1, debounceMs: 50 },
      leds: { enabled: false, greenLine: 23, redLine: 24 },
      // 2700 Hz: inside the 2-4 kHz resonance band of common piezo discs.
      buzzer: { enabled: false, backend: 'onoff', line: 18, frequencyHz: 2700, keyClick: true },
    },
  }
}
