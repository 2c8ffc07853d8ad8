/**
 * Splits an ESC/POS byte stream into text runs, single control bytes and whole commands, using the
 * parameter lengths from the Epson command reference. Knows the length of far more commands than our
 * encoder emits, so a stream from another encoder can be skipped through; an ESC/GS/FS command it does
 * not know throws E_CODEC_INVALID, since guessing its length would misread everything after it.
 */
import { StationError } from '../../runtime/core/errors.js'
import { DC4, DLE, ENQ, EOT, ESC, FS, GS, GS_V, GS_k, NUL } from './escpos-commands.js'

export type EscPosToken =
  /** Printable bytes (>= 0x20, except 0x7f), in the active code table. */
  | { kind: 'text'; offset: number; bytes: Uint8Array }
  /** One control byte that is not a command prefix: LF, HT, CR, FF, DEL, a lone DLE … */
  | { kind: 'control'; offset: number; byte: number }
  /** A whole command, prefix included. */
  | { kind: 'command'; offset: number; bytes: Uint8Array }

/** Total length of a command given its first bytes, or undefined when more bytes are needed. */
type LengthRule = (at: (index: number) => number | undefined) => number | undefined

const fixed = (length: number): LengthRule => () => length

/** Length of a command whose data runs to a NUL, starting at `from`; undefined until the NUL arrives. */
function untilNul(from: number, maxData: number): LengthRule {
  return (at) => {
    for (let index = from; index <= from + maxData; index++) {
      const byte = at(index)
      if (byte === undefined) return undefined
      if (byte === NUL) return index + 1
    }
    return from + maxData + 1
  }
}

/** ESC commands (second byte → rule). */
const ESC_RULES: ReadonlyMap<number, LengthRule> = new Map<number, LengthRule>([
  ...[0x0c, 0x32, 0x3c, 0x40, 0x4c, 0x53, 0x69, 0x6d].map((cmd) => [cmd, fixed(2)] as const), // ESC FF, 2, <, @, L, S, i, m
  ...[0x20, 0x21, 0x25, 0x2d, 0x33, 0x3d, 0x3f, 0x45, 0x47, 0x4a, 0x4b, 0x4d, 0x52, 0x54, 0x55, 0x56, 0x61, 0x64, 0x65, 0x72, 0x74, 0x75, 0x7b].map(
    (cmd) => [cmd, fixed(3)] as const, // ESC SP ! % - 3 = ? E G J K M R T U V a d e r t u {
  ),
  ...[0x24, 0x5c, 0x63].map((cmd) => [cmd, fixed(4)] as const), // ESC $ \ c
  [0x70, fixed(5)], // ESC p m t1 t2
  [0x57, fixed(10)], // ESC W: page-mode print area, 8 parameter bytes
  [0x44, untilNul(2, 32)], // ESC D n1…nk NUL: tab stops
  [
    0x2a, // ESC * m nL nH d…: bit image, 1 byte per column (m 0/1) or 3 (m 32/33)
    (at) => {
      const m = at(2)
      const nL = at(3)
      const nH = at(4)
      if (m === undefined || nL === undefined || nH === undefined) return undefined
      const columns = nL + nH * 256
      return 5 + columns * (m >= 32 ? 3 : 1)
    },
  ],
])

/** GS commands (second byte → rule). */
const GS_RULES: ReadonlyMap<number, LengthRule> = new Map<number, LengthRule>([
  ...[0x21, 0x2f, 0x42, 0x45, 0x48, 0x49, 0x54, 0x61, 0x62, 0x66, 0x68, 0x6a, 0x72, 0x77].map(
    (cmd) => [cmd, fixed(3)] as const, // GS ! / B E H I T a b f h j r w
  ),
  ...[0x24, 0x4c, 0x50, 0x57, 0x5c].map((cmd) => [cmd, fixed(4)] as const), // GS $ L P W \
  [
    GS_V, // GS V m (m 0/1/48/49) or GS V m n (m 65/66/97/98/103/104)
    (at) => {
      const m = at(2)
      if (m === undefined) return undefined
      if ([0, 1, 48, 49].includes(m)) return 3
      if ([65, 66, 97, 98, 103, 104].includes(m)) return 4
      return -1
    },
  ],
  [
    GS_k, // Function A: m 0..6, data to NUL; Function B: m 65.., n, then n bytes
    (at) => {
      const m = at(2)
      if (m === undefined) return undefined
      if (m <= 6) return untilNul(3, 255)(at)
      const n = at(3)
      return n === undefined ? undefined : 4 + n
    },
  ],
  [
    0x28, // GS ( x pL pH …: every GS ( function counts its parameter bytes in pL + pH·256
    (at) => {
      const pL = at(3)
      const pH = at(4)
      return pL === undefined || pH === undefined ? undefined : 5 + pL + pH * 256
    },
  ],
  [
    0x76, // GS v 0 m xL xH yL yH d…: raster image, x bytes per row, y rows
    (at) => {
      const bytes = [2, 3, 4, 5, 6, 7].map(at)
      if (bytes.some((byte) => byte === undefined)) return undefined
      const [zero = 0, , xL = 0, xH = 0, yL = 0, yH = 0] = bytes
      if (zero !== 0x30) return -1
      return 8 + (xL + xH * 256) * (yL + yH * 256)
    },
  ],
  [
    0x2a, // GS * x y d…: downloaded bit image, x·y·8 bytes
    (at) => {
      const x = at(2)
      const y = at(3)
      return x === undefined || y === undefined ? undefined : 4 + x * y * 8
    },
  ],
])

