/**
 * The synthetic data the reference central answers from (fixtures/*.json): bills, dossiers and an
 * examination timetable, read and checked once at start. No real people or accounts.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { StationError } from '../core/errors.js'

export const BILL_SERVICES = ['electricity', 'water', 'internet', 'tuition'] as const
export type BillService = (typeof BILL_SERVICES)[number]

/** One bill a station can look up and (in the demo) pay. */
export interface FixtureBill {
  /** Unique; the `bill` field of payment.confirmed. */
  id: string
  service: BillService
  /** The code the resident types; matched ignoring case and anything but letters and digits. */
  customer: string
  /** A synthetic household or organisation label, never a real person. */
  customerName: string
  /** Billing period, e.g. `2026-01`. */
  period: string
  /** Whole VND. */
  amount: number
  /** Payee bank BIN for the VietQR slip (6 digits, docs/protocols.md 8.1). */
  bin: string
  /** Payee account for the VietQR slip. */
  account: string
  /** Status at start; payments made while running turn it 'paid'. */
  status: 'unpaid' | 'paid'
}

export interface FixtureDossierStep {
  step: string
  /** Vietnamese, as the agency writes it. */
  title: string
  /** The same in English, for a resident who chose English. */
  titleEn: string
  state: 'done' | 'current' | 'pending'
  /** ISO 8601 UTC, when the step was reached. */
  at?: string
}

export interface FixtureDossier {
  /** Matched ignoring case and anything but letters and digits (so `26010001` finds `2601-0001`). */
  code: string
  /**
   * SHA-256 (hex) of the ID number of the resident it belongs to: central answers only for them,
   * and the fixture holds no ID number.
   */
  ownerSha256: string
  title: string
  /** A status code the flow turns into text: processing, completed, needs_documents, rejected … */
  status: string
  /** ISO 8601 UTC. */
  updatedAt: string
  steps: FixtureDossierStep[]
}

export interface FixtureExamSlot {
  /** `HH:MM`, local time at the hospital. */
  time: string
  doctor?: string
}

/** A department's timetable; the same slots are offered on every date. */
export interface FixtureDepartment {
  /** One topic-safe word: internal, pediatrics, dental, eye … */
  id: string
  /** Letters that start this department's queue tickets (`NO-001`). */
  ticketPrefix: string
  /** Where the department examines: a synthetic hospital and building, shown to the resident. */
  facility: string
  slots: FixtureExamSlot[]
}

export interface CentralFixtures {
  bills: FixtureBill[]
  dossiers: FixtureDossier[]
  departments: FixtureDepartment[]
}

export const FIXTURE_FILES = {
  bills: 'bills.json',
  dossiers: 'dossiers.json',
  departments: 'exam-slots.json',
} as const

/** The fixtures shipped next to this module (copied to dist/ by the build). */
export function defaultFixturesDir(): string {
  return fileURLToPath(new URL('./fixtures/', import.meta.url))
}

/** Reads and checks the three fixture files in `dir`. Rejects with E_CONFIG_INVALID naming the file. */
export async function loadCentralFixtures(dir: string = defaultFixturesDir()): Promise<CentralFixtures> {
  const [bills, dossiers, departments] = await Promise.all([
    readList(join(dir, FIXTURE_FILES.bills), 'bills', checkBill),
    readList(join(dir, FIXTURE_FILES.dossiers), 'dossiers', checkDossier),
    readList(join(dir, FIXTURE_FILES.departments), 'departments', checkDepartment),
  ])
  assertUnique(bills.map((bill) => bill.id), FIXTURE_FILES.bills, 'bill id')
  assertUnique(departments.map((department) => department.id), FIXTURE_FILES.departments, 'department id')
  return { bills, dossiers, departments }
}

type Checker<T> = (value: unknown, where: string) => T

async function readList<T>(file: string, key: string, check: Checker<T>): Promise<T[]> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new StationError('E_CONFIG_INVALID', `cannot read fixture file: ${(error as Error).message}`, { file }, {
      cause: error,
    })
  }
  const list = isRecord(parsed) ? parsed[key] : undefined
  if (!Array.isArray(list)) throw invalid(file, key, `an array "${key}"`)
  return list.map((item, index) => check(item, `${file}: ${key}[${index}]`))
}

