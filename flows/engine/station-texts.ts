/**
 * The station's own texts, in both languages: what a flow step shows when the flow gives no text of
 * its own. One catalogue, so a wording is changed in one place.
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
} as const satisfies Record<string, LocalizedText>
