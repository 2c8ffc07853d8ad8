/**
 * Pure PN532 command builders and response parsers for the commands the kiosk uses (docs/protocols.md
 * 2.3, from NXP UM0701-02), and the decoder behind `station decode pn532 <hex>`.
 */
import { StationError } from '../../runtime/core/errors.js'
import { formatHexBytes, formatHexNumber, parseHexBytes } from './hex-bytes.js'
import {
  decodeFrame,
  decodeI2cRead,
  TFI_HOST_TO_PN532,
  TFI_PN532_TO_HOST,
  type Pn532Frame,
} from './pn532-frame.js'

/** Command codes (PD0 of a D4 frame), named as in UM0701-02. The response code is code + 1. */
export const PN532_COMMAND = {
  GetFirmwareVersion: 0x02,
  SAMConfiguration: 0x14,
  RFConfiguration: 0x32,
  InDataExchange: 0x40,
  InListPassiveTarget: 0x4a,
  InRelease: 0x52,
} as const

/** SAMConfiguration Mode (docs/protocols.md 2.3). */
export const SAM_MODE = { normal: 0x01, virtualCard: 0x02, wiredCard: 0x03, dualCard: 0x04 } as const

/** InListPassiveTarget BrTy (docs/protocols.md 2.3). */
export const BRTY = { iso14443a106: 0x00, felica212: 0x01, felica424: 0x02, iso14443b106: 0x03, jewel106: 0x04 } as const

/** RFConfiguration CfgItem 0x05: MxRtyATR, MxRtyPSL, MxRtyPassiveActivation (docs/protocols.md 2.3). */
export const RF_CFG_MAX_RETRIES = 0x05

/** IC byte of GetFirmwareVersion for a PN532 (docs/protocols.md 2.3). */
export const IC_PN532 = 0x32

/** A command ready to frame: PD0 and the parameters after it. */
export interface Pn532Command {
  readonly code: number
  readonly params: Uint8Array
}

/** GetFirmwareVersion response fields, as the vectors write them. */
export interface FirmwareVersion {
  /** "0x32 (PN532)" */
  ic: string
  ver: number
  rev: number
  /** "0x07 (ISO14443A|ISO14443B|ISO18092)" */
  support: string
}

/**
 * InListPassiveTarget response for 106 kbps type A, as the vectors write it: `{ nbTg: 0 }` when no
 * target answered; otherwise the first target's fields. `uid` is identity data: never log it.
 */
export interface InListResult {
  nbTg: number
  tg?: number
  /** SENS_RES, MSB first: "0x0004" */
  atqa?: string
  /** SEL_RES: "0x08" */
  sak?: string
  /** NFCID1: "DE AD BE EF" */
  uid?: string
  /** The ATS as hex ("05 78 80 70 02"), present when SAK bit 0x20 (ISO 14443-4) is set; else null. */
  ats?: string | null
}

const IC_NAMES: Readonly<Record<number, string>> = { 0x32: 'PN532', 0x33: 'PN533' }
/** GetFirmwareVersion Support bits (vector rsp_GetFirmwareVersion: 0x07 = all three). */
const SUPPORT_BITS = [
  [0x01, 'ISO14443A'],
  [0x02, 'ISO14443B'],
  [0x04, 'ISO18092'],
] as const
/** SEL_RES bit: the target is ISO/IEC 14443-4 compliant, an ATS follows (docs/protocols.md 2.3). */
const SAK_ISO14443_4 = 0x20
/** Single, double and triple size NFCID1 (ISO/IEC 14443-3 cascade levels 1-3). */
const NFCID1_LENGTHS = [4, 7, 10]
/** A single-size UID whose first byte is 0x08 is a random number per activation (docs/protocols.md 2.3, ISO/IEC 14443-3). */
const RANDOM_UID_FIRST_BYTE = 0x08
const RANDOM_UID_LENGTH = 4

/** `D4 02`: no parameters. */
export function getFirmwareVersion(): Pn532Command {
  return { code: PN532_COMMAND.GetFirmwareVersion, params: new Uint8Array(0) }
}

/**
 * `D4 14 Mode Timeout IRQ`. `mode` 1..4 (SAM_MODE); `timeout50Ms` in units of 50 ms, used only in
 * virtual-card mode (0x14 = 1 s as Adafruit sends); `useIrq` drives P70_IRQ. Throws a TypeError for
 * values out of range.
 */
export function samConfiguration(mode: number, timeout50Ms = 0x14, useIrq = true): Pn532Command {
  checkRange('mode', mode, 1, 4)
  checkRange('timeout50Ms', timeout50Ms, 0, 0xff)
  return { code: PN532_COMMAND.SAMConfiguration, params: Uint8Array.of(mode, timeout50Ms, useIrq ? 1 : 0) }
}

