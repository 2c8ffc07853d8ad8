/** The options every serial device shares: a stable device path and a baud rate. */
import { LiteralUnion } from '../literal-union.js'
import { Type } from '@sinclair/typebox'

/**
 * A stable path: /dev/serial/by-id/… (or by-path). ttyUSBn/ttyACMn are numbered in plug order and swap
 * after a replug (docs/protocols.md 9.2); the `serial-path` format says so.
 */
export const SerialPath = (options: { default: string; description?: string }) =>
  Type.String({ format: 'serial-path', description: 'stable device path: /dev/serial/by-id/… in production', ...options })

export const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const

export const BaudRate = (options: { default: (typeof BAUD_RATES)[number]; description?: string }) =>
LiteralUnion(BAUD_RATES, { description: 'line speed, baud', ...options })
