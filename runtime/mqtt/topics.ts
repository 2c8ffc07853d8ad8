/**
 * The only place MQTT topic strings are built or taken apart: `<prefix>/<station>/<kind>[/<name>]`
 * (docs/mqtt.md). Pure; malformed input throws E_CODEC_INVALID.
 */
import { StationError } from '../core/errors.js'

/** Topic kinds that carry no name after them. */
export const FIXED_TOPIC_KINDS = [
  'status',
  'telemetry',
  'events',
  'submissions',
  'rpc/response',
  'notify',
  'config/desired',
  'config/reported',
  'flows/bundle',
] as const

export type FixedTopicKind = (typeof FIXED_TOPIC_KINDS)[number]

/** One station topic, as data. `method` and `name` are single topic levels. */
export type StationTopic =
  | { stationId: string; kind: FixedTopicKind }
  | { stationId: string; kind: 'rpc/request'; method: string }
  | { stationId: string; kind: 'cmd'; name: string }
  | { stationId: string; kind: 'cmd-reply'; client: string }

/**
 * Throws unless `level` can stand as one topic level: not empty, and no `/` (level separator),
 * `+` or `#` (wildcards) or U+0000 (MQTT 5 spec 4.7 and 1.5.4).
 */
export function assertTopicLevel(level: string, what: string): void {
  if (!isTopicLevel(level)) {
    throw new StationError('E_CODEC_INVALID', `${what} is not a valid MQTT topic level`, { what, value: level })
  }
}

/** Throws unless `prefix` is one or more valid levels joined by `/` (e.g. `cs/v1`). */
export function assertTopicPrefix(prefix: string): void {
  for (const level of prefix.split('/')) assertTopicLevel(level, 'topic prefix')
}

function isTopicLevel(level: string): boolean {
  return level.length > 0 && !/[/+#\u0000]/.test(level)
}

/** Builds the topic string for `topic` under `prefix`. */
export function formatStationTopic(prefix: string, topic: StationTopic): string {
  assertTopicPrefix(prefix)
  assertTopicLevel(topic.stationId, 'station id')
  const base = `${prefix}/${topic.stationId}`
  switch (topic.kind) {
    case 'rpc/request':
      assertTopicLevel(topic.method, 'rpc method')
      return `${base}/rpc/request/${topic.method}`
    case 'cmd':
      assertTopicLevel(topic.name, 'command name')
      return `${base}/cmd/${topic.name}`
    case 'cmd-reply':
      assertTopicLevel(topic.client, 'reply client')
      return `${base}/cmd-reply/${topic.client}`
    default:
      return `${base}/${topic.kind}`
  }
}

/** Parses a topic under `prefix`; throws E_CODEC_INVALID for anything outside the scheme. */
export function parseStationTopic(prefix: string, topic: string): StationTopic {
  assertTopicPrefix(prefix)
  const invalid = () => new StationError('E_CODEC_INVALID', 'not a station topic', { prefix, topic })
  if (!topic.startsWith(`${prefix}/`)) throw invalid()
  const [stationId, ...rest] = topic.slice(prefix.length + 1).split('/')
  if (stationId === undefined || !isTopicLevel(stationId)) throw invalid()
  const kind = rest.join('/')
  if ((FIXED_TOPIC_KINDS as readonly string[]).includes(kind)) {
    return { stationId, kind: kind as FixedTopicKind }
  }
  const [first, second, third, ...extra] = rest
  if (extra.length > 0) throw invalid()
  if (first === 'rpc' && second === 'request' && third !== undefined && isTopicLevel(third)) {
    return { stationId, kind: 'rpc/request', method: third }
  }
  if (first === 'cmd' && second !== undefined && third === undefined && isTopicLevel(second)) {
    return { stationId, kind: 'cmd', name: second }
  }
  if (first === 'cmd-reply' && second !== undefined && third === undefined && isTopicLevel(second)) {
    return { stationId, kind: 'cmd-reply', client: second }
  }
  throw invalid()
}

/** Every topic of one station, built once (validates prefix and station id up front). */
export interface StationTopics {
  readonly status: string
  readonly telemetry: string
  readonly events: string
  readonly submissions: string
  readonly rpcResponse: string
  /** Central -> station notifications `{ type, ts, ...fields }` (payment.confirmed, submission.accepted). */
  readonly notify: string
  readonly configDesired: string
  readonly configReported: string
  readonly flowsBundle: string
  /** `<base>/rpc/request/<method>`; throws E_CODEC_INVALID for a method that is not one level. */
  rpcRequest(method: string): string
  /** `<base>/cmd/<name>`; throws E_CODEC_INVALID for a name that is not one level. */
  cmd(name: string): string
  /** Filter matching every command topic of this station: `<base>/cmd/+`. */
  readonly cmdFilter: string
  /** `<base>/cmd-reply/<client>`: where operations' tools wait for command responses (docs/security.md). */
  cmdReply(client: string): string
  /** Every command response topic of this station: `<base>/cmd-reply/`; a responseTopic must start with it. */
  readonly cmdReplyPrefix: string
}

export function stationTopics(prefix: string, stationId: string): StationTopics {
  const fixed = (kind: FixedTopicKind) => formatStationTopic(prefix, { stationId, kind })
  return {
    status: fixed('status'),
    telemetry: fixed('telemetry'),
    events: fixed('events'),
    submissions: fixed('submissions'),
    rpcResponse: fixed('rpc/response'),
    notify: fixed('notify'),
    configDesired: fixed('config/desired'),
    configReported: fixed('config/reported'),
    flowsBundle: fixed('flows/bundle'),
    rpcRequest: (method) => formatStationTopic(prefix, { stationId, kind: 'rpc/request', method }),
    cmd: (name) => formatStationTopic(prefix, { stationId, kind: 'cmd', name }),
    cmdFilter: `${prefix}/${stationId}/cmd/+`,
    cmdReply: (client) => formatStationTopic(prefix, { stationId, kind: 'cmd-reply', client }),
    cmdReplyPrefix: `${prefix}/${stationId}/cmd-reply/`,
  }
}

/** True when `topic` matches the subscription `filter` with MQTT's `+` (one level) and `#` (the rest) wildcards. */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  const filterLevels = filter.split('/')
  const topicLevels = topic.split('/')
  for (let index = 0; index < filterLevels.length; index++) {
    const level = filterLevels[index]
    if (level === '#') return true
    if (index >= topicLevels.length) return false
    if (level !== '+' && level !== topicLevels[index]) return false
  }
  return filterLevels.length === topicLevels.length
}
