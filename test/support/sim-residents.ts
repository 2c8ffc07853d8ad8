import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

// A synthetic resident (fictitious person; every CCCD check passes).
export const ID_NUMBER = '079203000001'
export const NAME = 'Nguyễn Văn An'
export const QR = `${ID_NUMBER}|025000001|${NAME}|15082003|Nam|12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh|20042021`
/**
 * A second synthetic resident. The QR scanner ignores the same code again within its hold time
 * (a card held in continuous mode), so a test running two sessions back to back uses two people.
 */
export const QR_NEXT_RESIDENT = '001305000002|025000002|Trần Thị Bình|01012005|Nữ|5 Hàng Bài, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội|10102022'
/** The same resident with a birth year the ID digits disagree with: the station must refuse it. */
export const BAD_QR = `${ID_NUMBER}|025000001|${NAME}|15082004|Nam|12 Lê Lợi, Quận 1|20042021`

/** A station config whose end screen is short, so a test sees the return to the welcome screen. */
export function writeTestConfig(dir: string, extra = ''): string {
  const file = join(dir, 'station.yaml')
  writeFileSync(file, `station:\n  id: lobby-test\nsession:\n  endScreenS: 1\n  idleTimeoutS: 60\n${extra}`)
  return file
}
