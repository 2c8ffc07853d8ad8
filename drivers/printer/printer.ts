import type { Receipt } from './receipt.js'

/** The printer's state as reported by its real-time status replies (docs/protocols.md 1.4). */
export interface PrinterStatus {
  /** The printer accepts and prints data (DLE EOT 1 bit 3 clear) and answered the last query. */
  online: boolean
  /** The roll is low but still present: a warning, printing continues (DLE EOT 4 bits 2+3). */
  paperNearEnd: boolean
  /** No paper (DLE EOT 4 bits 5+6, or DLE EOT 2 bit 5 "stopped by paper end"). */
  paperOut: boolean
  /** The paper cover is open (DLE EOT 2 bit 2). */
  coverOpen: boolean
  /** A mechanical, autocutter or unrecoverable error (DLE EOT 2 bit 6, detailed by DLE EOT 3). */
  error: boolean
}

/** A receipt printer. Jobs run one at a time, in call order. */
export interface Printer {
  /** Checks real-time status first; rejects StationError E_PRINTER_NOT_READY (context.reason: 'paper-out'|'cover-open'|'offline'|'error') or E_DEVICE_TIMEOUT (no status reply). Resolves when the bytes were written and a final status check shows no error. */
  print(receipt: Receipt): Promise<void>
  /** Real-time status via DLE EOT 1 (then 2/3/4 as needed). */
  status(): Promise<PrinterStatus>
  /** Called whenever a status check finds the status different from the previous one. Returns the unsubscribe function. */
  onStatusChange(listener: (status: PrinterStatus) => void): () => void
}

/** Why a printer cannot print, as put in `context.reason` of E_PRINTER_NOT_READY. */
export type NotReadyReason = 'paper-out' | 'cover-open' | 'offline' | 'error'
