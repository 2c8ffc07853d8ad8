import { parseCccdQr } from '../../drivers/identity/cccd.js'
import { decodePersonalId } from '../../drivers/identity/personal-id.js'
import { parseTd1, splitMrzText } from '../../drivers/identity/mrz.js'
import { decodePn532ForCli } from '../../drivers/nfc/pn532-commands.js'
import { parseVietQr } from '../../drivers/payment/vietqr.js'
import { decodeRealtimeStatus, type StatusQuery } from '../../drivers/printer/escpos-status.js'
import { decodeWiegand } from '../../drivers/wiegand/wiegand-codec.js'
import { messageOf } from '../core/errors.js'

export const DECODE_KINDS = ['cccd', 'mrz', 'vietqr', 'wiegand', 'escpos-status', 'pn532'] as const

export type DecodeResult = { ok: true; value: unknown } | { ok: false; error: string }

/**
 * `station decode <kind> <input…>`: field diagnostics for what a device sent. Pure: `today` is
 * passed in for the date checks. JSON field names are those of the shared test vectors.
 */
export function decodeInput(kind: string, inputs: readonly string[], today: Date): DecodeResult {
  try {
    return { ok: true, value: decodeOrThrow(kind, inputs, today) }
  } catch (error) {
    return { ok: false, error: messageOf(error) }
  }
}

function decodeOrThrow(kind: string, inputs: readonly string[], today: Date): unknown {
  const joined = inputs.join(' ')
  switch (kind) {
    case 'cccd': {
      const text = joined.trim()
      // A bare 12-digit personal number decodes to its parts; anything else must be a whole QR.
      if (/^\d{12}$/.test(text)) return decodePersonalId(text)
      return parseCccdQr(text, today)
    }
    case 'mrz': {
      const lines = inputs.length === 3 ? [...inputs] : splitMrzText(inputs.join('\n'))
      return parseTd1(lines, today)
    }
    case 'vietqr':
      need(inputs, 1, 'vietqr <payload>')
      return parseVietQr(joined)
    case 'wiegand':
      need(inputs, 1, 'wiegand <bits>')
      return decodeWiegand(inputs.join('').replace(/\s+/g, ''))
    case 'escpos-status': {
      if (inputs.length !== 2) throw new Error('usage: escpos-status <n 1-4> <reply-byte-hex>')
      const n = Number(inputs[0])
      if (![1, 2, 3, 4].includes(n)) throw new Error(`status query must be 1, 2, 3 or 4 (got ${inputs[0]})`)
      const hex = String(inputs[1]).replace(/^0x/i, '')
      if (!/^[0-9a-f]{1,2}$/i.test(hex)) throw new Error(`reply byte must be one hex byte (got ${inputs[1]})`)
      return decodeRealtimeStatus(n as StatusQuery, Number.parseInt(hex, 16))
    }
    case 'pn532':
      need(inputs, 1, 'pn532 <frame-hex>')
      return decodePn532ForCli(inputs.join(' '))
    default:
      throw new Error(`unknown kind '${kind}': use ${DECODE_KINDS.join(', ')}`)
  }
}

function need(inputs: readonly string[], count: number, usage: string): void {
  if (inputs.length < count) throw new Error(`usage: station decode ${usage}`)
}

/** The text printed without --json: one `field: value` per line. */
export function formatDecoded(value: unknown, indent = ''): string {
  if (typeof value !== 'object' || value === null) return `${indent}${String(value)}`
  return Object.entries(value as Record<string, unknown>)
    .map(([key, field]) =>
      typeof field === 'object' && field !== null && !Array.isArray(field)
        ? `${indent}${key}:\n${formatDecoded(field, `${indent}  `)}`
        : `${indent}${key}: ${Array.isArray(field) ? field.join(', ') : String(field)}`,
    )
    .join('\n')
}
