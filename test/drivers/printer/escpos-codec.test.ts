import t from 'tap'
import { vectorsFor, type Vector } from '../../support/vectors.js'
import {
  encodeCode128,
  encodeCut,
  encodeOps,
  encodeQr,
  encodeQrStore,
  encodeReceipt,
  type EscPosOp,
} from '../../../drivers/printer/escpos-codec.js'
import type { PrinterProfile } from '../../../drivers/printer/printer-profile.js'
import type { Align } from '../../../drivers/printer/receipt.js'

const escposVectors = vectorsFor('escpos').filter((v) => v.protocol === 'escpos')

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(' ')
}

/** Turns a vector's op notation ("align:center", "text:HELLO", "feed:3", "cut:partial:0") into an op. */
function opFromSpec(spec: string): EscPosOp {
  const [name = '', ...rest] = spec.split(':')
  const argument = rest.join(':')
  switch (name) {
    case 'init':
      return { op: 'init' }
    case 'cancel-kanji':
      return { op: 'cancel-kanji' }
    case 'code-table':
      return { op: 'code-table', table: Number(argument) }
    case 'align':
      return { op: 'align', align: argument as Align }
    case 'bold':
      return { op: 'bold', on: argument === 'on' }
    case 'underline':
      return { op: 'underline', dots: Number(argument) as 0 | 1 | 2 }
    case 'size': {
      const [width = '1', height = width] = argument.split('x')
      return { op: 'size', width: Number(width), height: Number(height) }
    }
    case 'text':
      return { op: 'text', text: argument }
    case 'lf':
      return { op: 'lf' }
    case 'feed':
      return { op: 'feed', lines: Number(argument) }
    case 'cut': {
      const [mode = 'partial', feedUnits = '0'] = rest
      return { op: 'cut', mode: mode as 'partial' | 'full', feedUnits: Number(feedUnits) }
    }
    default:
      throw new Error(`vector op "${spec}" is not known to this test`)
  }
}

type VectorShape = 'ops' | 'qr' | 'qr-store-length' | 'barcode' | 'cut' | 'status' | 'vietnamese-text'

/** Which codec a vector exercises, judged by the shape of its input (so new vectors of a known shape run too). */
function shapeOf(vector: Vector): VectorShape | undefined {
  const input = vector.input
  if (Array.isArray(input['ops'])) return 'ops'
  if (typeof input['data'] === 'string' && 'model' in input) return 'qr'
  if (typeof input['data_length'] === 'number') return 'qr-store-length'
  if (typeof input['symbology'] === 'string') return 'barcode'
  if (input['op'] === 'cut') return 'cut'
  if (typeof input['request'] === 'string' && typeof input['reply'] === 'string') return 'status'
  if (typeof input['text'] === 'string' && ('codepage' in input || 'strategy' in input)) return 'vietnamese-text'
  return undefined
}

t.test('every escpos vector has an input shape one of the printer tests knows', async (t) => {
  t.ok(escposVectors.length >= 16, 'the vectors file has the escpos set')
  for (const vector of escposVectors) t.ok(shapeOf(vector), `${vector.name} has a known shape`)
})

