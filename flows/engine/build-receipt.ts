/** Turns a print step's template into the printer's Receipt, in one language with variables filled. Pure. */
import type { Language } from '../../config/schema.js'
import type { Receipt, ReceiptLine } from '../../drivers/printer/receipt.js'
import type { ReceiptLineTemplate } from './flow-types.js'
import { interpolate } from './template.js'

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
  return { lines }
}
