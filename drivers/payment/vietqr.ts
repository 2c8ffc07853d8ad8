/**
 * VietQR payment payloads: the EMVCo merchant-presented QR profile used by NAPAS 247 (docs/protocols.md 8).
 * Builds the payload the station prints on a payment slip, and parses one strictly. Pure functions;
 * failures are `E_CODEC_INVALID`.
 */
import { StationError } from '../../runtime/core/errors.js'
import { foldToAscii } from '../text/vietnamese.js'
import { crc16CcittFalse, formatCrc16 } from './crc16-ccitt.js'

/** What to put in a VietQR; give exactly one of `account` and `card`. */
export interface VietQrRequest {
  /** Beneficiary bank BIN, 6 digits (970436 …). */
  readonly bin: string
  /** Beneficiary account number (up to 19 letters or digits); default service QRIBFTTA. */
  readonly account?: string
  /** Beneficiary card number (up to 19 digits); default service QRIBFTTC. */
  readonly card?: string
  /** Amount in whole VND (no separators, no decimals). Present = dynamic QR (12), absent = static (11). */
  readonly amount?: number | string
  /** Purpose of transaction (62/08): folded to ASCII, spaces collapsed, cut to 25 characters. */
  readonly purpose?: string
  /** NAPAS service code (38/02), overriding the default chosen from `account`/`card`. */
  readonly service?: string
  /** Bill number (62/01), printable ASCII, up to 25 characters. */
  readonly billNumber?: string
}

/** A parsed VietQR. Optional members are present only when the payload has the tag. */
export interface VietQrRecord {
  /** Tag 01: 11 = static (reusable), 12 = dynamic (one-off). */
  readonly pointOfInitiation: 'static' | 'dynamic'
  /** 38/01/00: the beneficiary bank BIN. */
  readonly bin: string
  /** 38/02: QRIBFTTA (to account), QRIBFTTC (to card); null for merchant (QR push) payments. */
  readonly service: string | null
  /** Tag 54, digits only, or null. */
  readonly amount: string | null
  /** 62/08, or null. */
  readonly purpose: string | null
  /** Tag 63, uppercase hex; already verified. */
  readonly crc: string
  /** 38/01/01 when a service code is present: account or card number. */
  readonly account?: string
  /** 38/01/01 when no service code is present (merchant QR push). */
  readonly merchantId?: string
  /** Tag 52, merchant category code. */
  readonly mcc?: string
  /** Tag 59. */
  readonly merchantName?: string
  /** Tag 60. */
  readonly merchantCity?: string
  /** 62/01. */
  readonly billNumber?: string
}

/** The purpose as it will be sent, and its complete 62/08 data object. */
export interface PurposeTlv {
  readonly purpose_sent: string
  readonly tlv: string
}

/** NAPAS application identifier in 38/00 (NAPAS QR spec Part IV). */
const NAPAS_GUID = 'A000000727'
/** ISO 4217 numeric code of the Vietnamese dong. */
const CURRENCY_VND = '704'
const COUNTRY_VN = 'VN'
/** VietQR profile limit for 62/08 (docs/protocols.md 8.1). */
const PURPOSE_MAX_CHARS = 25
/** EMVCo limits: whole payload, and an amount of at most 13 characters. */
const PAYLOAD_MAX_CHARS = 512
const AMOUNT_MAX_CHARS = 13
const CRC_TAG = '6304'
const POINT_OF_INITIATION: ReadonlyMap<string, VietQrRecord['pointOfInitiation']> = new Map([
  ['11', 'static'],
  ['12', 'dynamic'],
])

/**
 * Builds a VietQR payload with its CRC. Tag order follows the published examples:
 * 00, 01, 38, 53, 54, 58, 62, 63. Throws `E_CODEC_INVALID` on a value the format cannot carry.
 */
