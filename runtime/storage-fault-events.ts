import type { HeldEvents } from './held-events.js'
import type { Logger } from './core/logger.js'
import type { OutboxRecovery } from './outbox/journal-outbox.js'
import type { Outbox } from './outbox/outbox-types.js'
import type { StateRecovery } from './state/state-generations.js'

/**
 * What the station found damaged at start, and records set aside later, told to central through
 * held events (they mostly happen before the link is up): `state.recovered`, `outbox.recovered`,
 * `outbox.set_aside`. Codes and counts only (docs/storage-faults.md).
 */
export function reportStorageFaults(options: {
  state: StateRecovery
  outboxRecovery: OutboxRecovery
  outbox: Pick<Outbox, 'onSetAside'>
  held: HeldEvents
  log: Logger
}): void {
  const { state, outboxRecovery: found, held } = options
  if (state.source === 'prev' || state.source === 'floor') {
    options.log.warn({ ...state }, 'state.json was damaged; started from the previous generation or the counter floor (docs/storage-faults.md)')
    held.report('state.recovered', { source: state.source, ...(state.main ? { main: state.main } : {}), ...(state.prev ? { prev: state.prev } : {}) })
  }
  if (found.damagedRegions > 0 || found.tornBytesDropped > 0) {
    held.report('outbox.recovered', { damagedRegions: found.damagedRegions, damagedBytes: found.damagedBytes, tornBytes: found.tornBytesDropped })
  }
  // `reason`, not `code`: event codes are E_ codes (docs/asyncapi.yaml).
  options.outbox.onSetAside((code, count) => held.report('outbox.set_aside', { reason: code, count }))
}