/** FS commands (second byte → rule). */
const FS_RULES: ReadonlyMap<number, LengthRule> = new Map<number, LengthRule>([
  ...[0x26, 0x2e].map((cmd) => [cmd, fixed(2)] as const), // FS & .
  ...[0x21, 0x2d, 0x43, 0x57].map((cmd) => [cmd, fixed(3)] as const), // FS ! - C W
  ...[0x53, 0x70].map((cmd) => [cmd, fixed(4)] as const), // FS S p
])

/** Real-time DLE commands: DLE EOT n, DLE ENQ n, DLE DC4 fn (fn 1 pulse, fn 2 power-off: 5 bytes). */
function dleLength(at: (index: number) => number | undefined): number | undefined {
  const command = at(1)
  if (command === undefined) return undefined
  if (command === EOT || command === ENQ) return 3
  if (command === DC4) {
    const fn = at(2)
    if (fn === undefined) return undefined
    return fn === 1 || fn === 2 ? 5 : 1
  }
  return 1 // a lone DLE is an ignored control byte
}

const RULES: ReadonlyMap<number, ReadonlyMap<number, LengthRule>> = new Map([
  [ESC, ESC_RULES],
  [GS, GS_RULES],
  [FS, FS_RULES],
])

const PREFIX_NAMES: Readonly<Record<number, string>> = { [ESC]: 'ESC', [GS]: 'GS', [FS]: 'FS' }

function isTextByte(byte: number): boolean {
  return byte >= 0x20 && byte !== 0x7f
}

interface ScanResult {
  tokens: EscPosToken[]
  /** Bytes from here on were not turned into tokens (an incomplete command, or the bad one). */
  consumed: number
  error?: StationError
}

function commandError(problem: string, prefix: number, command: number, offset: number): StationError {
  const name = `${PREFIX_NAMES[prefix] ?? '?'} 0x${command.toString(16).padStart(2, '0')}`
  return new StationError('E_CODEC_INVALID', `${problem} ESC/POS command ${name}`, { offset, byte: command })
}

/** Scans until the end, an incomplete command, or the first bad command. */
function scan(bytes: Uint8Array, baseOffset: number): ScanResult {
  const tokens: EscPosToken[] = []
  let index = 0
  while (index < bytes.length) {
    const byte = bytes[index] ?? 0
    if (isTextByte(byte)) {
      let end = index + 1
      while (end < bytes.length && isTextByte(bytes[end] ?? 0)) end++
      tokens.push({ kind: 'text', offset: baseOffset + index, bytes: bytes.slice(index, end) })
      index = end
      continue
    }
    const start = index
    const at = (relative: number): number | undefined => bytes[start + relative]
    let length: number | undefined
    const rules = RULES.get(byte)
    if (rules) {
      const command = at(1)
      if (command === undefined) break
      const rule = rules.get(command)
      if (!rule) return { tokens, consumed: start, error: commandError('unknown', byte, command, baseOffset + start) }
      length = rule(at)
      if (length !== undefined && length < 2) {
        return { tokens, consumed: start, error: commandError('malformed', byte, command, baseOffset + start) }
      }
    } else if (byte === DLE) {
      length = dleLength(at)
    } else {
      length = 1
    }
    if (length === undefined || start + length > bytes.length) break
    tokens.push(
      length === 1 && !rules
        ? { kind: 'control', offset: baseOffset + start, byte }
        : { kind: 'command', offset: baseOffset + start, bytes: bytes.slice(start, start + length) },
    )
    index = start + length
  }
  return { tokens, consumed: index }
}

/**
 * Splits `bytes` into tokens. Returns the tokens and `consumed`: bytes from there on start a command
 * that is not complete yet. Offsets are counted from `baseOffset`. Throws E_CODEC_INVALID for an unknown
 * or malformed ESC/GS/FS command.
 */
export function splitEscPos(bytes: Uint8Array, baseOffset = 0): { tokens: EscPosToken[]; consumed: number } {
  const { tokens, consumed, error } = scan(bytes, baseOffset)
  if (error) throw error
  return { tokens, consumed }
}

/**
 * The stateful form of splitEscPos for a byte stream arriving in chunks: holds only the bytes of an
 * incomplete command. A bad command is reported in `errors` and its prefix byte dropped, so the rest
 * of the stream still splits (a printer would print the following bytes as text, too).
 */
export class EscPosSplitter {
  #pending: Uint8Array = new Uint8Array(0)
  #offset = 0

  /** Bytes held back because the command they start is not complete yet. */
  get pendingBytes(): number {
    return this.#pending.length
  }

  /** Adds a chunk and returns every token now complete, and any bad commands met on the way. */
  push(chunk: Uint8Array): { tokens: EscPosToken[]; errors: StationError[] } {
    let bytes = new Uint8Array(this.#pending.length + chunk.length)
    bytes.set(this.#pending, 0)
    bytes.set(chunk, this.#pending.length)
    const tokens: EscPosToken[] = []
    const errors: StationError[] = []
    for (;;) {
      const result = scan(bytes, this.#offset)
      tokens.push(...result.tokens)
      const consumed = result.error ? result.consumed + 1 : result.consumed
      if (result.error) errors.push(result.error)
      bytes = bytes.slice(consumed)
      this.#offset += consumed
      if (!result.error) break
    }
    this.#pending = bytes
    return { tokens, errors }
  }

  /** Forgets any held-back bytes. */
  reset(): void {
    this.#offset += this.#pending.length
    this.#pending = new Uint8Array(0)
  }
}

/** Whether a token is a paper cut (GS V, or the obsolete ESC i / ESC m). */
export function isCutToken(token: EscPosToken): boolean {
  if (token.kind !== 'command') return false
  const [prefix, command] = token.bytes
  return (prefix === GS && command === GS_V) || (prefix === ESC && (command === 0x69 || command === 0x6d))
}
