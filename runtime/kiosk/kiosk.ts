/**
 * The resident-facing station's wiring: runs the kiosk machine (runtime/kiosk/kiosk-machine.ts: welcome,
 * menu, one flow session, end screen, idle timeout; docs/flows.md, "The kiosk machine") with the
 * injected clock, display, printer, outbox and calls to central, and feeds every result and timer
 * back as an event. Owns no device: it is handed a display function, a printer and the outbox.
 */
import { randomUUID } from 'node:crypto'
import type { KeyName, Language } from '../../config/schema.js'
import type { Printer } from '../../drivers/printer/printer.js'
import type { FlowDefinition, FlowValue } from '../../flows/engine/flow-types.js'
import type { SessionEvent } from '../../flows/engine/session-state.js'
import type { CardPresented } from '../bus/events.js'
import type { Clock } from '../core/clock.js'
import { EffectTimers } from '../core/effect-timers.js'
import { isStationError, StationError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Outbox } from '../outbox/outbox-types.js'
import { initialKioskState, kioskTransition, serving, type KioskEffect, type KioskEvent, type KioskSettings, type KioskState, type Phase, type SessionCall } from './kiosk-machine.js'
import { residentView, type ResidentView } from './resident-view.js'
import { FULLY_AVAILABLE, type StationAvailability } from './station-availability.js'
import type { ChipAccessKeys } from './chip-access.js'
import type { CardResult } from './identity-from-card.js'

export type { Phase } from './kiosk-machine.js'

export interface KioskOptions {
  clock: Clock
  log: Logger
  /** Puts four rows on the resident's display (the driver folds and pads). */
  showRows: (rows: string[]) => void
  printer: Printer
  outbox: Outbox
  /** Calls to central (MQTT 5 request/response) and inbound notifications; they reject when central is out of reach. */
  central: CentralCalls
  /** Flows offered on the menu, in menu order; read at each new session so reloads apply to new sessions only. */
  flows: () => FlowDefinition[]
  /** Tells central something happened; never personal data. */
  event: (type: string, fields: Record<string, string | number | boolean>) => void
  /** Told after each change of `phase` (the status LEDs follow it). */
  phaseChanged?: (phase: Phase) => void
  /** Whether submissions are reaching central now; shown as a hint on the welcome screen. */
  isOnline: () => boolean
  /** What the station can do now (devices' health, central); absent: everything. */
  available?: () => StationAvailability
  defaultLanguage: Language
  /** Printed on receipts ({{station.id}}). */
  stationId: string
  /** Named at the head of every receipt (config `station.site`, `station.agency`); default: not set. */
  site?: string | null
  agency?: string | null
  idleTimeoutMs: number
  endScreenMs: number
  cols: number
  rows: number
  /** Told when the outbox refused a submission (E_OUTBOX_FULL or E_OUTBOX_IO), so storage is looked at again now. */
  storeFailed?: (code: string) => void
  /**
   * Reads the CCCD chip in the NFC reader's field with these keys and checks it (runtime/chip/chip-identity.ts);
   * absent without an NFC reader. Never rejects: a refusal is a result.
   */
  readChip?: (access: ChipAccessKeys) => Promise<CardResult>
}

/** What flows may ask of central; the station passes MQTT-backed calls. */
export interface CentralCalls {
  request(method: string, body: Record<string, FlowValue>, options: { timeoutMs: number; signal: AbortSignal }): Promise<unknown>
  waitFor(event: string, match: Record<string, FlowValue>, options: { timeoutMs: number; signal: AbortSignal }): Promise<Record<string, unknown>>
}

export class Kiosk {
  #o: KioskOptions
  #state: KioskState
  readonly #timers: EffectTimers<string>
  /** Requests and waits in flight, by `serial:call`: what an abort stops. */
  #calls = new Map<string, AbortController>()
  #queue: KioskEvent[] = []
  #busy = false
  /** Set once the station is to stop: resolved when the restarting screen shows. */
  #stopping: { shown: Promise<void>; resolve: () => void } | null = null

