import type { FileHandle } from 'node:fs/promises'

/**
 * Forward-only reads of a file through one fixed buffer, so recovery holds a chunk of a segment in
 * memory, never the whole file (docs/outbox.md). The buffer grows only for a frame larger than it.
 * While the caller scans one chunk the next is already being read into a second buffer of the same
 * size (read-ahead), so the scan's CPU and the disk overlap instead of taking turns.
 */

/**
 * Buffers handed from one WindowReader to the next during one recovery, which reads its segments
 * one after the other. Without it every segment allocated its own 3 MiB and freed it; the allocator
 * keeps such freed blocks, so a 100k-record open left tens of MB of RSS behind it after GC.
 */
export class ReaderBuffers {
  readonly chunkBytes: number
  #window: Buffer | null = null
  #ahead: Buffer | null = null

  constructor(chunkBytes: number) {
    this.chunkBytes = chunkBytes
  }

  takeWindow(): Buffer {
    const buffer = this.#window ?? Buffer.allocUnsafe(2 * this.chunkBytes)
    this.#window = null
    return buffer
  }

  takeAhead(): Buffer {
    const buffer = this.#ahead ?? Buffer.allocUnsafe(this.chunkBytes)
    this.#ahead = null
    return buffer
  }

  /** Keeps buffers of the standard sizes for the next reader; a grown window is let go. */
  give(window: Buffer | null, ahead: Buffer | null): void {
    if (window && window.length === 2 * this.chunkBytes) this.#window = window
    if (ahead && ahead.length === this.chunkBytes) this.#ahead = ahead
  }
}

/** A read under way of the bytes that follow the window; `usedBytes` of it already moved in. */
interface ReadAhead {
  atBytes: number
  bytes: Buffer
  done: Promise<number>
  usedBytes: number
}
export class WindowReader {
  readonly sizeBytes: number
  readonly #handle: FileHandle
  #buffer: Buffer
  /** File offset of `#buffer[0]`. */
  #startBytes = 0
  /** File offset just past the valid bytes in the buffer. */
  #endBytes = 0
  #ahead: ReadAhead | null = null
  /** A read-ahead buffer whose bytes have all moved into the window, for the next read-ahead. */
  #spare: Buffer | null = null
  readonly #chunkBytes: number
  readonly #buffers: ReaderBuffers
  #released = false

  /** `buffers`: shared by the readers of one recovery, one reader at a time (released by `settle`). */
  constructor(handle: FileHandle, sizeBytes: number, buffers: ReaderBuffers) {
    this.#handle = handle
    this.sizeBytes = sizeBytes
    this.#chunkBytes = buffers.chunkBytes
    this.#buffers = buffers
    // Room for a whole read-ahead chunk beside the part of a frame kept from the last one.
    this.#buffer = buffers.takeWindow()
  }

  /** File offset just past the bytes now in memory. */
  get endBytes(): number {
    return this.#endBytes
  }