function checkBill(value: unknown, where: string): FixtureBill {
  const record = requireRecord(value, where)
  const service = requireString(record, 'service', where)
  if (!(BILL_SERVICES as readonly string[]).includes(service)) throw invalid(where, 'service', BILL_SERVICES.join('|'))
  const status = requireString(record, 'status', where)
  if (status !== 'unpaid' && status !== 'paid') throw invalid(where, 'status', 'unpaid|paid')
  const amount = record['amount']
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    throw invalid(where, 'amount', 'a positive whole number of VND')
  }
  const bin = requireString(record, 'bin', where)
  if (!/^\d{6}$/.test(bin)) throw invalid(where, 'bin', 'six digits')
  return {
    id: requireString(record, 'id', where),
    service: service as BillService,
    customer: requireString(record, 'customer', where),
    customerName: requireString(record, 'customerName', where),
    period: requireString(record, 'period', where),
    amount,
    bin,
    account: requireString(record, 'account', where),
    status,
  }
}

function checkDossier(value: unknown, where: string): FixtureDossier {
  const record = requireRecord(value, where)
  const steps = record['steps']
  if (!Array.isArray(steps)) throw invalid(where, 'steps', 'an array')
  const ownerSha256 = requireString(record, 'ownerSha256', where)
  if (!/^[0-9a-f]{64}$/.test(ownerSha256)) throw invalid(where, 'ownerSha256', 'a SHA-256 in lower-case hex')
  return {
    code: requireString(record, 'code', where),
    ownerSha256,
    title: requireString(record, 'title', where),
    status: requireString(record, 'status', where),
    updatedAt: requireString(record, 'updatedAt', where),
    steps: steps.map((item, index) => checkStep(item, `${where}.steps[${index}]`)),
  }
}

function checkStep(value: unknown, where: string): FixtureDossierStep {
  const record = requireRecord(value, where)
  const state = requireString(record, 'state', where)
  if (state !== 'done' && state !== 'current' && state !== 'pending') {
    throw invalid(where, 'state', 'done|current|pending')
  }
  const at = record['at']
  if (at !== undefined && typeof at !== 'string') throw invalid(where, 'at', 'a string')
  return {
    step: requireString(record, 'step', where),
    title: requireString(record, 'title', where),
    titleEn: requireString(record, 'titleEn', where),
    state,
    ...(at === undefined ? {} : { at }),
  }
}

function checkDepartment(value: unknown, where: string): FixtureDepartment {
  const record = requireRecord(value, where)
  const id = requireString(record, 'id', where)
  if (!/^[a-z0-9_-]+$/.test(id)) throw invalid(where, 'id', 'lowercase letters, digits, - or _')
  const slots = record['slots']
  if (!Array.isArray(slots)) throw invalid(where, 'slots', 'an array')
  return {
    id,
    ticketPrefix: requireString(record, 'ticketPrefix', where),
    facility: requireString(record, 'facility', where),
    slots: slots.map((item, index) => {
      const slotWhere = `${where}.slots[${index}]`
      const slot = requireRecord(item, slotWhere)
      const time = requireString(slot, 'time', slotWhere)
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) throw invalid(slotWhere, 'time', 'HH:MM')
      const doctor = slot['doctor']
      if (doctor !== undefined && typeof doctor !== 'string') throw invalid(slotWhere, 'doctor', 'a string')
      return doctor === undefined ? { time } : { time, doctor }
    }),
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function requireRecord(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw new StationError('E_CONFIG_INVALID', `${where} must be an object`, { where })
  return value
}

function requireString(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key]
  if (typeof value !== 'string' || value.length === 0) throw invalid(where, key, 'a non-empty string')
  return value
}

function invalid(where: string, key: string, expected: string): StationError {
  return new StationError('E_CONFIG_INVALID', `${where}: "${key}" must be ${expected}`, { where, key })
}

function assertUnique(values: string[], file: string, what: string): void {
  const seen = new Set<string>()
  for (const value of values) {
    if (seen.has(value)) {
      throw new StationError('E_CONFIG_INVALID', `${file}: duplicate ${what} ${value}`, { file, what })
    }
    seen.add(value)
  }
}