export function buildVietQr(request: VietQrRequest): string {
  const { bin, account, card } = request
  if (!/^\d{6}$/.test(bin)) throw invalid('BIN must be 6 digits')
  if ((account === undefined) === (card === undefined)) throw invalid('give exactly one of account and card')
  if (account !== undefined && !/^[0-9A-Za-z]{1,19}$/.test(account)) {
    throw invalid('account must be 1 to 19 letters or digits')
  }
  if (card !== undefined && !/^\d{1,19}$/.test(card)) throw invalid('card must be 1 to 19 digits')
  const service = request.service ?? (account !== undefined ? 'QRIBFTTA' : 'QRIBFTTC')
  if (!/^[A-Z0-9]{1,20}$/.test(service)) throw invalid('service code must be upper-case letters or digits')
  const amount = request.amount === undefined ? undefined : amountText(request.amount)

  const beneficiary = tlv('00', bin) + tlv('01', account ?? card ?? '')
  const merchantAccount = tlv('00', NAPAS_GUID) + tlv('01', beneficiary) + tlv('02', service)
  let additional = ''
  if (request.billNumber !== undefined) {
    if (!/^[\x20-\x7e]{1,25}$/.test(request.billNumber)) {
      throw invalid('bill number must be 1 to 25 printable ASCII characters')
    }
    additional += tlv('01', request.billNumber)
  }
  if (request.purpose !== undefined) {
    additional += encodePurposeTlv(request.purpose).tlv
  }

  const body =
    tlv('00', '01') +
    tlv('01', amount === undefined ? '11' : '12') +
    tlv('38', merchantAccount) +
    tlv('53', CURRENCY_VND) +
    (amount === undefined ? '' : tlv('54', amount)) +
    tlv('58', COUNTRY_VN) +
    (additional === '' ? '' : tlv('62', additional)) +
    CRC_TAG
  const payload = body + crcOf(body)
  if (payload.length > PAYLOAD_MAX_CHARS) throw invalid(`payload longer than ${PAYLOAD_MAX_CHARS} characters`)
  return payload
}

/**
 * The purpose folded to ASCII, whitespace collapsed and cut to 25 characters, and its 62/08 object.
 * Lengths count characters but the CRC runs over bytes, so only ASCII keeps the two equal for every bank
 * app (docs/protocols.md 8.3). "Ủng hộ lũ lụt" → { purpose_sent: "Ung ho lu lut", tlv: "0813Ung ho lu lut" }.
 * A purpose with nothing left after folding gives empty strings: the object is then left out.
 */
export function encodePurposeTlv(purpose: string): PurposeTlv {
  const purposeSent = foldToAscii(purpose).replace(/\s+/g, ' ').trim().slice(0, PURPOSE_MAX_CHARS).trimEnd()
  return { purpose_sent: purposeSent, tlv: purposeSent === '' ? '' : tlv('08', purposeSent) }
}

/**
 * Parses a VietQR payload (docs/protocols.md 8.3): first the CRC over everything up to and including `6304`
 * (compared case-insensitively; "CRC mismatch: computed XXXX"), then a strict TLV walk of the payload
 * and of templates 38 and 62 (two-digit ids, numeric lengths 01-99, values fully present, nothing
 * left over, no repeated ids), then the semantic rules: 00 = 01 first, 01 ∈ {11, 12}, 38/00 = NAPAS GUID,
 * 6-digit BIN, 53 = 704, 54 digits only, 58 = VN. Scanner whitespace around the payload is trimmed.
 */
