/**
 * Turns a print step's template into the printer's Receipt, in one language with variables filled,
 * under the head every receipt carries (docs/flows.md, "Receipts"): the agency, the site, the station
 * and the date and time in Asia/Ho_Chi_Minh (dd/mm/yyyy HH:MM). The head is the engine's, not the
 * flow's, so no flow can print a receipt that does not say where and when it was printed. Pure.
 */
import type { Language } from '../../config/schema.js'
import type { Receipt, ReceiptLine } from '../../drivers/printer/receipt.js'
import type { LocalizedText, ReceiptLineTemplate } from './flow-types.js'
import { interpolate } from './template.js'

/** The head's wordings; `{{…}}` are the session's built-ins. */
export const RECEIPT_HEAD_TEXTS = {
  station: { vi: 'Trạm {{station.id}}', en: 'Station {{station.id}}' },
  printedAt: { vi: 'Ngày giờ: {{date}} {{time}}', en: 'Date: {{date}} {{time}}' },
} as const satisfies Record<string, LocalizedText>

export function buildReceipt(
  template: readonly ReceiptLineTemplate[],
  language: Language,
  resolve: (reference: string) => string | undefined,
): Receipt {
  const fill = (text: string): string => interpolate(text, resolve)
  const lines = template.map((line): ReceiptLine => {
    switch (line.kind) {
      case 'text': {
        const { text, ...style } = line
        return { ...style, text: fill(typeof text === 'string' ? text : text[language]) }
      }
      case 'qr':
        return { ...line, data: fill(line.data) }
      case 'barcode':
        return { ...line, data: fill(line.data) }
      case 'rule':
      case 'feed':
        return { ...line }
    }
  })
  return { lines: [...receiptHead(language, resolve), ...lines] }
}

/** Agency (bold) and site when the station has them, the station id, the date and time, a rule. */
function receiptHead(language: Language, resolve: (reference: string) => string | undefined): ReceiptLine[] {
  const head: ReceiptLine[] = []
  const agency = resolve('station.agency')
  const site = resolve('station.site')
  if (agency) head.push({ kind: 'text', align: 'center', bold: true, text: agency })
  if (site) head.push({ kind: 'text', align: 'center', text: site })
  head.push({ kind: 'text', align: 'center', text: interpolate(RECEIPT_HEAD_TEXTS.station[language], resolve) })
  head.push({ kind: 'text', align: 'center', text: interpolate(RECEIPT_HEAD_TEXTS.printedAt[language], resolve) })
  head.push({ kind: 'rule' })
  return head
}
