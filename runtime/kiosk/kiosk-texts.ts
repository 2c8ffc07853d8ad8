import type { Language } from '../../config/schema.js'

/** The station's own screens (outside any flow), in both languages. */
export const KIOSK_TEXTS = {
  welcomeTitle: { vi: 'Xin chào / Welcome', en: 'Xin chào / Welcome' },
  welcomeBody: { vi: 'Quét CCCD hoặc chọn', en: 'Scan ID or choose' },
  languageOptions: { vi: ['Tiếng Việt', 'English'], en: ['Tiếng Việt', 'English'] },
  menuTitle: { vi: 'Chọn dịch vụ', en: 'Choose a service' },
  noFlows: { vi: 'Tạm ngừng phục vụ', en: 'Out of service' },
  cardUnreadable: { vi: 'Không đọc được thẻ', en: 'Card not readable' },
  cardUnreadableHint: { vi: 'Vui lòng thử lại', en: 'Please try again' },
  cardRejected: { vi: 'Thẻ không hợp lệ', en: 'Card not valid' },
  cardNotUsed: { vi: 'Thẻ không dùng được', en: 'Card not used here' },
  cardNotUsedHint: { vi: 'Hãy quét mã QR CCCD', en: 'Scan the ID card QR' },
  invalidKey: { vi: 'Phím không hợp lệ', en: 'Key not valid here' },
  offlineHint: { vi: 'Ngoại tuyến: gửi sau', en: 'Offline: sent later' },
  // The keypad (the resident's only input) is down: the welcome screen must not look usable.
  keypadDownTitle: { vi: 'Tạm ngừng phục vụ', en: 'Out of service' },
  keypadDownBody: { vi: 'Bàn phím đang lỗi', en: 'Keypad not working' },
  keypadDownHint: { vi: 'Đang tự khắc phục...', en: 'Recovering...' },
  maintenanceTitle: { vi: 'Đang bảo trì', en: 'Under maintenance' },
  // The station stops or restarts (docs/deployment.md): in both languages, whoever walks up.
  restartingTitle: { vi: 'Đang khởi động lại', en: 'Đang khởi động lại' },
  restartingBody: { vi: 'Station restarting\nVui lòng chờ', en: 'Station restarting\nVui lòng chờ' },
  maintenanceBody: { vi: 'Xin lỗi vì bất tiện', en: 'Sorry for the trouble' },
  // Storage full (docs/storage-faults.md): one 20-column row on the welcome screen, ASCII once folded.
  notAccepting: { vi: 'Tạm ngừng nhận hồ sơ', en: 'Submissions paused' },
  notAcceptingHint: { vi: 'Xin quay lại sau.', en: 'Not accepting submissions now. Come back later.' },
  // An append that failed while a resident finished: said before the flow's own failure screen.
  notRecordedTitle: { vi: 'CHƯA GHI NHẬN', en: 'NOT recorded' },
  notRecordedBody: { vi: 'Hồ sơ chưa được lưu. Vui lòng thử lại sau.', en: 'Submission NOT recorded. Please try later.' },
} as const

export function textIn(language: Language, text: { vi: string; en: string }): string {
  return text[language]
}
