/**
 * The resident-facing station as one pure machine: welcome and language choice, the procedure menu
 * (with its pages), one flow session (the session machine, flows/engine/session-machine.ts, whose
 * state is part of this one), the end screen, notices, maintenance and restarting, and the idle
 * timeout that wipes what a resident left. `kioskTransition(state, event, inputs)` returns the next
 * state and the effects as data; runtime/kiosk/kiosk.ts runs them. Design: docs/flows.md, "The
 * kiosk machine".
 */
import type { KeyName, Language } from '../../config/schema.js'
import { acceptsIdentitySource } from '../../flows/engine/flow-identity-sources.js'
import { isWaitingStep, type FlowDefinition, type LocalizedText } from '../../flows/engine/flow-types.js'
import type { Identity } from '../../flows/engine/identity.js'
import { renderScreen } from '../../flows/engine/render-screen.js'
import type { Screen } from '../../flows/engine/screen.js'
import { acceptsIdentity, currentStep, transition } from '../../flows/engine/session-machine.js'
import { initialState, type EventFields, type SessionEffect, type SessionEvent, type SessionState } from '../../flows/engine/session-state.js'
import { CHIP_TEXTS, chipRefusalText, chooseOneTo, countdownText, FLOW_TEXTS, KIOSK_TEXTS, notOnThisPage, secondsLeft } from '../../flows/engine/station-texts.js'
import type { CardPresented } from '../bus/events.js'
import { chipAccessFrom, type ChipAccessKeys } from './chip-access.js'
import { identityFromCard, type CardResult } from './identity-from-card.js'
import { referenceFromId } from './reference-code.js'
import { FULLY_AVAILABLE, missingNeed, type MissingNeed, type StationAvailability } from './station-availability.js'

export type Phase = 'welcome' | 'menu' | 'session' | 'ended' | 'maintenance' | 'restarting'

/** The idle warning shows this long before the idle timeout, or a third of it when that is shorter. */
export const IDLE_WARNING_MS = 15_000

function warningMs(settings: KioskSettings): number {
  return Math.min(IDLE_WARNING_MS, Math.floor(settings.idleTimeoutMs / 3))
}

/** How long an error notice (unreadable card) stays before the screen underneath returns. */
const NOTICE_MS = 3000
/** A mistyped key gets a shorter notice: the resident is already looking at the screen. */
const INVALID_KEY_NOTICE_MS = 1500
/** Steps during which the resident waits for the station, not the other way round. */
const BUSY_STEP_KINDS: ReadonlySet<string> = new Set(['request', 'wait_for', 'submit', 'print', 'pay_qr'])
/** "NOT recorded" stays this long before the flow's own failure screen, which then gets its usual end-screen time. */
export const NOT_RECORDED_MS = 8000

export interface KioskSettings {
  idleTimeoutMs: number
  endScreenMs: number
  defaultLanguage: Language
  /** Named at the head of every receipt (config `station.site`, `station.agency`); null: not set. */
  site: string | null
  agency: string | null
}

/**
 * Reading a CCCD chip for a scan_id step that accepts `chip` (docs/emrtd.md, "In the station"):
 * `idle`, `can` while the resident types the CAN, `reading` while the station reads it. `attempt`
 * numbers the reads, so a late result of an old one is told apart.
 */
export interface KioskChip {
  mode: 'idle' | 'can' | 'reading'
  typed: string
  attempt: number
  /** A chip was put on the reader during this visit (it may still lie there). */
  seen: boolean
  /** Where the keys of the read in progress came from: a card read before, or the resident's typing. */
  keysFrom: 'card' | 'typed'
  /** The read started by itself on entering the step: a card no longer there is no error. */
  background: boolean
}

/** The session being run: its flow (the definition it started with), its machine state and its number. */
export interface KioskSession {
  serial: number
  flow: FlowDefinition
  state: SessionState
}

export interface KioskState {
  phase: Phase
  settings: KioskSettings
  /** Printed on receipts ({{station.id}}), and the display size. */
  stationId: string
  display: { cols: number; rows: number }
  language: Language
  /** A card read before the procedure was chosen (personal data: wiped with the session). */
  identity: Identity | null
  session: KioskSession | null
  /** Sessions started: the number of the next one. Timers and calls carry it, so a late one of an old session is told apart. */
  serial: number
  menuFlows: FlowDefinition[]
  page: number
  /** What shows under a notice, and comes back when it goes. */
  screen: Screen | null
  /** The running flow's own screen: what comes back after the chip's screens. */
  flowScreen: Screen | null
  chip: KioskChip
  /** Timer ids (`k<n>`), or null. */
  timers: { idle: string | null; end: string | null; notice: string | null; tick: string | null }
  /** When the idle timeout wipes the session (station clock, ms); null when none runs. */
  idleAtMs: number | null
  /** The idle warning is on screen until this moment, unless a key or card comes first. */
  warning: { untilMs: number } | null
  nextId: number
  /** False while storage is full: procedures that submit are refused before the resident starts. */
  accepting: boolean
  /** The running session's submission was refused by the outbox. */
  notRecorded: boolean
  /** The keypad is faulty or absent: the welcome screen says the station cannot serve. */
  keypadDown: boolean
  /** The station is to stop: nobody new is served. */
  stopping: boolean
}

