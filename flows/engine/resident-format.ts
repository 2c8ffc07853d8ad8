/**
 * Numbers and dates as residents in Viet Nam read them, for every screen and receipt: money as
 * `1.287.500 đ` (`1,287,500 VND` in English), dates as `02/12/2026` and times as `08:30` in
 * Vietnam time, whether the moment comes from the station's clock or from central (docs/flows.md,
 * "The panel"). The one place such values are formatted. Pure: the moment is passed in.
 *
 * Asia/Ho_Chi_Minh has been UTC+7 with no daylight saving since 1975 (IANA tzdata), so a fixed
 * offset gives the same result as the zone on every date a station will see, without depending on
 * the board's time zone setting or its ICU data.
 */
import type { Language } from '../../config/schema.js'

const OFFSET_MS = 7 * 60 * 60 * 1000

function partsAt(epochMs: number): Date {
  return new Date(epochMs + OFFSET_MS)
}

const two = (n: number): string => String(n).padStart(2, '0')

/** dd/mm/yyyy in Asia/Ho_Chi_Minh. */
export function formatStationDate(epochMs: number): string {
  const d = partsAt(epochMs)
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`
}

/** HH:MM (24-hour) in Asia/Ho_Chi_Minh. */
export function formatStationTime(epochMs: number): string {
  const d = partsAt(epochMs)
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`
}

/** dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh. */
export function formatStationDateTime(epochMs: number): string {
  return `${formatStationDate(epochMs)} ${formatStationTime(epochMs)}`
}

/**
 * An amount in đồng: groups of three digits, `.` between them and ` đ` after in Vietnamese, `,` and
 * ` VND` in English. Whole đồng only (there is no smaller unit in use); a fraction is rounded.
 */
export function formatMoney(amount: number, language: Language): string {
  const whole = Math.round(Math.abs(amount))
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, language === 'vi' ? '.' : ',')
  const sign = amount < 0 && whole !== 0 ? '-' : ''
  return language === 'vi' ? `${sign}${grouped} đ` : `${sign}${grouped} VND`
}

/** A calendar date as central writes it (ISO 8601, `2026-12-02`). */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/
/** A moment as central writes it (ISO 8601 with seconds optional and a zone: `2026-12-02T01:30:00Z`). */
const ISO_MOMENT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/
/** A local date and time with no zone: taken as written (central's wall clock is Vietnam's). */
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d{1,9})?)?$/

/**
 * A text from central as a resident reads it: an ISO date becomes `02/12/2026`, an ISO moment
 * `02/12/2026 08:30` in Vietnam time; any other text is returned unchanged.
 */
export function formatCentralText(text: string): string {
  const date = ISO_DATE.exec(text)
  if (date) return `${date[3]}/${date[2]}/${date[1]}`
  if (ISO_MOMENT.test(text)) {
    const epochMs = Date.parse(text)
    return Number.isFinite(epochMs) ? formatStationDateTime(epochMs) : text
  }
  const local = ISO_LOCAL.exec(text)
  if (local) return `${local[3]}/${local[2]}/${local[1]} ${local[4]}:${local[5]}`
  return text
}
