import t from 'tap'
import { formatCentralText, formatMoney, formatStationDate, formatStationDateTime, formatStationTime } from '../../../flows/engine/resident-format.js'

t.test('formats dates and times in Asia/Ho_Chi_Minh (UTC+7), crossing midnight correctly', async (t) => {
  const lateUtc = Date.UTC(2025, 11, 31, 17, 30)
  t.equal(formatStationDate(lateUtc), '01/01/2026')
  t.equal(formatStationTime(lateUtc), '00:30')
  const morning = Date.UTC(2026, 0, 20, 2, 5)
  t.equal(formatStationDate(morning), '20/01/2026')
  t.equal(formatStationTime(morning), '09:05')
})

t.test('agrees with the IANA zone through the year', async (t) => {
  const zone = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  for (let month = 0; month < 12; month++) {
    const at = Date.UTC(2026, month, 15, 20, 45)
    t.equal(`${formatStationDate(at)}, ${formatStationTime(at)}`, zone.format(at))
  }
})

t.test('money in đồng: dots and đ in Vietnamese, commas and VND in English', async (t) => {
  t.equal(formatMoney(1_287_500, 'vi'), '1.287.500 đ')
  t.equal(formatMoney(1_287_500, 'en'), '1,287,500 VND')
  t.equal(formatMoney(0, 'vi'), '0 đ')
  t.equal(formatMoney(999, 'vi'), '999 đ')
  t.equal(formatMoney(1000, 'vi'), '1.000 đ')
  t.equal(formatMoney(999_999_999_999, 'vi'), '999.999.999.999 đ')
  t.equal(formatMoney(-50_000, 'en'), '-50,000 VND')
})

t.test("central's dates and moments read as Vietnam dates; other texts are left alone", async (t) => {
  t.equal(formatCentralText('2026-12-02'), '02/12/2026', 'a calendar date is not shifted')
  t.equal(formatCentralText('2026-12-02T01:30:00Z'), '02/12/2026 08:30', 'UTC moves to Vietnam time')
  t.equal(formatCentralText('2026-12-01T18:15:00.123Z'), '02/12/2026 01:15', 'across midnight')
  t.equal(formatCentralText('2026-12-02T08:30:00+07:00'), '02/12/2026 08:30')
  t.equal(formatCentralText('2026-12-02T08:30'), '02/12/2026 08:30', 'a local time is taken as written')
  for (const text of ['HD-2026-0042', '2026-13', 'processing', '20260120', '']) t.equal(formatCentralText(text), text)
  t.equal(formatStationDateTime(Date.UTC(2026, 11, 2, 1, 30)), '02/12/2026 08:30')
})
