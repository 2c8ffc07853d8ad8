/**
 * Counts messages a station sent but operations never received, from the `seq` that events and
 * telemetry carry (one counter per boot, from 1; docs/fleet.md). Pure, no clock.
 *
 * A gap only counts while the station was connected: on every connect the station's status says
 * `birthSeq`, the seq its first message of that connection carries, so seqs skipped before it
 * (events dropped while offline, by design: docs/mqtt.md) are not counted as lost.
 */

/** Missing seqs remembered per boot, so a late (reordered) arrival can be taken back; beyond it only counted. */
const MAX_REMEMBERED_MISSING = 4096

export interface SeqState {
  readonly bootId: string
  /** The seq expected next; null before the first seq or birth of this boot was seen. */
  readonly nextSeq: number | null
  /** Seqs skipped while connected that may still arrive late. */
  readonly missing: ReadonlySet<number>
  /** Skipped seqs beyond the remembered ones (never taken back). */
  readonly forgottenMissing: number
  /** Copies of a seq already seen (an at-least-once redelivery). */
  readonly duplicates: number
}

export function newSeqState(bootId: string): SeqState {
  return { bootId, nextSeq: null, missing: new Set(), forgottenMissing: 0, duplicates: 0 }
}

/** Messages lost so far in this boot. */
export function lostCount(state: SeqState): number {
  return state.missing.size + state.forgottenMissing
}

/** A message with `seq` arrived. */
export function observeSeq(state: SeqState, seq: number): SeqState {
  if (!Number.isSafeInteger(seq) || seq < 1) return state
  if (state.nextSeq === null) return { ...state, nextSeq: seq + 1 }
  if (seq === state.nextSeq) return { ...state, nextSeq: seq + 1 }
  if (seq > state.nextSeq) {
    const missing = new Set(state.missing)
    let forgotten = state.forgottenMissing
    for (let skipped = state.nextSeq; skipped < seq; skipped++) {
      if (missing.size < MAX_REMEMBERED_MISSING) missing.add(skipped)
      else forgotten += 1
    }
    return { ...state, nextSeq: seq + 1, missing, forgottenMissing: forgotten }
  }
  if (state.missing.has(seq)) {
    const missing = new Set(state.missing)
    missing.delete(seq)
    return { ...state, missing }
  }
  return { ...state, duplicates: state.duplicates + 1 }
}

/**
 * The station (re)connected and will number its next message `birthSeq`. `live` is false for a
 * retained status found on subscribe: the station may have sent more since, so it does not set
 * where counting starts (the first seq seen does).
 */
export function observeBirth(state: SeqState, birthSeq: number, live: boolean): SeqState {
  if (!Number.isSafeInteger(birthSeq) || birthSeq < 1) return state
  if (state.nextSeq === null) return live ? { ...state, nextSeq: birthSeq } : state
  if (birthSeq > state.nextSeq) return { ...state, nextSeq: birthSeq }
  return state
}
