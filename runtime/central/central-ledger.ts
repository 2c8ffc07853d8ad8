/**
 * The reference central's memory and its answers to station requests: fixture data plus what
 * happened since start (bills paid, exam slots booked, dossiers taken in). No I/O and no clock: time is passed in.
 */
import {
  BILL_SERVICES,
  type CentralFixtures,
  type FixtureBill,
  type FixtureDepartment,
  type FixtureDossierStep,
} from './central-fixtures.js'
import { createHash } from 'node:crypto'
import { referenceFromId } from '../kiosk/reference-code.js'

/** Reply to bill.lookup. */
export type BillAnswer =
  | { found: false }
  | {
      found: true
      id: string
      customerName: string
      period: string
      /** Whole VND. */
      amount: number
      bin: string
      account: string
      status: 'unpaid' | 'paid'
    }

/**
 * Reply to dossier.status. `step`/`stepEn`: the step the dossier is at (the current one, else the
 * last one done). Not found also when the dossier belongs to someone else: a stranger learns nothing.
 */
export type DossierAnswer =
  | { found: false; code: string }
  | { found: true; code: string; title: string; status: string; updatedAt: string; step: string; stepEn: string; steps: FixtureDossierStep[] }

/** A dossier a station took in (submit-dossier), known by the reference code the resident was given. */
interface ReceivedDossier {
  reference: string
  owner: string
  receivedAt: string
}

/** Station flows whose submissions are dossiers a resident can then track by their reference code. */
export const DOSSIER_FLOWS: readonly string[] = ['submit-dossier']

/** One free slot: its id (for exam.book), its date and time in Vietnam, and the room. */
export interface FreeSlot {
  id: string
  /** `YYYY-MM-DD`. */
  date: string
  /** `HH:MM`. */
  time: string
  doctor?: string
}

/**
 * Reply to exam.slots: the free slots of one department that have not begun, on the date asked for,
 * or from today over EXAM_DAYS_OFFERED days, soonest first; and where the examination takes place.
 */
export interface SlotsAnswer {
  /** `YYYY-MM-DD`, the date asked for or today in Vietnam. */
  date: string
  facility: string
  slots: FreeSlot[]
}

/** Reply to exam.book. */
export type BookingAnswer =
  | { booked: true; slot: string; ticket: string; date: string; time: string; facility: string; doctor?: string }
  | { booked: false; slot: string; reason: 'unknown slot' | 'taken' | 'past' }

/** Without a date, exam.slots offers today and the days after it, this many days in all. */
export const EXAM_DAYS_OFFERED = 2

/** Body of payment.confirmed (without type and ts). */
export interface PaymentConfirmation {
  bill: string
  /** Whole VND. */
  amount: number
  /** ISO 8601 UTC. */
  paidAt: string
}

/** Vietnam has used UTC+7 all year since 1975 (no daylight saving), so "today" is a fixed shift. */
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000

/** Letters and digits only, upper case: `2601-0001`, `26010001` and ` 2601 0001 ` are one code. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[^0-9A-Z]/g, '')
}

/** `YYYY-MM-DD` of `nowMs` in Vietnam. */
export function vietnamDate(nowMs: number): string {
  return new Date(nowMs + VIETNAM_OFFSET_MS).toISOString().slice(0, 10)
}

/** The request methods central answers; `station flows check` refuses flows calling anything else. */
export const CENTRAL_METHODS = ['bill.lookup', 'dossier.status', 'exam.slots', 'exam.book'] as const

export class CentralLedger {
  readonly #fixtures: CentralFixtures
  /** Bill id -> paidAt (ISO), for bills paid since start. */
  readonly #payments = new Map<string, string>()
  /** Slot id -> ticket. */
  readonly #bookings = new Map<string, string>()
  /** `<department>.<date>` -> last ticket number issued. */
  readonly #ticketCounters = new Map<string, number>()
  /** Reference code (digits) -> a dossier a station took in. */
  readonly #received = new Map<string, ReceivedDossier>()

  constructor(fixtures: CentralFixtures) {
    this.#fixtures = fixtures
  }

