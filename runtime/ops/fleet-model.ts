/**
 * Operations' view of the fleet: folds what stations publish (retained status, telemetry, events;
 * docs/mqtt.md) into one row per station, sorted trouble first. Pure: no I/O, time passed in.
 * Anything malformed is ignored (counted), never thrown: one bad station must not blind the view.
 */
import { decodePayload } from '../mqtt/payloads.js'
import { parseStationTopic } from '../mqtt/topics.js'
import { lostCount, newSeqState, observeSeq, type SeqState } from './seq-tracker.js'

export type FleetState = 'online' | 'offline' | 'maintenance' | 'unknown'

/** Why a row sorts where it does, worst first (TROUBLE_ORDER). */
export type Trouble = 'offline' | 'faults' | 'maintenance' | 'outbox' | 'lost' | 'ok'

export const TROUBLE_ORDER: readonly Trouble[] = ['offline', 'faults', 'maintenance', 'outbox', 'lost', 'ok']

/** One station as operations sees it; the `--json` snapshot's element. Never personal data. */
export interface FleetRow {
  id: string
  state: FleetState
  trouble: Trouble
  /** Newest `ts` in anything the station sent (ISO 8601), null when none parsed. */
  lastSeen: string | null
  lastSeenAgeS: number | null
  /** Since when the station is in `state`, when its status says so. */
  since: string | null
  /** `device: reason` for every device in trouble, plus `enclosure: open`. */
  faults: string[]
  outboxDepth: number | null
  outboxOldestAgeS: number | null
  linkConnected: boolean | null
  broker: string | null
  version: string | null
  flows: Array<{ id: string; version: number | null }>
  bootId: string | null
  birthSeq: number | null
  /** Events/telemetry sent while connected but never received (seq gaps), over every boot seen. */
  lostMessages: number
  /** Type of the newest event. */
  lastEvent: string | null
}

export interface FleetThresholds {
  /** An outbox this deep is trouble. */
  outboxDeepAt: number
  /** An outbox whose oldest submission waits this long is trouble. */
  outboxOldAfterS: number
}

export const DEFAULT_FLEET_THRESHOLDS: FleetThresholds = { outboxDeepAt: 20, outboxOldAfterS: 900 }

/** One MQTT message as the watcher received it. */
export interface FleetMessage {
  topic: string
  payload: Uint8Array
  retain: boolean
}

interface StatusFacts {
  state: FleetState
  sinceMs: number | null
  version: string | null
  bootId: string | null
  birthSeq: number | null
  flows: Array<{ id: string; version: number | null }>
}

interface TelemetryFacts {
  outboxDepth: number | null
  outboxOldestAgeS: number | null
  linkConnected: boolean | null
  broker: string | null
}

/** Everything known about one station; replaced, never mutated. */
export interface StationFacts {
  readonly id: string
  readonly status: StatusFacts | null
  readonly telemetry: TelemetryFacts | null
  /** device -> operator text; replaced by each telemetry sample, changed by device.fault/recovered. */
  readonly deviceFaults: ReadonlyMap<string, string>
  readonly enclosureOpen: boolean
  readonly lastSeenMs: number | null
  readonly lastEvent: string | null
  /** One tracker per numbered topic of the current boot. */
  readonly seq: { readonly events: SeqState; readonly telemetry: SeqState } | null
  /** Messages lost in boots before the current one. */
  readonly lostEarlierBoots: number
}

function emptyFacts(id: string): StationFacts {
  return {
    id,
    status: null,
    telemetry: null,
    deviceFaults: new Map(),
    enclosureOpen: false,
    lastSeenMs: null,
    lastEvent: null,
    seq: null,
    lostEarlierBoots: 0,
  }
}

/** Health states that mean "someone should look" (runtime/supervisor/service.ts). */
const FAULT_STATES = new Set(['degraded', 'faulty', 'absent'])

type Kind = 'status' | 'telemetry' | 'events'

/** Folds one decoded message of `kind` into the station's facts. */
export function foldStation(facts: StationFacts, kind: Kind, body: Record<string, unknown>, retain: boolean): StationFacts {
  const tsMs = timeOf(body['ts'])
  let next: StationFacts = {
    ...facts,
    lastSeenMs: tsMs === null ? facts.lastSeenMs : Math.max(tsMs, facts.lastSeenMs ?? tsMs),
  }
  const bootId = kind === 'status' ? stringOf(body['bootId']) : null
  // A will repeats the dead boot's id; only a live birth (not one found retained) starts a boot at seq 1.
  if (bootId !== null) next = switchBoot(next, bootId, !retain && body['state'] !== 'offline')
  if (kind === 'status') next = foldStatus(next, body, tsMs)
  else if (kind === 'telemetry') next = foldTelemetry(next, body)
  else next = foldEvent(next, body)
  const seq = body['seq']
  if (kind !== 'status' && typeof seq === 'number') {
    const trackers = next.seq ?? { events: newSeqState(''), telemetry: newSeqState('') }
    next = { ...next, seq: { ...trackers, [kind]: observeSeq(trackers[kind], seq) } }
  }
  return next
}