/** What the machine reads from the station at the moment of an event. */
export interface KioskInputs {
  nowMs: number
  /** Flows offered on the menu, in menu order. */
  flows: () => FlowDefinition[]
  /** Whether submissions are reaching central now (a hint on the welcome screen). */
  online: () => boolean
  /** What the station can do now (devices, central): a procedure it cannot finish is refused with the reason; absent: everything. */
  available?: () => StationAvailability
}

export type KioskEvent =
  | { kind: 'start' }
  | { kind: 'key'; key: KeyName }
  | { kind: 'card'; card: CardPresented }
  /** What reading the chip gave, for read number `attempt`. */
  | { kind: 'chipRead'; attempt: number; result: CardResult }
  | { kind: 'unreadable' }
  | { kind: 'settings'; settings: KioskSettings }
  | { kind: 'maintenance'; on: boolean }
  | { kind: 'accepting'; accepting: boolean }
  | { kind: 'keypadDown'; down: boolean }
  | { kind: 'refresh' }
  | { kind: 'finishThenRestart' }
  | { kind: 'restartNow' }
  | { kind: 'stop' }
  | { kind: 'timer'; timer: string }
  /** A result of a session's device call (printed, replied, notified, failed). */
  | { kind: 'session'; serial: number; event: SessionEvent }
  /** The outbox stored a submission under `id`. */
  | { kind: 'stored'; serial: number; call: number; id: string; flow: string; version: number }
  /** The outbox refused a submission: `code` for the log, `sessionCode` and `timeout` as the session reports failures. */
  | { kind: 'notStored'; serial: number; call: number; flow: string; code: string; sessionCode: string; timeout: boolean }

/** The session's device calls, as the kiosk hands them on. */
export type SessionCall = Extract<SessionEffect, { kind: 'submit' | 'print' | 'request' | 'waitFor' | 'abort' }>

export type KioskEffect =
  | { kind: 'rows'; rows: string[] }
  | { kind: 'phase'; phase: Phase }
  | { kind: 'log'; level: 'info' | 'warn'; fields: Record<string, unknown>; message: string }
  | { kind: 'event'; type: string; fields: EventFields }
  | { kind: 'startTimer'; timer: string; ms: number }
  | { kind: 'cancelTimer'; timer: string }
  | { kind: 'call'; serial: number; effect: SessionCall }
  /** Storage refused a submission: look at it again now. */
  | { kind: 'storeFailed'; code: string }
  /** The restarting screen shows: whoever waits for it may stop the station. */
  | { kind: 'restartingShown' }
  /** Read the CCCD chip in the reader's field with these keys; the result comes back as `chipRead`. */
  | { kind: 'readChip'; attempt: number; access: ChipAccessKeys }

export interface KioskSetup {
  settings: KioskSettings
  stationId: string
  cols: number
  rows: number
}

export function initialKioskState(setup: KioskSetup): KioskState {
  return {
    phase: 'welcome',
    settings: setup.settings,
    stationId: setup.stationId,
    display: { cols: setup.cols, rows: setup.rows },
    language: setup.settings.defaultLanguage,
    identity: null,
    session: null,
    serial: 0,
    menuFlows: [],
    page: 0,
    screen: null,
    flowScreen: null,
    chip: idleChip(0),
    timers: { idle: null, end: null, notice: null, tick: null },
    idleAtMs: null,
    warning: null,
    nextId: 1,
    accepting: true,
    notRecorded: false,
    keypadDown: false,
    stopping: false,
  }
}

/** A resident is being served: choosing a procedure, in one, or reading its end screen. */
export function serving(phase: Phase): boolean {
  return phase === 'menu' || phase === 'session' || phase === 'ended'
}

/** The timer id a session's timer runs under. */
export function sessionTimerId(serial: number, timer: number): string {
  return `s${serial}:${timer}`
}

export function kioskTransition(state: KioskState, event: KioskEvent, inputs: KioskInputs): { state: KioskState; effects: KioskEffect[] } {
  const run = new KioskRun(state, inputs)
  run.handle(event)
  return { state: run.s, effects: run.effects }
}

/** Whether a flow stores a submission; those are the ones refused while storage is full. */
function submits(flow: FlowDefinition): boolean {
  for (const step of flow.steps.values()) if (step.kind === 'submit') return true
  return false
}