/**
 * `D4 32 05 MxRtyATR MxRtyPSL MxRtyPassiveActivation`. 0xFF = retry forever: with
 * MxRtyPassiveActivation 0xFF an InListPassiveTarget without a card never answers (docs/protocols.md 2.3
 * pitfalls), so a polling loop sets it small. Throws a TypeError for values that are not bytes.
 */
export function rfConfigurationMaxRetries(
  mxRtyAtr: number,
  mxRtyPsl: number,
  mxRtyPassiveActivation: number,
): Pn532Command {
  checkRange('mxRtyAtr', mxRtyAtr, 0, 0xff)
  checkRange('mxRtyPsl', mxRtyPsl, 0, 0xff)
  checkRange('mxRtyPassiveActivation', mxRtyPassiveActivation, 0, 0xff)
  return {
    code: PN532_COMMAND.RFConfiguration,
    params: Uint8Array.of(RF_CFG_MAX_RETRIES, mxRtyAtr, mxRtyPsl, mxRtyPassiveActivation),
  }
}

/** `D4 4A MaxTg BrTy`: `maxTg` 1..2, `brTy` 0..4 (BRTY). Throws a TypeError for values out of range. */
export function inListPassiveTarget(maxTg: number, brTy: number): Pn532Command {
  checkRange('maxTg', maxTg, 1, 2)
  checkRange('brTy', brTy, 0, 4)
  return { code: PN532_COMMAND.InListPassiveTarget, params: Uint8Array.of(maxTg, brTy) }
}

/** `D4 52 Tg`: `tg` 0 releases every target. Throws a TypeError unless `tg` is a byte. */
export function inRelease(tg: number): Pn532Command {
  checkRange('tg', tg, 0, 0xff)
  return { code: PN532_COMMAND.InRelease, params: Uint8Array.of(tg) }
}

/** The manual's name of a command code, or its hex ("0x7E") when unknown. */
export function commandName(code: number): string {
  for (const [name, value] of Object.entries(PN532_COMMAND)) {
    if (value === code) return name
  }
  return formatHexNumber(code)
}

/**
 * Parses GetFirmwareVersion response data `03 IC Ver Rev Support` (vector rsp_GetFirmwareVersion).
 * Throws E_CODEC_INVALID for another response code or length.
 */
export function parseFirmwareVersion(data: Uint8Array): FirmwareVersion {
  checkResponseCode(data, PN532_COMMAND.GetFirmwareVersion)
  if (data.length !== 5) {
    throw new StationError('E_CODEC_INVALID', 'GetFirmwareVersion response is 5 bytes (03 IC Ver Rev Support)', {
      length: data.length,
    })
  }
  const [, ic = 0, ver = 0, rev = 0, support = 0] = data
  const names = SUPPORT_BITS.filter(([bit]) => (support & bit) !== 0).map(([, name]) => name)
  return {
    ic: `${formatHexNumber(ic)} (${IC_NAMES[ic] ?? 'unknown'})`,
    ver,
    rev,
    support: `${formatHexNumber(support)} (${names.length > 0 ? names.join('|') : 'none'})`,
  }
}

/**
 * Parses InListPassiveTarget response data for 106 kbps type A: `4B NbTg [Tg ATQA(2) SAK
 * NFCIDLength NFCID1 [ATS]]…` (docs/protocols.md 2.3). Returns the first target. Throws E_CODEC_INVALID
 * for another response code, NbTg above 2, an NFCID1 length other than 4/7/10, a missing or
 * inconsistent ATS, or bytes left over.
 */
export function parseInListPassiveTarget(data: Uint8Array): InListResult {
  checkResponseCode(data, PN532_COMMAND.InListPassiveTarget)
  const nbTg = data[1]
  if (nbTg === undefined || nbTg > 2) {
    throw new StationError('E_CODEC_INVALID', 'InListPassiveTarget NbTg must be 0..2', { offset: 1, byte: nbTg ?? null })
  }
  let offset = 2
  const targets: InListResult[] = []
  for (let target = 0; target < nbTg; target++) {
    const parsed = parseTypeATarget(data, offset)
    targets.push({ nbTg, ...parsed.fields })
    offset = parsed.end
  }
  if (offset !== data.length) {
    throw new StationError('E_CODEC_INVALID', 'InListPassiveTarget response has bytes after its targets', {
      offset,
      length: data.length,
    })
  }
  return targets[0] ?? { nbTg }
}

/** A 4-byte UID starting 0x08 is random per session (eMRTD/ID-card chips): never use it as a person key. */
export function isRandomUid(uid: string | Uint8Array): boolean {
  const bytes = typeof uid === 'string' ? parseHexBytes(uid) : uid
  return bytes.length === RANDOM_UID_LENGTH && bytes[0] === RANDOM_UID_FIRST_BYTE
}

