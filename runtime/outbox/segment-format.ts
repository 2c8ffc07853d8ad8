import { crc32 } from './crc32.js'

/**
 * Pure encoding of the outbox's files (docs/outbox.md): the 16-byte header every segment and the
 * aside file start with, and the binary records inside frames (journal-frame.ts). Binary, not JSON,
 * so recovery reads an add's id and createdAt without parsing or even copying its sealed data.
 */

/** "CSOB": citizen-station outbox. */
const MAGIC = 0x43534f42
/** Format of segments and aside file; v1 is the single JSON journal (`outbox.journal`). */
export const FORMAT_VERSION = 2
export const FILE_HEADER_BYTES = 16

export type FileKind = 'segment' | 'aside'
const KIND_CODES: Record<FileKind, number> = { segment: 1, aside: 2 }

/** Header: magic u32, version u16, kind u16, number u32 (segment number; 0 for aside), crc32 of the 12 bytes before it. */
export function encodeFileHeader(kind: FileKind, number: number): Buffer {
  const header = Buffer.alloc(FILE_HEADER_BYTES)
  header.writeUInt32BE(MAGIC, 0)
  header.writeUInt16BE(FORMAT_VERSION, 4)
  header.writeUInt16BE(KIND_CODES[kind], 6)
  header.writeUInt32BE(number, 8)
  header.writeUInt32BE(crc32(header.subarray(0, 12)), 12)
  return header
}

/** Whether `bytes` starts with a valid header of this kind and number. */
export function fileHeaderIsValid(bytes: Uint8Array, kind: FileKind, number: number): boolean {
  if (bytes.length < FILE_HEADER_BYTES) return false
  return Buffer.from(bytes.buffer, bytes.byteOffset, FILE_HEADER_BYTES).equals(encodeFileHeader(kind, number))
}

const SEGMENT_NAME = /^seg-(\d{8})\.log$/

export function segmentFileName(number: number): string {
  return `seg-${String(number).padStart(8, '0')}.log`
}

/** The segment number of a file name, or null when the name is not a segment's. */
export function segmentNumberOf(name: string): number | null {
  const match = SEGMENT_NAME.exec(name)
  return match ? Number(match[1]) : null
}

const TYPE_ADD = 1
const TYPE_ACK = 2
const TYPE_ASIDE = 3

/** An add as stored: everything in clear but `sealed` (`sealJson(key, data, id)`). */
export interface AddRecord {
  id: string
  createdAtMs: number
  createdAt: string
  flow: string
  flowVersion: number
  sealed: string
}

/** What recovery needs of a record; an add's sealed data is not decoded. */
export type RecordHead =
  | { type: 'add'; id: string; createdAtMs: number }
  | { type: 'ack'; id: string }
  /** A well-formed frame of a type this version does not know (a later version wrote it). */
  | { type: 'unknown' }

/** Codes of set-aside records in the aside file. */
export const ASIDE_CODES = { undecryptable: 1, damaged: 2 } as const
export type AsideCode = keyof typeof ASIDE_CODES

/**
 * add: type u8 = 1, idLen u16, id, createdAtMs f64, createdAtLen u8, createdAt, flowLen u16, flow,
 * flowVersion f64, then the sealed data (ASCII) to the end. Throws TypeError when a field is too long.
 */
export function encodeAdd(record: AddRecord): Buffer {
  const id = Buffer.from(record.id, 'utf8')
  const createdAt = Buffer.from(record.createdAt, 'utf8')
  const flow = Buffer.from(record.flow, 'utf8')
  if (id.length === 0 || id.length > 0xffff) throw new TypeError('submission.id must be 1..65535 bytes')
  if (createdAt.length > 0xff) throw new TypeError('submission.createdAt must be at most 255 bytes')
  if (flow.length > 0xffff) throw new TypeError('submission.flow must be at most 65535 bytes')
  const sealedBytes = Buffer.byteLength(record.sealed, 'latin1')
  const out = Buffer.allocUnsafe(1 + 2 + id.length + 8 + 1 + createdAt.length + 2 + flow.length + 8 + sealedBytes)
  let at = out.writeUInt8(TYPE_ADD, 0)
  at = out.writeUInt16BE(id.length, at)
  at += id.copy(out, at)
  at = out.writeDoubleBE(record.createdAtMs, at)
  at = out.writeUInt8(createdAt.length, at)
  at += createdAt.copy(out, at)
  at = out.writeUInt16BE(flow.length, at)
  at += flow.copy(out, at)
  at = out.writeDoubleBE(record.flowVersion, at)
  // sealJson output is base64url and dots: ASCII, so latin1 is exact and fast.
  out.write(record.sealed, at, 'latin1')
  return out
}

