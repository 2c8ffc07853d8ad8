/** The QR scanner's options: a serial device sending one code per line. */
import { Type, type Static } from '@sinclair/typebox'
import { BaudRate, SerialPath } from '../serial/serial-options.js'

export const ScannerOptions = Type.Object(
  {
    kind: Type.Literal('serial-qr', { default: 'serial-qr', description: 'a serial QR scanner' }),
    path: SerialPath({ default: '/dev/serial/by-id/usb-scanner' }),
    baudRate: BaudRate({ default: 9600 }),
  },
  { additionalProperties: false },
)

export type ScannerConfig = Static<typeof ScannerOptions>
