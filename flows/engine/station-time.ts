/**
 * Date and time as residents in Viet Nam read them, for `{{date}}` and `{{time}}`. Pure.
 *
 * Asia/Ho_Chi_Minh has been UTC+7 with no daylight saving since 1975 (IANA tzdata), so a fixed
 * offset gives the same result as the zone on every date a station will see, without depending on
 * the board's time zone setting or its ICU data.
 */
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
