/**
 * The station's own texts, in both languages: what a flow step shows when the flow gives no text of
 * its own, and the screens around flows (welcome and language choice, menu, notices, maintenance,
 * restarting). One catalogue, so a wording is changed in one place.
 */
import type { LocalizedText } from './flow-types.js'

/** Shown by flow steps that have no `text` (or `invalid_text`) of their own. */
export const FLOW_TEXTS = {
  invalid: { vi: 'Không hợp lệ. Vui lòng nhập lại.', en: 'Not valid. Please try again.' },
  invalidText: { vi: 'Nội dung chưa đúng. Vui lòng nhập lại.', en: 'Please check it and type it again.' },
  submitting: { vi: 'Đang gửi, vui lòng chờ.', en: 'Sending, please wait.' },
  printing: { vi: 'Đang in biên nhận.', en: 'Printing your receipt.' },
  requesting: { vi: 'Đang tra cứu, vui lòng chờ.', en: 'Looking it up, please wait.' },
  waiting: { vi: 'Đang chờ xác nhận.', en: 'Waiting for confirmation.' },
  // The title row of every page of a list or text longer than the display (docs/flows.md, "The panel").
  more: { vi: '0: thêm', en: '0: more' },
  // Back on the first step asks before anything is thrown away; 1 ends, anything else stays.
  leaveQuestion: { vi: 'Kết thúc thủ tục?', en: 'End this procedure?' },
  leaveYes: { vi: 'Có, kết thúc', en: 'Yes, end it' },
  leaveNo: { vi: 'Không, tiếp tục', en: 'No, go on' },
  // What the screen says the moment a session ends without an end step of its own.
  endedCancelled: { vi: 'Đã hủy thủ tục. Cảm ơn ông/bà.', en: 'Procedure cancelled. Thank you.' },
  endedTimedOut: { vi: 'Hết thời gian chờ. Đã hủy thủ tục.', en: 'Time is up. The procedure was ended.' },
  endedFailed: { vi: 'Xin lỗi, có lỗi. Vui lòng thử lại sau.', en: 'Sorry, something failed. Please try later.' },
} as const satisfies Record<string, LocalizedText>

/** A key for an option that is on another page of the list. */
export function notOnThisPage(key: string): LocalizedText {
  return { vi: `Số ${key} không có ở trang này. Bấm 0 để xem thêm`, en: `${key} is not on this page. Press 0 for more` }
}

/** What a countdown reads: minutes and seconds left ("9:05"), from whole seconds. */
export function countdownText(secondsLeft: number): string {
  const seconds = Math.max(0, Math.ceil(secondsLeft))
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

/**
 * The station's own screens, outside any flow: welcome, menu, end (docs/flows.md, "The kiosk
 * machine"). Before a resident has chosen a language (welcome, maintenance, restarting, keypad
 * down) a screen shows both: one-row texts, Vietnamese first (docs/flows.md, "The panel").
 */
export const KIOSK_TEXTS = {
  welcomeTitle: { vi: 'Xin chào / Welcome', en: 'Xin chào / Welcome' },
  welcomeBody: { vi: 'Quét CCCD / Scan ID', en: 'Quét CCCD / Scan ID' },
  languageOptions: { vi: ['Tiếng Việt', 'English'], en: ['Tiếng Việt', 'English'] },
  // Fits the title row beside "0: thêm" / "0: more" on a 20-column display.
  menuTitle: { vi: 'Chọn dịch vụ', en: 'Services' },
  noFlows: { vi: 'Tạm ngừng phục vụ', en: 'Out of service' },
  pressOneOrTwo: { vi: 'Bấm 1 hoặc 2', en: 'Press 1 or 2' },
  cardUnreadable: { vi: 'Không đọc được thẻ', en: 'Card not readable' },
  cardUnreadableHint: { vi: 'Vui lòng thử lại', en: 'Please try again' },
  cardRejected: { vi: 'Thẻ không hợp lệ', en: 'Card not valid' },
  cardNotUsed: { vi: 'Thẻ không dùng được', en: 'Card not used here' },
  cardNotUsedHint: { vi: 'Hãy quét mã QR CCCD', en: 'Scan the ID card QR' },
  invalidKey: { vi: 'Phím không hợp lệ', en: 'Key not valid here' },
  offlineHint: { vi: 'Ngoại tuyến/Offline', en: 'Ngoại tuyến/Offline' },
  // The keypad (the resident's only input) is down: the welcome screen must not look usable.
  keypadDownTitle: { vi: 'Tạm ngừng phục vụ', en: 'Out of service' },
  keypadDownBody: { vi: 'Bàn phím đang lỗi', en: 'Keypad not working' },

  maintenanceTitle: { vi: 'Đang bảo trì', en: 'Under maintenance' },
  // The station stops or restarts (docs/deployment.md): in both languages, whoever walks up.
  restartingTitle: { vi: 'Đang khởi động lại', en: 'Đang khởi động lại' },
  restartingBody: { vi: 'Station restarting\nVui lòng chờ', en: 'Station restarting\nVui lòng chờ' },
  maintenanceBody: { vi: 'Xin lỗi vì bất tiện', en: 'Sorry for the wait' },
  // Storage full (docs/storage-faults.md): one 20-column row on the welcome screen, ASCII once folded.
  notAccepting: { vi: 'Tạm ngừng nhận hồ sơ', en: 'Submissions paused' },
  notAcceptingHint: { vi: 'Xin quay lại sau.', en: 'Not accepting submissions now. Come back later.' },
  // Before the idle timeout wipes what a resident left (docs/flows.md, "The panel").
  idleTitle: { vi: 'Bạn còn đó không?', en: 'Still there?' },
  idleBody: { vi: 'Bấm phím bất kỳ để tiếp tục', en: 'Press any key to continue' },
  // A procedure the station cannot finish now, said before the resident starts (docs/flows.md, "The panel").
  unavailableTitle: { vi: 'Tạm chưa phục vụ', en: 'Not available now' },
  needCentral: { vi: 'Mất kết nối trung tâm. Vui lòng quay lại sau', en: 'No link to central. Please come back later' },
  needPrinter: { vi: 'Máy in đang lỗi. Vui lòng quay lại sau', en: 'Printer out of order. Please come back later' },
  needReader: { vi: 'Đầu đọc thẻ đang lỗi. Vui lòng quay lại sau', en: 'Card reader out of order. Please come back later' },
  // An append that failed while a resident finished: said before the flow's own failure screen.
  notRecordedTitle: { vi: 'CHƯA GHI NHẬN', en: 'NOT recorded' },
  notRecordedBody: { vi: 'Hồ sơ chưa được lưu. Vui lòng thử lại sau.', en: 'Submission NOT recorded. Please try later.' },
} as const

/** The idle warning's countdown. */
export function secondsLeft(seconds: number): LocalizedText {
  return { vi: `Còn ${seconds} giây`, en: `${seconds} s left` }
}

/** The menu's hint after a key that picks nothing: the numbers there are. */
export function chooseOneTo(count: number): LocalizedText {
  return { vi: `Chọn từ 1 đến ${count}`, en: `Choose 1 to ${count}` }
}
