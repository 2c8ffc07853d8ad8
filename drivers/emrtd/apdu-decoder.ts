/**
 * Explains a chip trace for a technician (docs/emrtd.md, "Decoding a trace"): what a command APDU asks
 * (instruction, file, offset, Le, whether it is in secure messaging and which SM objects it carries) and
 * what a response's status word means. Pure; usable by `station decode`. Encrypted contents stay opaque:
 * a trace never shows the chip's data in clear.
 */
import { StationError } from '../../runtime/core/errors.js'
import { readTlvs } from './ber-tlv.js'
import { fromHex, toHex } from './bytes.js'
import { parseCommand, parseResponse } from './apdu.js'
import { describeStatusWord } from './status-words.js'

const INSTRUCTIONS: ReadonlyMap<number, string> = new Map([
  [0xa4, 'SELECT'],
  [0xb0, 'READ BINARY'],
  [0xb1, 'READ BINARY (odd)'],
  [0x84, 'GET CHALLENGE'],
  [0x82, 'EXTERNAL AUTHENTICATE'],
  [0x88, 'INTERNAL AUTHENTICATE'],
  [0x22, 'MANAGE SECURITY ENVIRONMENT'],
  [0x86, 'GENERAL AUTHENTICATE'],
  [0xc0, 'GET RESPONSE'],
])

const FILES: ReadonlyMap<number, string> = new Map([
  [0x3f00, 'MF'],
  [0x011c, 'EF.CardAccess'],
  [0x011d, 'EF.SOD (or EF.CardSecurity in the MF)'],
  [0x011e, 'EF.COM'],
  ...Array.from({ length: 16 }, (_, index) => [0x0101 + index, `DG${index + 1}`] as const),
])

const SM_OBJECTS: ReadonlyMap<number, string> = new Map([
  [0x85, 'DO85 encrypted data'],
  [0x87, 'DO87 encrypted data'],
  [0x97, 'DO97 Le'],
  [0x99, 'DO99 status'],
  [0x8e, 'DO8E MAC'],
])

const PACE_STEPS: ReadonlyMap<number, string> = new Map([
  [0x80, 'encrypted nonce'],
  [0x81, 'terminal mapping key'],
  [0x82, 'chip mapping key'],
  [0x83, 'terminal ephemeral key'],
  [0x84, 'chip ephemeral key'],
  [0x85, 'terminal token'],
  [0x86, 'chip token'],
])

function hex4(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0')
}

function smObjects(data: Uint8Array): string[] | undefined {
  try {
    const objects = readTlvs(data)
    if (objects.length === 0 || !objects.every((tlv) => SM_OBJECTS.has(tlv.tag))) return undefined
    return objects.map((tlv) => {
      if (tlv.tag === 0x97) return `DO97 Le ${tlv.value[0] === 0 ? 256 : tlv.value[0] ?? 0}`
      if (tlv.tag === 0x99) return `DO99 status ${hex4(((tlv.value[0] ?? 0) << 8) | (tlv.value[1] ?? 0))}`
      return `${SM_OBJECTS.get(tlv.tag) ?? ''} (${tlv.value.length} bytes)`
    })
  } catch {
    return undefined
  }
}

/** What a command APDU asks. Throws E_CODEC_INVALID when it is no APDU. */
export function describeCommandApdu(bytes: Uint8Array): Record<string, unknown> {
  const command = parseCommand(bytes)
  const secure = (command.cla & 0x0c) === 0x0c
  const out: Record<string, unknown> = {
    apdu: 'command',
    instruction: INSTRUCTIONS.get(command.ins) ?? `INS ${command.ins.toString(16).toUpperCase()}`,
    secureMessaging: secure,
  }
  if ((command.cla & 0x10) !== 0) out['chained'] = true
  const data = command.data ?? new Uint8Array(0)
  if (secure) {
    out['objects'] = smObjects(data) ?? [`${data.length} bytes that are not SM objects`]
    if (command.ins === 0xb0) out['offset'] = (command.p1 & 0x80) !== 0 ? command.p2 : (command.p1 << 8) | command.p2
    return out
  }
  if (command.ins === 0xa4) {
    if (command.p1 === 0x04) out['application'] = toHex(data) === 'A0000002471001' ? 'eMRTD LDS1' : toHex(data)
    else if (data.length === 2) {
      const fid = ((data[0] ?? 0) << 8) | (data[1] ?? 0)
      out['file'] = `${hex4(fid)} ${FILES.get(fid) ?? ''}`.trim()
    }
  }
  if (command.ins === 0xb0) {
    if ((command.p1 & 0x80) !== 0) {
      const sfi = command.p1 & 0x1f
      out['file'] = `SFI ${sfi.toString(16).toUpperCase()} ${FILES.get(0x0100 | sfi) ?? ''}`.trim()
      out['offset'] = command.p2
    } else out['offset'] = (command.p1 << 8) | command.p2
  }
  if (command.ins === 0x22 && command.p1 === 0xc1 && command.p2 === 0xa4) {
    const reference = readTlvs(data).find((tlv) => tlv.tag === 0x83)?.value[0]
    out['pace'] = `set up PACE with the ${reference === 2 ? 'CAN' : reference === 1 ? 'MRZ' : 'unknown password'}`
  }
  if (command.ins === 0x86) {
    const inner = data[0] === 0x7c ? readTlvs(readTlvs(data)[0]?.value ?? new Uint8Array(0))[0] : undefined
    out['pace'] = inner === undefined ? 'ask for the encrypted nonce' : `send ${PACE_STEPS.get(inner.tag) ?? 'unknown object'}`
  }
  if (command.le !== undefined) out['le'] = command.le
  if (data.length > 0) out['dataBytes'] = data.length
  return out
}

/** What a response APDU says: the status word's name and meaning, and its SM objects. */
export function describeResponseApdu(bytes: Uint8Array): Record<string, unknown> {
  const response = parseResponse(bytes)
  const info = describeStatusWord(response.sw)
  const out: Record<string, unknown> = { apdu: 'response', sw: hex4(response.sw), status: info.name, meaning: info.meaning }
  const objects = response.data.length > 0 ? smObjects(response.data) : undefined
  if (objects !== undefined) out['objects'] = objects
  else if (response.data.length > 0) out['dataBytes'] = response.data.length
  return out
}

/**
 * One trace line: `> hex` is a command, `< hex` a response (the notation of docs/emrtd.md); without a
 * marker, a hex string that parses as a command of a known instruction is a command, else a response.
 */
export function decodeChipApdu(line: string): Record<string, unknown> {
  const text = line.trim()
  const marker = text[0]
  const bytes = fromHexText(marker === '>' || marker === '<' ? text.slice(1) : text)
  if (marker === '>') return describeCommandApdu(bytes)
  if (marker === '<') return describeResponseApdu(bytes)
  if (bytes.length >= 4 && INSTRUCTIONS.has(bytes[1] ?? 0) && ((bytes[0] ?? 0) & 0xe0) === 0) {
    try {
      return describeCommandApdu(bytes)
    } catch {
      // not a well-formed command: read it as a response
    }
  }
  return describeResponseApdu(bytes)
}

function fromHexText(text: string): Uint8Array {
  try {
    return fromHex(text.replace(/0x/gi, '').replace(/[\s:]+/g, ''))
  } catch (error) {
    throw new StationError('E_CODEC_INVALID', 'APDU text is not hex', { length: text.length }, { cause: error })
  }
}
