import t from 'tap'
import { formatStationDate, formatStationTime } from '../../../flows/engine/station-time.js'

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
