/**
 * What the rest of the runtime sees of the outbox. A submission is durable (fsync'd) once
 * `append` resolves; it stays until `markDelivered` is called for its id, across restarts, which
 * happens when central acknowledges it (docs/delivery.md).
 */
export interface Submission {
  /** Stable across retries and restarts; central de-duplicates on it and acknowledges by it. */
  id: string
  flow: string
  flowVersion: number
  /** ISO 8601 UTC. */
  createdAt: string
  /** The procedure's answers, including identity fields; encrypted at rest. */
  data: Record<string, unknown>
}

export type Unsubscribe = () => void

export interface Outbox {
  /** Persists the submission (fsync) before resolving. Rejects with E_OUTBOX_FULL or E_OUTBOX_IO. */
  append(submission: Submission): Promise<void>
  /** Undelivered submissions, oldest first, decrypted. */
  pending(): Submission[]
  /**
   * Records that central has the submission: called only on central's verified `submission.accepted`
   * for this id, never on PUBACK (docs/delivery.md). Durable before resolving. Idempotent; an id the
   * outbox does not hold is ignored.
   */
  markDelivered(id: string): Promise<void>
  /** Number of undelivered submissions. */
  depth(): number
  /** createdAt of the oldest undelivered submission in ms since epoch, or null when empty. */
  oldestCreatedAtMs(): number | null
  /** Called after each successful append. */
  onAppended(listener: (submission: Submission) => void): Unsubscribe
  close(): Promise<void>
}
