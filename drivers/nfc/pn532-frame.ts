/**
 * Pure PN532 frame codec (docs/protocols.md 2.1, from NXP UM0701-02): command frames, the ACK,
 * NACK and error frames, a stream splitter, I2C reads with their status byte, and the HSU wake-up.
 */
import { StationError } from '../../runtime/core/errors.js'
import { formatHexNumber } from './hex-bytes.js'

/** Frame identifier, host → PN532 (docs/protocols.md 2.1). */
export const TFI_HOST_TO_PN532 = 0xd4
/** Frame identifier, PN532 → host. */
export const TFI_PN532_TO_HOST = 0xd5
/** The data byte of the application error frame (docs/protocols.md 2.1, vector error_frame). */
export const ERROR_FRAME_CODE = 0x7f

/** `00 00 FF 00 FF 00`: sent by the PN532 after every well-formed command; sent by the host it aborts the running command. */
export const ACK_FRAME: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0x00, 0xff, 0x00)
/** `00 00 FF FF 00 00`: host → PN532 only, "send the last response again". */
export const NACK_FRAME: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0xff, 0x00, 0x00)
/** `00 00 FF 01 FF 7F 81 00`: the PN532 did not understand the command (bad length or parameters). */
export const ERROR_FRAME: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0x01, 0xff, 0x7f, 0x81, 0x00)
/**
 * Wakes a PN532 on HSU from power-down/LowVbat: `55 55` and 14 zeros, as libnfc sends (docs/protocols.md 2.2
 * and vector hsu_wakeup_then_SAMConfiguration). The zeros give the oscillator time to start; the
 * command frame follows directly, its own `00 00` preamble continuing the run.
 */
export const HSU_WAKEUP: Uint8Array = Uint8Array.of(0x55, 0x55, ...new Array<number>(14).fill(0x00))

/** Status byte that starts every I2C read (docs/protocols.md 2.2): 0x01 ready, 0x00 busy. */
export const I2C_STATUS_READY = 0x01
export const I2C_STATUS_BUSY = 0x00

/** The normal frame's LEN counts TFI + PD in one byte, so at most 254 PD bytes; more need the extended frame. */
const NORMAL_MAX_DATA_BYTES = 254
/** Extended frame: at most 265 bytes including TFI (docs/protocols.md 2.1). */
const EXTENDED_MAX_LENGTH = 265
/** Meaning text of the error frame, as the vectors write it. */
const ERROR_MEANING = 'syntax/application-level error'

/** One decoded frame. `data` is PD0..PDn: the command or response code first. */
export type Pn532Frame =
  | { type: 'ACK' }
  | { type: 'NACK' }
  | { type: 'ERROR'; meaning: string }
  | { type: 'DATA'; tfi: number; data: Uint8Array }

/** What an I2C read transaction returned: busy (the rest is garbage), or ready with the frame. */
export type Pn532I2cRead = { ready: false } | { ready: true; frame: Pn532Frame }

/**
 * A frame with TFI `tfi` and data PD0..PDn (`data`, at least the code byte). Normal frame up to 254
 * data bytes, extended frame (`FF FF LENM LENL LCS`) up to 264. Throws a TypeError for a TFI that is
 * not a byte, and E_CODEC_INVALID for empty or over-long data.
 */
export function encodeFrame(tfi: number, data: Uint8Array): Uint8Array {
  checkByte('tfi', tfi)
  const length = data.length + 1
  if (data.length === 0 || length > EXTENDED_MAX_LENGTH) {
    throw new StationError('E_CODEC_INVALID', `PN532 frame data must be 1..${EXTENDED_MAX_LENGTH - 1} bytes`, {
      length: data.length,
    })
  }
  const header =
    data.length <= NORMAL_MAX_DATA_BYTES
      ? [0x00, 0x00, 0xff, length, lowByte(-length)]
      : [0x00, 0x00, 0xff, 0xff, 0xff, length >> 8, length & 0xff, lowByte(-((length >> 8) + (length & 0xff)))]
  const frame = new Uint8Array(header.length + length + 2)
  frame.set(header, 0)
  frame[header.length] = tfi
  frame.set(data, header.length + 1)
  frame[header.length + length] = lowByte(-sum(data, tfi))
  frame[header.length + length + 1] = 0x00 // postamble
  return frame
}

/** A host → PN532 command frame: TFI D4, `cmd`, `params` (vectors cmd_*). */
export function encodeCommand(cmd: number, params: Uint8Array): Uint8Array {
  checkByte('cmd', cmd)
  const data = new Uint8Array(params.length + 1)
  data[0] = cmd
  data.set(params, 1)
  return encodeFrame(TFI_HOST_TO_PN532, data)
}

/**
 * Decodes exactly one frame: any run of 00 before FF, the frame, then only postamble zeros. Throws
 * E_CODEC_INVALID ('LCS mismatch', 'DCS mismatch', a missing start code, truncation, an unknown TFI,
 * trailing bytes) with `offset` and `byte` in the context where they apply.
 */