  /**
   * Answers one request (methods: CENTRAL_METHODS). Never throws for bad input: an unknown method or a malformed body gets
   * `{ error }`, so the station always hears back.
   */
  answer(method: string, body: unknown, nowMs: number): object {
    const params = isRecord(body) ? body : {}
    switch (method) {
      case 'bill.lookup': {
        const { service, customer } = params
        if (typeof service !== 'string' || !(BILL_SERVICES as readonly string[]).includes(service)) {
          return { error: `bill.lookup needs service: ${BILL_SERVICES.join('|')}` }
        }
        if (typeof customer !== 'string' || customer.length === 0) return { error: 'bill.lookup needs customer' }
        return this.lookupBill(service, customer)
      }
      case 'dossier.status': {
        const { code, personalId } = params
        if (typeof code !== 'string' || code.length === 0) return { error: 'dossier.status needs code' }
        return this.dossierStatus(code, typeof personalId === 'string' ? personalId : undefined)
      }
      case 'exam.slots': {
        const { department, date } = params
        if (typeof department !== 'string') return { error: 'exam.slots needs department' }
        if (date !== undefined && (typeof date !== 'string' || !isIsoDate(date))) {
          return { error: 'exam.slots date must be YYYY-MM-DD' }
        }
        return this.examSlots(department, nowMs, date) ?? { error: `unknown department ${department}` }
      }
      case 'exam.book': {
        const { slot } = params
        if (typeof slot !== 'string' || slot.length === 0) return { error: 'exam.book needs slot' }
        return this.bookExam(slot, nowMs)
      }
      default:
        return { error: `unknown method ${method}` }
    }
  }

