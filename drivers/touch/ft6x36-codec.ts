/**
 * Pure FT5x06/FT6x36 decoding (docs/protocols.md 3.1): the block read from DEV_MODE (0x00) on to touch
 * points, and the presses and releases between two reports.
 */
import { StationError } from '../../runtime/core/errors.js'
import {
  COORDINATE_HIGH_MASK,
  EVENT_NO_EVENT,
  FT5X06_MAX_POINTS,
  FT6X36_MAX_POINTS,
  P1_XH,
  POINT_STRIDE,
  REPORT_HEADER_LENGTH,
  TD_STATUS,
  TD_STATUS_BUS_FLOATING,
  TD_STATUS_COUNT_MASK,
  XH_EVENT_SHIFT,
  YH_ID_SHIFT,
} from './ft6x36-registers.js'

/** Event flags of Pn_XH bits 7:6, indexed by the flag value: put-down, put-up, contact, reserved/no event. */
export const TOUCH_EVENTS = ['down', 'up', 'contact', 'none'] as const

/** What the controller says about one point. `none` (flag 3) slots are skipped by `decodeTouchReport`. */
export type TouchEvent = (typeof TOUCH_EVENTS)[number]

/** One touch point as reported, in panel coordinates (not screen pixels: axis swap/scale is panel-specific). */
export interface TouchPoint {
  /** Touch ID 0..15: the same finger keeps its ID from report to report. */
  id: number
  event: TouchEvent
  /** 0..4095. */
  x: number
  /** 0..4095. */
  y: number
}

/** A decoded report. */
export interface TouchReport {
  /** TD_STATUS bits 3:0: points the controller says are valid. */
  touches: number
  /** The first `touches` slots, minus slots flagged "no event". */
  points: TouchPoint[]
}

/** Options of `decodeTouchReport`. */
export interface DecodeTouchReportOptions {
  /** Points the controller has slots for: 2 for FT6x36 (FT6X36_MAX_POINTS), 5 for FT5x06. */
  maxPoints: number
}

/** Points that went down and came up between two reports, each ordered by touch ID. */
export interface TouchEdges {
  /** New points, with their coordinates in the later report. */
  pressed: TouchPoint[]
  /** Points gone, with their last known coordinates from the earlier report. */
  released: TouchPoint[]
}

/**
 * Decodes the bytes read from DEV_MODE (0x00) on: `n = TD_STATUS & 0x0F`, then for each of the first
 * n slots `event = XH >> 6`, `x = (XH & 0x0F) << 8 | XL`, `id = YH >> 4`, `y = (YH & 0x0F) << 8 | YL`.
 * Slots flagged "no event" are skipped (Linux edt-ft5x06.c does the same). Throws E_CODEC_INVALID when
 * the block is shorter than the header or than the points it announces, when TD_STATUS reads 0xFF
 * (nothing drives the bus), when it counts more points than `maxPoints` (noise or a read in the middle
 * of an update), or when two points carry the same touch ID.
 */
export function decodeTouchReport(bytes: Uint8Array, options: DecodeTouchReportOptions): TouchReport {
  const { maxPoints } = options
  if (!Number.isInteger(maxPoints) || maxPoints < 1 || maxPoints > FT5X06_MAX_POINTS) {
    throw new StationError('E_CODEC_INVALID', `maxPoints must be 1..${FT5X06_MAX_POINTS}`, { maxPoints })
  }
  if (bytes.length < REPORT_HEADER_LENGTH) {
    throw new StationError('E_CODEC_INVALID', 'touch report is shorter than DEV_MODE, GEST_ID, TD_STATUS', {
      length: bytes.length,
    })
  }
  const status = bytes[TD_STATUS] ?? 0
  if (status === TD_STATUS_BUS_FLOATING) {
    throw new StationError('E_CODEC_INVALID', 'TD_STATUS reads 0xFF: nothing drives the bus', {
      offset: TD_STATUS,
      byte: status,
    })
  }
  const touches = status & TD_STATUS_COUNT_MASK
  if (touches > maxPoints) {
    throw new StationError(
      'E_CODEC_INVALID',
      `TD_STATUS=${touches} exceeds the ${maxPoints} points an ${familyOf(maxPoints)} reports`,
      { offset: TD_STATUS, byte: status, maxPoints },
    )
  }
  const needed = REPORT_HEADER_LENGTH + POINT_STRIDE * touches
  if (bytes.length < needed) {
    throw new StationError('E_CODEC_INVALID', `touch report with ${touches} points needs ${needed} bytes`, {
      length: bytes.length,
      touches,
    })
  }
  const points: TouchPoint[] = []
  const seen = new Set<number>()
  for (let slot = 0; slot < touches; slot++) {
    const base = P1_XH + POINT_STRIDE * slot
    const xHigh = bytes[base] ?? 0
    const flag = xHigh >> XH_EVENT_SHIFT
    if (flag === EVENT_NO_EVENT) continue
    const yHigh = bytes[base + 2] ?? 0
    const id = yHigh >> YH_ID_SHIFT
    if (seen.has(id)) {
      throw new StationError('E_CODEC_INVALID', `two touch points carry touch ID ${id}`, { offset: base + 2, id })
    }
    seen.add(id)
    points.push({
      id,
      event: TOUCH_EVENTS[flag] ?? 'none',
      x: ((xHigh & COORDINATE_HIGH_MASK) << 8) | (bytes[base + 1] ?? 0),
      y: ((yHigh & COORDINATE_HIGH_MASK) << 8) | (bytes[base + 3] ?? 0),
    })
  }
  return { touches, points }
}

/**
 * Presses and releases from `before` to `after`, by touch ID: a point is on the panel when its event
 * is down or contact. Releases come from IDs that disappeared, not from seeing a put-up event, because
 * polling can miss that report (docs/protocols.md 3.1).
 */
export function diffTouches(before: readonly TouchPoint[], after: readonly TouchPoint[]): TouchEdges {
  const was = onPanel(before)
  const now = onPanel(after)
  const byId = (a: TouchPoint, b: TouchPoint) => a.id - b.id
  return {
    pressed: [...now.values()].filter((point) => !was.has(point.id)).sort(byId),
    released: [...was.values()].filter((point) => !now.has(point.id)).sort(byId),
  }
}

function onPanel(points: readonly TouchPoint[]): Map<number, TouchPoint> {
  const map = new Map<number, TouchPoint>()
  for (const point of points) {
    if (point.event === 'down' || point.event === 'contact') map.set(point.id, point)
  }
  return map
}

/** For messages: the family that has `maxPoints` slots. */
function familyOf(maxPoints: number): string {
  return maxPoints <= FT6X36_MAX_POINTS ? 'FT6x36' : 'FT5x06'
}
