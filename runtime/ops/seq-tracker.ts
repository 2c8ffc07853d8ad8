/**
 * Counts messages a station sent but operations never received, from the `seq` that events and
 * telemetry carry (one counter per topic per boot, from 1; docs/mqtt.md). A message the station
 * dropped before sending (offline) takes no number, so every gap is a message lost on the way.
 * Pure, no clock.
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

/**
 * A tracker for one topic of one boot. `firstSeq` 1 when the boot was seen starting (a live birth),
 * so its first messages count too; null when joining a boot already under way (a retained status
 * found on subscribe), where the first seq seen sets the start.
 */
export function newSeqState(bootId: string, firstSeq: 1 | null = null): SeqState {
  return { bootId, nextSeq: firstSeq, missing: new Set(), forgottenMissing: 0, duplicates: 0 }
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