/**
 * A screen for whoever walks up, before a language is chosen: the title in Vietnamese, then the
 * title in English and the body in both, one row each (KIOSK_TEXTS keeps these to one row).
 */
function bilingual(title: LocalizedText, body: LocalizedText): Screen {
  const rows = [title.en, body.vi, body.en].filter((row, index, all) => row !== '' && (index === 0 ? row !== title.vi : row !== all[index - 1]))
  return { title: title.vi, body: rows.join('\n') }
}

const NEED_TEXTS: Record<MissingNeed, LocalizedText> = { central: KIOSK_TEXTS.needCentral, printer: KIOSK_TEXTS.needPrinter, reader: KIOSK_TEXTS.needReader }

function idleChip(attempt: number): KioskChip {
  return { mode: 'idle', typed: '', attempt, seen: false, keysFrom: 'card', background: false }
}

function textIn(language: Language, text: LocalizedText): string {
  return text[language]
}

class KioskRun {
  readonly s: KioskState
  readonly effects: KioskEffect[] = []

  constructor(
    state: KioskState,
    readonly inputs: KioskInputs,
  ) {
    this.s = { ...state, timers: { ...state.timers }, chip: { ...state.chip } }
  }

  handle(event: KioskEvent): void {
    const s = this.s
    switch (event.kind) {
      case 'start':
        return this.#toWelcome()
      case 'key':
        return this.#key(event.key)
      case 'card':
        return event.card.kind === 'chip' ? this.#chipPresented() : this.#card(event.card)
      case 'chipRead':
        return this.#chipRead(event.attempt, event.result)
      case 'unreadable':
        if (s.phase === 'maintenance' || s.phase === 'restarting') return
        this.#touch()
        return this.#notice(KIOSK_TEXTS.cardUnreadable, KIOSK_TEXTS.cardUnreadableHint)
      case 'settings':
        s.settings = event.settings
        if (s.phase === 'welcome') this.#toWelcome()
        return
      case 'maintenance':
        if (s.phase === 'restarting') return
        if (event.on) {
          this.#endSession('cancelled')
          this.#clearTimers()
          this.#enterPhase('maintenance')
          this.#show(bilingual(KIOSK_TEXTS.maintenanceTitle, KIOSK_TEXTS.maintenanceBody))
        } else if (s.phase === 'maintenance') {
          this.#toWelcome()
        }
        return
      case 'accepting':
        if (s.accepting === event.accepting) return
        s.accepting = event.accepting
        if (s.phase === 'welcome') this.#toWelcome()
        return
      case 'keypadDown':
        if (s.keypadDown === event.down) return
        s.keypadDown = event.down
        if (s.phase === 'welcome') this.#toWelcome()
        return
      case 'refresh':
        if (s.phase === 'welcome') this.#toWelcome()
        return
      case 'finishThenRestart':
        if (s.stopping) return
        s.stopping = true
        if (!serving(s.phase)) this.#toRestarting()
        return
      case 'restartNow':
        this.handle({ kind: 'finishThenRestart' })
        if (s.phase !== 'restarting') this.#toRestarting()
        return
      case 'stop':
        this.#endSession('cancelled')
        return this.#clearTimers()
      case 'timer':
        return this.#timer(event.timer)
      case 'session':
        if (s.session?.serial === event.serial) this.#toSession(event.event)
        return
      case 'stored':
        this.#log('info', { submission: event.id, flow: event.flow, version: event.version }, 'submission stored')
        if (s.session?.serial === event.serial) this.#toSession({ kind: 'submitted', call: event.call, reference: referenceFromId(event.id) })
        return
      case 'notStored':
        // Nothing was stored: say so plainly before the flow's own failure screen, never a receipt.
        this.#log('warn', { flow: event.flow, code: event.code }, 'submission NOT recorded')
        s.notRecorded = true
        this.#notice(KIOSK_TEXTS.notRecordedTitle, KIOSK_TEXTS.notRecordedBody, NOT_RECORDED_MS)
        this.effects.push({ kind: 'storeFailed', code: event.code })
        if (s.session?.serial === event.serial) this.#toSession({ kind: 'failed', call: event.call, code: event.sessionCode, timeout: event.timeout })
        return
    }
  }

