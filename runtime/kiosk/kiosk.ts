import { randomUUID } from 'node:crypto'
import type { KeyName, Language } from '../../config/schema.js'
import type { Printer } from '../../drivers/printer/printer.js'
import type { Receipt } from '../../drivers/printer/receipt.js'
import { FlowSession, type FlowEffects } from '../../flows/engine/flow-session.js'
import type { FlowDefinition, FlowValue } from '../../flows/engine/flow-types.js'
import type { Identity } from '../../flows/engine/identity.js'
import { renderScreen } from '../../flows/engine/render-screen.js'
import type { Screen } from '../../flows/engine/screen.js'
import type { CardPresented } from '../bus/events.js'
import type { Clock, TimerHandle } from '../core/clock.js'
import { isStationError, messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Outbox } from '../outbox/outbox-types.js'
import { acceptsIdentitySource } from '../../flows/engine/flow-identity-sources.js'
import { identityFromCard } from './identity-from-card.js'
import { KIOSK_TEXTS, textIn } from './kiosk-texts.js'
import { referenceFromId } from './reference-code.js'

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
  defaultLanguage: Language
  /** Printed on receipts ({{station.id}}). */
  stationId: string
  idleTimeoutMs: number
  endScreenMs: number
  cols: number
  rows: number
  /** Told when the outbox refused a submission (E_OUTBOX_FULL or E_OUTBOX_IO), so storage is looked at again now. */
  storeFailed?: (code: string) => void
}

/** What flows may ask of central; the station passes MQTT-backed calls. */
export interface CentralCalls {
  request(method: string, body: Record<string, FlowValue>, options: { timeoutMs: number; signal: AbortSignal }): Promise<unknown>
  waitFor(event: string, match: Record<string, FlowValue>, options: { timeoutMs: number; signal: AbortSignal }): Promise<Record<string, unknown>>
}

export type Phase = 'welcome' | 'menu' | 'session' | 'ended' | 'maintenance' | 'restarting'

/** How long an error notice (unreadable card) stays before the screen underneath returns. */
const NOTICE_MS = 3000
/** A mistyped key gets a shorter notice: the resident is already looking at the screen. */
const INVALID_KEY_NOTICE_MS = 1500
/** Steps during which the resident waits for the station, not the other way round. */
const BUSY_STEP_KINDS: ReadonlySet<string> = new Set(['request', 'wait_for', 'submit', 'print', 'pay_qr'])
/** "NOT recorded" stays this long before the flow's own failure screen, which then gets its usual end-screen time. */
const NOT_RECORDED_MS = 8000

/** Whether a flow stores a submission; those are the ones refused while storage is full. */
function submits(flow: FlowDefinition): boolean {
  for (const step of flow.steps.values()) if (step.kind === 'submit') return true
  return false
}

/**
 * The resident-facing state machine around flows: welcome (language), the procedure menu, one
 * FlowSession at a time, the end screen, and the idle timeout that wipes everything a resident
 * left behind. Owns no device: it is handed a display function, a printer and the outbox.
 */
export class Kiosk {
  #o: KioskOptions
  #phase: Phase = 'welcome'
  #language: Language
  #identity: Identity | null = null
  #session: FlowSession | null = null
  #sessionFlow: FlowDefinition | null = null
  #menuFlows: FlowDefinition[] = []
  #page = 0
  #screen: Screen | null = null
  #idleTimer: TimerHandle | null = null
  #endTimer: TimerHandle | null = null
  #noticeTimer: TimerHandle | null = null
  /** False while storage is full: procedures that submit are refused before the resident starts. */
  #accepting = true
  /** The running session's submission was refused by the outbox. */
  #notRecorded = false
  /** The keypad is faulty or absent: the welcome screen says the station cannot serve. */
  #keypadDown = false
  /** Set once the station is to stop: resolved when the restarting screen shows. */
  #stopping: { shown: Promise<void>; resolve: () => void } | null = null

  constructor(options: KioskOptions) {
    this.#o = options
    this.#language = options.defaultLanguage
  }