  constructor(options: KioskOptions) {
    this.#o = options
    this.#timers = new EffectTimers(options.clock, (timer) => this.#dispatch({ kind: 'timer', timer }))
    this.#state = initialKioskState({
      settings: kioskSettings(options),
      stationId: options.stationId,
      cols: options.cols,
      rows: options.rows,
    })
  }

  get phase(): Phase {
    return this.#state.phase
  }

  /** The resident's screen and session, for technicians and the status report (never personal data). */
  view(): ResidentView {
    const session = this.#state.session
    return residentView(this.#state.phase, session ? { flowId: session.flow.id, state: session.state } : null, this.#o.clock.now())
  }

  /** The current step of the running flow (for technicians: never personal data). */
  get currentStep(): { flow: string; step: string | null } | null {
    const { flow, step } = this.view()
    return flow === null ? null : { flow, step }
  }

  start(): void {
    this.#dispatch({ kind: 'start' })
  }

  /** A resident is being served: choosing a procedure, in one, or reading its end screen. */
  get serving(): boolean {
    return serving(this.#state.phase)
  }

  /**
   * The station is about to stop or restart (docs/deployment.md): nobody new is served, the
   * resident being served finishes (or leaves: the idle timeout), then the restarting screen
   * shows. Resolves when it shows.
   */
  finishThenRestart(): Promise<void> {
    const stopping = this.#stoppingPromise()
    this.#dispatch({ kind: 'finishThenRestart' })
    return stopping
  }

  /** The wait is over: the restarting screen now, whatever the resident was doing. */
  restartNow(): void {
    void this.#stoppingPromise()
    this.#dispatch({ kind: 'restartNow' })
  }

  stop(): void {
    this.#dispatch({ kind: 'stop' })
  }

  /**
   * Changes the session timings, the default language and the receipts' site and agency (remote
   * config, docs/remote-config.md). Meant for the time between residents: a countdown already running
   * keeps its length, a session already running keeps the site it started with.
   */
  setSettings(settings: { idleTimeoutMs: number; endScreenMs: number; defaultLanguage: Language; site?: string | null; agency?: string | null }): void {
    this.#dispatch({ kind: 'settings', settings: kioskSettings(settings) })
  }

  /** Maintenance: wipe any session and show the maintenance screen until turned off. */
  setMaintenance(on: boolean): void {
    this.#dispatch({ kind: 'maintenance', on })
  }

  /**
   * Storage full or back (runtime/state/storage-watch.ts): while not accepting, the welcome screen
   * says so and a procedure that would store a submission is refused at the menu; look-ups still run.
   */
  setAccepting(accepting: boolean): void {
    this.#dispatch({ kind: 'accepting', accepting })
  }

  get accepting(): boolean {
    return this.#state.accepting
  }

  /**
   * The keypad went down or came back (its health, docs/operations.md). While it is down the
   * welcome screen says so; a session under way is left to its idle timeout, which ends on the
   * same screen (a short glitch must not throw a resident's answers away).
   */
  setKeypadDown(down: boolean): void {
    this.#dispatch({ kind: 'keypadDown', down })
  }

  /** Re-draws the welcome screen when it is showing (e.g. the online hint changed). */
  refresh(): void {
    this.#dispatch({ kind: 'refresh' })
  }

  key(key: KeyName): void {
    this.#dispatch({ kind: 'key', key })
  }

  card(card: CardPresented): void {
    this.#dispatch({ kind: 'card', card })
  }

  /** A reader delivered something that is not a card (garbage, half a QR). */
  unreadable(): void {
    this.#dispatch({ kind: 'unreadable' })
  }

  #stoppingPromise(): Promise<void> {
    if (!this.#stopping) {
      let resolve = () => {}
      const shown = new Promise<void>((done) => (resolve = done))
      this.#stopping = { shown, resolve }
    }
    return this.#stopping.shown
  }

  /** An event raised while effects run (a callback that calls back in) waits its turn. */
  #dispatch(event: KioskEvent): void {
    this.#queue.push(event)
    if (this.#busy) return
    this.#busy = true
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        const o = this.#o
        const result = kioskTransition(this.#state, next, {
          nowMs: o.clock.now(),
          flows: () => o.flows(),
          online: () => o.isOnline(),
          available: () => o.available?.() ?? FULLY_AVAILABLE,
        })
        this.#state = result.state
        for (const effect of result.effects) this.#run(effect)
      }
    } finally {
      this.#busy = false
      this.#queue = []
    }
  }

  #run(effect: KioskEffect): void {
    const o = this.#o
    switch (effect.kind) {
      case 'rows':
        return o.showRows(effect.rows)
      case 'phase':
        return o.phaseChanged?.(effect.phase)
      case 'log':
        if (effect.level === 'warn') o.log.warn(effect.fields, effect.message)
        else o.log.info(effect.fields, effect.message)
        return
      case 'event':
        return o.event(effect.type, effect.fields)
      case 'startTimer':
        return this.#timers.start(effect.timer, effect.ms)
      case 'cancelTimer':
        return this.#timers.cancel(effect.timer)
      case 'call':
        return this.#call(effect.serial, effect.effect)
      case 'storeFailed':
        return o.storeFailed?.(effect.code)
      case 'restartingShown':
        return this.#stopping?.resolve()
      case 'readChip':
        return this.#readChip(effect.attempt, effect.access)
    }
  }

  /** Does a session's device call and feeds its outcome back (a synchronous throw counts as a rejection). */
  #call(serial: number, effect: SessionCall): void {
    const o = this.#o
    const key = `${serial}:${'call' in effect ? effect.call : ''}`
    const settle = <T>(run: () => Promise<T>, done: (value: T) => SessionEvent): void => {
      attempt(run).then(
        (value) => {
          this.#calls.delete(key)
          this.#dispatch({ kind: 'session', serial, event: done(value) })
        },
        (error: unknown) => {
          this.#calls.delete(key)
          this.#dispatch({ kind: 'session', serial, event: { kind: 'failed', call: effect.call, code: codeOf(error), timeout: isTimeout(error) } })
        },
      )
    }
    switch (effect.kind) {
      case 'print':
        return settle(() => o.printer.print(effect.receipt), () => ({ kind: 'printed', call: effect.call }))
      case 'request': {
        const signal = this.#signal(key)
        return settle(() => o.central.request(effect.method, effect.body, { timeoutMs: effect.timeoutMs, signal }), (reply) => ({ kind: 'replied', call: effect.call, reply }))
      }
      case 'waitFor': {
        const signal = this.#signal(key)
        return settle(() => o.central.waitFor(effect.event, effect.match, { timeoutMs: effect.timeoutMs, signal }), (fields) => ({ kind: 'notified', call: effect.call, fields }))
      }
      case 'abort': {
        const controller = this.#calls.get(key)
        this.#calls.delete(key)
        controller?.abort(new StationError('E_CANCELED', 'the flow left the step'))
        return
      }
      case 'submit': {
        const id = randomUUID()
        const { flow, flowVersion, data } = effect.request
        attempt(() => o.outbox.append({ id, flow, flowVersion, createdAt: new Date(o.clock.now()).toISOString(), data })).then(
          () => this.#dispatch({ kind: 'stored', serial, call: effect.call, id, flow, version: flowVersion }),
          (error: unknown) => {
            const code = isStationError(error) ? error.code : 'E_OUTBOX_IO'
            this.#dispatch({ kind: 'notStored', serial, call: effect.call, flow, code, sessionCode: codeOf(error), timeout: isTimeout(error) })
          },
        )
        return
      }
    }
  }

  #readChip(read: number, access: ChipAccessKeys): void {
    const readChip = this.#o.readChip
    const result: Promise<CardResult> = readChip
      ? attempt(() => readChip(access))
      : Promise.resolve({ ok: false, reason: 'no chip reader', code: 'E_DEVICE_ABSENT', chipReason: 'chip_error' })
    void result
      .catch((error: unknown): CardResult => ({ ok: false, reason: 'chip reader failed', code: codeOf(error), chipReason: 'chip_error' }))
      .then((outcome) => this.#dispatch({ kind: 'chipRead', attempt: read, result: outcome }))
  }

  #signal(key: string): AbortSignal {
    const controller = new AbortController()
    this.#calls.set(key, controller)
    return controller.signal
  }
}

function attempt<T>(run: () => Promise<T>): Promise<T> {
  try {
    return run()
  } catch (error) {
    return Promise.reject(error)
  }
}

/** A failure counts as a timeout when the effect says so: E_DEVICE_TIMEOUT, or an AbortSignal.timeout() error. */
function isTimeout(error: unknown): boolean {
  if (isStationError(error)) return error.code === 'E_DEVICE_TIMEOUT'
  return error instanceof Error && error.name === 'TimeoutError'
}

/** What an event may say about a failure: the StationError code, never its message (it may quote data). */
function codeOf(error: unknown): string {
  if (isStationError(error)) return error.code
  return isTimeout(error) ? 'timeout' : 'unknown'
}

/** The machine's settings from the kiosk's options or a live change: a site or agency not given is none. */
function kioskSettings(settings: { idleTimeoutMs: number; endScreenMs: number; defaultLanguage: Language; site?: string | null; agency?: string | null }): KioskSettings {
  return {
    idleTimeoutMs: settings.idleTimeoutMs,
    endScreenMs: settings.endScreenMs,
    defaultLanguage: settings.defaultLanguage,
    site: settings.site ?? null,
    agency: settings.agency ?? null,
  }
}
