/**
 * The screens of reading a CCCD chip, in both languages (docs/emrtd.md, "In the station"): the CAN
 * the resident types when no QR gave it, the wait while the chip is read, and each refusal by its
 * reason code. Titles fit one 20-column row once folded to the display's ASCII.
 */
import type { LocalizedText } from '../../flows/engine/flow-types.js'

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

