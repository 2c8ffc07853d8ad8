/**
 * The names the rest of the runtime has always opened the outbox by. The store behind them is the
 * segment store (segment-outbox.ts, docs/outbox.md); the v1 single-file journal is migrated on first open.
 */
export {
  openSegmentOutbox as openJournalOutbox,
  SegmentOutbox as JournalOutbox,
  type SegmentOutboxOptions as JournalOutboxOptions,
  type OutboxRecovery,
} from './segment-outbox.js'
