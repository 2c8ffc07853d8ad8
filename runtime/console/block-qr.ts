/**
 * A QR code drawn with block characters, two module rows per text row (a terminal cell is about twice
 * as tall as it is wide, so a module stays square), for the virtual station to show what the printer
 * printed in a form a phone can scan. Dark modules are `█▀▄`: draw the lines dark on light (black on
 * white) whatever the terminal's own colours. The encoding is the `qrcode` library's; this file only
 * draws its module matrix.
 */
import QRCode from 'qrcode'

/** Light modules around the symbol. The standard asks for 4; phone scanners read 2 on a white field. */
export const QUIET_ZONE_MODULES = 2

export interface BlockQr {
  lines: string[]
  /** Columns and rows the lines take. */
  cols: number
  rows: number
}

export function blockQr(payload: string, errorCorrectionLevel: 'L' | 'M' | 'Q' | 'H' = 'M'): BlockQr {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel })
  const size = modules.size + 2 * QUIET_ZONE_MODULES
  const dark = (row: number, col: number): boolean => {
    const r = row - QUIET_ZONE_MODULES
    const c = col - QUIET_ZONE_MODULES
    return r >= 0 && c >= 0 && r < modules.size && c < modules.size && modules.get(r, c) === 1
  }
  const lines: string[] = []
  for (let row = 0; row < size; row += 2) {
    let line = ''
    for (let col = 0; col < size; col++) {
      const top = dark(row, col)
      const bottom = row + 1 < size && dark(row + 1, col)
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' '
    }
    lines.push(line)
  }
  return { lines, cols: size, rows: lines.length }
}

/** The payload of the last QR on a rendered roll (`[QR] <payload>` lines), or null. */
export function lastQrPayload(paper: readonly string[] | null): string | null {
  if (!paper) return null
  for (let index = paper.length - 1; index >= 0; index--) {
    const line = paper[index] ?? ''
    if (line.startsWith('[QR] ')) return line.slice(5)
  }
  return null
}
