/**
 * The virtual station's block QR is scannable: its lines, drawn as pixels (a character is one pixel
 * wide and two tall, as a terminal cell is), decode with jsQR to the payload printed.
 */
import { createRequire } from 'node:module'
import t from 'tap'
import { blockQr, lastQrPayload, QUIET_ZONE_MODULES } from '../../../runtime/console/block-qr.js'

// jsqr is CommonJS whose typings declare an ES default export: required, it is the function itself.
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default

/** RGBA pixels of the lines, dark on light, `scale` pixels per module. */
function rasterize(lines: string[], scale: number): { data: Uint8ClampedArray; width: number; height: number } {
  const cols = Math.max(...lines.map((line) => [...line].length))
  const width = cols * scale
  const height = lines.length * 2 * scale
  const data = new Uint8ClampedArray(width * height * 4).fill(255)
  lines.forEach((line, row) => {
    ;[...line].forEach((char, col) => {
      const halves = [char === '█' || char === '▀', char === '█' || char === '▄']
      halves.forEach((dark, half) => {
        if (!dark) return
        for (let y = 0; y < scale; y++) {
          for (let x = 0; x < scale; x++) {
            const offset = (((row * 2 + half) * scale + y) * width + col * scale + x) * 4
            data[offset] = data[offset + 1] = data[offset + 2] = 0
          }
        }
      })
    })
  })
  return { data, width, height }
}

t.test('a block QR decodes to what was printed', async (t) => {
  const payloads = [
    'CS-7K2Q-9M',
    // A VietQR-sized payload (about 150 characters).
    '00020101021238570010A00000072701270006970436011300110123456780208QRIBFTTA530370454061287505802VN62340830Thanh toan hoa don dien EL26010001630441F3',
    'Phiếu hẹn khám: Nguyễn Văn An',
  ]
  for (const payload of payloads) {
    const qr = blockQr(payload)
    t.equal(qr.lines.length, qr.rows)
    t.ok(qr.lines.every((line) => [...line].length === qr.cols), 'every line as wide as the symbol')
    const image = rasterize(qr.lines, 4)
    const decoded = jsQR(image.data, image.width, image.height)
    t.equal(decoded?.data, payload, `${payload.slice(0, 20)}… scans back`)
  }
})

t.test('the symbol has its quiet zone and keeps modules square (two module rows per line)', async (t) => {
  const qr = blockQr('CS-7K2Q-9M')
  // Version 1 is 21 modules; with the quiet zone on both sides.
  t.equal(qr.cols, 21 + 2 * QUIET_ZONE_MODULES)
  t.equal(qr.rows, Math.ceil(qr.cols / 2))
  t.match(qr.lines[0], /^ +$/, 'the first line is quiet')
})

t.test('the last QR on a rendered roll is found, or none', async (t) => {
  t.equal(lastQrPayload(['PHIẾU', '[QR] first', 'text', '[QR] second', '✂ - -']), 'second')
  t.equal(lastQrPayload(['no qr here']), null)
  t.equal(lastQrPayload(null), null)
})