export function decodeFrame(bytes: Uint8Array): Pn532Frame {
  const { frame, end } = readFrame(bytes, 0)
  for (let index = end; index < bytes.length; index++) {
    if (bytes[index] !== 0x00) throw codecError('trailing bytes after the PN532 frame', index, bytes[index])
  }
  return frame
}

/**
 * Decodes the status byte of an I2C read: true = ready (0x01), false = busy (0x00). Throws
 * E_CODEC_INVALID for any other value: the reserved bits are 0 on a sound bus (docs/protocols.md general rule 2).
 */
export function decodeI2cStatus(status: number): boolean {
  if (status === I2C_STATUS_READY) return true
  if (status === I2C_STATUS_BUSY) return false
  throw new StationError('E_CODEC_INVALID', `PN532 I2C status byte is ${formatHexNumber(status)}, not 0x00 or 0x01`, {
    offset: 0,
    byte: status,
  })
}

/**
 * Decodes an I2C read transaction (docs/protocols.md 2.2; vectors i2c_read_*): status byte first; busy
 * means the rest is garbage. A ready read holds one frame; bytes after it are ignored, because the
 * host reads more than the frame needs when it does not know the length. Throws E_CODEC_INVALID.
 */
export function decodeI2cRead(bytes: Uint8Array): Pn532I2cRead {
  const status = bytes[0]
  if (status === undefined) throw new StationError('E_CODEC_INVALID', 'PN532 I2C read is empty', { length: 0 })
  if (!decodeI2cStatus(status)) return { ready: false }
  return { ready: true, frame: readFrame(bytes, 1).frame }
}

/** Why the splitter dropped bytes. */
export type Pn532GarbageReason = 'stray bytes' | 'LCS mismatch' | 'DCS mismatch' | 'bad length'

/** One result of `Pn532FrameSplitter.push`. */
export type Pn532SplitResult =
  /** A whole frame from its start code `00 FF` through DCS (postamble not included); checksums verified. */
  | { kind: 'frame'; bytes: Uint8Array }
  /** Dropped bytes: non-zero bytes outside a frame, or a frame whose checksum failed. */
  | { kind: 'garbage'; reason: Pn532GarbageReason; byteCount: number }

/** Finds frames in a byte stream that arrives in chunks (HSU). */
export interface Pn532FrameSplitter {
  /** Adds a chunk; returns the frames now complete and the garbage dropped on the way, in stream order. */
  push(chunk: Uint8Array): Pn532SplitResult[]
  /** Forgets held-back bytes (flush before a command: stale bytes must not answer it). */
  reset(): void
  /** Bytes held back because the frame they start is not complete yet. */
  readonly pendingBytes: number
}

/**
 * A splitter that holds only the bytes of an incomplete frame. It skips any run of 00 before FF,
 * checks LCS to trust the length, and checks DCS before handing a frame out. After a bad LCS it
 * resyncs right after the start code (the length cannot be trusted); after a bad DCS it drops the
 * frame whose length LCS confirmed. Frames it returns always pass `decodeFrame`.
 */
export function createPn532FrameSplitter(): Pn532FrameSplitter {
  let pending = new Uint8Array(0)

  function push(chunk: Uint8Array): Pn532SplitResult[] {
    let bytes = new Uint8Array(pending.length + chunk.length)
    bytes.set(pending, 0)
    bytes.set(chunk, pending.length)
    const results: Pn532SplitResult[] = []
    let index = 0
    for (;;) {
      const start = findStartCode(bytes, index)
      if (start === -1) {
        // A final 00 may be the first half of a start code split across chunks.
        const keepFrom = bytes.length > index && bytes[bytes.length - 1] === 0x00 ? bytes.length - 1 : bytes.length
        reportStray(results, bytes, index, keepFrom)
        index = keepFrom
        break
      }
      reportStray(results, bytes, index, start)
      const step = scanFrame(bytes, start)
      if (step.kind === 'incomplete') {
        index = start
        break
      }
      results.push(step.result)
      index = step.next
    }
    pending = bytes.slice(index)
    return results
  }

  return {
    push,
    reset() {
      pending = new Uint8Array(0)
    },
    get pendingBytes() {
      return pending.length
    },
  }
}

type ScanStep = { kind: 'incomplete' } | { kind: 'done'; result: Pn532SplitResult; next: number }

