/**
 * Signed commands from operations (docs/security.md, docs/operations.md): every message on
 * `cs/v1/S/cmd/+` is checked (size, response topic, envelope, body, replay), answered on its MQTT 5
 * response topic, and run, or queued until the resident being served has left when it would
 * disturb them. Nothing a sender does reaches further than a refusal with a reason: messages are
 * handled one at a time, every failure is caught, and the inbox is bounded.
 */
import type { Clock, TimerHandle } from '../core/clock.js'
import { isStationError, messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { InboundHandler, InboundMessage, PublishOptions } from '../mqtt/mqtt-link.js'
import type { StationTopics } from '../mqtt/topics.js'
import type { Unsubscribe } from '../outbox/outbox-types.js'
import type { Health, Service, ServiceContext } from '../supervisor/service.js'
import { checkCommand, type AcceptedCommand, type ArgsParser, type CommandRefusal } from './command-check.js'
import type { CommandHandler, CommandHandlers } from './command-handlers.js'
import { DEFAULT_MAX_NONCES, NonceCache } from './nonce-cache.js'
import { openEnvelope, type TrustedKeys } from './signed-envelope.js'

/** The part of MqttLink the service uses. */
export interface CommandLink {
  readonly topics: Pick<StationTopics, 'cmdFilter' | 'cmdReplyPrefix'>
  subscribe(filter: string, handler: InboundHandler): Unsubscribe
  publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<void>
}

export type CommandStatus = 'done' | 'queued' | 'refused' | 'failed'

/** What goes back on the response topic (docs/security.md, "Command responses"). */
export interface CommandResponse {
  name: string
  nonce?: string
  status: CommandStatus
  reason?: string
  message?: string
  result?: unknown
  ts: string
}

export interface CommandServiceOptions {
  link: CommandLink
  stationId: string
  /** ops.trustedKeys, loaded. */
  trustedKeys: TrustedKeys
  /** ops.maxSkewS */
  maxSkewS: number
  /** `<dataDir>/ops/nonces.json` */
  noncePath: string
  handlers: CommandHandlers
  /** True while a resident is being served (menu, procedure, end screen): disturbing commands wait. */
  residentPresent: () => boolean
  /**
   * Tells central (events topic); never personal data. The command goes in `command`, not `name`:
   * events refuse a `name` field as possible identity data (runtime/mqtt/payloads.ts).
   */
  event: (type: string, fields: Record<string, string | number | boolean>) => void
  clock: Clock
  log: Logger
  /** Largest accepted payload; default 64 KiB. */
  maxPayloadBytes?: number
  /** How often a waiting command looks whether the resident has left; default 500 ms. */
  queuePollMs?: number
  /** Most commands waiting for a session to end; default 16. */
  maxQueued?: number
  /** Most messages waiting to be checked; more are dropped (a flood); default 64. */
  maxInbox?: number
  /** Replay cache bound; default DEFAULT_MAX_NONCES. */
  maxNonces?: number
}

export const DEFAULT_MAX_COMMAND_BYTES = 64 * 1024
/** Longest command name put in events and logs: it comes from the topic, which the sender chose. */
const NAME_MAX_CHARS = 64

interface Queued {
  command: AcceptedCommand
  handler: CommandHandler
  replyTo: Reply
}

/** Where and how one command is answered. */
interface Reply {
  topic: string
  correlationData: Buffer | undefined
}

export class CommandService implements Service {
  readonly name = 'ops-commands'
  readonly #o: CommandServiceOptions
  readonly #log: Logger
  readonly #parsers: ReadonlyMap<string, ArgsParser>
  #nonces: NonceCache | undefined
  #unsubscribe: Unsubscribe | undefined
  /** Messages are checked and commands run one at a time, in arrival order. */
  #work: Promise<void> = Promise.resolve()
  #inbox = 0
  #queue: Queued[] = []
  #pollTimer: TimerHandle | undefined
  #running = false
  #counts = { refused: 0, ran: 0, queued: 0, dropped: 0 }

  constructor(options: CommandServiceOptions) {
    this.#o = options
    this.#log = options.log.child({ component: 'runtime.ops.commands' })
    this.#parsers = new Map([...options.handlers].map(([name, handler]) => [name, handler.parseArgs]))
  }

  async start(_context?: ServiceContext): Promise<void> {
    if (this.#running) return
    this.#nonces ??= await NonceCache.open({
      path: this.#o.noncePath,
      clock: this.#o.clock,
      ttlMs: 2 * this.#o.maxSkewS * 1000,
      maxEntries: this.#o.maxNonces ?? DEFAULT_MAX_NONCES,
      log: this.#log,
    })
    this.#running = true
    this.#unsubscribe = this.#o.link.subscribe(this.#o.link.topics.cmdFilter, (message) => this.#receive(message))
  }

  /** Stops listening; commands still waiting for a session to end are answered failed. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    if (this.#pollTimer) this.#o.clock.clearTimeout(this.#pollTimer)
    this.#pollTimer = undefined
    await this.#work
    const queued = this.#queue
    this.#queue = []
    await Promise.all(
      queued.map(({ command, replyTo }) =>
        this.#respond(replyTo, { name: command.name, nonce: command.nonce, status: 'failed', reason: 'stopping', message: 'the station stopped before it could run this command' }),
      ),
    )
  }

  health(): Health {
    return {
      state: this.#running ? 'ok' : 'stopped',
      detail: { waiting: this.#queue.length, ...this.#counts },
    }
  }

  #receive(message: InboundMessage): void {
    if (!this.#running) return
    const maxInbox = this.#o.maxInbox ?? 64
    if (this.#inbox >= maxInbox) {
      this.#counts.dropped += 1
      this.#log.warn({ inbox: this.#inbox }, 'command dropped: too many waiting to be checked')
      return
    }
    this.#inbox += 1
    this.#enqueueWork(async () => {
      this.#inbox -= 1
      await this.#handle(message)
    })
  }

  #enqueueWork(work: () => Promise<void>): void {
    this.#work = this.#work.then(work).catch((error: unknown) => this.#log.error({ err: error }, 'command handling failed'))
  }

  async #handle(message: InboundMessage): Promise<void> {
    const prefix = this.#o.link.topics.cmdFilter.slice(0, -1)
    const topicName = message.topic.startsWith(prefix) ? message.topic.slice(prefix.length) : message.topic
    const name = topicName.slice(0, NAME_MAX_CHARS)
    const maxBytes = this.#o.maxPayloadBytes ?? DEFAULT_MAX_COMMAND_BYTES
    const replyTo = this.#replyTarget(message)
    if (replyTo === undefined) {
      // Never publish where a sender points outside our own reply topics (docs/security.md).
      return this.#refuse(undefined, name, undefined, 'bad-response-topic', `response topic must start with ${this.#o.link.topics.cmdReplyPrefix}`)
    }
    const opened = openEnvelope(message.payload, 'command', this.#o.trustedKeys, maxBytes)
    if (!opened.ok) return this.#refuse(replyTo, name, undefined, opened.reason, opened.message)
    const nonces = this.#nonces
    if (!nonces) return
    const checked = checkCommand(opened.body, {
      stationId: this.#o.stationId,
      topicName,
      nowMs: this.#o.clock.now(),
      maxSkewS: this.#o.maxSkewS,
      seen: (nonce, issuedAtMs) => nonces.seen(nonce, issuedAtMs),
      commands: this.#parsers,
    })
    if (!checked.ok) return this.#refuse(replyTo, name, checked.nonce, checked.reason, checked.message)
    const { command } = checked
    const handler = this.#o.handlers.get(command.name)
    if (!handler) return
    try {
      // On disk before anything runs: a crash after running must not let the same command in again.
      await nonces.remember(command.nonce)
    } catch (error) {
      this.#log.error({ err: error, command: name }, 'command not run: the replay cache could not be written')
      await this.#respond(replyTo, { name, nonce: command.nonce, status: 'failed', reason: 'replay-cache', message: messageOf(error) })
      return
    }
    this.#log.info({ command: name, keyId: opened.keyId, urgent: command.urgent }, 'command accepted')
    if (!command.urgent && this.#disturbs(handler, command) && this.#o.residentPresent()) {
      await this.#queueCommand({ command, handler, replyTo })
      return
    }
    await this.#run({ command, handler, replyTo })
  }

  #disturbs(handler: CommandHandler, command: AcceptedCommand): boolean {
    try {
      return handler.disturbs(command.args)
    } catch {
      return true
    }
  }

  /** The request's response topic when it lies under our cmd-reply prefix and is one topic level deep. */
  #replyTarget(message: InboundMessage): Reply | undefined {
    const topic = message.responseTopic
    const prefix = this.#o.link.topics.cmdReplyPrefix
    if (topic === undefined || !topic.startsWith(prefix)) return undefined
    const client = topic.slice(prefix.length)
    if (client.length === 0 || /[/+#\u0000]/.test(client)) return undefined
    return { topic, correlationData: message.correlationData }
  }

  async #refuse(replyTo: Reply | undefined, name: string, nonce: string | undefined, reason: CommandRefusal, message: string): Promise<void> {
    this.#counts.refused += 1
    // The reason only: the message may quote what the sender put in the payload.
    this.#log.warn({ command: name, reason }, 'command refused')
    this.#o.event('command.refused', { command: name, reason })
    if (replyTo) await this.#respond(replyTo, { name, ...(nonce === undefined ? {} : { nonce }), status: 'refused', reason, message })
  }

  async #queueCommand(queued: Queued): Promise<void> {
    const { command, replyTo } = queued
    if (this.#queue.length >= (this.#o.maxQueued ?? 16)) {
      await this.#respond(replyTo, { name: command.name, nonce: command.nonce, status: 'failed', reason: 'queue-full', message: 'too many commands are waiting for the session to end' })
      return
    }
    this.#queue.push(queued)
    this.#counts.queued += 1
    this.#log.info({ command: command.name, waiting: this.#queue.length }, 'command queued until the session ends')
    this.#o.event('command.queued', { command: command.name })
    await this.#respond(replyTo, { name: command.name, nonce: command.nonce, status: 'queued', message: 'waiting for the current session to end' })
    this.#schedulePoll()
  }

  /**
   * The kiosk has no "session ended" notification, and a session ends in many ways (completed, back
   * to welcome, idle timeout, maintenance): looking at its phase while something waits is simplest.
   */
  #schedulePoll(): void {
    if (this.#pollTimer || !this.#running || this.#queue.length === 0) return
    this.#pollTimer = this.#o.clock.setTimeout(() => {
      this.#pollTimer = undefined
      if (!this.#running) return
      if (this.#residentPresentSafe()) return this.#schedulePoll()
      this.#enqueueWork(() => this.#runQueued())
    }, this.#o.queuePollMs ?? 500)
  }

  #residentPresentSafe(): boolean {
    try {
      return this.#o.residentPresent()
    } catch {
      return true
    }
  }

  async #runQueued(): Promise<void> {
    while (this.#running && this.#queue.length > 0) {
      // A new resident may have arrived while an earlier queued command ran.
      if (this.#residentPresentSafe()) break
      const next = this.#queue.shift() as Queued
      await this.#run(next)
    }
    this.#schedulePoll()
  }

  async #run({ command, handler, replyTo }: Queued): Promise<void> {
    let response: Omit<CommandResponse, 'ts'>
    try {
      const result = await handler.run(command.args)
      response = { name: command.name, nonce: command.nonce, status: 'done', ...(result === undefined ? {} : { result }) }
    } catch (error) {
      const reason = isStationError(error) && typeof error.context.reason === 'string' ? error.context.reason : isStationError(error) ? error.code : 'error'
      response = { name: command.name, nonce: command.nonce, status: 'failed', reason, message: messageOf(error) }
      this.#log.warn({ command: command.name, err: error }, 'command failed')
    }
    this.#counts.ran += 1
    this.#o.event('command.ran', { command: command.name, status: response.status })
    await this.#respond(replyTo, response)
  }

  async #respond(replyTo: Reply, response: Omit<CommandResponse, 'ts'>): Promise<void> {
    const body: CommandResponse = { ...response, ts: new Date(this.#o.clock.now()).toISOString() }
    let bytes: Buffer
    try {
      bytes = Buffer.from(JSON.stringify(body), 'utf8')
    } catch (error) {
      // A result that is not JSON (a cycle, a BigInt): say so rather than stay silent.
      bytes = Buffer.from(JSON.stringify({ ...body, status: 'failed', result: undefined, reason: 'bad-result', message: messageOf(error) }), 'utf8')
    }
    try {
      await this.#o.link.publish(replyTo.topic, bytes, {
        qos: 1,
        ...(replyTo.correlationData === undefined ? {} : { correlationData: replyTo.correlationData }),
      })
    } catch (error) {
      this.#log.warn({ err: error, command: response.name, status: response.status }, 'command response not sent')
    }
  }
}
