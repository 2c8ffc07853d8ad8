import type { FileHandle } from 'node:fs/promises'

/**
 * Forward-only reads of a file through one fixed buffer, so recovery holds a chunk of a segment in
 * memory, never the whole file (docs/outbox.md). The buffer grows only for a frame larger than it.
 */
export class WindowReader {
  readonly sizeBytes: number
  readonly #handle: FileHandle
  #buffer: Buffer
  /** File offset of `#buffer[0]`. */
  #startBytes = 0
  /** File offset just past the valid bytes in the buffer. */
  #endBytes = 0

  constructor(handle: FileHandle, sizeBytes: number, chunkBytes: number) {
    this.#handle = handle
    this.sizeBytes = sizeBytes
    this.#buffer = Buffer.allocUnsafe(chunkBytes)
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
      const { bytesRead } = await this.#handle.read(this.#buffer, this.#endBytes - this.#startBytes, room, this.#endBytes)
      // The file shrank under us: only this process writes it, so that is damage we cannot read past.
      if (bytesRead === 0) return false
      this.#endBytes += bytesRead
    }
    return true
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

  /** The byte at `positionBytes`, which must be in memory. */
  byteAt(positionBytes: number): number {
    return this.#buffer[positionBytes - this.#startBytes] as number
  }
}
