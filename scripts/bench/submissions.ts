/** The submissions every outbox and drain figure uses: 1 KB of JSON each (docs/benchmarks.md). */
import type { Submission } from '../../runtime/outbox/outbox-types.js'

export const SUBMISSION_BYTES = 1024

/** Submission `index`, padded so its JSON is SUBMISSION_BYTES long; the same index gives the same bytes. */
export function benchSubmission(index: number): Submission {
  const base: Submission = {
    id: `bench-${String(index).padStart(7, '0')}`,
    flow: 'bench',
    flowVersion: 1,
    // Distinct, increasing times: the oldest is the first appended.
    createdAt: new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString(),
    data: { filler: '' },
  }
  const padding = Math.max(0, SUBMISSION_BYTES - Buffer.byteLength(JSON.stringify(base)))
  return { ...base, data: { filler: 'x'.repeat(padding) } }
}
