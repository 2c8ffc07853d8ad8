/**
 * The commands operations can send a station (docs/operations.md): each checks its own args, says
 * whether running it now would disturb a resident, and runs. A handler that cannot do its job
 * throws; a StationError whose context has a `reason` gives the response its reason word.
 */
import type { Printer, PrinterStatus } from '../../drivers/printer/printer.js'
import type { Receipt } from '../../drivers/printer/receipt.js'
import type { Clock } from '../core/clock.js'
import { StationError } from '../core/errors.js'
import type { MaintenanceMode } from '../maintenance.js'
import type { StatusReport } from '../status-report.js'
import type { Health } from '../core/health.js'
import type { ArgsParser } from './command-check.js'

export interface CommandHandler {
  parseArgs: ArgsParser
  /** True when running it during a resident's session would disturb them: it then waits unless urgent. */
  disturbs(args: unknown): boolean
  /** Resolves with the response's `result`; rejects when the command failed. */
  run(args: unknown): Promise<unknown>
}

export type CommandHandlers = ReadonlyMap<string, CommandHandler>

export interface StationCommandDeps {
  clock: Clock
  stationId: string
  status(): StatusReport
  reloadFlows(): Promise<unknown>
  maintenance: Pick<MaintenanceMode, 'set' | 'on' | 'reason'>
  printer: Printer
  /** Names of the supervised device services device.restart may restart. */
  deviceNames(): readonly string[]
  /** Stops and starts one device service; resolves with its health afterwards. */
  restartDevice(name: string): Promise<Health | undefined>
  /** Wakes the outbox drain now (OutboxDrain.drainNow); absent: outbox.drain fails 'unsupported'. */
  drainNow?: () => void
  /** Applies a partial config (desired config); absent: config.set fails 'unsupported'. */
  setConfig?: (partial: Record<string, unknown>) => Promise<unknown>
  /** Whether applying `partial` needs a restart (and so waits for the session); absent: assume it does. */
  configNeedsRestart?: (partial: Record<string, unknown>) => boolean
}

const noArgs: ArgsParser = () => ({ ok: true, value: {} })

function unsupported(what: string): StationError {
  return new StationError('E_CONTROL_REQUEST', `this station cannot ${what}`, { reason: 'unsupported' })
}

/** One line per status flag, for the test receipt: what a technician checks at the printer. */
function printerStatusLines(status: PrinterStatus): string[] {
  const yesNo = (value: boolean) => (value ? 'yes' : 'no')
  return [
    `online: ${yesNo(status.online)}`,
    `paper near end: ${yesNo(status.paperNearEnd)}`,
    `paper out: ${yesNo(status.paperOut)}`,
    `cover open: ${yesNo(status.coverOpen)}`,
    `error: ${yesNo(status.error)}`,
  ]
}

export function testReceipt(stationId: string, nowMs: number, status: PrinterStatus, requestedBy = 'operations'): Receipt {
  return {
    lines: [
      { kind: 'text', text: 'TEST RECEIPT', align: 'center', bold: true },
      { kind: 'text', text: `station ${stationId}`, align: 'center' },
      { kind: 'text', text: new Date(nowMs).toISOString(), align: 'center' },
      { kind: 'rule' },
      ...printerStatusLines(status).map((text) => ({ kind: 'text' as const, text })),
      { kind: 'rule' },
      { kind: 'text', text: `requested by ${requestedBy}`, align: 'center' },
    ],
  }
}

export function stationCommandHandlers(deps: StationCommandDeps): CommandHandlers {
  const never = () => false
  return new Map<string, CommandHandler>([
    ['ping', { parseArgs: noArgs, disturbs: never, run: async () => ({ pong: true, ts: new Date(deps.clock.now()).toISOString() }) }],
    ['status', { parseArgs: noArgs, disturbs: never, run: async () => deps.status() }],
    // Sessions in progress finish on the flow they began with, so a reload never disturbs anyone.
    ['flows.reload', { parseArgs: noArgs, disturbs: never, run: () => deps.reloadFlows() }],
    [
      'maintenance',
      {
        parseArgs: (args) =>
          typeof args.on === 'boolean' ? { ok: true, value: { on: args.on } } : { ok: false, message: 'maintenance needs on: true or false' },
        // Entering maintenance wipes the session; leaving it finds nobody to disturb.
        disturbs: (args) => (args as { on: boolean }).on,
        run: async (args) => {
          await deps.maintenance.set((args as { on: boolean }).on, 'central')
          return { on: deps.maintenance.on, reason: deps.maintenance.reason }
        },
      },
    ],
    [
      'print.test',
      {
        parseArgs: noArgs,
        // A test receipt among a resident's own would be taken for theirs.
        disturbs: () => true,
        run: async () => {
          const before = await deps.printer.status()
          await deps.printer.print(testReceipt(deps.stationId, deps.clock.now(), before))
          return { printed: true, printer: before }
        },
      },
    ],
    [
      'outbox.drain',
      {
        parseArgs: noArgs,
        disturbs: never,
        run: async () => {
          if (!deps.drainNow) throw unsupported('drain its outbox on request')
          deps.drainNow()
          return { requested: true }
        },
      },
    ],
    [
      'device.restart',
      {
        parseArgs: (args) => {
          const names = deps.deviceNames()
          return typeof args.name === 'string' && names.includes(args.name)
            ? { ok: true, value: { name: args.name } }
            : { ok: false, message: `device.restart needs name: one of ${names.join(', ')}` }
        },
        disturbs: () => true,
        run: async (args) => {
          const { name } = args as { name: string }
          return { name, health: (await deps.restartDevice(name)) ?? null }
        },
      },
    ],
    [
      'config.set',
      {
        parseArgs: (args) =>
          args.config !== null && typeof args.config === 'object' && !Array.isArray(args.config)
            ? { ok: true, value: { config: args.config } }
            : { ok: false, message: 'config.set needs config: an object of settings to change' },
        // Without setConfig it fails at once: there is nothing to wait for.
        disturbs: (args) =>
          deps.setConfig !== undefined && (deps.configNeedsRestart?.((args as { config: Record<string, unknown> }).config) ?? true),
        run: async (args) => {
          if (!deps.setConfig) throw unsupported('change its config on request')
          return deps.setConfig((args as { config: Record<string, unknown> }).config)
        },
      },
    ],
  ])
}
