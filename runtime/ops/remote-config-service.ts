/**
 * Listens on `cs/v1/S/config/desired` and `cs/v1/S/flows/bundle` (both retained, both signed by
 * operations) and acts on them as docs/remote-config.md describes: desired config is validated,
 * stored and applied live between residents or held for a restart; a flow bundle is checked,
 * installed and given to new sessions. Every outcome goes to the retained `config/reported` and an
 * event. Messages are handled one at a time, in arrival order.
 */
import { createHash } from 'node:crypto'
import type { Config } from '../../config/schema.js'
import type { FlowLoadOptions } from '../../flows/engine/flow-folder.js'
import type { Clock, TimerHandle } from '../core/clock.js'
import { messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { InboundHandler, PublishOptions } from '../mqtt/mqtt-link.js'
import type { StationTopics } from '../mqtt/topics.js'
import type { Unsubscribe } from '../outbox/outbox-types.js'
import type { Health, Service } from '../supervisor/service.js'
import { ConfigReporter, type ReportedDiagnostic } from './config-reported.js'
import {
  changedPaths,
  composeDesired,
  digestOf,
  isLivePath,
  leafPaths,
  MAX_DESIRED_CONFIG_BYTES,
  parseDesiredBody,
  writeDesiredState,
  type AcceptedDesiredConfig,
  type DesiredConfigBody,
  type DesiredAtStart,
  type DesiredConfigState,
  type DesiredRefusal,
} from './desired-config.js'
import { BUNDLE_LIMITS, installBundle, parseBundleBody, type FlowsAtStart, type InstalledBundle } from './flow-bundle.js'
import { openEnvelope, type TrustedKeys } from './signed-envelope.js'

/** The part of MqttLink this service uses. */
export interface RemoteConfigLink {
  readonly isConnected: boolean
  subscribe(filter: string, handler: InboundHandler): Unsubscribe
  publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<void>
  onStateChange(listener: (connected: boolean) => void): Unsubscribe
}

export interface RemoteConfigOptions {
  link: RemoteConfigLink
  topics: Pick<StationTopics, 'configDesired' | 'configReported' | 'flowsBundle'>
  stationId: string
  dataDir: string
  /** The station's own config file (the base every desired config is validated over). */
  fileConfig: Config
  /** What loadDesiredAtStart found; its config is what the station runs. */
  startup: DesiredAtStart
  /** What flowsAtStart chose. */
  flows: FlowsAtStart
  /** Operations' keys (config ops.trustedKeys). */
  trustedKeys: TrustedKeys
  /** The flow checks the station's own flows get (capabilities, display size), and its parse cache. */
  flowOptions: FlowLoadOptions
  /** True when no resident is in front of the station (welcome or maintenance screen). */
  betweenSessions: () => boolean
  /** Applies the LIVE_PATHS values of `config` to the running station. */
  applyLive: (config: Config) => void
  /** Makes new sessions use the flows in `dir`. */
  useFlows: (dir: string) => Promise<void>
  event: (type: string, fields: Record<string, string | number | boolean>) => void
  clock: Clock
  log: Logger
  /** How often a waiting live change looks whether the resident has finished. */
  sessionPollMs?: number
}

/** Diagnostics beyond this many are left out of a report (the count is in the event and message). */
const MAX_REPORTED_DIAGNOSTICS = 50
const DEFAULT_SESSION_POLL_MS = 250

interface PendingLive {
  config: Config
  version: number
  applied: string[]
  pendingRestart: string[]
  live: string[]
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)
}

export class RemoteConfigService implements Service {
  readonly name = 'remote-config'
  readonly #o: RemoteConfigOptions
  readonly #log: Logger
  readonly #reporter: ConfigReporter
  /** The config the process started with: restart-only paths are compared with it. */
  readonly #bootConfig: Config
  /** The boot config with the live changes applied since. */
  #running: Config
  #state: DesiredConfigState
  #installed: InstalledBundle | null
  #highestBundle: number
  #onFallback: boolean
  /** Digests of the last payload handled on each topic: a retained message delivered again on reconnect is skipped. */
  #seenDesired: string | null = null
  #seenBundle: string | null = null
  #pending: PendingLive | null = null
  #pollTimer: TimerHandle | null = null
  #queue: Promise<void> = Promise.resolve()
  #unsubscribes: Unsubscribe[] = []
  #started = false

