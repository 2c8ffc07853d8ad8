/**
 * Pure framing for serial QR/MRZ scanners: bytes in, one text line per scan out. Scanners in
 * USB-CDC (virtual COM) mode send each decoded symbol as UTF-8 followed by a suffix that is
 * configurable as CR, LF or CR LF, so any of them ends a scan (docs/protocols.md 7.1, 7.3).
 */

/** What kind of document a scan looks like; the field-level parsing belongs to the CCCD and MRZ codecs. */
export type ScanKind = 'cccd' | 'mrz' | 'unknown'

/** One step of output from the splitter. `reason` never contains the scanned bytes or text. */
export type SplitResult = { kind: 'line'; text: string } | { kind: 'garbage'; reason: string }

/** Options for `createScanSplitter`. */
export interface ScanSplitterOptions {
  /** Longest line in bytes, terminator excluded. A CCCD QR line is about 150 bytes of UTF-8. */
  maxLength: number
}

/** Stateful line splitter; holds at most `maxLength` bytes. */
export interface ScanSplitter {
  /** Feeds one chunk; returns every line or garbage it completes, in order. */
  push(chunk: Uint8Array): SplitResult[]
  /** Bytes of an unfinished line held now (0 while skipping an over-long one). */
  readonly pendingBytes: number
  /** True between a line's first byte and its terminator, including while skipping an over-long line. */
  readonly inLine: boolean
  /**
   * Forgets the unfinished line (the driver calls this when a line stalls). Returns true when there
   * were buffered bytes that had not been reported yet, i.e. a half scan to report as garbage.
   */
  dropPartial(): boolean
}

const CR = 0x0d
const LF = 0x0a

/** Characters of an ICAO 9303 machine-readable zone (Part 3: A–Z, 0–9 and the filler `<`). */
const MRZ_LINE = /^[A-Z0-9<]{30}$/
/** A TD1 (ID-card) MRZ has three lines of 30 characters (ICAO 9303 Part 5, docs/protocols.md 6). */
export const MRZ_LINE_COUNT = 3

/** Splits scanner bytes into lines: CR, LF and CR LF all end one; empty lines are skipped. */
export function createScanSplitter(options: ScanSplitterOptions): ScanSplitter {
  const { maxLength } = options
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new TypeError(`maxLength must be a positive integer (got ${String(maxLength)})`)
  }
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const buffer = new Uint8Array(maxLength)
  let length = 0
  // After an over-long line has been reported, its remaining bytes are skipped up to the next terminator.
  let skipping = false

  function endLine(results: SplitResult[]): void {
    if (skipping) {
      skipping = false
      return
    }
    if (length === 0) return // empty line, or the LF of a CR LF pair
    const bytes = buffer.slice(0, length)
    length = 0
    try {
      results.push({ kind: 'line', text: decoder.decode(bytes) })
    } catch {
      results.push({ kind: 'garbage', reason: 'invalid UTF-8 in scan' })
    }
  }

  return {
    push(chunk) {
      const results: SplitResult[] = []
      for (const byte of chunk) {
        if (byte === CR || byte === LF) {
          endLine(results)
        } else if (skipping) {
          continue
        } else if (length === maxLength) {
          length = 0
          skipping = true
          results.push({ kind: 'garbage', reason: `scan longer than ${maxLength} bytes without a line end` })
        } else {
          buffer[length++] = byte
        }
      }
      return results
    },
    get pendingBytes() {
      return length
    },
    get inLine() {
      return length > 0 || skipping
    },
    dropPartial() {
      const hadBytes = length > 0
      length = 0
      skipping = false
      return hadBytes
    },
  }
}

/** True for one line of a TD1 MRZ: exactly 30 characters of A–Z, 0–9 and `<`. */
export function isMrzLine(text: string): boolean {
  return MRZ_LINE.test(text)
}

/**
 * Says what a scan looks like without validating it: `cccd` when it starts with the 12-digit
 * personal number and has the `|` field separator (docs/protocols.md 7.1); `mrz` for three MRZ lines
 * joined by '\n'; `unknown` otherwise.
 */
export function classifyScan(raw: string): ScanKind {
  // Surrounding spaces are no part of the payload: the parsers trim them, so the classifier does too.
  const text = raw.trim()
  if (/^[0-9]{12}/.test(text) && text.includes('|')) return 'cccd'
  const lines = text.split(/\r\n|\r|\n/).map((line) => line.trim())
  if (lines.length === MRZ_LINE_COUNT && lines.every(isMrzLine)) return 'mrz'
  return 'unknown'
}