for (const vector of escposVectors) {
  const shape = shapeOf(vector)
  const input = vector.input
  if (shape === 'ops') {
    t.test(`vector ${vector.name}: ops encode to the expected bytes`, async (t) => {
      const ops = (input['ops'] as string[]).map(opFromSpec)
      t.equal(hex(encodeOps(ops)), vector.expected['hex'])
    })
  } else if (shape === 'qr') {
    t.test(`vector ${vector.name}: QR symbol encodes to the expected bytes`, async (t) => {
      const bytes = encodeQr(input['data'] as string, {
        model: input['model'] as 1 | 2,
        moduleDots: input['module_dots'] as number,
        ecc: input['ecc'] as 'L' | 'M' | 'Q' | 'H',
      })
      t.equal(hex(bytes), vector.expected['hex'])
      if (typeof vector.expected['store_pL'] === 'string') {
        // fn 180 is `1D 28 6B pL pH 31 50 30`.
        const store = bytes.findIndex((_, i) => bytes[i] === 0x31 && bytes[i + 1] === 0x50 && bytes[i + 2] === 0x30)
        t.equal(bytes[store - 2], Number(vector.expected['store_pL']), 'pL')
        t.equal(bytes[store - 1], Number(vector.expected['store_pH']), 'pH')
      }
    })
  } else if (shape === 'qr-store-length') {
    t.test(`vector ${vector.name}: QR store header splits the length into pL and pH`, async (t) => {
      const store = encodeQrStore(new Uint8Array(input['data_length'] as number).fill(0x41))
      t.equal(hex(store.subarray(0, 8)), vector.expected['store_header_hex'])
      t.equal(store[3], Number(vector.expected['pL']))
      t.equal(store[4], Number(vector.expected['pH']))
      t.equal(store.length, 8 + (input['data_length'] as number))
    })
  } else if (shape === 'barcode') {
    t.test(`vector ${vector.name}: barcode encodes to the expected bytes`, async (t) => {
      t.equal(input['symbology'], 'CODE128', 'only CODE128 is supported')
      t.equal(input['code_set'] ?? 'B', 'B', 'only code set B is supported')
      const bytes = encodeCode128(input['data'] as string, {
        heightDots: input['height'] as number,
        moduleWidth: input['module'] as number,
        hri: input['hri'] as 'none' | 'above' | 'below' | 'both',
      })
      t.equal(hex(bytes), vector.expected['hex'])
    })
  } else if (shape === 'cut') {
    t.test(`vector ${vector.name}: cut encodes to the expected bytes`, async (t) => {
      t.equal(hex(encodeCut(input['mode'] as 'partial' | 'full', input['feed_units'] as number)), vector.expected['hex'])
    })
  }
  // 'status' vectors run in escpos-status.test.ts; the Vietnamese text vectors belong to drivers/text.
}

const ASCII_48: PrinterProfile = { codepage: 'ascii', codeTable: 0, lineWidthChars: 48 }

t.test('QR store length is split as pL = (k+3) & 0xff, pH = (k+3) >> 8 at the 255 boundary and for VietQR', async (t) => {
  for (const [length, pL, pH] of [
    [252, 0xff, 0x00],
    [253, 0x00, 0x01],
    [133, 0x88, 0x00],
  ] as const) {
    const store = encodeQrStore(new Uint8Array(length).fill(0x30))
    t.strictSame([store[3], store[4]], [pL, pH], `${length} data bytes`)
  }
})

t.test('QR and CODE128 refuse what the printer cannot take', async (t) => {
  t.throws(() => encodeQr(''), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodeQr('x', { moduleDots: 17 }), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodeQrStore(new Uint8Array(7090)), { code: 'E_CODEC_INVALID' })
  t.doesNotThrow(() => encodeQrStore(new Uint8Array(7089)))
  t.throws(() => encodeCode128('Việt'), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodeCode128(''), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodeCode128('A'.repeat(254)), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodeCode128('A', { moduleWidth: 7 }), { code: 'E_CODEC_INVALID' })
})

t.test('CODE128 sends a brace in the data as {{ and counts it in n', async (t) => {
  const bytes = encodeCode128('A{B')
  t.equal(hex(bytes.subarray(9)), '1D 6B 49 06 7B 42 41 7B 7B 42')
})

t.test('ops refuse control bytes in text, so text cannot carry a command', async (t) => {
  t.throws(() => encodeOps([{ op: 'text', text: 'A\u001b@' }]), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodeOps([{ op: 'text-bytes', bytes: Uint8Array.of(0x41, 0x10, 0x04, 0x01) }]), { code: 'E_CODEC_INVALID' })
  t.equal(hex(encodeOps([{ op: 'size', width: 2, height: 3 }, { op: 'feed', lines: 3 }])), '1D 21 12 1B 64 03')
})

