/** The receipt printer: contracts, the ESC/POS driver and simulator, and the pure ESC/POS codecs. */
export type { Align, Receipt, ReceiptLine } from './receipt.js'
export type { NotReadyReason, Printer, PrinterStatus } from './printer.js'
export type { PrinterCodepage, PrinterProfile } from './printer-profile.js'
export { EscPosPrinter, notReadyReason, type EscPosPrinterOptions } from './escpos-printer.js'
export {
  SimEscPosPrinter,
  type PrintedReceipt,
  type SimEscPosPrinterOptions,
  type SimPaperState,
  type SimPrinterFault,
} from './sim-escpos-printer.js'
export {
  encodeCode128,
  encodeCut,
  encodeOp,
  encodeOps,
  encodeQr,
  encodeQrStore,
  encodeReceipt,
  type Code128Options,
  type CutMode,
  type EscPosOp,
  type QrEcc,
  type QrOptions,
} from './escpos-codec.js'
export {
  decodeRealtimeStatus,
  encodeRealtimeStatus,
  isFlowControlByte,
  isStatusByte,
  type RealtimeErrorCause,
  type RealtimeOfflineCause,
  type RealtimePaperSensor,
  type RealtimePrinterStatus,
  type RealtimeStatusReplies,
  type StatusQuery,
} from './escpos-status.js'
export { decodeEscPos, renderPaper, type DecodedEscPos, type DecodedLine, type DecodedTextLine, type DecodedTextSize } from './escpos-decoder.js'
export { EscPosSplitter, splitEscPos, type EscPosToken } from './escpos-splitter.js'
export { decodePrinterText, encodePrinterText, wrapText } from './printer-text.js'
