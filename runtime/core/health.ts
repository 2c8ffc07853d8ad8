/** Health of one part of the station, as shown by `station status` and sent in telemetry. */
export type HealthState = 'ok' | 'degraded' | 'faulty' | 'absent' | 'stopped' | 'starting'

export interface Health {
  state: HealthState
  /** Short operator-facing text about the last problem; never personal data. */
  lastError?: string
  /** Error code of the last problem, when there was one. */
  lastErrorCode?: string
  /** Extra numbers worth showing (queue depth, retries). */
  detail?: Record<string, string | number | boolean>
}