t.test('a receipt starts with ESC @ and FS ., selects the code table for a code page, and ends with a partial cut', async (t) => {
  const receipt = { lines: [{ kind: 'text' as const, text: 'HELLO' }] }
  t.equal(hex(encodeReceipt(receipt, ASCII_48)), '1B 40 1C 2E 48 45 4C 4C 4F 0A 1D 56 42 00')
  const cp1258 = encodeReceipt({ lines: [{ kind: 'text', text: 'Việt Nam' }] }, { codepage: 'cp1258', codeTable: 52, lineWidthChars: 48 })
  t.equal(hex(cp1258), '1B 40 1C 2E 1B 74 34 56 69 EA F2 74 20 4E 61 6D 0A 1D 56 42 00')
  const tcvn3 = encodeReceipt({ lines: [{ kind: 'text', text: 'tiếng việt' }] }, { codepage: 'tcvn3', codeTable: 30, lineWidthChars: 48 })
  t.equal(hex(tcvn3), '1B 40 1C 2E 1B 74 1E 74 69 D5 6E 67 20 76 69 D6 74 0A 1D 56 42 00')
})

t.test('a receipt sets alignment, bold and size before the first character of a line, and only when they change', async (t) => {
  const bytes = encodeReceipt(
    {
      lines: [
        { kind: 'text', text: 'A', align: 'center', bold: true, size: 'double' },
        { kind: 'text', text: 'B', align: 'center', bold: true, size: 'double' },
        { kind: 'text', text: 'C' },
      ],
    },
    ASCII_48,
  )
  t.equal(hex(bytes), '1B 40 1C 2E 1B 61 01 1B 45 01 1D 21 11 41 0A 42 0A 1B 61 00 1B 45 00 1D 21 00 43 0A 1D 56 42 00')
})

t.test('a receipt word-wraps text to the line width, halved for double size', async (t) => {
  const profile: PrinterProfile = { codepage: 'ascii', codeTable: 0, lineWidthChars: 10 }
  const normal = encodeReceipt({ lines: [{ kind: 'text', text: 'one two three four' }] }, profile)
  t.equal(Buffer.from(normal.subarray(4, -4)).toString('latin1'), 'one two\nthree four\n')
  const double = encodeReceipt({ lines: [{ kind: 'text', text: 'one two three', size: 'double' }] }, profile)
  t.equal(Buffer.from(double.subarray(7, -4)).toString('latin1'), 'one\ntwo\nthree\n')
})

t.test('a receipt turns control characters in text into spaces, so resident data cannot inject commands', async (t) => {
  const bytes = encodeReceipt({ lines: [{ kind: 'text', text: 'A\u001b@B\u0010\u0004\u0001C' }] }, ASCII_48)
  t.equal(hex(bytes), '1B 40 1C 2E 41 20 40 42 20 20 20 43 0A 1D 56 42 00')
})

t.test('a receipt centres QR symbols and barcodes, draws rules at normal size, and feeds in chunks of 255', async (t) => {
  const profile: PrinterProfile = { codepage: 'ascii', codeTable: 0, lineWidthChars: 8 }
  const bytes = encodeReceipt(
    {
      lines: [
        { kind: 'text', text: 'X', size: 'double' },
        { kind: 'rule' },
        { kind: 'qr', data: 'Q', moduleDots: 4 },
        { kind: 'barcode', data: 'B1' },
        { kind: 'feed', lines: 300 },
      ],
    },
    profile,
  )
  const expected = [
    '1B 40 1C 2E',
    '1D 21 11 58 0A',
    '1D 21 00 2D 2D 2D 2D 2D 2D 2D 2D 0A',
    '1B 61 01',
    hex(encodeQr('Q', { moduleDots: 4 })),
    hex(encodeCode128('B1')),
    '1B 64 FF 1B 64 2D',
    '1D 56 42 00',
  ].join(' ')
  t.equal(hex(bytes), expected)
})

t.test('a receipt with invalid settings or lines is refused with E_CODEC_INVALID', async (t) => {
  t.throws(() => encodeReceipt({ lines: [] }, { codepage: 'ascii', codeTable: 0, lineWidthChars: 0 }), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodeReceipt({ lines: [] }, { codepage: 'cp1258', codeTable: 300, lineWidthChars: 48 }), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodeReceipt({ lines: [{ kind: 'feed', lines: -1 }] }, ASCII_48), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodeReceipt({ lines: [{ kind: 'qr', data: 'x', moduleDots: 0 }] }, ASCII_48), { code: 'E_CODEC_INVALID' })
})