function lostOf(seq: StationFacts['seq']): number {
  return seq === null ? 0 : lostCount(seq.events) + lostCount(seq.telemetry)
}

/** A new bootId: the station restarted, so its seq counters start again. */
function switchBoot(facts: StationFacts, bootId: string, live: boolean): StationFacts {
  if (facts.seq?.events.bootId === bootId) return facts
  const firstSeq = live ? 1 : null
  const seq = { events: newSeqState(bootId, firstSeq), telemetry: newSeqState(bootId, firstSeq) }
  // Trackers made before any status (bootId '') belong to the boot this status names.
  if (facts.seq === null || facts.seq.events.bootId === '') return { ...facts, seq: facts.seq === null ? seq : relabel(facts.seq, bootId) }
  return { ...facts, seq, lostEarlierBoots: facts.lostEarlierBoots + lostOf(facts.seq) }
}

function relabel(seq: NonNullable<StationFacts['seq']>, bootId: string): NonNullable<StationFacts['seq']> {
  return { events: { ...seq.events, bootId }, telemetry: { ...seq.telemetry, bootId } }
}

function foldStatus(facts: StationFacts, body: Record<string, unknown>, tsMs: number | null): StationFacts {
  const rawState = body['state']
  const state: FleetState =
    rawState === 'online' || rawState === 'offline' || rawState === 'maintenance' ? rawState : 'unknown'
  const birthSeq = positiveInteger(body['birthSeq'])
  const status: StatusFacts = {
    state,
    sinceMs: timeOf(body['since']) ?? (facts.status?.state === state ? facts.status.sinceMs : tsMs),
    version: stringOf(body['version']),
    bootId: stringOf(body['bootId']),
    birthSeq,
    flows: flowsOf(body['flows']),
  }
  return { ...facts, status }
}

function foldTelemetry(facts: StationFacts, body: Record<string, unknown>): StationFacts {
  const outbox = recordOf(body['outbox'])
  const link = recordOf(body['link'])
  const oldestAgeS = numberOf(outbox?.['oldestAgeS'])
  const oldestAgeMs = numberOf(outbox?.['oldestAgeMs'])
  const telemetry: TelemetryFacts = {
    outboxDepth: numberOf(outbox?.['depth']),
    outboxOldestAgeS: oldestAgeS ?? (oldestAgeMs === null ? null : Math.round(oldestAgeMs / 1000)),
    linkConnected: typeof link?.['connected'] === 'boolean' ? link['connected'] : null,
    broker: stringOf(link?.['broker']),
  }
  const devices = recordOf(body['devices'])
  if (devices === null) return { ...facts, telemetry }
  const deviceFaults = new Map<string, string>()
  for (const [name, value] of Object.entries(devices)) {
    const health = recordOf(value)
    const state = stringOf(health?.['state'])
    if (state === null || !FAULT_STATES.has(state)) continue
    deviceFaults.set(name, `${name}: ${stringOf(health?.['lastError']) ?? state}`)
  }
  return { ...facts, telemetry, deviceFaults }
}

function foldEvent(facts: StationFacts, body: Record<string, unknown>): StationFacts {
  const type = stringOf(body['type'])
  if (type === null) return facts
  const next = { ...facts, lastEvent: type }
  const device = stringOf(body['device'])
  switch (type) {
    case 'device.fault': {
      if (device === null) return next
      const deviceFaults = new Map(facts.deviceFaults)
      deviceFaults.set(device, `${device}: ${stringOf(body['reason']) ?? stringOf(body['state']) ?? 'fault'}`)
      return { ...next, deviceFaults }
    }
    case 'device.recovered': {
      if (device === null) return next
      const deviceFaults = new Map(facts.deviceFaults)
      deviceFaults.delete(device)
      return { ...next, deviceFaults }
    }
    case 'tamper.opened':
      return { ...next, enclosureOpen: true }
    case 'tamper.closed':
      return { ...next, enclosureOpen: false }
    default:
      return next
  }
}

/** Builds the row of one station at `nowMs`. */
export function rowOf(facts: StationFacts, nowMs: number, thresholds: FleetThresholds = DEFAULT_FLEET_THRESHOLDS): FleetRow {
  const status = facts.status
  const telemetry = facts.telemetry
  const state: FleetState = status?.state ?? (facts.lastSeenMs === null ? 'unknown' : 'online')
  const faults = [...facts.deviceFaults.values()].sort()
  if (facts.enclosureOpen) faults.push('enclosure: open')
  const lostMessages = facts.lostEarlierBoots + lostOf(facts.seq)
  const row: Omit<FleetRow, 'trouble'> = {
    id: facts.id,
    state,
    lastSeen: facts.lastSeenMs === null ? null : new Date(facts.lastSeenMs).toISOString(),
    lastSeenAgeS: facts.lastSeenMs === null ? null : Math.max(0, Math.round((nowMs - facts.lastSeenMs) / 1000)),
    since: status?.sinceMs == null ? null : new Date(status.sinceMs).toISOString(),
    faults,
    outboxDepth: telemetry?.outboxDepth ?? null,
    outboxOldestAgeS: telemetry?.outboxOldestAgeS ?? null,
    linkConnected: state === 'offline' ? false : (telemetry?.linkConnected ?? null),
    broker: telemetry?.broker ?? null,
    version: status?.version ?? null,
    flows: status?.flows ?? [],
    bootId: status?.bootId ?? (facts.seq?.events.bootId || null),
    birthSeq: status?.birthSeq ?? null,
    lostMessages,
    lastEvent: facts.lastEvent,
  }
  return { ...row, trouble: troubleOf(row, thresholds) }
}

