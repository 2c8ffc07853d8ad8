/**
 * Keeps the retained status honest: the link listens on its own status topic, and a status it did
 * not publish that contradicts the truth (another state, another bootId) is answered by publishing
 * the truth again at once. Rate-limited, so two stations sharing one id cannot ping-pong forever
 * (docs/mqtt.md "Status that cannot be spoofed for long").
 */
import type { Clock } from '../core/clock.js'
import type { StationState } from './payloads.js'

export interface StatusGuardOptions {
  clock: Clock
  /** Re-assertions allowed per window; default 3. */
  maxPerWindow?: number
  /** Default 60 000. */
  windowMs?: number
}

/** What to do about one message on the station's own status topic. */
export type StatusVerdict =
  /** Bytes the link itself published recently (its own echo). */
  | 'ours'
  /** Not ours, but it agrees with the truth on state and bootId: nothing to correct. */
  | 'consistent'
  /** Contradicts the truth: publish the truth now. */
  | 'reassert'
  /** Contradicts the truth, but the re-assertion budget of this window is spent. */
  | 'limited'

/** How many of our own recent status payloads are recognised as echoes. */
const REMEMBERED = 8

export class StatusGuard {
  readonly #clock: Clock
  readonly #maxPerWindow: number
  readonly #windowMs: number
  readonly #recent: string[] = []
  #reasserts: number[] = []

  constructor(options: StatusGuardOptions) {
    this.#clock = options.clock
    this.#maxPerWindow = options.maxPerWindow ?? 3
    this.#windowMs = options.windowMs ?? 60_000
  }

  /** Records a status payload the link published (not the will: a will of ours arriving while we are up is wrong too). */
  published(payload: Uint8Array): void {
    this.#recent.push(Buffer.from(payload).toString('base64'))
    if (this.#recent.length > REMEMBERED) this.#recent.shift()
  }

  judge(payload: Uint8Array, truth: { state: StationState; bootId: string }): StatusVerdict {
    if (this.#recent.includes(Buffer.from(payload).toString('base64'))) return 'ours'
    const claimed = parseClaim(payload)
    if (claimed && claimed.state === truth.state && claimed.bootId === truth.bootId) return 'consistent'
    const nowMs = this.#clock.now()
    this.#reasserts = this.#reasserts.filter((atMs) => nowMs - atMs < this.#windowMs)
    if (this.#reasserts.length >= this.#maxPerWindow) return 'limited'
    this.#reasserts.push(nowMs)
    return 'reassert'
  }
}

function parseClaim(payload: Uint8Array): { state: unknown; bootId: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(payload).toString('utf8'))
    if (value === null || typeof value !== 'object') return undefined
    const { state, bootId } = value as Record<string, unknown>
    return { state, bootId }
  } catch {
    return undefined
  }
}