  /**
   * Makes the bytes [positionBytes, positionBytes + lengthBytes) available to `view`; false when
   * they run past the end of the file. Positions must not go back before an earlier `ensure`'s.
   */
  async ensure(positionBytes: number, lengthBytes: number): Promise<boolean> {
    if (this.#released) throw new RangeError('WindowReader used after settle()')
    if (positionBytes + lengthBytes > this.sizeBytes) return false
    if (positionBytes >= this.#startBytes && positionBytes + lengthBytes <= this.#endBytes) return true
    if (positionBytes < this.#startBytes) throw new RangeError('WindowReader reads forward only')
    const keepFrom = Math.min(positionBytes, this.#endBytes)
    const kept = this.#endBytes - keepFrom
    const capacity = Math.max(this.#buffer.length, lengthBytes)
    if (capacity > this.#buffer.length) {
      const larger = Buffer.allocUnsafe(capacity)
      this.#buffer.copy(larger, 0, keepFrom - this.#startBytes, this.#endBytes - this.#startBytes)
      this.#buffer = larger
    } else if (kept > 0) {
      this.#buffer.copy(this.#buffer, 0, keepFrom - this.#startBytes, this.#endBytes - this.#startBytes)
    }
    this.#startBytes = keepFrom
    this.#endBytes = keepFrom + kept
    while (this.#endBytes < positionBytes + lengthBytes) {
      const room = Math.min(this.#buffer.length - (this.#endBytes - this.#startBytes), this.sizeBytes - this.#endBytes)
      const bytesRead = await this.#fill(room)
      // The file shrank under us: only this process writes it, so that is damage we cannot read past.
      if (bytesRead === 0) return false
      this.#endBytes += bytesRead
    }
    this.#readAhead()
    return true
  }

  /** Moves up to `room` bytes that follow the window into it: from the read-ahead when it holds them. */
  async #fill(room: number): Promise<number> {
    const ahead = this.#ahead
    if (ahead === null || ahead.atBytes + ahead.usedBytes !== this.#endBytes) {
      this.#ahead = null
      const { bytesRead } = await this.#handle.read(this.#buffer, this.#endBytes - this.#startBytes, room, this.#endBytes)
      return bytesRead
    }
    const readBytes = await ahead.done
    const taken = Math.min(room, readBytes - ahead.usedBytes)
    ahead.bytes.copy(this.#buffer, this.#endBytes - this.#startBytes, ahead.usedBytes, ahead.usedBytes + taken)
    ahead.usedBytes += taken
    if (ahead.usedBytes >= readBytes) {
      this.#ahead = null
      this.#spare = ahead.bytes
    }
    return taken
  }

  /** Starts reading the chunk after the window unless that read is under way or the file ends here. */
  #readAhead(): void {
    if (this.#ahead !== null || this.#endBytes >= this.sizeBytes) return
    const bytes = this.#spare ?? this.#buffers.takeAhead()
    this.#spare = null
    const lengthBytes = Math.min(bytes.length, this.sizeBytes - this.#endBytes)
    const done = this.#handle.read(bytes, 0, lengthBytes, this.#endBytes).then(({ bytesRead }) => bytesRead)
    // A failed read-ahead surfaces when (if) its bytes are needed; never as an unhandled rejection.
    done.catch(() => undefined)
    this.#ahead = { atBytes: this.#endBytes, bytes, done, usedBytes: 0 }
  }

  /**
   * Waits for a read-ahead still under way, so the file can be closed or truncated after, and hands
   * the buffers on to the next reader: views taken from this reader are not valid after it.
   */
  async settle(): Promise<void> {
    await this.#ahead?.done.catch(() => undefined)
    if (!this.#released) this.#buffers.give(this.#buffer, this.#ahead?.bytes ?? this.#spare)
    this.#released = true
    this.#ahead = null
    this.#spare = null
  }

  /** Whether [positionBytes, positionBytes + lengthBytes) is in memory now (no read needed). */
  holds(positionBytes: number, lengthBytes: number): boolean {
    return positionBytes >= this.#startBytes && positionBytes + lengthBytes <= this.#endBytes
  }

  /** The bytes at [positionBytes, positionBytes + lengthBytes), after `ensure` said true; a view, valid until the next `ensure`. */
  view(positionBytes: number, lengthBytes: number): Buffer {
    const from = positionBytes - this.#startBytes
    return this.#buffer.subarray(from, from + lengthBytes)
  }

  /**
   * The buffer itself and where `positionBytes` lies in it (after `holds` or `ensure` said true), so
   * the scanner reads a frame in place; both valid until the next `ensure`.
   */
  get buffer(): Buffer {
    return this.#buffer
  }

  offsetOf(positionBytes: number): number {
    return positionBytes - this.#startBytes
  }

  /** The byte at `positionBytes`, which must be in memory. */
  byteAt(positionBytes: number): number {
    return this.#buffer[positionBytes - this.#startBytes] as number
  }
}
