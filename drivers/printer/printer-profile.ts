/** How text is sent to one printer model: its code page, that page's ESC t number, and its line width. */

/** 'ascii' folds Vietnamese to ASCII; the other two are single-byte code pages (docs/protocols.md 1.5). */
export type PrinterCodepage = 'ascii' | 'cp1258' | 'tcvn3'

/** The per-model facts that encoding and decoding text depend on (the same fields as config `printer`). */
export interface PrinterProfile {
  codepage: PrinterCodepage
  /** ESC t table number for the code page; vendor-specific (Epson 52 = WPC1258, 30 = TCVN-3). Ignored for 'ascii'. */
  codeTable: number
  /** Characters per line in font A at normal size (32 on 58 mm paper, 48 on 80 mm). */
  lineWidthChars: number
}
