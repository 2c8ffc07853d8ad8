/**
 * What the rest of the runtime sees of the outbox. A submission is durable (fdatasync'd) once
 * `append` resolves; it stays until `markDelivered` is called for its id, across restarts, which
 * happens when central acknowledges it (docs/delivery.md). The store behind it keeps only a small
 * index in memory; sealed bytes stay on disk until `read` opens one to send it (docs/outbox.md).
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

/** One pending submission as the in-memory index knows it: no personal data, nothing decrypted. */
export interface PendingRef {
  id: string
  /** Append order, strictly increasing within one open outbox; the drain's cursor. */
  seq: number
  /** createdAt in ms since epoch. */
  createdAtMs: number
}

/** Why a record is no longer in the sendable queue although it was never delivered. */
export type SetAsideCode =
  /** The sealed data does not open with the current key (another key, or damage under the CRC). */
  | 'undecryptable'
  /** Bytes in a segment that did not frame: what they held is unknown, their size is reported. */
  | 'damaged'

/** What the outbox had to put aside or could not read; counts and codes only, never content. */
export interface OutboxDamage {
  /** Records moved out of the queue, by reason; kept (sealed) in the aside file for a human. */
  setAside: Record<SetAsideCode, number>
  /** Bytes found damaged at recovery (kept in `.damaged-*` copies), since the outbox was opened. */
  damagedBytes: number
  /** Damaged regions found at recovery since the outbox was opened. */
  damagedRegions: number
}

/** Whether new submissions can be taken: refused before the disk is full, not at it. */
export interface StorageState {
  /** `ok`: accepting; `full`: new submissions are refused (outbox bound or free space below the reserve). */
  state: 'ok' | 'full'
  /** Why it is full, when it is. */
  reason?: 'outbox-bound' | 'disk-reserve' | 'write-failed'
}

export interface Outbox {
  /**
   * Persists the submission before resolving; concurrent appends share one sync. Appending an id
   * that is still pending is a no-op. Rejects with E_OUTBOX_FULL (nothing written) or E_OUTBOX_IO.
   */
  append(submission: Submission): Promise<void>
  /**
   * Up to `limit` pending refs with `seq >= fromSeq`, oldest first. O(limit) amortised, not O(depth):
   * the drain keeps its cursor as the last seq it took plus one.
   */
  pendingFrom(fromSeq: number, limit: number): PendingRef[]
  /**
   * Reads and decrypts one pending submission from disk. Resolves null when the id is not pending
   * (delivered meanwhile). A record that cannot be opened is set aside (reported in `damage()`
   * and through `onSetAside`) and resolves null too; rejects only with E_OUTBOX_IO (disk trouble,
   * try again later).
   */
  read(id: string): Promise<Submission | null>
  /**
   * Records that central has the submission: called only on central's verified `submission.accepted`
   * for this id, never on PUBACK (docs/delivery.md). Acks arriving together share one sync. Idempotent;
   * an id the outbox does not hold is ignored. When the ack cannot be written (ENOSPC) the id still
   * leaves the queue at once and the write is retried later: a crash before it lands re-sends the
   * submission, which central drops by id. Rejects only after close.
   */
  markDelivered(id: string): Promise<void>
  /** Number of pending submissions still to send (set-aside records excluded). O(1). */
  depth(): number
  /** createdAt of the oldest pending submission (append order) in ms since epoch, or null when empty. O(1). */
  oldestCreatedAtMs(): number | null
  /** What was set aside or found damaged. O(1). */
  damage(): OutboxDamage
  /** Whether a new submission would be accepted now (checks the bound and the disk reserve). */
  storage(): StorageState
  /** Called after each successful append. Listener errors are logged, not thrown. */
  onAppended(listener: (ref: PendingRef) => void): Unsubscribe
  /** Called when a record is set aside (at open for damage found then, or when `read` cannot open one). */
  onSetAside(listener: (code: SetAsideCode, count: number) => void): Unsubscribe
  close(): Promise<void>
}
