import type { KeypadConfig, TouchZoneConfig } from '../config/schema.js'
import { phoneKeyZones } from '../drivers/touch/key-zones.js'

/** The key zones a touch-panel keypad uses: the configured ones, else the phone layout over the panel. */
export function touchZonesOf(keypad: KeypadConfig): TouchZoneConfig[] {
  const { touch } = keypad
  return touch.zones ?? phoneKeyZones({ widthPx: touch.widthPx, heightPx: touch.heightPx }, { gapPx: touch.gapPx })
}
