/**
 * Checks the body of an opened `command` envelope (docs/security.md, "Bodies"): addressed to this
 * station, named as its topic, issued within the skew window, never seen before, a command this
 * station knows, with arguments it accepts. Pure: time and the replay cache are handed in.
 */
import type { EnvelopeRefusal } from './signed-envelope.js'

/** Every reason a command is refused; the same words go on the response topic, events and logs. */
export type CommandRefusal =
  | EnvelopeRefusal
  | 'bad-response-topic'
  | 'wrong-station'
  | 'wrong-name'
  | 'stale'
  | 'future'
  | 'replayed'
  | 'unknown-command'
  | 'bad-args'

/** Checks and normalises one command's `args`; a string is the reason they are refused. */
export type ArgsParser = (args: Readonly<Record<string, unknown>>) => { ok: true; value: unknown } | { ok: false; message: string }

/** A command that passed every check. */
export interface AcceptedCommand {
  name: string
  nonce: string
  issuedAtMs: number
  /** Run now even while a resident is being served (docs/operations.md, "Queueing"). */
  urgent: boolean
  /** The args as the command's parser returned them. */
  args: unknown
}

export type CommandCheck =
  | { ok: true; command: AcceptedCommand }
  | { ok: false; reason: CommandRefusal; message: string; nonce?: string }

export interface CommandCheckContext {
  stationId: string
  /** The last level of the topic the command arrived on. */
  topicName: string
  nowMs: number
  maxSkewS: number
  /** True when this nonce was accepted before (the on-disk replay cache, NonceCache.seen). */
  seen(nonce: string, issuedAtMs: number): boolean
  /** The station's commands by name, each with its argument check. */
  commands: ReadonlyMap<string, ArgsParser>
}

export const NONCE_MIN_CHARS = 8
export const NONCE_MAX_CHARS = 128
/** ISO 8601 date and time with seconds and an explicit zone, as `Date.toISOString()` writes it. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/

/**
 * Order matters: the shape first, then who it is for, then time, then replay (so a stale nonce is
 * reported stale, not replayed), then whether this station knows the command and its arguments.
 */
export function checkCommand(body: unknown, context: CommandCheckContext): CommandCheck {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, reason: 'malformed', message: 'command body is not a JSON object' }
  }
  const { station, name, args, issuedAt, nonce, urgent } = body as Record<string, unknown>
  if (typeof nonce !== 'string' || nonce.length < NONCE_MIN_CHARS || nonce.length > NONCE_MAX_CHARS) {
    return { ok: false, reason: 'malformed', message: `nonce must be a string of ${NONCE_MIN_CHARS} to ${NONCE_MAX_CHARS} characters` }
  }
  const refuse = (reason: CommandRefusal, message: string): CommandCheck => ({ ok: false, reason, message, nonce })
  if (typeof station !== 'string' || typeof name !== 'string') return refuse('malformed', 'station and name must be strings')
  if (typeof issuedAt !== 'string' || !ISO_INSTANT.test(issuedAt) || !Number.isFinite(Date.parse(issuedAt))) {
    return refuse('malformed', 'issuedAt must be an ISO 8601 date and time with a zone')
  }
  if (urgent !== undefined && typeof urgent !== 'boolean') return refuse('malformed', 'urgent must be true or false')
  if (station !== context.stationId) return refuse('wrong-station', 'command is addressed to another station')
  if (name !== context.topicName) return refuse('wrong-name', 'command name does not match its topic')
  const issuedAtMs = Date.parse(issuedAt)
  const skewMs = context.maxSkewS * 1000
  if (issuedAtMs < context.nowMs - skewMs) return refuse('stale', `issued more than ${context.maxSkewS} s ago`)
  if (issuedAtMs > context.nowMs + skewMs) return refuse('future', `issued more than ${context.maxSkewS} s ahead of the station's clock`)
  if (context.seen(nonce, issuedAtMs)) return refuse('replayed', 'this nonce was used before')
  const parse = context.commands.get(name)
  if (parse === undefined) return refuse('unknown-command', `this station has no command '${name.slice(0, 64)}'`)
  const rawArgs = args === undefined ? {} : args
  if (rawArgs === null || typeof rawArgs !== 'object' || Array.isArray(rawArgs)) return refuse('bad-args', 'args must be a JSON object')
  const parsed = parse(rawArgs as Record<string, unknown>)
  if (!parsed.ok) return refuse('bad-args', parsed.message)
  return { ok: true, command: { name, nonce, issuedAtMs, urgent: urgent === true, args: parsed.value } }
}
