/**
 * The shape of central's acknowledgements (docs/delivery.md, docs/mqtt.md): `submission.accepted {id}`
 * for one submission, `submissions.accepted {ids: [...]}` for up to MAX_ACK_BATCH_IDS at once. Pure:
 * the verifier (runtime/ops/central-verifier.ts) refuses a signed notification of either type whose
 * fields do not fit, and the drain reads the ids with the same function.
 */

export const SINGLE_ACK_TYPE = 'submission.accepted'
export const BATCH_ACK_TYPE = 'submissions.accepted'

/** At most this many ids in one `submissions.accepted`: a batch is bounded like any inbound message. */
export const MAX_ACK_BATCH_IDS = 1024
/** The longest submission id accepted in an acknowledgement (ours are UUIDs, 36 characters). */
export const MAX_SUBMISSION_ID_CHARS = 200

/** What an acknowledgement holds: ok with its ids, or why its fields do not fit. */
export type AcceptedIds = { ok: true; ids: string[] } | { ok: false; message: string }

/**
 * A submission id as central may name it: 1..MAX_SUBMISSION_ID_CHARS printable ASCII characters
 * without spaces (UUIDs, the bench's `bench-0000001`). Anything else cannot be one of ours.
 */
export function isSubmissionId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_SUBMISSION_ID_CHARS && /^[\x21-\x7e]+$/.test(value)
}

export function isAckType(type: string): boolean {
  return type === SINGLE_ACK_TYPE || type === BATCH_ACK_TYPE
}

/**
 * The ids an acknowledgement of `type` acknowledges, or why its fields are refused; null when
 * `type` is not an acknowledgement. Duplicates in a batch are kept once (first position).
 */
export function acceptedIds(type: string, fields: Record<string, unknown>): AcceptedIds | null {
  if (type === SINGLE_ACK_TYPE) {
    return isSubmissionId(fields.id) ? { ok: true, ids: [fields.id] } : { ok: false, message: `${SINGLE_ACK_TYPE} needs id, a submission id` }
  }
  if (type !== BATCH_ACK_TYPE) return null
  const ids = fields.ids
  if (!Array.isArray(ids)) return { ok: false, message: `${BATCH_ACK_TYPE} needs ids, an array` }
  if (ids.length === 0 || ids.length > MAX_ACK_BATCH_IDS) {
    return { ok: false, message: `${BATCH_ACK_TYPE} carries ${ids.length} ids (1..${MAX_ACK_BATCH_IDS})` }
  }
  const seen = new Set<string>()
  for (const [index, id] of ids.entries()) {
    if (!isSubmissionId(id)) return { ok: false, message: `${BATCH_ACK_TYPE} ids[${index}] is not a submission id` }
    seen.add(id)
  }
  return { ok: true, ids: [...seen] }
}
