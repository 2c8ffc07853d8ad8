import type { FileHandle } from 'node:fs/promises'

/**
 * Frame reads asked for in the same turn of the event loop are merged into one read per run of
 * neighbouring frames (docs/outbox.md, "Reads"). The drain asks for a window of records at once and
 * they lie one after the other in a segment; one read per record would queue each in libuv's small
 * thread pool behind the journal's fdatasync calls, so reads, not the broker, set the drain's pace.
 */

/** Frames further apart than this are read separately: the bytes between would be read for nothing. */
export const MAX_GAP_BYTES = 64 * 1024
/** Largest single merged read. */
export const MAX_RUN_BYTES = 1024 * 1024

export interface FrameRead {
  bytes: Buffer
  /** Bytes actually read into `bytes` (fewer when the file ended first). */
  bytesRead: number
}

interface Wanted {
  segment: number
  offsetBytes: number
  frameBytes: number
  resolve: (read: FrameRead) => void
  reject: (error: unknown) => void
}

export class CoalescedReads {
  readonly #handleOf: (segment: number) => Promise<FileHandle>
  #wanted: Wanted[] = []

  constructor(handleOf: (segment: number) => Promise<FileHandle>) {
    this.#handleOf = handleOf
  }

  /** The frame at [offsetBytes, offsetBytes + frameBytes) of `segment`, read with its neighbours asked for in this turn. */
  read(segment: number, offsetBytes: number, frameBytes: number): Promise<FrameRead> {
    return new Promise<FrameRead>((resolve, reject) => {
      if (this.#wanted.length === 0) queueMicrotask(() => this.#flush())
      this.#wanted.push({ segment, offsetBytes, frameBytes, resolve, reject })
    })
  }

  #flush(): void {
    const wanted = this.#wanted
    this.#wanted = []
    wanted.sort((a, b) => a.segment - b.segment || a.offsetBytes - b.offsetBytes)
    let run: Wanted[] = []
    for (const next of wanted) {
      const first = run[0]
      const last = run[run.length - 1]
      if (
        first &&
        last &&
        (next.segment !== first.segment ||
          next.offsetBytes - (last.offsetBytes + last.frameBytes) > MAX_GAP_BYTES ||
          next.offsetBytes + next.frameBytes - first.offsetBytes > MAX_RUN_BYTES)
      ) {
        void this.#readRun(run)
        run = []
      }
      run.push(next)
    }
    if (run.length > 0) void this.#readRun(run)
  }

  async #readRun(run: Wanted[]): Promise<void> {
    const first = run[0] as Wanted
    const endBytes = Math.max(...run.map((w) => w.offsetBytes + w.frameBytes))
    try {
      const bytes = Buffer.allocUnsafe(endBytes - first.offsetBytes)
      const handle = await this.#handleOf(first.segment)
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, first.offsetBytes)
      for (const w of run) {
        const from = w.offsetBytes - first.offsetBytes
        // Each caller gets its own copy-free view; a short read shows as fewer bytes for the frames past it.
        w.resolve({ bytes: bytes.subarray(from, from + w.frameBytes), bytesRead: Math.max(0, Math.min(w.frameBytes, bytesRead - from)) })
      }
    } catch (error) {
      for (const w of run) w.reject(error)
    }
  }
}
