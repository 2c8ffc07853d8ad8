/**
 * ESC/POS byte constants, named as in the Epson ESC/POS command reference so a search of the reference
 * finds them (docs/protocols.md 1.2-1.4). Command letters keep their case because the reference distinguishes
 * them (ESC E is emphasis, ESC e is reverse feed; GS H is the HRI position, GS h the bar height).
 */

// Control codes (ASCII names).
export const HT = 0x09
export const LF = 0x0a
export const FF = 0x0c
export const CR = 0x0d
export const DLE = 0x10
export const EOT = 0x04
export const ENQ = 0x05
export const DC4 = 0x14
export const CAN = 0x18
export const ESC = 0x1b
export const FS = 0x1c
export const GS = 0x1d
export const NUL = 0x00

/** Software flow control bytes the printer sends in the same stream as status replies (docs/protocols.md 1.1). */
export const XON = 0x11
export const XOFF = 0x13

// Second bytes of ESC commands.
/** ESC @ Initialize printer: clears the buffer, resets modes and the code table. */
export const ESC_AT = 0x40
/** ESC ! n Select print modes (bit 3 emphasized, bit 4 double height, bit 5 double width). */
export const ESC_EXCLAMATION = 0x21
/** ESC - n Underline: 0 off, 1 one dot, 2 two dots. */
export const ESC_MINUS = 0x2d
/** ESC E n Emphasized (bold): LSB of n. */
export const ESC_E = 0x45
/** ESC a n Justification: 0 left, 1 centre, 2 right; only honoured at the start of a line. */
export const ESC_a = 0x61
/** ESC d n Print and feed n lines. */
export const ESC_d = 0x64
/** ESC t n Select character code table (vendor-specific numbers, docs/protocols.md 1.5). */
export const ESC_t = 0x74

// Second bytes of GS commands.
/** GS ! n Character size: bits 4-6 width-1, bits 0-2 height-1. */
export const GS_EXCLAMATION = 0x21
/** GS ( k: 2D symbol functions (QR when cn = 0x31). */
export const GS_LPAREN = 0x28
export const GS_LPAREN_k = 0x6b
/** GS h n Bar code height in dots. */
export const GS_h = 0x68
/** GS w n Bar code module width, 2..6. */
export const GS_w = 0x77
/** GS H n HRI print position. */
export const GS_H = 0x48
/** GS k Print bar code. */
export const GS_k = 0x6b
/** GS V Select cut mode and cut paper. */
export const GS_V = 0x56

// Second bytes of FS commands.
/** FS . Cancel Kanji character mode; needed after every ESC @ on Chinese-market firmwares. */
export const FS_PERIOD = 0x2e
/** FS & Select Kanji character mode. */
export const FS_AMPERSAND = 0x26

/** ESC a values. */
export const JUSTIFICATION = { left: 0, center: 1, right: 2 } as const

/** GS ( k: cn for QR Code. */
export const QR_CN = 0x31
/** GS ( k QR function codes (fn 165, 167, 169, 180, 181 in the reference), as the byte after cn. */
export const QR_FN = {
  selectModel: 0x41,
  setModuleSize: 0x43,
  setErrorCorrection: 0x45,
  storeData: 0x50,
  printSymbol: 0x51,
  transmitSize: 0x52,
} as const
/** fn 165 n1: QR model 1, model 2, micro QR. */
export const QR_MODEL = { 1: 0x31, 2: 0x32 } as const
/** fn 169 n: error correction level (L 7 %, M 15 %, Q 25 %, H 30 %). */
export const QR_ECC = { L: 0x30, M: 0x31, Q: 0x32, H: 0x33 } as const
/** fn 167 module size range in dots. */
export const QR_MODULE_DOTS_MIN = 1
export const QR_MODULE_DOTS_MAX = 16
/** fn 180: pL + pH*256 = data length + 3, and the reference allows 4..7092. */
export const QR_STORE_LENGTH_MAX = 7092
/** fn 180/181 m byte. */
export const QR_M = 0x30

/** GS k Function B symbology for CODE128 (m = 73). */
export const BARCODE_CODE128 = 73
/** GS H n values. */
export const HRI_POSITION = { none: 0, above: 1, below: 2, both: 3 } as const
/** GS w range (reference: 2..6). */
export const BARCODE_MODULE_MIN = 2
export const BARCODE_MODULE_MAX = 6

/** GS V m for Function B: feed to the cutting position plus n units, then cut. */
export const CUT_FEED = { full: 65, partial: 66 } as const

/** Real-time status reply bits that are always 0 (bits 0, 7) and always 1 (bits 1, 4) (docs/protocols.md 1.4). */
export const STATUS_FIXED_MASK = 0x93
export const STATUS_FIXED_VALUE = 0x12