function troubleOf(row: Omit<FleetRow, 'trouble'>, thresholds: FleetThresholds): Trouble {
  if (row.state === 'offline' || row.state === 'unknown') return 'offline'
  if (row.faults.length > 0) return 'faults'
  if (row.state === 'maintenance') return 'maintenance'
  if ((row.outboxDepth ?? 0) >= thresholds.outboxDeepAt) return 'outbox'
  if ((row.outboxDepth ?? 0) > 0 && (row.outboxOldestAgeS ?? 0) >= thresholds.outboxOldAfterS) return 'outbox'
  if (row.lostMessages > 0) return 'lost'
  return 'ok'
}

/** Trouble first (TROUBLE_ORDER); within one kind the deepest outbox, then by id. */
export function compareRows(a: FleetRow, b: FleetRow): number {
  const byTrouble = TROUBLE_ORDER.indexOf(a.trouble) - TROUBLE_ORDER.indexOf(b.trouble)
  if (byTrouble !== 0) return byTrouble
  const byDepth = (b.outboxDepth ?? 0) - (a.outboxDepth ?? 0)
  if (byDepth !== 0) return byDepth
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** The `--json` snapshot of `station ops watch`. */
export interface FleetSnapshot {
  stations: FleetRow[]
}

/** The fleet: one StationFacts per station id seen under `prefix`. Holds no timers and does no I/O. */
export class FleetModel {
  readonly #prefix: string
  readonly #stations = new Map<string, StationFacts>()
  #ignored = 0

  constructor(prefix: string) {
    this.#prefix = prefix
  }

  /** Messages that were not a station's status/telemetry/events JSON object. */
  get ignored(): number {
    return this.#ignored
  }

  get size(): number {
    return this.#stations.size
  }

  /** Folds one message in; returns false (and counts it) when it was ignored. */
  apply(message: FleetMessage): boolean {
    let stationId: string
    let kind: string
    try {
      const parsed = parseStationTopic(this.#prefix, message.topic)
      stationId = parsed.stationId
      kind = parsed.kind
    } catch {
      this.#ignored += 1
      return false
    }
    if (kind !== 'status' && kind !== 'telemetry' && kind !== 'events') {
      this.#ignored += 1
      return false
    }
    // An empty retained message clears the topic on the broker: the station was removed.
    if (kind === 'status' && message.payload.length === 0) {
      this.#stations.delete(stationId)
      return true
    }
    let body: unknown
    try {
      body = decodePayload(message.payload)
    } catch {
      this.#ignored += 1
      return false
    }
    const record = recordOf(body)
    if (record === null) {
      this.#ignored += 1
      return false
    }
    const facts = this.#stations.get(stationId) ?? emptyFacts(stationId)
    this.#stations.set(stationId, foldStation(facts, kind, record, message.retain))
    return true
  }

  /** Every station's row at `nowMs`, trouble first. */
  rows(nowMs: number, thresholds: FleetThresholds = DEFAULT_FLEET_THRESHOLDS): FleetRow[] {
    return [...this.#stations.values()].map((facts) => rowOf(facts, nowMs, thresholds)).sort(compareRows)
  }

  snapshot(nowMs: number, thresholds: FleetThresholds = DEFAULT_FLEET_THRESHOLDS): FleetSnapshot {
    return { stations: this.rows(nowMs, thresholds) }
  }
}

/** Status `flows` is a list of ids today and of `{id, version}` soon (docs/mqtt.md): both are read. */
function flowsOf(value: unknown): Array<{ id: string; version: number | null }> {
  if (!Array.isArray(value)) return []
  const flows: Array<{ id: string; version: number | null }> = []
  for (const item of value) {
    if (typeof item === 'string') flows.push({ id: item, version: null })
    else {
      const record = recordOf(item)
      const id = stringOf(record?.['id'])
      if (id !== null) flows.push({ id, version: numberOf(record?.['version']) })
    }
  }
  return flows
}

function recordOf(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null
}

function stringOf(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null
}

function numberOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? value : null
}

function timeOf(value: unknown): number | null {
  if (typeof value !== 'string') return null
  const ms = Date.parse(value)
  return Number.isFinite(ms) ? ms : null
}
