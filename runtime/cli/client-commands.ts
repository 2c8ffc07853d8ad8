import { controlRequest } from '../control/control-client.js'
import { messageOf } from '../core/errors.js'
import { formatStatus, type StatusReport } from '../status-report.js'

export interface ClientIo {
  out: (text: string) => void
  err: (text: string) => void
}

/** `station status [--json]`: exit 0 when the station answered, 1 when it did not. */
export async function statusCommand(socket: string, json: boolean, io: ClientIo): Promise<number> {
  try {
    const report = (await controlRequest(socket, 'status')) as StatusReport
    io.out(json ? JSON.stringify(report, null, 2) : formatStatus(report))
    return 0
  } catch (error) {
    if (json) io.out(JSON.stringify({ ready: false, error: messageOf(error) }))
    else io.err(`station status: ${messageOf(error)}`)
    return 1
  }
}

const SIM_USAGE = `usage:
  station sim press <0-9|ok|back>...
  station sim card cccd '<qr text>'
  station sim card mrz <line1> <line2> <line3>
  station sim card chip '<qr text>' [--tamper dg1|dg13] [--unknown-csca] [--wrong-can] [--pull-after <apdus>]
  station sim card remove            (takes the chip off the NFC reader)
  station sim card nfc <uid-hex> | wiegand <bits> | raw <hex bytes>
  station sim screen
  station sim receipt
  station sim printer <paper-out|paper-near-end|paper-ok|cover-open|cover-closed|power-off|power-on>
  station sim unplug|replug <display|keypad|scanner|printer|nfc>
  station sim i2c-noise <display|keypad|nfc> [transactions]
  station sim tamper <open|closed>`

/** `station sim …`: acts as a resident on a running simulated station. */
/** The faults `sim card chip` can put in the simulated chip (docs/emrtd.md, "Simulated chip"). */
export interface SimChipOptions {
  tamper?: string
  unknownCsca?: boolean
  wrongCan?: boolean
  pullAfter?: string
}

export async function simCommand(socket: string, args: readonly string[], json: boolean, io: ClientIo, chip: SimChipOptions = {}): Promise<number> {
  const [action, ...rest] = args
  try {
    switch (action) {
      case 'press': {
        if (rest.length === 0) return usage(io)
        for (const key of rest) await controlRequest(socket, 'sim.press', { key })
        return 0
      }
      case 'card': {
        const [kind, ...values] = rest
        if (!kind || (values.length === 0 && kind !== 'remove')) return usage(io)
        const text = kind === 'mrz' ? values : values.join(' ')
        const faults =
          kind === 'chip'
            ? {
                ...(chip.tamper === undefined ? {} : { tamper: chip.tamper }),
                ...(chip.unknownCsca === true ? { unknownCsca: true } : {}),
                ...(chip.wrongCan === true ? { wrongCan: true } : {}),
                ...(chip.pullAfter === undefined ? {} : { pullAfter: Number(chip.pullAfter) }),
              }
            : {}
        await controlRequest(socket, 'sim.card', { kind, text, ...faults })
        return 0
      }
      case 'screen': {
        const result = (await controlRequest(socket, 'sim.screen')) as { rows: string[] }
        io.out(json ? JSON.stringify(result) : frame(result.rows))
        return 0
      }
      case 'receipt': {
        const result = (await controlRequest(socket, 'sim.receipt')) as { lines: string[] | null; count: number }
        if (json) io.out(JSON.stringify(result))
        else if (!result.lines) io.out('(nothing printed yet)')
        else io.out(result.lines.join('\n'))
        return 0
      }
      case 'printer': {
        if (rest.length !== 1) return usage(io)
        await controlRequest(socket, 'sim.printer', { state: rest[0] })
        return 0
      }
      case 'tamper': {
        if (rest.length !== 1) return usage(io)
        await controlRequest(socket, 'sim.tamper', { state: rest[0] })
        return 0
      }
      case 'unplug':
      case 'replug': {
        if (rest.length !== 1) return usage(io)
        await controlRequest(socket, `sim.${action}`, { device: rest[0] })
        return 0
      }
      case 'i2c-noise': {
        if (rest.length < 1 || rest.length > 2) return usage(io)
        await controlRequest(socket, 'sim.i2c-noise', {
          device: rest[0],
          ...(rest[1] === undefined ? {} : { transactions: Number(rest[1]) }),
        })
        return 0
      }
      default:
        return usage(io)
    }
  } catch (error) {
    io.err(`station sim ${action ?? ''}: ${messageOf(error)}`)
    return 1
  }
}

/** `station maintenance on|off`: a technician takes the station out of service or puts it back. */
export async function maintenanceCommand(socket: string, args: readonly string[], json: boolean, io: ClientIo): Promise<number> {
  const [state] = args
  if (args.length !== 1 || (state !== 'on' && state !== 'off')) {
    io.err('usage: station maintenance <on|off>')
    return 2
  }
  try {
    const result = (await controlRequest(socket, 'maintenance', { on: state === 'on' })) as { on: boolean; reason: string | null }
    io.out(json ? JSON.stringify(result) : result.on ? `maintenance on (${result.reason ?? 'technician'})` : 'maintenance off: serving residents')
    return 0
  } catch (error) {
    io.err(`station maintenance: ${messageOf(error)}`)
    return 1
  }
}

function usage(io: ClientIo): number {
  io.err(SIM_USAGE)
  return 2
}

/** The display as a person sees it: the rows inside a frame. */
export function frame(rows: readonly string[]): string {
  const width = Math.max(0, ...rows.map((row) => row.length))
  const edge = `+${'-'.repeat(width)}+`
  return [edge, ...rows.map((row) => `|${row.padEnd(width)}|`), edge].join('\n')
}
