/**
 * Pure on-screen key layout for a touch panel: rectangles in panel coordinates, each naming the key
 * it stands for. Panel coordinates are what the controller reports (FT6x36: 12-bit, 0..4095), so any
 * axis swap or scaling of the mounted panel is already in the zones.
 */
import type { KeyName } from '../keypad/key-names.js'
import { COORDINATE_MAX } from './ft6x36-registers.js'

/** One key on the panel: the half-open rectangle [x, x + widthPx) × [y, y + heightPx). */
export interface KeyZone {
  key: KeyName
  /** Left edge, panel coordinates. */
  x: number
  /** Top edge, panel coordinates. */
  y: number
  widthPx: number
  heightPx: number
}

/** Size of the touch area in panel coordinates. */
export interface PanelSize {
  widthPx: number
  heightPx: number
}

/** Options of `phoneKeyZones`. */
export interface PhoneKeyZonesOptions {
  /**
   * Dead band between neighbouring keys, px; default 0. A finger on the border of two keys then
   * presses neither, instead of whichever the controller happens to report.
   */
  gapPx?: number
}

/** The largest panel the 12-bit coordinates can describe. */
export const MAX_PANEL: PanelSize = { widthPx: COORDINATE_MAX + 1, heightPx: COORDINATE_MAX + 1 }

/** Rows of the phone-style layout, top to bottom. */
const PHONE_ROWS: readonly (readonly KeyName[])[] = [
  ['1', '2', '3'],
  ['4', '5', '6'],
  ['7', '8', '9'],
  ['back', '0', 'ok'],
]

/** The key whose zone contains (x, y), or undefined when the point is in no zone. First match wins. */
export function keyAt(zones: readonly KeyZone[], x: number, y: number): KeyName | undefined {
  for (const zone of zones) {
    if (x >= zone.x && x < zone.x + zone.widthPx && y >= zone.y && y < zone.y + zone.heightPx) return zone.key
  }
  return undefined
}

/**
 * The 4 × 3 phone layout (1 2 3 / 4 5 6 / 7 8 9 / back 0 ok) filling `panel`, with `gapPx` between
 * neighbouring keys and none at the panel's edges. Throws a TypeError when the panel is not a valid
 * size or the gap leaves a key less than 1 px wide or high.
 */
export function phoneKeyZones(panel: PanelSize, options: PhoneKeyZonesOptions = {}): KeyZone[] {
  const gapPx = options.gapPx ?? 0
  const problems = panelProblems(panel)
  if (problems.length > 0) throw new TypeError(problems.join('; '))
  if (!Number.isInteger(gapPx) || gapPx < 0) throw new TypeError(`gapPx must be a non-negative integer (got ${gapPx})`)
  const columns = PHONE_ROWS[0]?.length ?? 0
  const zones: KeyZone[] = []
  PHONE_ROWS.forEach((row, rowIndex) => {
    const [top, bottom] = span(panel.heightPx, PHONE_ROWS.length, rowIndex, gapPx)
    row.forEach((key, columnIndex) => {
      const [left, right] = span(panel.widthPx, columns, columnIndex, gapPx)
      zones.push({ key, x: left, y: top, widthPx: right - left, heightPx: bottom - top })
    })
  })
  const tooSmall = zones.find((zone) => zone.widthPx < 1 || zone.heightPx < 1)
  if (tooSmall !== undefined) {
    throw new TypeError(`gapPx ${gapPx} leaves no room for the keys on a ${panel.widthPx}×${panel.heightPx} panel`)
  }
  return zones
}

/**
 * Everything wrong with a layout, as "zones[i]: problem (got …)" lines; empty when it is usable.
 * Checks: at least one zone; integer coordinates; sizes ≥ 1 px; every zone inside `panel`; no two
 * zones overlapping (a touch in both would press whichever comes first).
 */
export function keyZoneProblems(zones: readonly KeyZone[], panel: PanelSize = MAX_PANEL): string[] {
  const problems = panelProblems(panel)
  if (zones.length === 0) problems.push('zones: at least one key zone is needed')
  zones.forEach((zone, index) => {
    const where = `zones[${index}] (${zone.key})`
    if (![zone.x, zone.y, zone.widthPx, zone.heightPx].every(Number.isInteger)) {
      problems.push(`${where}: x, y, widthPx and heightPx must be integers (got ${describe(zone)})`)
      return
    }
    if (zone.widthPx < 1 || zone.heightPx < 1) {
      problems.push(`${where}: widthPx and heightPx must be at least 1 (got ${describe(zone)})`)
      return
    }
    if (zone.x < 0 || zone.y < 0 || zone.x + zone.widthPx > panel.widthPx || zone.y + zone.heightPx > panel.heightPx) {
      problems.push(`${where}: outside the ${panel.widthPx}×${panel.heightPx} panel (got ${describe(zone)})`)
    }
    for (let other = 0; other < index; other++) {
      const earlier = zones[other]
      if (earlier !== undefined && overlap(earlier, zone)) {
        problems.push(`${where}: overlaps zones[${other}] (${earlier.key}) (got ${describe(zone)})`)
      }
    }
  })
  return problems
}

/** [start, end) of cell `index` of `count` equal cells over `lengthPx`, shrunk by half the gap on inner sides. */
function span(lengthPx: number, count: number, index: number, gapPx: number): [number, number] {
  const before = Math.floor(gapPx / 2)
  const after = gapPx - before
  const start = Math.floor((index * lengthPx) / count) + (index > 0 ? after : 0)
  const end = Math.floor(((index + 1) * lengthPx) / count) - (index < count - 1 ? before : 0)
  return [start, end]
}

function panelProblems(panel: PanelSize): string[] {
  const ok = (value: number) => Number.isInteger(value) && value >= 1 && value <= MAX_PANEL.widthPx
  if (ok(panel.widthPx) && ok(panel.heightPx)) return []
  return [`panel: widthPx and heightPx must be integers 1..${MAX_PANEL.widthPx} (got ${panel.widthPx}×${panel.heightPx})`]
}

function overlap(a: KeyZone, b: KeyZone): boolean {
  return a.x < b.x + b.widthPx && b.x < a.x + a.widthPx && a.y < b.y + b.heightPx && b.y < a.y + a.heightPx
}

function describe(zone: KeyZone): string {
  return `x ${zone.x}, y ${zone.y}, ${zone.widthPx}×${zone.heightPx}`
}
