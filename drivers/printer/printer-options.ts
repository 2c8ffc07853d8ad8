/** The receipt printer's options: an ESC/POS printer on a serial line. */
import { Type, type Static } from '@sinclair/typebox'
import { BaudRate, SerialPath } from '../serial/serial-options.js'

export type PrinterCodepage = 'ascii' | 'cp1258' | 'tcvn3'

export const PrinterOptions = Type.Object(
  {
    kind: Type.Literal('escpos', { default: 'escpos', description: 'an ESC/POS printer' }),
    path: SerialPath({ default: '/dev/serial/by-id/usb-printer' }),
    baudRate: BaudRate({ default: 19200 }),
    codepage: Type.Union([Type.Literal('ascii'), Type.Literal('cp1258'), Type.Literal('tcvn3')], {
      default: 'ascii',
      description: 'how Vietnamese text is sent: folded to ASCII, or a code page (its ESC t number is vendor-specific)',
    }),
    // ESC t n takes one byte (ESC/POS command reference, ESC t).
    codeTable: Type.Integer({ minimum: 0, maximum: 255, default: 0, description: "ESC t table number for the code page; ignored for 'ascii'" }),
    lineWidthChars: Type.Integer({ minimum: 16, maximum: 80, default: 32, description: 'characters per line in font A (32 on 58 mm paper, 48 on 80 mm)' }),
    statusTimeoutMs: Type.Integer({
      minimum: 50,
      maximum: 10_000,
      default: 500,
      description: 'how long to wait for a DLE EOT status reply before calling the printer unreachable',
    }),
  },
  { additionalProperties: false },
)

export type PrinterConfig = Static<typeof PrinterOptions>
