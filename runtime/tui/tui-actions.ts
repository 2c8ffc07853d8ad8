/**
 * What each key of `station tui` does (docs/operations.md "Technician"): the control command it
 * sends, whether it would disturb a resident (then it asks y/n while one is served), and the line
 * it shows afterwards.
 */
import type { TuiSnapshot } from './tui-snapshot.js'

export type Request = (cmd: string, args?: Record<string, unknown>) => Promise<unknown>

export interface TuiAction {
  key: string
  /** Runs the action; resolves with the line to show. */
  run(request: Request, snapshot: TuiSnapshot): Promise<string>
  /** The y/n question, when this action asks one in this situation; null runs at once. */
  question(snapshot: TuiSnapshot): string | null
}

/** A resident is in front of the station: the question says so. */
function residentNote(snapshot: TuiSnapshot): string {
  const s = snapshot.session
  return s.flow ? ` A resident is in ${s.flow}.` : ' A resident is at the station.'
}

/** Asks only while a resident is served: the action would interrupt them. */
function askWhenResident(text: string): (snapshot: TuiSnapshot) => string | null {
  return (snapshot) => (snapshot.session.residentPresent ? `${text}${residentNote(snapshot)} y/n` : null)
}

/** Always asks: it changes whether residents are served at all. */
function alwaysAsk(text: (snapshot: TuiSnapshot) => string): (snapshot: TuiSnapshot) => string {
  return (snapshot) => `${text(snapshot)}${snapshot.session.residentPresent ? residentNote(snapshot) : ''} y/n`
}

interface PrinterFlags {
  online: boolean
  paperNearEnd: boolean
  paperOut: boolean
  coverOpen: boolean
  error: boolean
}

export const ACTIONS: readonly TuiAction[] = [
  {
    key: 't',
    question: askWhenResident('Print a test receipt now?'),
    run: async (request) => {
      const { printer } = (await request('print.test')) as { printer: PrinterFlags }
      const paper = printer.paperOut ? 'out' : printer.paperNearEnd ? 'near end' : 'ok'
      return `test receipt printed: paper ${paper}, cover ${printer.coverOpen ? 'open' : 'closed'}${printer.error ? ', printer error' : ''}`
    },
  },
  {
    key: 'c',
    question: askWhenResident('Read a card (the kiosk ignores cards meanwhile)?'),
    run: async (request) => {
      await request('card.read')
      return 'card test: hold a card to a reader'
    },
  },
  {
    key: 'k',
    question: (snapshot) => (snapshot.test?.kind === 'keys' ? null : askWhenResident('Test the keypad (the kiosk gets no keys meanwhile)?')(snapshot)),
    run: async (request, snapshot) => {
      if (snapshot.test?.kind === 'keys') {
        await request('keys.test', { on: false })
        return 'key test ended'
      }
      await request('keys.test', { on: true })
      return 'key test: press keys on the keypad'
    },
  },
  {
    key: 'd',
    question: askWhenResident('Show the display test pattern?'),
    run: async (request) => {
      await request('display.test')
      return 'display test pattern shown'
    },
  },
  {
    key: 'm',
    question: alwaysAsk((snapshot) => (snapshot.maintenance.on ? 'Leave maintenance and serve residents?' : 'Enter maintenance (no residents served)?')),
    run: async (request, snapshot) => {
      const result = (await request('maintenance', { on: !snapshot.maintenance.on })) as { on: boolean }
      return result.on ? 'maintenance on' : 'maintenance off: serving residents'
    },
  },
  {
    key: 'r',
    question: () => null,
    run: async (request) => {
      const result = (await request('flows.reload')) as { flows: Array<{ id: string; version: number }>; errors: number }
      const flows = result.flows.map((flow) => `${flow.id}@${flow.version}`).join(', ') || 'none'
      return `flows reloaded: ${flows}${result.errors > 0 ? ` (${result.errors} errors: see the log)` : ''}`
    },
  },
  {
    key: 'o',
    question: () => null,
    run: async (request) => {
      await request('outbox.drain')
      return 'outbox drain requested'
    },
  },
]

/** Restarting a device always asks: it may be the one a resident is using. */
export function restartQuestion(name: string, snapshot: TuiSnapshot): string {
  return `Restart ${name}?${snapshot.session.residentPresent ? residentNote(snapshot) : ''} y/n`
}

export async function restartDevice(request: Request, name: string): Promise<string> {
  const result = (await request('device.restart', { name })) as { health: { state: string; lastError?: string } | null }
  const health = result.health
  return `${name} restarted: ${health ? `${health.state}${health.lastError ? ` (${health.lastError})` : ''}` : 'no health yet'}`
}

/** The numbered choice of devices, for the message line. */
export function deviceChoice(names: readonly string[]): string {
  return `restart which device? ${names.map((name, index) => `${index + 1}:${name}`).join(' ')} (Esc: cancel)`
}
