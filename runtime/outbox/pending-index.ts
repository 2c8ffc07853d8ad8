import type { PendingRef } from './outbox-types.js'

/**
 * The in-memory index of pending records (docs/outbox.md, "Memory"): where each one lies on disk,
 * nothing decrypted, no sealed bytes. A queue in append order held in typed arrays with a head
 * index, so 100k records cost a few MB; seq is the position in the queue plus a base, so the drain's
 * cursor finds its place in O(1), and delivered records are skipped lazily.
 */

/** Where one pending record lies. */
export interface PendingSlot {
  seq: number
  segment: number
  offsetBytes: number
  frameBytes: number
  createdAtMs: number
}

const INITIAL_CAPACITY = 1024
/** The queue's arrays are shifted down once this many leading slots are dead and they are half of it. */
const COMPACT_MIN_DEAD = 4096

export class PendingIndex {
  /** Id per slot; undefined once delivered or set aside. */
  #ids: Array<string | undefined> = []
  #segment = new Uint32Array(INITIAL_CAPACITY)
  #offsetBytes = new Uint32Array(INITIAL_CAPACITY)
  #frameBytes = new Uint32Array(INITIAL_CAPACITY)
  #createdAtMs = new Float64Array(INITIAL_CAPACITY)
  /** First slot that may be live; every slot before it is dead. */
  #head = 0
  #tail = 0
  /** seq of slot 0. */
  #baseSeq = 1
  readonly #seqById = new Map<string, number>()
  readonly #liveBySegment = new Map<number, number>()

  /** Pending records. O(1). */
  get depth(): number {
    return this.#seqById.size
  }

  /** createdAt of the oldest pending record in append order, or null. O(1): the head is always live. */
  oldestCreatedAtMs(): number | null {
    return this.#head < this.#tail ? (this.#createdAtMs[this.#head] as number) : null
  }

  has(id: string): boolean {
    return this.#seqById.has(id)
  }

  /** Pending records whose add lies in `segment`. */
  liveIn(segment: number): number {
    return this.#liveBySegment.get(segment) ?? 0
  }

  /** Adds a record at the end of the queue; the caller makes sure the id is not pending. Returns its seq. */
  push(id: string, segment: number, offsetBytes: number, frameBytes: number, createdAtMs: number): number {
    if (this.#tail === this.#segment.length) this.#grow()
    const slot = this.#tail++
    this.#ids[slot] = id
    this.#segment[slot] = segment
    this.#offsetBytes[slot] = offsetBytes
    this.#frameBytes[slot] = frameBytes
    this.#createdAtMs[slot] = createdAtMs
    const seq = this.#baseSeq + slot
    this.#seqById.set(id, seq)
    this.#liveBySegment.set(segment, this.liveIn(segment) + 1)
    return seq
  }

  get(id: string): PendingSlot | null {
    const seq = this.#seqById.get(id)
    if (seq === undefined) return null
    const slot = seq - this.#baseSeq
    return {
      seq,
      segment: this.#segment[slot] as number,
      offsetBytes: this.#offsetBytes[slot] as number,
      frameBytes: this.#frameBytes[slot] as number,
      createdAtMs: this.#createdAtMs[slot] as number,
    }
  }

  /** Takes the record out of the queue; returns the segment its add lies in, or null when it was not pending. */
  remove(id: string): number | null {
    const seq = this.#seqById.get(id)
    if (seq === undefined) return null
    const slot = seq - this.#baseSeq
    const segment = this.#segment[slot] as number
    this.#ids[slot] = undefined
    this.#seqById.delete(id)
    const live = this.liveIn(segment) - 1
    if (live === 0) this.#liveBySegment.delete(segment)
    else this.#liveBySegment.set(segment, live)
    while (this.#head < this.#tail && this.#ids[this.#head] === undefined) this.#head++
    this.#compactIfWorthIt()
    return segment
  }

  /** Up to `limit` pending refs with seq >= fromSeq, oldest first. O(limit) plus dead slots in the way. */
  from(fromSeq: number, limit: number): PendingRef[] {
    const out: PendingRef[] = []
    if (!(limit > 0)) return out
    let slot = Math.max(this.#head, Math.ceil(fromSeq - this.#baseSeq))
    for (; slot < this.#tail && out.length < limit; slot++) {
      const id = this.#ids[slot]
      if (id !== undefined) out.push({ id, seq: this.#baseSeq + slot, createdAtMs: this.#createdAtMs[slot] as number })
    }
    return out
  }

  #grow(): void {
    const capacity = this.#segment.length * 2
    this.#segment = copyInto(new Uint32Array(capacity), this.#segment)
    this.#offsetBytes = copyInto(new Uint32Array(capacity), this.#offsetBytes)
    this.#frameBytes = copyInto(new Uint32Array(capacity), this.#frameBytes)
    this.#createdAtMs = copyInto(new Float64Array(capacity), this.#createdAtMs)
  }

  /** Drops the dead slots before the head once they are many; seqs stay as they were. */
  #compactIfWorthIt(): void {
    const dead = this.#head
    if (dead === this.#tail) {
      this.#baseSeq += this.#tail
      this.#head = 0
      this.#tail = 0
      this.#ids.length = 0
      return
    }
    if (dead < COMPACT_MIN_DEAD || dead * 2 < this.#tail) return
    this.#ids.copyWithin(0, dead, this.#tail)
    this.#ids.length = this.#tail - dead
    this.#segment.copyWithin(0, dead, this.#tail)
    this.#offsetBytes.copyWithin(0, dead, this.#tail)
    this.#frameBytes.copyWithin(0, dead, this.#tail)
    this.#createdAtMs.copyWithin(0, dead, this.#tail)
    this.#baseSeq += dead
    this.#tail -= dead
    this.#head = 0
  }
}

function copyInto<T extends Uint32Array | Float64Array>(target: T, source: T): T {
  target.set(source)
  return target
}
