import { constants, copyFile, open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Clock } from '../clock.js'
import { StationError } from '../errors.js'
import { syncDirectory, writeFileAtomic } from '../state/atomic-write.js'
import { encodeFrame, scanFrames, type ScanEnd } from './journal-frame.js'

/**
 * An append-only file of JSON records, each framed with length + CRC-32 (journal-frame.ts).
 * The file is opened O_DSYNC: every append is one positional write that returns once the record and
 * the file size are on disk (write + fdatasync in one system call, half the thread-pool round trips of
 * the two). Appends and compactions run one at a time. Opening repairs what a crash can leave behind without ever discarding a readable record.
 */

/** Journal files are only for the station's own user. */
const FILE_MODE = 0o600

export interface JournalOptions {
  /** Stamps the name of a damaged file kept aside. */
  clock: Clock
}

/** A record read back on open. */
export interface JournalEntry {
  value: unknown
  /** Bytes the record takes in the file, header included. */
  frameBytes: number
}

/** What opening had to repair; all zero/null for a clean file. */
export interface JournalRecovery {
  /** How the scan ended. */
  end: ScanEnd
  /** Bytes of an interrupted last append that were cut off. */
  tornBytesDropped: number
  /** Bytes after a bad frame in the middle that could not be read; they are kept in `damagedPath`. */
  unreadableBytes: number
  /** Copy of the file as found, kept when it was damaged in the middle (`<name>.damaged-<ms>`). */
  damagedPath: string | null
}

export interface OpenedJournal {
  journal: Journal
  /** Every readable record, in file order. */
  entries: JournalEntry[]
  recovery: JournalRecovery
}

/**
 * Opens (creating, mode 0600) the journal at `path` and reads every record.
 * - Torn tail: truncated away and fsync'd; the count of bytes dropped is reported.
 * - Bad frame with data after it: the file is copied aside to `<path>.damaged-<ms>`, and the journal
 *   is rewritten atomically with the records before the bad frame.
 * Rejects with E_OUTBOX_IO when the file cannot be opened, read or repaired.
 */
export async function openJournal(path: string, options: JournalOptions): Promise<OpenedJournal> {
  let handle = await wrapIo(() => open(path, constants.O_RDWR | constants.O_CREAT | constants.O_DSYNC, FILE_MODE), 'open', path)
  try {
    const bytes = await wrapIo(() => handle.readFile(), 'read', path)
    if (bytes.length === 0) await wrapIo(() => syncDirectory(dirname(path)), 'create', path)
    const scan = scanFrames(bytes)
    const entries: JournalEntry[] = []
    let goodBytes = scan.goodBytes
    let end = scan.end
    for (const frame of scan.frames) {
      const value = parseJson(frame.payload)
      if (value === undefined) {
        // The CRC matched, so this was written whole; it is damage (or a bug), not a torn append.
        goodBytes = frame.offsetBytes
        end = 'corrupt'
        break
      }
      entries.push({ value, frameBytes: frame.frameBytes })
    }
    const recovery: JournalRecovery = { end, tornBytesDropped: 0, unreadableBytes: 0, damagedPath: null }
    if (end === 'torn') {
      await wrapIo(() => handle.truncate(goodBytes), 'truncate', path)
      await wrapIo(() => handle.sync(), 'sync', path)
      recovery.tornBytesDropped = bytes.length - goodBytes
    } else if (end === 'corrupt') {
      recovery.damagedPath = await keepDamagedCopy(path, options.clock)
      recovery.unreadableBytes = bytes.length - goodBytes
      await wrapIo(() => writeFileAtomic(path, bytes.subarray(0, goodBytes), { mode: FILE_MODE }), 'rewrite', path)
      await handle.close()
      handle = await wrapIo(() => open(path, constants.O_RDWR | constants.O_DSYNC), 'open', path)
    }
    return { journal: new Journal(path, handle, goodBytes), entries, recovery }
  } catch (error) {
    await handle.close().catch(() => undefined)
    throw error
  }
}

/** Use `openJournal`; the constructor takes an already-open, already-scanned file. */
export class Journal {
  readonly path: string
  #handle: FileHandle
  #sizeBytes: number
  #queue: Promise<unknown> = Promise.resolve()
  #closed = false
  /** Set after a write that failed with EIO: the flush failed, the kernel may have dropped dirty pages, so nothing written is trustworthy. */
  #poisoned: StationError | null = null

  constructor(path: string, handle: FileHandle, sizeBytes: number) {
    this.path = path
    this.#handle = handle
    this.#sizeBytes = sizeBytes
  }

  /** Current file length in bytes. */
  get sizeBytes(): number {
    return this.#sizeBytes
  }