/**
 * `station decode pn532 <hex>`: decodes whatever the hex is, by its content, into the shape of the
 * test vectors. A leading `55 55` is an HSU wake-up followed by a frame; a leading `01` is a ready
 * I2C read; a leading `00` is a frame. A busy I2C read (leading `00`) cannot be told from a frame
 * with a longer preamble, so `i2c` before the hex forces the I2C reading. Frames decode to
 * `{ type: 'ACK' | 'NACK' }`, `{ type: 'ERROR', meaning }`, the firmware or InListPassiveTarget
 * fields, `{ tfi, cmd, command, params }` for commands, or `{ tfi, code, response, data }`.
 * Throws E_CODEC_INVALID for anything malformed.
 */
export function decodePn532ForCli(frameHex: string): Record<string, unknown> {
  const text = frameHex.trim()
  const forceI2c = /^i2c\b/i.test(text)
  const bytes = parseHexBytes(forceI2c ? text.slice(3) : text)
  if (bytes.length === 0) throw new StationError('E_CODEC_INVALID', 'no bytes to decode', {})
  if (bytes[0] === 0x55 && bytes[1] === 0x55 && !forceI2c) {
    return { wakeup: true, ...describeFrame(decodeFrame(bytes.subarray(2))) }
  }
  if (forceI2c || bytes[0] === 0x01) {
    const read = decodeI2cRead(bytes)
    if (!read.ready) return { ready: false, action: 'discard, retry after ~1-10 ms' }
    const frame = read.frame
    return { ready: true, frame: frame.type === 'ACK' || frame.type === 'NACK' ? frame.type : describeFrame(frame) }
  }
  return describeFrame(decodeFrame(bytes))
}

function describeFrame(frame: Pn532Frame): Record<string, unknown> {
  if (frame.type !== 'DATA') return { ...frame }
  const [code = 0] = frame.data
  const rest = frame.data.subarray(1)
  if (frame.tfi === TFI_HOST_TO_PN532) {
    return { tfi: 'D4', cmd: formatHexBytes(Uint8Array.of(code)), command: commandName(code), params: formatHexBytes(rest) }
  }
  if (frame.tfi === TFI_PN532_TO_HOST) {
    if (code === PN532_COMMAND.GetFirmwareVersion + 1) return { ...parseFirmwareVersion(frame.data) }
    if (code === PN532_COMMAND.InListPassiveTarget + 1) return { ...parseInListPassiveTarget(frame.data) }
  }
  return {
    tfi: formatHexBytes(Uint8Array.of(frame.tfi)),
    code: formatHexBytes(Uint8Array.of(code)),
    response: code % 2 === 1 ? commandName(code - 1) : 'unknown',
    data: formatHexBytes(rest),
  }
}

/** One type A target at `offset`: Tg, SENS_RES (2), SEL_RES, NFCIDLength, NFCID1, [ATS]. */
function parseTypeATarget(data: Uint8Array, offset: number): { fields: Omit<InListResult, 'nbTg'>; end: number } {
  const need = (count: number): void => {
    if (data.length < offset + count) {
      throw new StationError('E_CODEC_INVALID', 'InListPassiveTarget target data truncated', {
        offset,
        length: data.length,
      })
    }
  }
  need(5)
  const tg = data[offset] ?? 0
  const atqa = ((data[offset + 1] ?? 0) << 8) | (data[offset + 2] ?? 0)
  const sak = data[offset + 3] ?? 0
  const uidLength = data[offset + 4] ?? 0
  if (!NFCID1_LENGTHS.includes(uidLength)) {
    throw new StationError('E_CODEC_INVALID', 'NFCID1 length must be 4, 7 or 10', { offset: offset + 4, byte: uidLength })
  }
  need(5 + uidLength)
  const uid = data.subarray(offset + 5, offset + 5 + uidLength)
  let end = offset + 5 + uidLength
  let ats: string | null = null
  if ((sak & SAK_ISO14443_4) !== 0) {
    // TL, the ATS's first byte, counts the whole ATS including itself (docs/protocols.md 2.3).
    const tl = data[end]
    if (tl === undefined || tl < 1 || end + tl > data.length) {
      throw new StationError('E_CODEC_INVALID', 'ATS missing or longer than the response', { offset: end, byte: tl ?? null })
    }
    ats = formatHexBytes(data.subarray(end, end + tl))
    end += tl
  }
  return {
    fields: { tg, atqa: formatHexNumber(atqa, 4), sak: formatHexNumber(sak), uid: formatHexBytes(uid), ats },
    end,
  }
}

function checkResponseCode(data: Uint8Array, command: number): void {
  const code = data[0]
  if (code !== command + 1) {
    throw new StationError(
      'E_CODEC_INVALID',
      `expected the ${commandName(command)} response code ${formatHexNumber(command + 1)}`,
      { offset: 0, byte: code ?? null },
    )
  }
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be an integer ${min}..${max} (got ${String(value)})`)
  }
}