/** ack: type u8 = 2, idLen u16, id. */
export function encodeAck(id: string): Buffer {
  const idBytes = Buffer.from(id, 'utf8')
  const out = Buffer.allocUnsafe(3 + idBytes.length)
  out.writeUInt8(TYPE_ACK, 0)
  out.writeUInt16BE(idBytes.length, 1)
  idBytes.copy(out, 3)
  return out
}

/** aside (aside file only): type u8 = 3, code u8, then the set-aside add's payload exactly as it was read. */
export function encodeAside(code: AsideCode, addPayload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + addPayload.length)
  out.writeUInt8(TYPE_ASIDE, 0)
  out.writeUInt8(ASIDE_CODES[code], 1)
  out.set(addPayload, 2)
  return out
}

/** The code of an aside record, or null when the payload is not one. */
export function decodeAsideCode(payload: Buffer): AsideCode | null {
  if (payload.length < 2 || payload[0] !== TYPE_ASIDE) return null
  if (payload[1] === ASIDE_CODES.undecryptable) return 'undecryptable'
  if (payload[1] === ASIDE_CODES.damaged) return 'damaged'
  return null
}

/**
 * Id and createdAt of an add, the id of an ack, or `unknown` for another type byte; null when the
 * payload does not parse as the type it claims (lengths out of bounds, empty id).
 */
export function decodeRecordHead(payload: Buffer): RecordHead | null {
  const type = payload[0]
  if (type === TYPE_ACK) {
    if (payload.length < 4) return null
    const idLen = payload.readUInt16BE(1)
    if (idLen === 0 || payload.length !== 3 + idLen) return null
    return { type: 'ack', id: payload.toString('utf8', 3, 3 + idLen) }
  }
  if (type === TYPE_ADD) {
    const fields = addLayout(payload)
    if (!fields) return null
    return { type: 'add', id: payload.toString('utf8', 3, fields.idEnd), createdAtMs: fields.createdAtMs }
  }
  if (type === TYPE_ASIDE || type === undefined) return null
  return { type: 'unknown' }
}

/** The whole add, sealed data included; null when the payload is not a well-formed add. */
export function decodeAdd(payload: Buffer): AddRecord | null {
  if (payload[0] !== TYPE_ADD) return null
  const fields = addLayout(payload)
  if (!fields) return null
  return {
    id: payload.toString('utf8', 3, fields.idEnd),
    createdAtMs: fields.createdAtMs,
    createdAt: payload.toString('utf8', fields.idEnd + 9, fields.createdAtEnd),
    flow: payload.toString('utf8', fields.createdAtEnd + 2, fields.flowEnd),
    flowVersion: payload.readDoubleBE(fields.flowEnd),
    sealed: payload.toString('latin1', fields.flowEnd + 8),
  }
}

interface AddLayout {
  idEnd: number
  createdAtMs: number
  createdAtEnd: number
  flowEnd: number
}

function addLayout(payload: Buffer): AddLayout | null {
  if (payload.length < 3) return null
  const idLen = payload.readUInt16BE(1)
  const idEnd = 3 + idLen
  if (idLen === 0 || idEnd + 9 > payload.length) return null
  const createdAtMs = payload.readDoubleBE(idEnd)
  if (!Number.isFinite(createdAtMs)) return null
  const createdAtEnd = idEnd + 9 + (payload[idEnd + 8] as number)
  if (createdAtEnd + 2 > payload.length) return null
  const flowEnd = createdAtEnd + 2 + payload.readUInt16BE(createdAtEnd)
  // flowVersion (8) and at least one byte of sealed data.
  if (flowEnd + 9 > payload.length) return null
  return { idEnd, createdAtMs, createdAtEnd, flowEnd }
}