  /**
   * Appends one record, durable (O_DSYNC) before resolving; resolves with the frame's size in bytes.
   * Rejects with E_OUTBOX_FULL, writing nothing, when the file would grow past `limitBytes`;
   * with E_OUTBOX_IO when the write fails (what it wrote is truncated away; after EIO the journal
   * refuses further appends) or the journal is closed; with TypeError for a value JSON cannot represent.
   */
  append(value: unknown, limitBytes = Number.POSITIVE_INFINITY): Promise<number> {
    let frame: Uint8Array
    try {
      frame = encodeFrame(encodeJson(value))
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#serial(async () => {
      this.#checkUsable()
      if (this.#sizeBytes + frame.length > limitBytes) {
        throw new StationError('E_OUTBOX_FULL', 'journal is at its size bound', {
          sizeBytes: this.#sizeBytes,
          frameBytes: frame.length,
          limitBytes,
        })
      }
      const startBytes = this.#sizeBytes
      try {
        await writeFully(this.#handle, frame, startBytes)
      } catch (error) {
        // Cut a partial frame off so the next append does not land behind garbage.
        await this.#handle.truncate(startBytes).catch(() => undefined)
        const failure = ioError('append', this.path, error)
        // ENOSPC and the like leave the disk as it was; EIO is a failed flush (fsyncgate): stop trusting the file.
        if (failure.context.errno === 'EIO') this.#poisoned = failure
        throw failure
      }
      this.#sizeBytes = startBytes + frame.length
      return frame.length
    })
  }

  /**
   * Replaces the whole file with `values` (in order), atomically: temp file, fsync, rename, fsync
   * directory. A crash leaves either the old or the new file. Rejects with E_OUTBOX_IO.
   */
  compact(values: readonly unknown[]): Promise<void> {
    let bytes: Uint8Array
    try {
      bytes = concat(values.map((value) => encodeFrame(encodeJson(value))))
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#serial(async () => {
      this.#checkUsable()
      await wrapIo(() => writeFileAtomic(this.path, bytes, { mode: FILE_MODE }), 'compact', this.path)
      const replacement = await wrapIo(() => open(this.path, constants.O_RDWR | constants.O_DSYNC), 'open', this.path)
      await this.#handle.close().catch(() => undefined)
      this.#handle = replacement
      this.#sizeBytes = bytes.length
    })
  }

  /** Waits for queued writes, then closes the file. Idempotent. */
  close(): Promise<void> {
    return this.#serial(async () => {
      if (this.#closed) return
      this.#closed = true
      await this.#handle.close()
    })
  }

  #checkUsable(): void {
    if (this.#closed) throw new StationError('E_OUTBOX_IO', 'journal is closed', { path: this.path })
    if (this.#poisoned) throw this.#poisoned
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation)
    this.#queue = result.catch(() => undefined)
    return result
  }
}

async function keepDamagedCopy(path: string, clock: Clock): Promise<string> {
  const stampMs = clock.now()
  for (let attempt = 0; ; attempt++) {
    const candidate = attempt === 0 ? `${path}.damaged-${stampMs}` : `${path}.damaged-${stampMs}-${attempt}`
    try {
      await copyFile(path, candidate, constants.COPYFILE_EXCL)
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EEXIST' && attempt < 100) continue
      throw ioError('copy damaged file', path, error)
    }
    await wrapIo(async () => {
      const copy = await open(candidate, 'r+')
      try {
        await copy.chmod(FILE_MODE)
        await copy.sync()
      } finally {
        await copy.close()
      }
      await syncDirectory(dirname(path))
    }, 'copy damaged file', path)
    return candidate
  }
}

async function writeFully(handle: FileHandle, bytes: Uint8Array, positionBytes: number): Promise<void> {
  let written = 0
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, positionBytes + written)
    written += bytesWritten
  }
}

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

function encodeJson(value: unknown): Uint8Array {
  const json = JSON.stringify(value)
  if (typeof json !== 'string') throw new TypeError(`journal record is not representable as JSON (got ${typeof value})`)
  return utf8Encoder.encode(json)
}

/** The parsed record, or undefined when the payload is not UTF-8 JSON. */
function parseJson(payload: Uint8Array): unknown {
  try {
    return JSON.parse(utf8Decoder.decode(payload)) as unknown
  } catch {
    return undefined
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0)
  const out = new Uint8Array(total)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

async function wrapIo<T>(operation: () => Promise<T>, action: string, path: string): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof StationError) throw error
    throw ioError(action, path, error)
  }
}

function ioError(action: string, path: string, cause: unknown): StationError {
  const errno = (cause as { code?: unknown } | null)?.code
  return new StationError('E_OUTBOX_IO', `journal ${action} failed for ${path}`, {
    path,
    errno: typeof errno === 'string' ? errno : undefined,
  }, { cause })
}
