/**
 * Message bodies the station publishes (docs/mqtt.md), as plain objects, plus the JSON
 * encoding on the wire and the guard that keeps identity data out of events and telemetry. Pure.
 */
import { StationError } from '../core/errors.js'
import { IDENTITY_FIELDS } from '../log.js'
import type { Submission } from '../outbox/outbox-types.js'

export type StationState = 'online' | 'offline' | 'maintenance'

/** A flow offered by the station, as central sees it. */
export interface FlowRef {
  id: string
  version: number
}

/**
 * Retained on `<base>/status`, and the last will with state 'offline'. Central orders births and
 * deaths by (birthSeq, since): birthSeq grows with every start of the station (persisted), since
 * with every session of one run (docs/mqtt.md "Birth and death").
 */
export interface StatusPayload {
  state: StationState
  /** ISO 8601 UTC time the payload was built; for a will, when it was handed to the broker (the CONNECT), not the death. */
  ts: string
  /** ISO 8601 UTC: when this state began; for a will, when the session that died was opened. */
  since: string
  /** Software version of the station. */
  version: string
  /** Random id of this process run; tells central that the station restarted. */
  bootId: string
  /** Persisted counter, one more at every start of the station. */
  birthSeq: number
  /** The flows the station offers, with their versions. */
  flows: FlowRef[]
}

/** Published on `<base>/submissions`; `id` is stable across retries so central de-duplicates. */
export interface SubmissionPayload {
  id: string
  flow: string
  flowVersion: number
  /** ISO 8601 UTC. */
  createdAt: string
  data: Record<string, unknown>
}

/** Published on `<base>/events`. Never carries identity data (see assertNoIdentity). */
export interface EventPayload {
  type: string
  /** ISO 8601 UTC. */
  ts: string
  /** Per-boot counter of this topic's messages, from 1: a gap is a lost message, a step back a reordering. */
  seq: number
  [field: string]: unknown
}

export interface StatusFacts {
  nowMs: number
  /** When the state began (for a will: the session's connect time). */
  sinceMs: number
  version: string
  bootId: string
  birthSeq: number
  flows: readonly FlowRef[]
}

export function statusPayload(state: StationState, facts: StatusFacts): StatusPayload {
  return {
    state,
    ts: new Date(facts.nowMs).toISOString(),
    since: new Date(facts.sinceMs).toISOString(),
    version: facts.version,
    bootId: facts.bootId,
    birthSeq: facts.birthSeq,
    flows: facts.flows.map(({ id, version }) => ({ id, version })),
  }
}

/** Copies exactly the wire fields, so nothing else a Submission might grow leaks onto the wire. */
export function submissionPayload(submission: Submission): SubmissionPayload {
  const { id, flow, flowVersion, createdAt, data } = submission
  return { id, flow, flowVersion, createdAt, data }
}

/**
 * Builds an event body; `type`, `ts` and `seq` win over same-named fields. Throws E_CODEC_INVALID
 * when the result would carry identity data (see assertNoIdentity).
 */
export function eventPayload(type: string, fields: Readonly<Record<string, unknown>>, nowMs: number, seq: number): EventPayload {
  const payload: EventPayload = { ...fields, type, ts: new Date(nowMs).toISOString(), seq }
  assertNoIdentity(payload)
  return payload
}

const IDENTITY_KEYS = new Set<string>(IDENTITY_FIELDS.map((field) => field.toLowerCase()))

/**
 * The personal identification number on a CCCD is 12 digits (docs/protocols.md 7.2), so a run of
 * 12 or more digits in a string is treated as one; a longer run may hold one.
 */
const CCCD_DIGIT_RUN = /\d{12}/

/**
 * Throws E_CODEC_INVALID when `value`, searched to any depth through objects and arrays, has a key
 * that names identity data (runtime/log.ts IDENTITY_FIELDS, case-insensitive: citizenId, name,
 * dob, address, phone, …) or a string containing a run of 12+ digits. The error's context holds
 * the path to the offending item, never its value.
 */
export function assertNoIdentity(value: unknown, path = '$'): void {
  if (typeof value === 'string') {
    if (CCCD_DIGIT_RUN.test(value)) {
      throw new StationError('E_CODEC_INVALID', 'payload holds a 12-digit run (looks like an identity number)', {
        path,
      })
    }
    return
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertNoIdentity(item, `${path}[${index}]`))
    return
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const itemPath = `${path}.${key}`
      if (IDENTITY_KEYS.has(key.toLowerCase())) {
        throw new StationError('E_CODEC_INVALID', 'payload has an identity field', { path: itemPath })
      }
      assertNoIdentity(item, itemPath)
    }
  }
}

const utf8Encoder = new TextEncoder()
/** fatal: malformed UTF-8 throws instead of turning into U+FFFD. */
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

/** JSON as UTF-8 bytes. Throws E_CODEC_INVALID for values JSON cannot hold (cycles, BigInt). */
export function encodePayload(value: unknown): Uint8Array {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (error) {
    throw new StationError('E_CODEC_INVALID', 'payload cannot be encoded as JSON', {}, { cause: error })
  }
  if (text === undefined) throw new StationError('E_CODEC_INVALID', 'payload cannot be encoded as JSON')
  return utf8Encoder.encode(text)
}

/** Parses UTF-8 JSON bytes. Throws E_CODEC_INVALID for bad UTF-8 or bad JSON. */
export function decodePayload(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8Decoder.decode(bytes))
  } catch (error) {
    throw new StationError('E_CODEC_INVALID', 'payload is not UTF-8 JSON', { length: bytes.length }, { cause: error })
  }
}