/** Looks at the frame whose start code `00 FF` is at `start`. */
function scanFrame(bytes: Uint8Array, start: number): ScanStep {
  const incomplete: ScanStep = { kind: 'incomplete' }
  const garbage = (reason: Pn532GarbageReason, byteCount: number): ScanStep => ({
    kind: 'done',
    result: { kind: 'garbage', reason, byteCount },
    next: start + byteCount,
  })
  const len = bytes[start + 2]
  const lcs = bytes[start + 3]
  if (len === undefined || lcs === undefined) return incomplete
  if ((len === 0x00 && lcs === 0xff) || (len === 0xff && lcs === 0x00)) {
    return { kind: 'done', result: { kind: 'frame', bytes: bytes.slice(start, start + 4) }, next: start + 4 }
  }
  let length = len
  let bodyAt = start + 4
  if (len === 0xff && lcs === 0xff) {
    const lenM = bytes[start + 4]
    const lenL = bytes[start + 5]
    const extendedLcs = bytes[start + 6]
    if (lenM === undefined || lenL === undefined || extendedLcs === undefined) return incomplete
    if (lowByte(lenM + lenL + extendedLcs) !== 0) return garbage('LCS mismatch', 2)
    length = (lenM << 8) | lenL
    bodyAt = start + 7
    if (length === 0 || length > EXTENDED_MAX_LENGTH) return garbage('bad length', 2)
  } else if (lowByte(len + lcs) !== 0) {
    return garbage('LCS mismatch', 2)
  } else if (len === 0) {
    return garbage('bad length', 2)
  }
  const end = bodyAt + length + 1
  if (bytes.length < end) return incomplete
  if (lowByte(sum(bytes.subarray(bodyAt, bodyAt + length + 1))) !== 0) return garbage('DCS mismatch', end - start)
  return { kind: 'done', result: { kind: 'frame', bytes: bytes.slice(start, end) }, next: end }
}

function findStartCode(bytes: Uint8Array, from: number): number {
  for (let index = from; index + 1 < bytes.length; index++) {
    if (bytes[index] === 0x00 && bytes[index + 1] === 0xff) return index
  }
  return -1
}

/** Zero runs are preamble/postamble; a region holding anything else is reported whole. */
function reportStray(results: Pn532SplitResult[], bytes: Uint8Array, from: number, to: number): void {
  if (bytes.subarray(from, to).some((byte) => byte !== 0x00)) {
    results.push({ kind: 'garbage', reason: 'stray bytes', byteCount: to - from })
  }
}

/** Reads one frame starting at `from` (leading zeros allowed); `end` is the index after DCS. */
function readFrame(bytes: Uint8Array, from: number): { frame: Pn532Frame; end: number } {
  let index = from
  while (bytes[index] === 0x00) index++
  if (index === from || bytes[index] !== 0xff) {
    throw codecError('no PN532 start code (00 FF)', index, bytes[index])
  }
  const at = (offset: number): number => {
    const byte = bytes[offset]
    if (byte === undefined) {
      throw new StationError('E_CODEC_INVALID', 'PN532 frame truncated', { offset, length: bytes.length })
    }
    return byte
  }
  const lenAt = index + 1
  const len = at(lenAt)
  const lcs = at(lenAt + 1)
  if (len === 0x00 && lcs === 0xff) return { frame: { type: 'ACK' }, end: lenAt + 2 }
  if (len === 0xff && lcs === 0x00) return { frame: { type: 'NACK' }, end: lenAt + 2 }
  let length = len
  let bodyAt = lenAt + 2
  if (len === 0xff && lcs === 0xff) {
    const lenM = at(lenAt + 2)
    const lenL = at(lenAt + 3)
    if (lowByte(lenM + lenL + at(lenAt + 4)) !== 0) throw codecError('LCS mismatch', lenAt + 4, bytes[lenAt + 4])
    length = (lenM << 8) | lenL
    bodyAt = lenAt + 5
    if (length === 0 || length > EXTENDED_MAX_LENGTH) {
      throw codecError(`PN532 extended frame length must be 1..${EXTENDED_MAX_LENGTH}`, lenAt + 3, lenL)
    }
  } else if (lowByte(len + lcs) !== 0) {
    throw codecError('LCS mismatch', lenAt + 1, lcs)
  } else if (len === 0) {
    throw codecError('PN532 frame length is 0 but the frame is not an ACK', lenAt, len)
  }
  const dcsAt = bodyAt + length
  const dcs = at(dcsAt)
  const body = bytes.subarray(bodyAt, dcsAt)
  if (lowByte(sum(body) + dcs) !== 0) throw codecError('DCS mismatch', dcsAt, dcs)
  const end = bytes[dcsAt + 1] === 0x00 ? dcsAt + 2 : dcsAt + 1
  const tfi = body[0] ?? 0
  if (length === 1 && tfi === ERROR_FRAME_CODE) return { frame: { type: 'ERROR', meaning: ERROR_MEANING }, end }
  if (tfi !== TFI_HOST_TO_PN532 && tfi !== TFI_PN532_TO_HOST) {
    throw codecError(`PN532 frame has unknown TFI ${formatHexNumber(tfi)}`, bodyAt, tfi)
  }
  if (length === 1) throw codecError('PN532 frame has a TFI but no command code', bodyAt, tfi)
  return { frame: { type: 'DATA', tfi, data: body.slice(1) }, end }
}

function codecError(message: string, offset: number, byte: number | undefined): StationError {
  return new StationError('E_CODEC_INVALID', message, { offset, byte: byte ?? null })
}

function sum(bytes: Uint8Array, initial = 0): number {
  let total = initial
  for (const byte of bytes) total += byte
  return total
}

function lowByte(value: number): number {
  return ((value % 256) + 256) % 256
}

function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new TypeError(`${name} must be an integer 0x00..0xff (got ${String(value)})`)
  }
}
