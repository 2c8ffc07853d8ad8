import type { KeyName } from '../../config/schema.js'
import type { Health } from '../core/health.js'

/**
 * A card or document presented at a reader; `text` holds personal data and never leaves memory. A
 * `chip` is a CCCD chip in the NFC reader's field (its `text` is empty: it is read only with a key,
 * docs/emrtd.md, "In the station").
 */
export interface CardPresented {
  kind: 'cccd' | 'mrz' | 'nfc' | 'wiegand' | 'chip' | 'unknown'
  text: string
}

/** What the indicators show the station's state from: published after each look at device health. */
export interface StationCondition {
  /** Some watched device is faulty or absent. */
  anyFault: boolean
  /** The station is in maintenance mode. */
  maintenance: boolean
  /** The kiosk's phase ('welcome' when nobody is being served). */
  phase: string
}

/** Station-wide events: device input, device health, and what operations should hear about. */
export interface StationEvents {
  'key.pressed': { key: KeyName }
  'card.presented': CardPresented
  /** Garbage or a half read from a reader; the reason never contains the bytes. */
  'card.unreadable': { device: string; reason: string }
  'device.health': { device: string; health: Health }
  /** After every look at device health: on a health change, a kiosk phase change and the sweep. */
  'station.condition': StationCondition
  /** Something central should hear about on cs/v1/<station>/events; never personal data. */
  'station.event': { type: string; fields: Record<string, string | number | boolean> }
  'display.changed': { rows: string[] }
  /** The enclosure's tamper switch settled open or closed. */
  'tamper.changed': { open: boolean }
  'receipt.printed': { lines: string[] }
}
