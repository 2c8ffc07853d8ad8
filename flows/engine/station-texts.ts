/**
 * The station's own texts, in both languages: what a flow step shows when the flow gives no text of
 * its own, and the screens around flows (welcome and language choice, menu, notices, maintenance,
 * restarting), and those of reading a chip. One catalogue, so a wording is changed in one place.
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

/**
 * The screens of reading a CCCD chip (docs/emrtd.md, "In the station"): the CAN the resident types
 * when no QR gave it, the wait while the chip is read, and each refusal by its reason code. Titles
 * fit one 20-column row once folded to the display's ASCII.
 */
export const CHIP_TEXTS = {
  canTitle: { vi: 'Nhập số CAN', en: 'Card access number' },
  canBody: { vi: '6 số cuối số CCCD, rồi bấm OK', en: 'Last 6 digits of the ID number, then OK' },
  canTooShort: { vi: 'Cần đủ 6 số', en: 'Type all 6 digits' },
  readingTitle: { vi: 'Đang đọc chip', en: 'Reading the chip' },
  readingBody: { vi: 'Giữ yên thẻ trên đầu đọc', en: 'Keep the card still on the reader' },
} as const satisfies Record<string, LocalizedText>

export interface ChipRefusalText {
  readonly title: LocalizedText
  readonly body: LocalizedText
}

const refused = { vi: 'Chip không hợp lệ', en: 'Chip refused' }
const altered: ChipRefusalText = { title: refused, body: { vi: 'Dữ liệu chip đã bị sửa đổi', en: "The chip's data was altered" } }
const unreadable: ChipRefusalText = { title: { vi: 'Không đọc được chip', en: 'Chip not readable' }, body: { vi: 'Vui lòng thử lại', en: 'Please try again' } }
const moved: ChipRefusalText = { title: { vi: 'Thẻ bị nhấc ra', en: 'Card moved away' }, body: { vi: 'Đặt lại thẻ và giữ yên', en: 'Put it back and hold it still' } }

/** Refusal screens by the reason codes of drivers/emrtd/chip-errors.ts (and the station's own). */
const BY_REASON: Readonly<Record<string, ChipRefusalText>> = {
  dg_hash_mismatch: altered,
  dg_hash_missing: altered,
  sod_signature_invalid: altered,
  sod_invalid: altered,
  csca_unknown: { title: refused, body: { vi: 'Chip không do cơ quan cấp thẻ ký', en: 'Not signed by a known issuer' } },
  certificate_expired: { title: refused, body: { vi: 'Chứng thư số của chip đã hết hạn', en: "The chip's certificate has expired" } },
  access_denied: { title: { vi: 'Sai số CAN', en: 'Wrong CAN' }, body: { vi: 'Số này không mở được thẻ', en: 'That number does not open this card' } },
  card_lost: moved,
  sm_broken: moved,
  identity_mismatch: { title: { vi: 'Thẻ không khớp', en: 'Card mismatch' }, body: { vi: 'Chip khác thẻ đã quét QR', en: 'Chip differs from the scanned QR' } },
}

/** The screen for a chip refused with `reason`; other chip faults read as "not readable". */
export function chipRefusalText(reason: string): ChipRefusalText {
  return BY_REASON[reason] ?? unreadable
}