export function parseVietQr(payload: string): VietQrRecord {
  const text = payload.trim()
  if (Array.from(text).length > PAYLOAD_MAX_CHARS) throw invalid(`payload longer than ${PAYLOAD_MAX_CHARS} characters`)
  if (!/6304[0-9A-Fa-f]{4}$/.test(text)) throw invalid('payload must end with the CRC object 6304XXXX')
  const computed = crcOf(text.slice(0, -4))
  const received = text.slice(-4).toUpperCase()
  if (computed !== received) throw invalid(`CRC mismatch: computed ${computed}`, { computed, received })

  const top = walkTlv(text, 'payload')
  const ids = [...top.keys()]
  if (ids[0] !== '00' || top.get('00') !== '01') throw invalid('payload format indicator (00) must come first and be 01')
  if (ids.at(-1) !== '63') throw invalid('CRC object (63) must be last')
  const pointOfInitiation = POINT_OF_INITIATION.get(top.get('01') ?? '')
  if (pointOfInitiation === undefined) throw invalid('point of initiation (01) must be 11 (static) or 12 (dynamic)')

  const merchantAccount = top.get('38')
  if (merchantAccount === undefined) throw invalid('missing NAPAS merchant account information (38)')
  const napas = walkTlv(merchantAccount, 'template 38')
  if (napas.get('00') !== NAPAS_GUID) throw invalid(`NAPAS GUID (38/00) must be ${NAPAS_GUID}`)
  const beneficiary = walkTlv(napas.get('01') ?? '', 'template 38/01')
  const bin = beneficiary.get('00') ?? ''
  if (!/^\d{6}$/.test(bin)) throw invalid('BIN (38/01/00) must be 6 digits')
  const beneficiaryId = beneficiary.get('01')
  if (beneficiaryId === undefined) throw invalid('missing account or merchant ID (38/01/01)')
  const service = napas.get('02') ?? null

  if (top.get('53') !== CURRENCY_VND) throw invalid('currency must be 704 (VND)')
  const amount = top.get('54') ?? null
  if (amount !== null && !/^\d+$/.test(amount)) throw invalid('amount (54) must be digits only for VND')
  if (top.get('58') !== COUNTRY_VN) throw invalid('country code (58) must be VN')
  const mcc = top.get('52')
  if (mcc !== undefined && !/^\d{4}$/.test(mcc)) throw invalid('merchant category code (52) must be 4 digits')
  const additional = walkTlv(top.get('62') ?? '', 'template 62')

  return {
    pointOfInitiation,
    bin,
    service,
    amount,
    purpose: additional.get('08') ?? null,
    crc: received,
    ...(service === null ? { merchantId: beneficiaryId } : { account: beneficiaryId }),
    ...optional('mcc', mcc),
    ...optional('merchantName', top.get('59')),
    ...optional('merchantCity', top.get('60')),
    ...optional('billNumber', additional.get('01')),
  }
}

/** Data objects of a payload or template, in order. Lengths and offsets count characters, not bytes. */
function walkTlv(text: string, where: string): Map<string, string> {
  const chars = Array.from(text)
  const objects = new Map<string, string>()
  let offset = 0
  while (offset < chars.length) {
    if (offset + 4 > chars.length) throw invalid(`truncated data object header at offset ${offset} in ${where}`, { offset })
    const id = chars.slice(offset, offset + 2).join('')
    const lengthText = chars.slice(offset + 2, offset + 4).join('')
    if (!/^\d{2}$/.test(id)) throw invalid(`invalid data object id at offset ${offset} in ${where}`, { offset })
    if (!/^\d{2}$/.test(lengthText) || lengthText === '00') {
      throw invalid(`invalid length of ${id} at offset ${offset + 2} in ${where}: must be 01-99`, { offset: offset + 2 })
    }
    const end = offset + 4 + Number(lengthText)
    if (end > chars.length) throw invalid(`truncated value of ${id} at offset ${offset + 4} in ${where}`, { offset })
    if (objects.has(id)) throw invalid(`repeated data object ${id} in ${where}`, { offset })
    objects.set(id, chars.slice(offset + 4, end).join(''))
    offset = end
  }
  return objects
}

function tlv(id: string, value: string): string {
  const length = Array.from(value).length
  if (length < 1 || length > 99) throw invalid(`value of ${id} must be 1-99 characters`, { length })
  return id + String(length).padStart(2, '0') + value
}

function amountText(amount: number | string): string {
  const text = typeof amount === 'number' ? (Number.isSafeInteger(amount) ? String(amount) : '') : amount
  if (!/^\d+$/.test(text) || /^0+$/.test(text) || text.length > AMOUNT_MAX_CHARS) {
    throw invalid('amount must be a positive whole number of VND, at most 13 digits')
  }
  return text
}

function crcOf(text: string): string {
  return formatCrc16(crc16CcittFalse(new TextEncoder().encode(text)))
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string }
}

function invalid(message: string, context: Readonly<Record<string, string | number>> = {}): StationError {
  return new StationError('E_CODEC_INVALID', message, context)
}
