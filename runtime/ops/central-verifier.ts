/**
 * Checks what central sends a station before anything acts on it (docs/security.md, docs/delivery.md):
 * a `notify` or `rpc-response` envelope signed by a key in `central.trustedKeys`, whose body names
 * this station, carries a `ts` within `ops.maxSkewS` of the station's clock and, for a reply, the
 * correlation data of the request it answers. Pure apart from node:crypto and the injected clock.
 */
import type { Clock } from '../core/clock.js'
import { acceptedIds } from '../mqtt/ack-notification.js'
import type { InboundCheck, InboundVerifier } from '../mqtt/inbound-router.js'
import { openEnvelope, type EnvelopeRefusal, type TrustedKeys } from './signed-envelope.js'

export type { InboundCheck, InboundVerifier }

/** Refusals beyond the envelope's own (EnvelopeRefusal). */
export type CentralRefusal = EnvelopeRefusal | 'wrong-station' | 'wrong-request' | 'stale' | 'future'

/** Central's notifications and replies are small JSON; anything larger is refused unread. */
export const CENTRAL_MAX_BYTES = 64 * 1024

export interface CentralVerifierOptions {
  /** This station's id: a body for another station is refused (`wrong-station`). */
  stationId: string
  /** Central's public keys (config `central.trustedKeys`, loaded with loadTrustedKeys). */
  trustedKeys: TrustedKeys
  /** A body whose `ts` is further than this from `clock.now()` is `stale` or `future` (config `ops.maxSkewS`). */
  maxSkewS: number
  clock: Clock
  /** Default CENTRAL_MAX_BYTES. */
  maxBytes?: number
}

type Refused = Extract<InboundCheck, { ok: false }>

function refuse(reason: CentralRefusal, message: string): Refused {
  return { ok: false, reason, message }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function centralVerifier(options: CentralVerifierOptions): InboundVerifier {
  const { stationId, trustedKeys, clock } = options
  const maxBytes = options.maxBytes ?? CENTRAL_MAX_BYTES
  const maxSkewMs = options.maxSkewS * 1000

  /** The common body checks: an object for this station with a fresh `ts`. */
  const openBody = (
    payload: Buffer,
    purpose: 'notify' | 'rpc-response',
  ): { ok: true; body: Record<string, unknown> } | Refused => {
    const opened = openEnvelope(payload, purpose, trustedKeys, maxBytes)
    if (!opened.ok) return opened
    const body = opened.body
    if (!isRecord(body)) return refuse('malformed', `signed ${purpose} body is not a JSON object`)
    if (typeof body.station !== 'string') return refuse('malformed', `signed ${purpose} body has no station`)
    if (body.station !== stationId) {
      return refuse('wrong-station', `signed ${purpose} is for station ${body.station.slice(0, 40)}, not ${stationId}`)
    }
    const tsMs = typeof body.ts === 'string' ? Date.parse(body.ts) : Number.NaN
    if (!Number.isFinite(tsMs)) return refuse('malformed', `signed ${purpose} body has no ISO 8601 ts`)
    const skewMs = tsMs - clock.now()
    if (skewMs < -maxSkewMs) return refuse('stale', `signed ${purpose} is ${Math.round(-skewMs / 1000)} s old (limit ${options.maxSkewS} s)`)
    if (skewMs > maxSkewMs) return refuse('future', `signed ${purpose} is ${Math.round(skewMs / 1000)} s ahead (limit ${options.maxSkewS} s)`)
    return { ok: true, body }
  }

  return {
    notify(payload) {
      const opened = openBody(payload, 'notify')
      if (!opened.ok) return opened
      const { type } = opened.body
      if (typeof type !== 'string' || type.length === 0) return refuse('malformed', 'signed notify body has no type')
      // An acknowledgement removes submissions from the outbox: its ids must be exactly what they claim to be.
      const acked = acceptedIds(type, opened.body)
      if (acked && !acked.ok) return refuse('malformed', `signed ${acked.message}`)
      return { ok: true, value: opened.body }
    },
    rpcResponse(payload, correlationHex) {
      const opened = openBody(payload, 'rpc-response')
      if (!opened.ok) return opened
      const { re } = opened.body
      if (typeof re !== 'string') return refuse('malformed', 'signed rpc-response body has no re')
      // Hex case is not meaningful; a signed reply to another request must not settle this one.
      if (re.toLowerCase() !== correlationHex.toLowerCase()) {
        return refuse('wrong-request', 'signed rpc-response answers another request')
      }
      if (!('reply' in opened.body)) return refuse('malformed', 'signed rpc-response body has no reply')
      return { ok: true, value: opened.body.reply }
    },
  }
}