  /** The bill of `customer` for `service`, with its current status. */
  lookupBill(service: string, customer: string): BillAnswer {
    const wanted = normalizeCode(customer)
    const bill = this.#fixtures.bills.find((b) => b.service === service && normalizeCode(b.customer) === wanted)
    if (!bill) return { found: false }
    const { id, customerName, period, amount, bin, account } = bill
    return { found: true, id, customerName, period, amount, bin, account, status: this.#billStatus(bill) }
  }

  /** The bill with this id, or undefined. */
  bill(billId: string): FixtureBill | undefined {
    return this.#fixtures.bills.find((b) => b.id === billId)
  }

  /**
   * Marks the bill paid at `nowMs` (once: paying again confirms the first payment) and returns the
   * confirmation. Throws RangeError for an unknown bill id.
   */
  payBill(billId: string, nowMs: number): PaymentConfirmation {
    const bill = this.bill(billId)
    if (!bill) throw new RangeError(`unknown bill id ${JSON.stringify(billId)}`)
    let paidAt = this.#payments.get(billId)
    if (paidAt === undefined) {
      paidAt = new Date(nowMs).toISOString()
      this.#payments.set(billId, paidAt)
    }
    return { bill: billId, amount: bill.amount, paidAt }
  }

  /**
   * The dossier with this code (central's `2601-0001`) or reference code (a station's
   * `0123-4567-8901`), when it belongs to `personalId`; `{ found: false }` otherwise, whether it does
   * not exist or is someone else's.
   */
  dossierStatus(code: string, personalId: string | undefined): DossierAnswer {
    const wanted = normalizeCode(code)
    const dossier = this.#fixtures.dossiers.find((d) => normalizeCode(d.code) === wanted)
    if (dossier) {
      if (personalId === undefined || dossier.ownerSha256 !== sha256Hex(personalId)) return { found: false, code }
      const { title, status, updatedAt, steps } = dossier
      const at = currentStep(steps)
      return { found: true, code: dossier.code, title, status, updatedAt, step: at?.title ?? '', stepEn: at?.titleEn ?? '', steps: steps.map((step) => ({ ...step })) }
    }
    const received = this.#received.get(wanted)
    if (!received || personalId === undefined || received.owner !== personalId) return { found: false, code }
    const step: FixtureDossierStep = { step: 'received', title: 'Tiếp nhận hồ sơ', titleEn: 'Received', state: 'current', at: received.receivedAt }
    return {
      found: true,
      code: received.reference,
      title: 'Hồ sơ nộp tại trạm',
      status: 'received',
      updatedAt: received.receivedAt,
      step: step.title,
      stepEn: step.titleEn,
      steps: [step],
    }
  }

  /**
   * Takes in a station's submission: one of DOSSIER_FLOWS with the resident's ID number becomes a
   * dossier its owner can track by the reference code the station printed (derived from `id`).
   */
  recordSubmission(submission: { id: string; flow: unknown; data: unknown; receivedAt: string }): void {
    if (typeof submission.flow !== 'string' || !DOSSIER_FLOWS.includes(submission.flow)) return
    const data = isRecord(submission.data) ? submission.data : {}
    const identity = isRecord(data['identity']) ? data['identity'] : {}
    const owner = identity['personalId']
    if (typeof owner !== 'string' || owner === '') return
    const reference = referenceFromId(submission.id)
    this.#received.set(normalizeCode(reference), { reference, owner, receivedAt: submission.receivedAt })
  }

  /**
   * Free slots of `department` that begin after `nowMs`: on `date` (`YYYY-MM-DD`) when given, else
   * from today in Vietnam over EXAM_DAYS_OFFERED days. A booked slot is not offered again.
   * Undefined for an unknown department.
   */
  examSlots(department: string, nowMs: number, date?: string): SlotsAnswer | undefined {
    const found = this.#department(department)
    if (!found) return undefined
    const today = vietnamDate(nowMs)
    const dates = date === undefined ? Array.from({ length: EXAM_DAYS_OFFERED }, (_, days) => addDays(today, days)) : [date]
    const slots = dates.flatMap((day) =>
      found.slots
        .map((slot): FreeSlot => ({ id: slotId(found.id, day, slot.time), date: day, time: slot.time, ...(slot.doctor === undefined ? {} : { doctor: slot.doctor }) }))
        .filter((slot) => !this.#bookings.has(slot.id) && slotStartMs(slot.date, slot.time) > nowMs),
    )
    return { date: date ?? today, facility: found.facility, slots }
  }

  /**
   * Books a slot id from exam.slots and issues a queue ticket (`NO-001`, counted per department and
   * date). A slot that has begun by `nowMs` is refused (`past`), one booked already `taken`.
   */
  bookExam(slot: string, nowMs: number): BookingAnswer {
    const parsed = parseSlotId(slot)
    const department = parsed && this.#department(parsed.department)
    const timetable = department && parsed && department.slots.find((s) => s.time === parsed.time)
    if (!parsed || !department || !timetable) return { booked: false, slot, reason: 'unknown slot' }
    if (this.#bookings.has(slot)) return { booked: false, slot, reason: 'taken' }
    if (slotStartMs(parsed.date, parsed.time) <= nowMs) return { booked: false, slot, reason: 'past' }
    const counterKey = `${department.id}.${parsed.date}`
    const number = (this.#ticketCounters.get(counterKey) ?? 0) + 1
    this.#ticketCounters.set(counterKey, number)
    const ticket = `${department.ticketPrefix}-${String(number).padStart(3, '0')}`
    this.#bookings.set(slot, ticket)
    const answer = { booked: true as const, slot, ticket, date: parsed.date, time: parsed.time, facility: department.facility }
    return timetable.doctor === undefined ? answer : { ...answer, doctor: timetable.doctor }
  }

  #billStatus(bill: FixtureBill): 'unpaid' | 'paid' {
    return this.#payments.has(bill.id) ? 'paid' : bill.status
  }

  #department(id: string): FixtureDepartment | undefined {
    return this.#fixtures.departments.find((d) => d.id === id)
  }
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** The step a dossier is at: the current one, else the last one done. */
function currentStep(steps: readonly FixtureDossierStep[]): FixtureDossierStep | undefined {
  return steps.find((step) => step.state === 'current') ?? steps.filter((step) => step.state === 'done').at(-1)
}

/** When a slot begins: `HH:MM` on `YYYY-MM-DD` in Vietnam (UTC+7), as ms since the epoch. */
function slotStartMs(date: string, time: string): number {
  return Date.parse(`${date}T${time}:00.000Z`) - VIETNAM_OFFSET_MS
}

/** The calendar date `days` after `date` (`YYYY-MM-DD`). */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10)
}

/** `internal.2026-01-05.0730`: department, date and time without the colon, one topic-safe token. */
function slotId(department: string, date: string, time: string): string {
  return `${department}.${date}.${time.replace(':', '')}`
}

function parseSlotId(slot: string): { department: string; date: string; time: string } | undefined {
  const match = /^([a-z0-9_-]+)\.(\d{4}-\d{2}-\d{2})\.(\d{2})(\d{2})$/.exec(slot)
  if (!match) return undefined
  const [, department = '', date = '', hours = '', minutes = ''] = match
  if (!isIsoDate(date)) return undefined
  return { department, date, time: `${hours}:${minutes}` }
}

/** A real calendar date written `YYYY-MM-DD` (2026-02-30 is not one). */
function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false
  const parsed = new Date(`${text}T00:00:00.000Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