  get phase(): Phase {
    return this.#phase
  }

  #enterPhase(phase: Phase): void {
    if (phase === this.#phase) return
    this.#phase = phase
    this.#o.phaseChanged?.(phase)
  }

  /** The current step of the running flow (for technicians: never personal data). */
  get currentStep(): { flow: string; step: string | null } | null {
    const session = this.#session
    return session ? { flow: session.flowId, step: session.currentStepId } : null
  }

  start(): void {
    this.#toWelcome()
  }

  /** A resident is being served: choosing a procedure, in one, or reading its end screen. */
  get serving(): boolean {
    return this.#phase === 'menu' || this.#phase === 'session' || this.#phase === 'ended'
  }

  /**
   * The station is about to stop or restart (docs/deployment.md): nobody new is served, the
   * resident being served finishes (or leaves: the idle timeout), then the restarting screen
   * shows. Resolves when it shows.
   */
  finishThenRestart(): Promise<void> {
    if (!this.#stopping) {
      let resolve = () => {}
      const shown = new Promise<void>((done) => (resolve = done))
      this.#stopping = { shown, resolve }
      if (!this.serving) this.#toRestarting()
    }
    return this.#stopping.shown
  }

  /** The wait is over: the restarting screen now, whatever the resident was doing. */
  restartNow(): void {
    void this.finishThenRestart()
    if (this.#phase !== 'restarting') this.#toRestarting()
  }

  stop(): void {
    this.#endSession('cancelled')
    this.#clearTimers()
  }

  /**
   * Changes the session timings and the default language (remote config, docs/remote-config.md).
   * Meant for the time between residents: a countdown already running keeps its length.
   */
  setSettings(settings: { idleTimeoutMs: number; endScreenMs: number; defaultLanguage: Language }): void {
    this.#o = { ...this.#o, ...settings }
    if (this.#phase === 'welcome') this.#toWelcome()
  }

  /** Maintenance: wipe any session and show the maintenance screen until turned off. */
  setMaintenance(on: boolean): void {
    if (this.#phase === 'restarting') return
    if (on) {
      this.#endSession('cancelled')
      this.#clearTimers()
      this.#enterPhase('maintenance')
      this.#show({
        title: textIn(this.#language, KIOSK_TEXTS.maintenanceTitle),
        body: textIn(this.#language, KIOSK_TEXTS.maintenanceBody),
      })
    } else if (this.#phase === 'maintenance') {
      this.#toWelcome()
    }
  }

  /**
   * Storage full or back (runtime/state/storage-watch.ts): while not accepting, the welcome screen
   * says so and a procedure that would store a submission is refused at the menu; look-ups still run.
   */
  setAccepting(accepting: boolean): void {
    if (this.#accepting === accepting) return
    this.#accepting = accepting
    if (this.#phase === 'welcome') this.#toWelcome()
  }

  get accepting(): boolean {
    return this.#accepting
  }

  /**
   * The keypad went down or came back (its health, docs/operations.md). While it is down the
   * welcome screen says so; a session under way is left to its idle timeout, which ends on the
   * same screen (a short glitch must not throw a resident's answers away).
   */
  setKeypadDown(down: boolean): void {
    if (this.#keypadDown === down) return
    this.#keypadDown = down
    if (this.#phase === 'welcome') this.#toWelcome()
  }

  /** Re-draws the welcome screen when it is showing (e.g. the online hint changed). */
  refresh(): void {
    if (this.#phase === 'welcome') this.#toWelcome()
  }

  key(key: KeyName): void {
    if (this.#phase === 'maintenance' || this.#phase === 'restarting') return
    this.#touch()
    if (this.#noticeTimer) this.#dismissNotice()
    switch (this.#phase) {
      case 'welcome':
        return this.#welcomeKey(key)
      case 'menu':
        return this.#menuKey(key)
      case 'session':
        this.#session?.key(key)
        return
      case 'ended':
        this.#toWelcome()
        return
    }
  }

  card(card: CardPresented): void {
    if (this.#phase === 'maintenance' || this.#phase === 'restarting') return
    // No keys to go on with: a card would lead a resident into a menu they cannot use.
    if (this.#keypadDown && this.#phase === 'welcome') return
    this.#touch()
    const result = identityFromCard(card, new Date(this.#o.clock.now()))
    if (!result.ok) {
      this.#o.log.warn({ reason: result.reason, code: result.code, kind: card.kind }, 'card refused')
      this.#o.event('card.rejected', { kind: card.kind, reason: result.reason })
      this.#notice(KIOSK_TEXTS.cardRejected, KIOSK_TEXTS.cardUnreadableHint)
      return
    }
    if (this.#phase !== 'session' && !this.#o.flows().some((flow) => acceptsIdentitySource(flow, result.identity.source))) {
      // A readable card no procedure identifies with (a Wiegand badge where flows want the CCCD):
      // say so now, rather than open the menu and ask for another card later.
      this.#o.event('card.rejected', { kind: card.kind, reason: 'no procedure accepts this card' })
      this.#notice(KIOSK_TEXTS.cardNotUsed, KIOSK_TEXTS.cardNotUsedHint)
      return
    }
    this.#o.event('card.accepted', { kind: card.kind })
    // A good read ends a "not readable" notice at once, as a key does; the resident should not wait 3 s.
    if (this.#noticeTimer) this.#dismissNotice()
    switch (this.#phase) {
      case 'welcome':
      case 'ended':
        this.#endSession('cancelled')
        this.#identity = result.identity
        this.#language = this.#o.defaultLanguage
        this.#toMenu()
        return
      case 'menu':
        this.#identity = result.identity
        return
      case 'session':
        this.#identity = result.identity
        this.#session?.presentIdentity(result.identity)
        return
    }
  }

  /** A reader delivered something that is not a card (garbage, half a QR). */
  unreadable(): void {
    if (this.#phase === 'maintenance' || this.#phase === 'restarting') return
    this.#touch()
    this.#notice(KIOSK_TEXTS.cardUnreadable, KIOSK_TEXTS.cardUnreadableHint)
  }

  #welcomeKey(key: KeyName): void {
    if (key === '1') this.#language = 'vi'
    else if (key === '2') this.#language = 'en'
    else if (key === 'ok') this.#language = this.#o.defaultLanguage
    else return this.#invalidKey(key, { vi: 'Bấm 1 hoặc 2', en: 'Press 1 or 2' })
    this.#toMenu()
  }

  #menuKey(key: KeyName): void {
    if (key === 'back') return this.#toWelcome()
    if (key === '0') {
      this.#page += 1
      return this.#showMenu()
    }
    const index = Number(key) - 1
    const flow = Number.isInteger(index) ? this.#menuFlows[index] : undefined
    if (flow) return this.#startFlow(flow)
    const count = this.#menuFlows.length
    this.#invalidKey(key, count > 0 ? { vi: `Chọn từ 1 đến ${count}`, en: `Choose 1 to ${count}` } : KIOSK_TEXTS.noFlows)
  }

  /** A key that means nothing here: say so briefly, and tell operations (menu keys are not personal data). */
  #invalidKey(key: KeyName, hint: { vi: string; en: string }): void {
    this.#o.log.info({ phase: this.#phase, key }, 'key ignored')
    this.#o.event('key.ignored', { phase: this.#phase, key })
    this.#notice(KIOSK_TEXTS.invalidKey, hint, INVALID_KEY_NOTICE_MS)
  }

  #startFlow(flow: FlowDefinition): void {
    if (!this.#accepting && submits(flow)) {
      this.#o.log.info({ flow: flow.id }, 'procedure refused: storage full')
      this.#notice(KIOSK_TEXTS.notAccepting, KIOSK_TEXTS.notAcceptingHint)
      return
    }
    this.#enterPhase('session')
    this.#notRecorded = false
    const session = new FlowSession({
      flow,
      language: this.#language,
      effects: this.#effects(flow),
      clock: this.#o.clock,
      identity: this.#identity,
      stationId: this.#o.stationId,
      display: { cols: this.#o.cols, rows: this.#o.rows },
    })
    this.#session = session
    this.#sessionFlow = flow
    session.onEnd((result) => {
      if (this.#session !== session) return
      this.#o.log.info({ flow: flow.id, version: flow.version, outcome: result.outcome, step: result.stepId }, 'session ended')
      session.wipe()
      this.#session = null
      this.#identity = null
      if (this.#phase !== 'session') return
      this.#enterPhase('ended')
      // The end screen has its own countdown; the idle one would cut it short.
      if (this.#idleTimer) this.#o.clock.clearTimeout(this.#idleTimer)
      this.#idleTimer = null
      const endMs = this.#notRecorded ? NOT_RECORDED_MS + this.#o.endScreenMs : this.#o.endScreenMs
      this.#endTimer = this.#o.clock.setTimeout(() => {
        this.#endTimer = null
        if (this.#phase === 'ended') this.#toWelcome()
      }, endMs)
    })
    session.start()
  }

  #effects(flow: FlowDefinition): FlowEffects {
    return {
      show: (screen) => this.#show(screen),
      print: (receipt: Receipt) => this.#o.printer.print(receipt),
      submit: async (request) => {
        const id = randomUUID()
        try {
          await this.#o.outbox.append({
            id,
            flow: request.flow,
            flowVersion: request.flowVersion,
            createdAt: new Date(this.#o.clock.now()).toISOString(),
            data: request.data,
          })
        } catch (error) {
          // Nothing was stored: say so plainly before the flow's own failure screen, never a receipt.
          const code = isStationError(error) ? error.code : 'E_OUTBOX_IO'
          this.#o.log.warn({ flow: flow.id, code }, 'submission NOT recorded')
          this.#notRecorded = true
          this.#notice(KIOSK_TEXTS.notRecordedTitle, KIOSK_TEXTS.notRecordedBody, NOT_RECORDED_MS)
          this.#o.storeFailed?.(code)
          throw error
        }
        this.#o.log.info({ submission: id, flow: flow.id, version: flow.version }, 'submission stored')
        return { id, reference: referenceFromId(id) }
      },
      event: (type, fields) => this.#o.event(type, fields),
      request: (method, body, options) => this.#o.central.request(method, body, options),
      waitFor: (event, match, options) => this.#o.central.waitFor(event, match, options),
    }
  }

  #toWelcome(): void {
    // Stopping: whoever was served is done; the next one meets the restarting screen.
    if (this.#stopping) return this.#toRestarting()
    this.#endSession('cancelled')
    this.#clearTimers()
    this.#identity = null
    this.#language = this.#o.defaultLanguage
    this.#enterPhase('welcome')
    if (this.#keypadDown) {
      this.#show({
        title: textIn(this.#language, KIOSK_TEXTS.keypadDownTitle),
        body: `${textIn(this.#language, KIOSK_TEXTS.keypadDownBody)}\n${textIn(this.#language, KIOSK_TEXTS.keypadDownHint)}`,
      })
      return
    }
    // Title, body and the two options fill a 20x4 display, and the welcome screen has no pages to
    // turn: while storage is full or offline the notice takes the body's row (the numbered options speak for themselves).
    const body = !this.#accepting ? KIOSK_TEXTS.notAccepting : this.#o.isOnline() ? KIOSK_TEXTS.welcomeBody : KIOSK_TEXTS.offlineHint
    this.#show({
      title: textIn(this.#language, KIOSK_TEXTS.welcomeTitle),
      body: textIn(this.#language, body),
      options: [...KIOSK_TEXTS.languageOptions[this.#language]],
    })
  }

  #toRestarting(): void {
    this.#endSession('cancelled')
    this.#clearTimers()
    this.#enterPhase('restarting')
    this.#show({
      title: textIn(this.#language, KIOSK_TEXTS.restartingTitle),
      body: textIn(this.#language, KIOSK_TEXTS.restartingBody),
    })
    this.#stopping?.resolve()
  }

  #toMenu(): void {
    // Left the end screen early (a card): its timer must not cut the next resident's end screen short.
    if (this.#endTimer) this.#o.clock.clearTimeout(this.#endTimer)
    this.#endTimer = null
    this.#enterPhase('menu')
    this.#page = 0
    this.#menuFlows = this.#o.flows().slice(0, 9)
    this.#showMenu()
  }

  #showMenu(): void {
    if (this.#menuFlows.length === 0) {
      this.#show({ title: textIn(this.#language, KIOSK_TEXTS.noFlows), body: '' })
      return
    }
    this.#show({
      title: textIn(this.#language, KIOSK_TEXTS.menuTitle),
      body: '',
      options: this.#menuFlows.map((flow) => (flow.shortTitle ?? flow.title)[this.#language]),
    })
  }

  #show(screen: Screen): void {
    this.#screen = screen
    if (this.#noticeTimer) return
    this.#render(screen)
  }

  #render(screen: Screen): void {
    const probe = renderScreen(screen, { cols: this.#o.cols, rows: this.#o.rows, page: 0 })
    // The menu pages itself (key 0); a flow's screen carries the page its session turned to.
    const wanted = this.#phase === 'menu' ? this.#page : (screen.page ?? 0)
    const page = probe.pageCount > 0 ? wanted % probe.pageCount : 0
    const { rows } = page === 0 ? probe : renderScreen(screen, { cols: this.#o.cols, rows: this.#o.rows, page })
    this.#o.showRows(rows)
  }

  #notice(title: { vi: string; en: string }, body: { vi: string; en: string }, durationMs = NOTICE_MS): void {
    if (this.#noticeTimer) this.#o.clock.clearTimeout(this.#noticeTimer)
    this.#render({ title: textIn(this.#language, title), body: textIn(this.#language, body) })
    this.#noticeTimer = this.#o.clock.setTimeout(() => this.#dismissNotice(), durationMs)
  }

  #dismissNotice(): void {
    if (this.#noticeTimer) this.#o.clock.clearTimeout(this.#noticeTimer)
    this.#noticeTimer = null
    if (this.#screen) this.#render(this.#screen)
  }

  /** Any resident input restarts the idle countdown; at zero everything they left is wiped. */
  #touch(): void {
    if (this.#idleTimer) this.#o.clock.clearTimeout(this.#idleTimer)
    this.#idleTimer = this.#o.clock.setTimeout(() => {
      this.#idleTimer = null
      if (this.#phase === 'welcome' || this.#phase === 'maintenance') return
      // The station, not the resident, is busy (a request to central, a payment wait, printing):
      // that step has its own timeout, so the idle countdown starts again after it.
      if (this.#stationIsBusy()) return this.#touch()
      const flow = this.#session?.flowId
      this.#o.event('session.idle_timeout', { phase: this.#phase, ...(flow ? { flow } : {}) })
      this.#o.log.info({ phase: this.#phase }, 'idle timeout; session wiped')
      this.#endSession('timed_out')
      this.#toWelcome()
    }, this.#o.idleTimeoutMs)
  }

  #stationIsBusy(): boolean {
    const session = this.#session
    if (!session || this.#phase !== 'session' || session.currentStepId === null) return false
    const kind = this.#sessionFlow?.steps.get(session.currentStepId)?.kind
    return kind !== undefined && BUSY_STEP_KINDS.has(kind)
  }

  #endSession(outcome: 'cancelled' | 'timed_out'): void {
    const session = this.#session
    this.#session = null
    if (session && !session.ended) {
      try {
        session.cancel(outcome)
      } catch (error) {
        this.#o.log.warn({ err: isStationError(error) ? error : messageOf(error) }, 'cancel failed')
      }
    }
    session?.wipe()
    this.#identity = null
  }

  #clearTimers(): void {
    for (const timer of [this.#idleTimer, this.#endTimer, this.#noticeTimer]) {
      if (timer) this.#o.clock.clearTimeout(timer)
    }
    this.#idleTimer = null
    this.#endTimer = null
    this.#noticeTimer = null
  }
}