  #key(key: KeyName): void {
    const s = this.s
    if (s.phase === 'maintenance' || s.phase === 'restarting') return
    if (s.warning) {
      // "Press any key to continue": the key answers the warning and does nothing else.
      this.#touch()
      return this.#toSession({ kind: 'touch' })
    }
    this.#touch()
    if (s.timers.notice !== null) this.#dismissNotice()
    switch (s.phase) {
      case 'welcome':
        return this.#welcomeKey(key)
      case 'menu':
        return this.#menuKey(key)
      case 'session':
        if (s.chip.mode === 'can') {
          // The CAN screen stands over the scan_id step: typing is the resident at work, so its countdown starts again.
          this.#toSession({ kind: 'touch' })
          return this.#canKey(key)
        }
        // The chip is being read: keys wait until it is done.
        if (s.chip.mode === 'reading') return
        return this.#toSession({ kind: 'key', key })
      case 'ended':
        return this.#toWelcome()
    }
  }

  #card(card: CardPresented): void {
    const s = this.s
    if (s.phase === 'maintenance' || s.phase === 'restarting') return
    // No keys to go on with: a card would lead a resident into a menu they cannot use.
    if (s.keypadDown && s.phase === 'welcome') return
    this.#touch()
    const result = identityFromCard(card, new Date(this.inputs.nowMs))
    if (!result.ok) {
      this.#log('warn', { reason: result.reason, code: result.code, kind: card.kind }, 'card refused')
      this.#event('card.rejected', { kind: card.kind, reason: result.reason })
      return this.#notice(KIOSK_TEXTS.cardRejected, KIOSK_TEXTS.cardUnreadableHint)
    }
    if (s.phase !== 'session' && !this.inputs.flows().some((flow) => acceptsIdentitySource(flow, result.identity.source))) {
      // A readable card no procedure identifies with (a Wiegand badge where flows want the CCCD):
      // say so now, rather than open the menu and ask for another card later.
      this.#event('card.rejected', { kind: card.kind, reason: 'no procedure accepts this card' })
      return this.#notice(KIOSK_TEXTS.cardNotUsed, KIOSK_TEXTS.cardNotUsedHint)
    }
    this.#event('card.accepted', { kind: card.kind })
    // A good read ends a "not readable" notice at once, as a key does; the resident should not wait 3 s.
    if (s.timers.notice !== null) this.#dismissNotice()
    switch (s.phase) {
      case 'welcome':
      case 'ended':
        this.#endSession('cancelled')
        s.identity = result.identity
        s.language = s.settings.defaultLanguage
        return this.#toMenu()
      case 'menu':
        s.identity = result.identity
        return
      case 'session': {
        s.identity = result.identity
        const session = s.session
        if (session && acceptsIdentity(session.flow, session.state, result.identity)) this.#toSession({ kind: 'identity', identity: result.identity })
        return
      }
    }
  }

  /**
   * A CCCD chip came into the reader's field. It cannot be read without a key, so it is read when a
   * scan_id step that accepts `chip` waits (now, or once the resident has chosen the procedure),
   * with the CAN of a card read before or the one the resident types (docs/emrtd.md, "In the station").
   */
  #chipPresented(): void {
    const s = this.s
    if (s.phase === 'maintenance' || s.phase === 'restarting') return
    if (s.keypadDown && s.phase === 'welcome') return
    this.#touch()
    if (s.phase === 'welcome' || s.phase === 'ended') {
      if (!this.inputs.flows().some((flow) => acceptsIdentitySource(flow, 'chip'))) {
        this.#event('card.rejected', { kind: 'chip', reason: 'no procedure accepts this card' })
        return this.#notice(KIOSK_TEXTS.cardNotUsed, KIOSK_TEXTS.cardNotUsedHint)
      }
      this.#endSession('cancelled')
      s.language = s.settings.defaultLanguage
      this.#toMenu()
    }
    s.chip.seen = true
    if (s.phase === 'session') this.#readChipIfWanted(false)
  }

  /** The running session waits at a scan_id step that accepts the chip. */
  #chipWanted(): boolean {
    const session = this.s.session
    if (!session || session.state.status === 'ended') return false
    const step = currentStep(session.flow, session.state)
    return step?.kind === 'scan_id' && step.accept.includes('chip')
  }

  #readChipIfWanted(background: boolean): void {
    const s = this.s
    if (s.chip.mode !== 'idle' || !this.#chipWanted()) return
    const keys = chipAccessFrom(s.session?.state.identity ?? s.identity)
    if (keys === null) return this.#askCan()
    this.#readChip(keys, 'card', background)
  }

  #askCan(): void {
    const s = this.s
    if (s.chip.mode !== 'can') this.#event('card.can_asked', {})
    s.chip.mode = 'can'
    s.chip.typed = ''
    this.#showCan()
  }

  #showCan(): void {
    this.#show({ title: this.#text(CHIP_TEXTS.canTitle), body: this.#text(CHIP_TEXTS.canBody), input: this.s.chip.typed })
  }

  /** Digits fill the CAN (6 at most), back takes one off (or leaves the CAN screen), OK reads the chip. */
  #canKey(key: KeyName): void {
    const chip = this.s.chip
    if (/^\d$/.test(key)) {
      if (chip.typed.length < 6) chip.typed += key
      return this.#showCan()
    }
    if (key === 'back') {
      if (chip.typed !== '') {
        chip.typed = chip.typed.slice(0, -1)
        return this.#showCan()
      }
      chip.mode = 'idle'
      return this.#showFlowScreen()
    }
    if (chip.typed.length !== 6) return this.#notice(CHIP_TEXTS.canTooShort, CHIP_TEXTS.canBody, INVALID_KEY_NOTICE_MS)
    this.#readChip({ can: chip.typed }, 'typed', false)
  }

  #readChip(access: ChipAccessKeys, keysFrom: KioskChip['keysFrom'], background: boolean): void {
    const chip = this.s.chip
    chip.mode = 'reading'
    chip.attempt += 1
    chip.keysFrom = keysFrom
    chip.background = background
    this.#show({ title: this.#text(CHIP_TEXTS.readingTitle), body: this.#text(CHIP_TEXTS.readingBody) })
    this.effects.push({ kind: 'readChip', attempt: chip.attempt, access })
  }

  #chipRead(attempt: number, result: CardResult): void {
    const s = this.s
    const chip = s.chip
    if (attempt !== chip.attempt || chip.mode !== 'reading') return
    chip.mode = 'idle'
    this.#touch()
    const held = s.session?.state.identity ?? s.identity
    if (result.ok && held !== null && held.source !== 'chip' && held.personalId !== null && held.personalId !== result.identity.personalId) {
      return this.#chipRefused({ ok: false, reason: 'identity_mismatch', code: 'E_CARD_INVALID', chipReason: 'identity_mismatch' })
    }
    if (!result.ok) return this.#chipRefused(result)
    this.#event('card.accepted', { kind: 'chip' })
    s.identity = result.identity
    this.#showFlowScreen()
    const session = s.session
    if (session && acceptsIdentity(session.flow, session.state, result.identity)) this.#toSession({ kind: 'identity', identity: result.identity })
  }

  /** Says why on a notice over the flow's screen (or, for a CAN the resident typed wrong, over the CAN screen). */
  #chipRefused(result: Extract<CardResult, { ok: false }>): void {
    const chip = this.s.chip
    const reason = result.chipReason ?? result.reason
    this.#log('warn', { reason, code: result.code, kind: 'chip' }, 'card refused')
    this.#event('card.rejected', { kind: 'chip', reason })
    // Read on its own when the step came: a card that is no longer there is simply awaited.
    if (chip.background && reason === 'card_lost') return this.#showFlowScreen()
    if (reason === 'access_denied' && chip.keysFrom === 'typed') {
      chip.mode = 'can'
      chip.typed = ''
      this.#showCan()
    } else {
      this.#showFlowScreen()
    }
    if (result.chipReason === undefined) return this.#notice(KIOSK_TEXTS.cardRejected, KIOSK_TEXTS.cardUnreadableHint)
    const text = chipRefusalText(reason)
    this.#notice(text.title, text.body)
  }

  #showFlowScreen(): void {
    if (this.s.flowScreen !== null) this.#show(this.s.flowScreen)
  }

  #welcomeKey(key: KeyName): void {
    const s = this.s
    if (key === '1') s.language = 'vi'
    else if (key === '2') s.language = 'en'
    else if (key === 'ok') s.language = s.settings.defaultLanguage
    else return this.#invalidKey(key, KIOSK_TEXTS.pressOneOrTwo)
    this.#toMenu()
  }

  #menuKey(key: KeyName): void {
    const s = this.s
    if (key === 'back') return this.#toWelcome()
    if (key === '0') {
      s.page += 1
      return this.#showMenu()
    }
    const index = Number(key) - 1
    const flow = Number.isInteger(index) ? s.menuFlows[index] : undefined
    if (flow) {
      // Only what the resident sees can be chosen: a procedure on another page of the menu is not started.
      if (this.#menuLayout().optionPages[index] !== this.#menuPage()) return this.#invalidKey(key, notOnThisPage(key))
      return this.#startFlow(flow)
    }
    const count = s.menuFlows.length
    this.#invalidKey(key, count > 0 ? chooseOneTo(count) : KIOSK_TEXTS.noFlows)
  }

  #menuLayout(): { pageCount: number; optionPages: number[] } {
    const { cols, rows } = this.s.display
    return renderScreen(this.#menuScreen(), { cols, rows, page: 0, more: this.#text(FLOW_TEXTS.more) })
  }

  /** The menu page showing (key 0 counts up; the layout wraps it). */
  #menuPage(): number {
    const { pageCount } = this.#menuLayout()
    return pageCount > 0 ? this.s.page % pageCount : 0
  }

  /** A key that means nothing here: say so briefly, and tell operations (menu keys are not personal data). */
  #invalidKey(key: KeyName, hint: LocalizedText): void {
    this.#log('info', { phase: this.s.phase, key }, 'key ignored')
    this.#event('key.ignored', { phase: this.s.phase, key })
    this.#notice(KIOSK_TEXTS.invalidKey, hint, INVALID_KEY_NOTICE_MS)
  }

  #startFlow(flow: FlowDefinition): void {
    const s = this.s
    if (!s.accepting && submits(flow)) {
      this.#log('info', { flow: flow.id }, 'procedure refused: storage full')
      return this.#notice(KIOSK_TEXTS.notAccepting, KIOSK_TEXTS.notAcceptingHint)
    }
    const missing = missingNeed(flow, this.inputs.available?.() ?? FULLY_AVAILABLE, s.identity?.source ?? null)
    if (missing !== undefined) {
      this.#log('info', { flow: flow.id, missing }, 'procedure refused: the station cannot finish it now')
      this.#event('procedure.unavailable', { flow: flow.id, missing })
      return this.#notice(KIOSK_TEXTS.unavailableTitle, NEED_TEXTS[missing])
    }
    this.#enterPhase('session')
    s.notRecorded = false
    s.serial += 1
    const state = initialState({ language: s.language, identity: s.identity, stationId: s.stationId, site: s.settings.site, agency: s.settings.agency, display: s.display })
    s.session = { serial: s.serial, flow, state }
    this.#toSession({ kind: 'start' })
  }

  /** Runs an event through the current session's machine and takes its effects on. */
  #toSession(event: SessionEvent): void {
    const session = this.s.session
    if (!session) return
    const before = session.state.stepId
    this.#runSession(session, event)
    // A chip put on the reader earlier (it may still lie there) is read when a step that wants it comes.
    if (this.s.session?.state.stepId !== before && this.s.chip.seen) this.#readChipIfWanted(true)
  }

  /** `session` may be one the kiosk has already let go of (it cancels it on the way out). */
  #runSession(session: KioskSession, event: SessionEvent): void {
    const next = transition(session.flow, session.state, event, this.inputs.nowMs)
    const updated = { ...session, state: next.state }
    if (this.s.session?.serial === session.serial) this.s.session = updated
    const current = (): boolean => this.s.session?.serial === session.serial
    for (const effect of next.effects) {
      switch (effect.kind) {
        case 'show':
          if (current()) this.s.flowScreen = effect.screen
          // The chip's own screens stay until it is read; the flow's comes back then.
          if (!current() || this.s.chip.mode === 'idle') this.#show(effect.screen)
          break
        case 'event':
          this.effects.push({ kind: 'event', type: effect.type, fields: effect.fields })
          break
        case 'startTimer':
          this.effects.push({ kind: 'startTimer', timer: sessionTimerId(session.serial, effect.timer), ms: effect.ms })
          break
        case 'cancelTimer':
          this.effects.push({ kind: 'cancelTimer', timer: sessionTimerId(session.serial, effect.timer) })
          break
        case 'end':
          if (current()) this.#sessionEnded(updated, effect.result)
          break
        default:
          this.effects.push({ kind: 'call', serial: session.serial, effect })
      }
    }
    if (current()) this.#idleAtStepDeadline()
  }

  /**
   * A waiting step whose own countdown ends the session (it has no on_timeout) before the idle
   * timeout would: the idle warning comes before that deadline instead, a third of the step's time
   * at most, so no resident is wiped unwarned by a step shorter than `session.idleTimeoutS`.
   */
  #idleAtStepDeadline(): void {
    const s = this.s
    const session = s.session
    if (!session || s.phase !== 'session' || s.warning || session.state.status !== 'running') return
    const deadlineMs = session.state.stepDeadlineMs
    const step = currentStep(session.flow, session.state)
    if (deadlineMs === null || !step || !isWaitingStep(step) || step.onTimeout !== undefined) return
    if (s.idleAtMs !== null && deadlineMs >= s.idleAtMs) return
    const warnMs = Math.min(warningMs(s.settings), Math.floor((step.timeoutS * 1000) / 3))
    s.idleAtMs = deadlineMs
    this.#startTimer('idle', Math.max(0, deadlineMs - warnMs - this.inputs.nowMs))
  }

  #sessionEnded(session: KioskSession, result: { outcome: string; stepId: string }): void {
    const s = this.s
    this.#log('info', { flow: session.flow.id, version: session.flow.version, outcome: result.outcome, step: result.stepId }, 'session ended')
    // The session's state goes with it: identity and answers are wiped.
    s.session = null
    s.identity = null
    s.chip = idleChip(s.chip.attempt)
    s.flowScreen = null
    if (s.phase !== 'session') return
    this.#enterPhase('ended')
    // The end screen has its own countdown; the idle one would cut it short.
    this.#cancelTimer('idle')
    this.#cancelTimer('tick')
    s.warning = null
    this.#startTimer('end', s.notRecorded ? NOT_RECORDED_MS + s.settings.endScreenMs : s.settings.endScreenMs)
  }

  #timer(timer: string): void {
    const s = this.s
    if (timer.startsWith('s')) {
      const [serial, id] = timer.slice(1).split(':').map(Number)
      if (s.session && s.session.serial === serial && id !== undefined) this.#toSession({ kind: 'timer', timer: id })
      return
    }
    if (timer === s.timers.idle) {
      s.timers.idle = null
      return this.#idleTimeout()
    }
    if (timer === s.timers.tick) {
      s.timers.tick = null
      return this.#tick()
    }
    if (timer === s.timers.end) {
      s.timers.end = null
      if (s.phase === 'ended') this.#toWelcome()
      return
    }
    if (timer === s.timers.notice) this.#dismissNotice()
  }

  #idleTimeout(): void {
    const s = this.s
    if (s.phase === 'welcome' || s.phase === 'maintenance') return
    // The station, not the resident, is busy (a request to central, a payment wait, printing):
    // that step has its own timeout, so the idle countdown starts again after it.
    if (this.#stationIsBusy()) return this.#touch()
    // First a warning with its countdown; a key or a card keeps everything (docs/flows.md, "The panel").
    if (!s.warning) {
      s.warning = { untilMs: s.idleAtMs ?? this.inputs.nowMs + warningMs(s.settings) }
      return this.#tick()
    }
    this.#wipeIdle()
  }

  /** Each second: the idle warning's countdown, or a waiting screen's. */
  #tick(): void {
    const s = this.s
    const now = this.inputs.nowMs
    if (s.warning) {
      const leftMs = s.warning.untilMs - now
      if (leftMs <= 0) return this.#wipeIdle()
      const seconds = Math.ceil(leftMs / 1000)
      const left = secondsLeft(seconds)
      this.#render({ title: this.#text(KIOSK_TEXTS.idleTitle), body: `${this.#text(KIOSK_TEXTS.idleBody)}\n${this.#text(left)}` })
      return this.#startTimer('tick', leftMs - (seconds - 1) * 1000)
    }
    if (s.screen && this.#countdownUntil() !== null) this.#show(s.screen)
  }

  #wipeIdle(): void {
    const s = this.s
    s.warning = null
    const flow = s.session?.flow.id
    this.#event('session.idle_timeout', { phase: s.phase, ...(flow ? { flow } : {}) })
    this.#log('info', { phase: s.phase }, 'idle timeout; session wiped')
    this.#endSession('timed_out')
    this.#toWelcome()
  }

  #stationIsBusy(): boolean {
    const session = this.s.session
    if (!session || this.s.phase !== 'session' || session.state.status === 'ended') return false
    const kind = currentStep(session.flow, session.state)?.kind
    return kind !== undefined && BUSY_STEP_KINDS.has(kind)
  }

  #endSession(outcome: 'cancelled' | 'timed_out'): void {
    const session = this.s.session
    this.s.session = null
    // Cancelled after it was let go: its end changes nothing here, and its state (identity, answers) is dropped.
    if (session && session.state.status !== 'ended') this.#runSession(session, { kind: 'cancel', outcome })
    this.s.identity = null
    this.s.chip = idleChip(this.s.chip.attempt)
    this.s.flowScreen = null
  }

  #toWelcome(): void {
    const s = this.s
    // Stopping: whoever was served is done; the next one meets the restarting screen.
    if (s.stopping) return this.#toRestarting()
    this.#endSession('cancelled')
    this.#clearTimers()
    s.identity = null
    s.language = s.settings.defaultLanguage
    this.#enterPhase('welcome')
    if (s.keypadDown) {
      const body = KIOSK_TEXTS.keypadDownBody
      return this.#show({ title: KIOSK_TEXTS.keypadDownTitle.vi, body: `${body.vi}\n${KIOSK_TEXTS.keypadDownTitle.en}\n${body.en}` })
    }
    // Title, body and the two options fill a 20x4 display, and the welcome screen has no pages to
    // turn. Nobody has chosen a language yet: every row is in both, or one row in each. Offline,
    // the hint takes the body's row; with storage full the notice takes title and body.
    const options = [...KIOSK_TEXTS.languageOptions[s.language]]
    if (!s.accepting) return this.#show({ title: KIOSK_TEXTS.notAccepting.vi, body: KIOSK_TEXTS.notAccepting.en, options })
    const body = this.inputs.online() ? KIOSK_TEXTS.welcomeBody : KIOSK_TEXTS.offlineHint
    this.#show({ title: this.#text(KIOSK_TEXTS.welcomeTitle), body: this.#text(body), options })
  }

  #toRestarting(): void {
    this.#endSession('cancelled')
    this.#clearTimers()
    this.#enterPhase('restarting')
    this.#show({ title: this.#text(KIOSK_TEXTS.restartingTitle), body: this.#text(KIOSK_TEXTS.restartingBody) })
    if (this.s.stopping) this.effects.push({ kind: 'restartingShown' })
  }

  #toMenu(): void {
    const s = this.s
    // Left the end screen early (a card): its timer must not cut the next resident's end screen short.
    this.#cancelTimer('end')
    this.#enterPhase('menu')
    s.page = 0
    s.menuFlows = this.inputs.flows().slice(0, 9)
    this.#showMenu()
  }

  #showMenu(): void {
    this.#show(this.#menuScreen())
  }

  #menuScreen(): Screen {
    const s = this.s
    if (s.menuFlows.length === 0) return { title: this.#text(KIOSK_TEXTS.noFlows), body: '' }
    return { title: this.#text(KIOSK_TEXTS.menuTitle), body: '', options: s.menuFlows.map((flow) => (flow.shortTitle ?? flow.title)[s.language]) }
  }

  #enterPhase(phase: Phase): void {
    if (phase === this.s.phase) return
    this.s.phase = phase
    this.effects.push({ kind: 'phase', phase })
  }

  #show(screen: Screen): void {
    this.s.screen = screen
    if (this.s.timers.notice !== null || this.s.warning) return
    // A waiting step (a request, a payment) counts down on its title row, once a second.
    const until = this.#countdownUntil()
    if (until === null) return this.#render(screen)
    this.#render({ ...screen, marker: countdownText((until - this.inputs.nowMs) / 1000) })
    const leftMs = until - this.inputs.nowMs
    if (this.s.timers.tick === null && leftMs > 0) this.#startTimer('tick', ((leftMs - 1) % 1000) + 1)
  }

  /** When the session's waiting step gives up (a request's attempts, a wait_for's deadline); null when not at one. */
  #countdownUntil(): number | null {
    const session = this.s.session
    if (!session || this.s.phase !== 'session' || session.state.status !== 'running' || this.s.screen !== this.s.flowScreen) return null
    const kind = currentStep(session.flow, session.state)?.kind
    return kind === 'request' || kind === 'wait_for' ? session.state.progress.untilMs : null
  }

  #render(screen: Screen): void {
    const { cols, rows } = this.s.display
    const more = this.#text(FLOW_TEXTS.more)
    const probe = renderScreen(screen, { cols, rows, page: 0, more })
    // The menu pages itself (key 0); a flow's screen carries the page its session turned to.
    const wanted = this.s.phase === 'menu' ? this.s.page : (screen.page ?? 0)
    const page = probe.pageCount > 0 ? wanted % probe.pageCount : 0
    const shown = page === 0 ? probe : renderScreen(screen, { cols, rows, page, more })
    this.effects.push({ kind: 'rows', rows: shown.rows })
  }

  #notice(title: LocalizedText, body: LocalizedText, durationMs = NOTICE_MS): void {
    this.#cancelTimer('notice')
    // At the welcome screen nobody has chosen a language: say it in both.
    this.#render(this.s.phase === 'welcome' ? bilingual(title, body) : { title: this.#text(title), body: this.#text(body) })
    this.#startTimer('notice', durationMs)
  }

  #dismissNotice(): void {
    this.#cancelTimer('notice')
    if (this.s.screen && !this.s.warning) this.#show(this.s.screen)
  }

  /**
   * Any resident input restarts the idle countdown: the warning comes `warningMs` before the
   * timeout, and at zero everything they left is wiped. A warning showing goes.
   */
  #touch(): void {
    const s = this.s
    if (s.warning) {
      s.warning = null
      this.#cancelTimer('tick')
      if (s.screen) this.#show(s.screen)
    }
    s.idleAtMs = this.inputs.nowMs + s.settings.idleTimeoutMs
    this.#startTimer('idle', s.settings.idleTimeoutMs - warningMs(s.settings))
  }

  #startTimer(slot: keyof KioskState['timers'], ms: number): void {
    this.#cancelTimer(slot)
    const timer = `k${this.s.nextId++}`
    this.s.timers[slot] = timer
    this.effects.push({ kind: 'startTimer', timer, ms })
  }

  #cancelTimer(slot: keyof KioskState['timers']): void {
    const timer = this.s.timers[slot]
    if (timer === null) return
    this.s.timers[slot] = null
    this.effects.push({ kind: 'cancelTimer', timer })
  }

  #clearTimers(): void {
    this.#cancelTimer('idle')
    this.#cancelTimer('end')
    this.#cancelTimer('notice')
    this.#cancelTimer('tick')
    this.s.warning = null
    this.s.idleAtMs = null
  }

  #text(text: LocalizedText): string {
    return textIn(this.s.language, text)
  }

  #log(level: 'info' | 'warn', fields: Record<string, unknown>, message: string): void {
    this.effects.push({ kind: 'log', level, fields, message })
  }

  #event(type: string, fields: EventFields): void {
    this.effects.push({ kind: 'event', type, fields })
  }
}
