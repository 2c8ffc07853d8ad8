/**
 * Figure 2 (docs/benchmarks.md): time per call of `pendingFrom` (the cursor call the drain makes per
 * refill) and `oldestCreatedAtMs()` with a large backlog, against the same call on a small backlog.
 * O(1) per call means a ratio near 1.
 */
import type { Outbox } from '../../runtime/outbox/outbox-types.js'
import { summarize, type FigureResult, type Repetition } from './figure.js'
import { openBenchOutbox, type OutboxFixtures } from './fixtures.js'

/** The drain's refill size to measure with (the reference publisher's window). */
const REFILL = 64
/** Each timing loop runs this long (or CALL_LIMIT calls), so a slow call is measured without a long run. */
const LOOP_MS = 150
const CALL_LIMIT = 20_000
/** Cursor positions, as fractions of the backlog: a drain passes through all of them. */
const CURSOR_FRACTIONS = [0, 0.25, 0.5, 0.75, 0.99]

export interface IndexBenchOptions {
  fixtures: OutboxFixtures
  large: number
  small: number
  repetitions: number
}

/** Mean µs per call of `call`, over a loop of about LOOP_MS. */
function perCallUs(call: () => unknown): number {
  let calls = 0
  const startedMs = performance.now()
  let elapsedMs = 0
  while (calls < CALL_LIMIT && elapsedMs < LOOP_MS) {
    for (let i = 0; i < 16; i++) call()
    calls += 16
    elapsedMs = performance.now() - startedMs
  }
  return (elapsedMs * 1000) / calls
}

/** The seqs a cursor has at CURSOR_FRACTIONS of the backlog. */
function cursors(outbox: Outbox): number[] {
  const refs = outbox.pendingFrom(0, outbox.depth())
  return CURSOR_FRACTIONS.map((fraction) => refs[Math.min(refs.length - 1, Math.floor(fraction * refs.length))]!.seq)
}

function pendingFromUs(outbox: Outbox, seqs: readonly number[]): number {
  let position = 0
  return perCallUs(() => outbox.pendingFrom(seqs[position++ % seqs.length]!, REFILL))
}

export async function benchIndex(options: IndexBenchOptions): Promise<FigureResult[]> {
  const { fixtures, large, small } = options
  const largeOutbox = await openBenchOutbox(await fixtures.folder(large), fixtures.key)
  const smallOutbox = await openBenchOutbox(await fixtures.folder(small), fixtures.key)
  try {
    const largeSeqs = cursors(largeOutbox)
    const smallSeqs = cursors(smallOutbox)
    const pending: Repetition[] = []
    const oldest: Repetition[] = []
    // Warm-up: both paths compiled by the JIT before the first timed loop.
    pendingFromUs(smallOutbox, smallSeqs)
    perCallUs(() => smallOutbox.oldestCreatedAtMs())
    for (let rep = 0; rep < options.repetitions; rep++) {
      pending.push({ ours: pendingFromUs(largeOutbox, largeSeqs), reference: pendingFromUs(smallOutbox, smallSeqs) })
      oldest.push({ ours: perCallUs(() => largeOutbox.oldestCreatedAtMs()), reference: perCallUs(() => smallOutbox.oldestCreatedAtMs()) })
    }
    const goal = { metric: 'ratio', op: '<=' as const, value: 2, text: 'O(1): ~1x (<= 2x)' }
    return [
      summarize(
        { name: 'pending-from', title: `pendingFrom(cursor, ${REFILL}) at ${large}`, unit: 'µs/call', reference: `same at ${small}`, goal },
        pending,
        [`cursor at ${CURSOR_FRACTIONS.join(', ')} of the backlog, in turn`],
      ),
      summarize({ name: 'oldest-created-at', title: `oldestCreatedAtMs() at ${large}`, unit: 'µs/call', reference: `same at ${small}`, goal }, oldest),
    ]
  } finally {
    await largeOutbox.close()
    await smallOutbox.close()
  }
}
