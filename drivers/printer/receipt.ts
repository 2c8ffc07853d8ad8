/** What the flows ask the printer to put on paper, independent of any printer command set. */

export type Align = 'left' | 'center' | 'right'

/** One item on a receipt, printed in order from the top. */
export type ReceiptLine =
  /** Text, word-wrapped to the paper width (half as many characters when `size` is 'double'). Default left, not bold, normal size. */
  | { kind: 'text'; text: string; align?: Align; bold?: boolean; size?: 'normal' | 'double' }
  /** A QR symbol holding `data` as UTF-8; default module 6 dots, error correction M. */
  | { kind: 'qr'; data: string; moduleDots?: number }
  /** A CODE128 barcode in code set B: printable ASCII only. */
  | { kind: 'barcode'; data: string }
  /** A line of '-' across the paper. */
  | { kind: 'rule' }
  /** Blank paper, `lines` text lines high. */
  | { kind: 'feed'; lines: number }

/** A whole receipt; the printer cuts the paper after the last line. */
export interface Receipt {
  lines: ReceiptLine[]
}