  constructor(options: RemoteConfigOptions) {
    this.#o = options
    this.#log = options.log.child({ component: 'runtime.ops.remote-config' })
    this.#bootConfig = options.startup.config
    this.#running = options.startup.config
    this.#state = options.startup.state
    this.#installed = options.flows.installed
    this.#highestBundle = options.flows.highestVersion
    this.#onFallback = options.flows.fallback !== undefined && options.flows.highestVersion > 0
    const accepted = this.#state.accepted
    this.#reporter = new ConfigReporter({
      publish: (payload) => options.link.publish(options.topics.configReported, payload, { qos: 1, retain: true }),
      isConnected: () => options.link.isConnected,
      clock: options.clock,
      log: this.#log,
      initial: {
        version: accepted?.version ?? 0,
        appliedAt: options.startup.ignored ? null : (accepted?.acceptedAt ?? null),
        applied: options.startup.applied,
        pendingRestart: [],
        ...(this.#state.refused ? { refused: this.#state.refused } : {}),
        flows: {
          version: options.flows.installed?.version ?? null,
          source: options.flows.installed ? 'bundle' : 'flows-dir',
          ...(options.flows.fallback === undefined ? {} : { fallback: options.flows.fallback }),
        },
      },
    })
  }

  /** The report as published now (also for `station status`). */
  report(): ReturnType<ConfigReporter['current']> {
    return this.#reporter.current()
  }

  async start(): Promise<void> {
    if (this.#started) return
    this.#started = true
    const { link, topics } = this.#o
    this.#unsubscribes = [
      link.subscribe(topics.configDesired, (message) => this.#enqueue(() => this.#onDesired(message.payload))),
      link.subscribe(topics.flowsBundle, (message) => this.#enqueue(() => this.#onBundle(message.payload))),
      link.onStateChange((connected) => {
        if (connected) this.#reporter.publish()
      }),
    ]
    if (link.isConnected) this.#reporter.publish()
  }

  async stop(): Promise<void> {
    this.#started = false
    for (const unsubscribe of this.#unsubscribes) unsubscribe()
    this.#unsubscribes = []
    if (this.#pollTimer) this.#o.clock.clearTimeout(this.#pollTimer)
    this.#pollTimer = null
    await this.#queue
  }

  health(): Health {
    return {
      state: this.#started ? 'ok' : 'stopped',
      detail: {
        configVersion: this.#state.accepted?.version ?? 0,
        flowsVersion: this.#installed?.version ?? 0,
        waitingForSession: this.#pending !== null,
      },
    }
  }

  #enqueue(work: () => Promise<void>): void {
    this.#queue = this.#queue.then(work).catch((error: unknown) => this.#log.error({ err: error }, 'remote config message failed'))
  }

  // ---- desired config -------------------------------------------------------------------------

  async #onDesired(payload: Buffer): Promise<void> {
    // An empty retained message is operations clearing the topic, not a config.
    if (payload.byteLength === 0) return
    const digest = sha256(payload)
    if (digest === this.#seenDesired) return
    this.#seenDesired = digest
    const opened = openEnvelope(payload, 'config', this.#o.trustedKeys, MAX_DESIRED_CONFIG_BYTES)
    if (!opened.ok) {
      this.#o.event('inbound.refused', { kind: 'config/desired', reason: opened.reason })
      // Not from operations: reported, but never written to disk (anyone on the broker could wear it out).
      return this.#refuseDesired(null, opened.reason, [opened.message], false)
    }
    const parsed = parseDesiredBody(opened.body, this.#o.stationId)
    if (!parsed.ok) return this.#refuseDesired(parsed.version, parsed.reason, parsed.problems)
    await this.#accept(parsed.body, opened.keyId)
  }

  /**
   * `config.set` from a signed command (docs/operations.md): `partial` merged over the accepted
   * desired config, as the next version. The same checks and report as config/desired.
   */
  setFromCommand(partial: Record<string, unknown>, keyId: string): Promise<DesiredOutcome> {
    return new Promise((resolve, reject) => {
      this.#enqueue(async () => {
        try {
          const accepted = this.#state.accepted
          const body = {
            station: this.#o.stationId,
            version: (accepted?.version ?? 0) + 1,
            config: deepMerge(accepted?.config ?? {}, partial),
            issuedAt: this.#nowIso(),
          }
          resolve(await this.#accept(body, keyId))
        } catch (error) {
          reject(error)
        }
      })
    })
  }

  /** Whether a partial change (config.set) touches anything that needs a restart. */
  needsRestart(partial: Record<string, unknown>): boolean {
    return leafPaths(partial).some((path) => !isLivePath(path))
  }

  async #accept(body: DesiredConfigBody, keyId: string): Promise<DesiredOutcome> {
    const accepted = this.#state.accepted
    const configDigest = digestOf(body.config)
    if (accepted && body.version === accepted.version && configDigest === accepted.digest) {
      this.#log.debug({ version: body.version }, 'desired config already applied')
      return { ok: true, version: body.version, live: [], pendingRestart: [] }
    }
    if (accepted && body.version <= accepted.version) {
      const problems = [`version: ${body.version} is not above the applied version ${accepted.version}`]
      await this.#refuseDesired(body.version, 'old-version', problems)
      return { ok: false, reason: 'old-version', problems }
    }
    const composed = composeDesired(body.config, this.#o.fileConfig)
    if (!composed.ok) {
      await this.#refuseDesired(body.version, 'invalid-config', composed.problems)
      return { ok: false, reason: 'invalid-config', problems: composed.problems }
    }
    const next = composed.config
    const pendingRestart = changedPaths(this.#bootConfig, next).filter((path) => !isLivePath(path))
    const live = changedPaths(this.#running, next).filter(isLivePath)
    const record: AcceptedDesiredConfig = {
      version: body.version,
      config: body.config,
      issuedAt: body.issuedAt,
      keyId,
      acceptedAt: this.#nowIso(),
      digest: configDigest,
    }
    try {
      await writeDesiredState(this.#o.dataDir, { accepted: record, refused: null })
    } catch (error) {
      const problems = [`cannot store the desired config: ${messageOf(error)}`]
      await this.#refuseDesired(body.version, 'store-failed', problems)
      return { ok: false, reason: 'store-failed', problems }
    }
    this.#state = { accepted: record, refused: null }
    const applied = leafPaths(body.config).filter((path) => !pendingRestart.some((pending) => overlaps(path, pending)))
    this.#log.info({ version: body.version, live, pendingRestart }, 'desired config accepted')
    this.#pending = { config: next, version: body.version, applied, pendingRestart, live }
    if (live.length > 0 && !this.#o.betweenSessions()) {
      this.#reporter.update({
        version: body.version,
        applied: applied.filter((path) => !live.some((waiting) => overlaps(path, waiting))),
        pendingRestart,
        waitingForSession: live,
        refused: undefined,
      })
    }
    this.#applyWhenBetweenSessions()
    return { ok: true, version: body.version, live, pendingRestart }
  }

  /** Applies the pending live change now if no resident is being served, else looks again shortly. */
  #applyWhenBetweenSessions(): void {
    if (this.#pollTimer) this.#o.clock.clearTimeout(this.#pollTimer)
    this.#pollTimer = null
    const pending = this.#pending
    if (!pending || !this.#started) return
    if (pending.live.length > 0 && !this.#o.betweenSessions()) {
      this.#pollTimer = this.#o.clock.setTimeout(() => this.#applyWhenBetweenSessions(), this.#o.sessionPollMs ?? DEFAULT_SESSION_POLL_MS)
      return
    }
    this.#pending = null
    if (pending.live.length > 0) {
      try {
        this.#o.applyLive(pending.config)
      } catch (error) {
        this.#log.error({ err: error, version: pending.version }, 'live config change failed')
      }
    }
    this.#running = pending.config
    this.#reporter.update({
      version: pending.version,
      appliedAt: this.#nowIso(),
      applied: pending.applied,
      pendingRestart: pending.pendingRestart,
      waitingForSession: undefined,
      refused: undefined,
    })
    this.#o.event('config.desired.applied', { version: pending.version, live: pending.live.length, pendingRestart: pending.pendingRestart.length })
    this.#log.info({ version: pending.version, live: pending.live, pendingRestart: pending.pendingRestart }, 'desired config applied')
  }

  async #refuseDesired(version: number | null, reason: string, problems: string[], persist = true): Promise<void> {
    const refused: DesiredRefusal = { version, reason, problems, at: this.#nowIso() }
    this.#log.warn({ version, reason, problems }, 'desired config refused')
    this.#state = { ...this.#state, refused }
    if (persist) {
      try {
        await writeDesiredState(this.#o.dataDir, this.#state)
      } catch (error) {
        this.#log.error({ err: error }, 'cannot store the desired config refusal')
      }
    }
    this.#reporter.update({ refused })
    this.#o.event('config.desired.refused', { version: version ?? 0, reason, problems: problems.length })
  }

  // ---- flow bundles ---------------------------------------------------------------------------

  async #onBundle(payload: Buffer): Promise<void> {
    if (payload.byteLength === 0) return
    const digest = sha256(payload)
    if (digest === this.#seenBundle) return
    this.#seenBundle = digest
    const opened = openEnvelope(payload, 'flow-bundle', this.#o.trustedKeys, BUNDLE_LIMITS.maxEnvelopeBytes)
    if (!opened.ok) {
      this.#o.event('inbound.refused', { kind: 'flows/bundle', reason: opened.reason })
      return this.#refuseBundle(null, opened.reason, opened.message, [])
    }
    const parsed = parseBundleBody(opened.body, this.#o.stationId)
    if (!parsed.ok) return this.#refuseBundle(parsed.version, parsed.reason, parsed.message, [])
    const bundle = parsed.bundle
    if (this.#installed && bundle.version === this.#installed.version && digest === this.#installed.payloadDigest) {
      this.#log.debug({ version: bundle.version }, 'flow bundle already installed')
      return
    }
    // No rollback: only a higher version installs; after a fallback the same version may repair the install.
    const floor = this.#highestBundle
    if (bundle.version < floor || (bundle.version === floor && !this.#onFallback)) {
      return this.#refuseBundle(bundle.version, 'old-version', `version ${bundle.version} is not above the installed version ${floor}`, [])
    }
    const outcome = await installBundle(this.#o.dataDir, bundle, digest, this.#o.flowOptions, this.#nowIso())
    if (!outcome.ok) return this.#refuseBundle(bundle.version, outcome.reason, outcome.message, outcome.diagnostics)
    try {
      await this.#o.useFlows(outcome.dir)
    } catch (error) {
      return this.#refuseBundle(bundle.version, 'install-failed', `installed but not loaded: ${messageOf(error)}`, [])
    }
    this.#installed = outcome.installed
    this.#highestBundle = bundle.version
    this.#onFallback = false
    this.#reporter.update({ flows: { version: bundle.version, source: 'bundle' } })
    this.#o.event('flows.bundle.applied', { version: bundle.version, files: outcome.installed.files.length })
    this.#log.info({ version: bundle.version, files: outcome.installed.files }, 'flow bundle installed; new sessions use it')
  }

  #refuseBundle(version: number | null, reason: string, message: string, diagnostics: ReportedDiagnostic[]): void {
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error')
    this.#log.warn({ version, reason, message, errors: errors.length }, 'flow bundle refused')
    const current = this.#reporter.current().flows
    this.#reporter.update({
      flows: {
        version: current.version,
        source: current.source,
        ...(current.fallback === undefined ? {} : { fallback: current.fallback }),
        refused: { version, reason, message, diagnostics: diagnostics.slice(0, MAX_REPORTED_DIAGNOSTICS), at: this.#nowIso() },
      },
    })
    const first = errors[0]
    this.#o.event('flows.bundle.refused', {
      version: version ?? 0,
      reason,
      errors: errors.length,
      ...(first ? { first: `${first.code} ${first.file}:${first.line}` } : {}),
    })
  }

  #nowIso(): string {
    return new Date(this.#o.clock.now()).toISOString()
  }
}

/** What became of a desired config (config.set answers with it). */
export type DesiredOutcome =
  | { ok: true; version: number; live: string[]; pendingRestart: string[] }
  | { ok: false; reason: string; problems: string[] }

/** `over` laid on `base`, mappings merged key by key, anything else replaced. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key]
    merged[key] = isMapping(current) && isMapping(value) ? deepMerge(current, value) : value
  }
  return merged
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
