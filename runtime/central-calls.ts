import type { FlowValue } from '../flows/engine/flow-types.js'
import { systemClock, type Clock } from './core/clock.js'
import { StationError } from './core/errors.js'
import type { CentralCalls } from './kiosk/kiosk.js'
import type { MqttLink } from './mqtt/mqtt-link.js'

/** The part of MqttLink flows' calls use; its notifications must be verified (docs/security.md). */
export type CentralLink = Pick<MqttLink, 'request' | 'onNotify'>

export interface CentralCallsOptions {
  /** Times waitFor's timeout; default the system clock. */
  clock?: Clock
  /** Raises a station event (never personal data): here `<area>.refused` for a notification that disagrees. */
  event?: (type: string, fields: Record<string, string | number | boolean>) => void
  /** How long a notification no wait took is kept for a wait that starts later (default RECENT_NOTIFY_MS). */
  recentMs?: number
}

/**
 * A confirmation can beat its wait: central may confirm a payment while the slip is still printing,
 * before the flow's wait_for step starts. Verified notifications are kept this long so a wait that
 * starts after them still sees them; each is taken by one wait at most.
 */
export const RECENT_NOTIFY_MS = 120_000
/** At most this many kept notifications (the oldest go first): a flood costs bounded memory. */
export const MAX_RECENT_NOTIFIES = 32

interface RecentNotify {
  readonly type: string
  readonly fields: Record<string, unknown>
  readonly atMs: number
}

/**
 * Flows' calls to central over the MQTT link: requests by MQTT 5 request/response, waits on the
 * inbound notify topic. Without a broker every call fails at once, so a procedure that needs
 * central takes its failure path instead of waiting out its timeout.
 */
export function centralCalls(link: CentralLink | null, options: CentralCallsOptions = {}): CentralCalls {
  if (!link) {
    const offline = () =>
      Promise.reject(new StationError('E_MQTT_UNAVAILABLE', 'no broker is configured: central cannot be reached'))
    return { request: offline, waitFor: offline }
  }
  const clock = options.clock ?? systemClock
  const event = options.event ?? (() => undefined)
  const recent = recentNotifies(link, clock, options.recentMs ?? RECENT_NOTIFY_MS)
  return {
    request: (method, body, { timeoutMs, signal }) =>
      abortable(link.request(method, body, { timeoutMs }), signal),
    waitFor: (type, match, { timeoutMs, signal }) => {
      // Only a wait that names what it waits for (a bill, an amount) takes one that came before it.
      const early = Object.keys(match).length > 0 ? recent.take(type, match) : undefined
      if (early !== undefined) return signal.aborted ? Promise.reject(new StationError('E_CANCELED', 'the resident left the step')) : Promise.resolve(early)
      return waitForMatch(link, clock, event, type, match, timeoutMs, signal, recent.forget)
    },
  }
}

/** Keeps the link's notifications for RECENT_NOTIFY_MS; `take` hands a matching one to one wait only. */
function recentNotifies(link: CentralLink, clock: Clock, keepMs: number) {
  const kept: RecentNotify[] = []
  const prune = (): void => {
    const oldest = clock.now() - keepMs
    while (kept.length > 0 && ((kept[0] as RecentNotify).atMs < oldest || kept.length > MAX_RECENT_NOTIFIES)) kept.shift()
  }
  link.onNotify((type, fields) => {
    kept.push({ type, fields, atMs: clock.now() })
    prune()
  })
  return {
    take(type: string, match: Record<string, FlowValue>): Record<string, unknown> | undefined {
      prune()
      const index = kept.findIndex((entry) => entry.type === type && mismatchedField(entry.fields, match) === undefined)
      if (index < 0) return undefined
      const [entry] = kept.splice(index, 1)
      return entry?.fields
    },
    /** A wait took these fields as they arrived: no later wait may take them again. */
    forget(fields: Record<string, unknown>): void {
      const index = kept.findIndex((entry) => entry.fields === fields)
      if (index >= 0) kept.splice(index, 1)
    },
  }
}

/**
 * The event raised when a notification of the awaited type disagrees with the wait: the type's first
 * part plus `.refused` (`payment.confirmed` -> `payment.refused`), so operations see a forged or
 * mistaken payment for what it is.
 */
export function refusedEventType(type: string): string {
  return `${type.split('.')[0] ?? type}.refused`
}

/**
 * The first field of `match` that `fields` disagrees with, or undefined when all agree. Compared as
 * text (a flow's `{{bill.amount}}` may be a string where central sends a number); a missing field,
 * an object or an array never agrees.
 */
export function mismatchedField(fields: Record<string, unknown>, match: Record<string, FlowValue>): string | undefined {
  for (const [key, expected] of Object.entries(match)) {
    const actual = fields[key]
    const comparable = typeof actual === 'string' || typeof actual === 'number' || typeof actual === 'boolean'
    if (!comparable || String(actual) !== String(expected)) return key
  }
  return undefined
}

/**
 * Resolves with the fields of the first notification of `type` whose fields agree with every pair
 * of `match` (docs/delivery.md, payment confirmations). One of that type that disagrees is refused
 * with an event `{ reason: 'wrong-<field>', type }` and the wait goes on: a confirmation for another
 * bill, or for a different amount, must never print "Paid". One that came before the wait started
 * (kept by recentNotifies) is taken at once. Rejects with E_MQTT_UNAVAILABLE after
 * `timeoutMs` and E_CANCELED when `signal` aborts.
 */
function waitForMatch(
  link: CentralLink,
  clock: Clock,
  event: NonNullable<CentralCallsOptions['event']>,
  type: string,
  match: Record<string, FlowValue>,
  timeoutMs: number,
  signal: AbortSignal,
  taken: (fields: Record<string, unknown>) => void,
): Promise<Record<string, unknown>> {
  if (signal.aborted) return Promise.reject(new StationError('E_CANCELED', 'the resident left the step'))
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const finish = (settle: () => void) => {
      clock.clearTimeout(timer)
      unsubscribe()
      signal.removeEventListener('abort', onAbort)
      settle()
    }
    const onAbort = () => finish(() => reject(new StationError('E_CANCELED', 'the resident left the step')))
    const timer = clock.setTimeout(
      () =>
        finish(() =>
          reject(new StationError('E_MQTT_UNAVAILABLE', `no ${type} notification within ${timeoutMs} ms`, { type, timeoutMs })),
        ),
      timeoutMs,
    )
    const unsubscribe = link.onNotify((notifyType, fields) => {
      if (notifyType !== type) return
      const field = mismatchedField(fields, match)
      if (field === undefined) {
        taken(fields)
        finish(() => resolve(fields))
        return
      }
      // Field names only: the values may be a resident's business.
      event(refusedEventType(type), { reason: `wrong-${field}`, type })
    })
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Settles with the call, or rejects as soon as the resident leaves the step. */
function abortable<T>(call: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new StationError('E_CANCELED', 'the resident left the step'))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StationError('E_CANCELED', 'the resident left the step'))
    signal.addEventListener('abort', onAbort, { once: true })
    call.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
