import t from 'tap'
import { parseCccdQr } from '../drivers/identity/cccd.js'
import { decodePersonalId } from '../drivers/identity/personal-id.js'
import { mrzCheckDigit, parseTd1, splitMrzText } from '../drivers/identity/mrz.js'
import { crc16CcittFalse, formatCrc16 } from '../drivers/payment/crc16-ccitt.js'
import { buildVietQr, encodePurposeTlv, parseVietQr, type VietQrRequest } from '../drivers/payment/vietqr.js'
import { encodeCp1258, encodeTcvn3, foldToAscii } from '../drivers/text/vietnamese.js'
import { decodeWiegand } from '../drivers/wiegand/wiegand-codec.js'
import { isStationError } from '../runtime/core/errors.js'
import { loadVectors, type Vector } from './support/vectors.js'

/** Every vector of these protocols must be understood by a codec here; escpos is shared with the printer. */
const OWN_PROTOCOLS = new Set(['cccd', 'icao_td1', 'vietqr', 'wiegand'])
/** Fixed "today" for date checks, so the run does not depend on the calendar. */
const TODAY = new Date(2025, 5, 1)

type Input = Vector['input']

/**
 * Runs a vector through the codec its input shape calls for. Dispatch is on shape, not on name, so new
 * vectors of a known shape are exercised; an unknown shape returns `undefined`, which fails the test.
 */
function codecFor(vector: Vector): (() => unknown) | undefined {
  const input = vector.input
  switch (vector.protocol) {
    case 'wiegand':
      if (typeof input['bits'] === 'string') return () => decodeWiegand(text(input, 'bits'))
      return undefined
    case 'cccd':
      if ('qr' in input) return () => parseCccdQr(text(input, 'qr'), TODAY)
      if ('id' in input) return () => decodePersonalId(text(input, 'id'))
      return undefined
    case 'icao_td1':
      if ('lines' in input) return () => parseTd1(lines(input), TODAY)
      if ('text' in input) return () => parseTd1(splitMrzText(text(input, 'text')), TODAY)
      if ('field' in input) return () => ({ check: mrzCheckDigit(text(input, 'field')) })
      return undefined
    case 'vietqr':
      if ('ascii' in input) return () => ({ crc: formatCrc16(crc16CcittFalse(new TextEncoder().encode(text(input, 'ascii')))) })
      if ('payload' in input) return () => parseVietQr(text(input, 'payload'))
      if ('bin' in input) {
        return () => {
          const payload = buildVietQr(vietQrRequest(input))
          return { payload, decoded: parseVietQr(payload) }
        }
      }
      if ('purpose' in input) return () => encodePurposeTlv(text(input, 'purpose'))
      return undefined
    case 'escpos':
      return vietnameseTextCodec(input)
    default:
      return undefined
  }
}

/** The escpos vectors that are Vietnamese text; the code-page ones compare without their ESC t prefix. */
function vietnameseTextCodec(input: Input): (() => unknown) | undefined {
  if (input['strategy'] === 'ascii-fold') return () => ({ text: foldToAscii(text(input, 'text')) })
  const codepage = String(input['codepage'])
  const encode = /1258/.test(codepage) ? encodeCp1258 : /TCVN/i.test(codepage) ? encodeTcvn3 : undefined
  if (encode === undefined) return undefined
  return () => ({ hex: hex([0x1b, 0x74, Number(input['esc_t']), ...encode(text(input, 'text'))]) })
}

function isVietnameseText(vector: Vector): boolean {
  return vector.protocol === 'escpos' && 'text' in vector.input
}

function text(input: Input, key: string): string {
  const value = input[key]
  if (typeof value !== 'string') throw new TypeError(`vector input.${key} must be a string`)
  return value
}

function lines(input: Input): string[] {
  const value = input['lines']
  if (!Array.isArray(value) || !value.every((line) => typeof line === 'string')) {
    throw new TypeError('vector input.lines must be an array of strings')
  }
  return value
}

function vietQrRequest(input: Input): VietQrRequest {
  const request: Record<string, string | number> = {}
  for (const [key, value] of Object.entries(input)) {
    if (typeof value !== 'string' && typeof value !== 'number') throw new TypeError(`vector input.${key} is not a string or number`)
    request[key] = value
  }
  return request as unknown as VietQrRequest
}

function hex(bytes: Iterable<number>): string {
  return Array.from(bytes, (byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(' ')
}

const vectors = loadVectors().filter((vector) => OWN_PROTOCOLS.has(vector.protocol) || isVietnameseText(vector))

t.test('finds vectors for every protocol these codecs cover', async (t) => {
  for (const protocol of [...OWN_PROTOCOLS, 'escpos']) {
    t.ok(vectors.some((vector) => vector.protocol === protocol), protocol)
  }
})

for (const vector of vectors) {
  t.test(`${vector.protocol}/${vector.name}: ${vector.why}`, async (t) => {
    const codec = codecFor(vector)
    if (codec === undefined) {
      t.fail(`no codec for input shape {${Object.keys(vector.input).join(', ')}}`)
      return
    }
    if (vector.valid) {
      t.strictSame(codec(), vector.expected)
      return
    }
    const expectedError = String(vector.expected['error']).toLowerCase()
    t.throws(codec)
    try {
      codec()
    } catch (error) {
      t.ok(isStationError(error), 'throws a StationError')
      const message = error instanceof Error ? error.message : String(error)
      t.ok(message.toLowerCase().includes(expectedError), `message "${message}" contains "${expectedError}"`)
    }
  })
}
