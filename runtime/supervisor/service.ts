import type { Health } from '../core/health.js'

export type { Health, HealthState } from '../core/health.js'

/**
 * A long-lived part of the station under the supervisor. `start` may reject; the supervisor then
 * retries it with backoff. A running service that breaks calls the `fail` callback it was given.
 */
export interface Service {
  readonly name: string
  start(context: ServiceContext): Promise<void>
  /** Idempotent; resolves once everything the service opened is closed. */
  stop(): Promise<void>
  health(): Health
  /**
   * Optional: calls `listener` whenever `health()` may have changed, so the station learns of a
   * driver's own health changes without polling. Returns the unsubscribe.
   */
  onHealthChange?(listener: () => void): () => void
  /**
   * A cheap check that a failed service's device answers again (one bus read), without opening
   * it. While the service waits for its restart the supervisor probes it often and restarts it as
   * soon as this resolves true, so a fault that clears is over in seconds, not after a backoff
   * that grew while it lasted. Absent = the service waits for its backoff.
   */
  probe?(): Promise<boolean>
}

export interface ServiceContext {
  /** Aborted when the supervisor stops this service. */
  signal: AbortSignal
  /** Reports that a running service has broken; the supervisor stops and restarts it. */
  fail(error: unknown): void
}
