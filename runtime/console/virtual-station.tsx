import { Box, render, Text, useApp, useInput } from 'ink'
import { useEffect, useMemo, useRef, useState } from 'react'
import type { KeyName } from '../../config/schema.js'
import { controlRequest } from '../control/control-client.js'
import { messageOf } from '../errors.js'
import type { RunningStation } from '../station.js'
import type { StatusReport } from '../status-report.js'
import { createPressQueue, splitTerminalInput, type TerminalKeyFlags } from './press-queue.js'
import { BAD_CCCD_QR, SAMPLE_CCCD_QRS } from './sample-cards.js'

export interface VirtualStationProps {
  /** Sends a control command to the station (the same socket `station sim` uses). */
  request: (cmd: string, args?: Record<string, unknown>) => Promise<unknown>
  onQuit: () => void
  pollIntervalMs?: number
}

const HELP = '0-9 digits · Enter ok · Backspace/Esc back · c card · x bad card · w Wiegand card · p paper · t tamper · m leave maintenance · q quit'

/** A 26-bit Wiegand frame (facility 123, card 4567) for the `w` key. */
const SAMPLE_WIEGAND_BITS = '10111101100010001110101110'

/** Maps a terminal key press to a keypad key, a station action, or nothing. */
export function keyFor(input: string, key: TerminalKeyFlags): KeyName | null {
  if (key.return) return 'ok'
  if (key.backspace || key.delete || key.escape) return 'back'
  if (/^[0-9]$/.test(input)) return input as KeyName
  return null
}

/**
 * The virtual station: the 20x4 display as the resident sees it (read back from the simulated
 * LCD chip), the keypad on the keyboard, sample cards, and the printer roll.
 */
export function VirtualStation({ request, onQuit, pollIntervalMs = 150 }: VirtualStationProps) {
  const { exit } = useApp()
  const [rows, setRows] = useState<string[]>(['', '', '', ''])
  const [receipt, setReceipt] = useState<string[] | null>(null)
  const [status, setStatus] = useState<StatusReport | null>(null)
  const [paperOut, setPaperOut] = useState(false)
  const [message, setMessage] = useState('')
  const cardsPresented = useRef(0)
  const paperTakenOut = useRef(false)
  const enclosureOpen = useRef(false)

  useEffect(() => {
    let alive = true
    const poll = async () => {
      try {
        const [screen, printed, report] = await Promise.all([
          request('sim.screen') as Promise<{ rows: string[] }>,
          request('sim.receipt') as Promise<{ lines: string[] | null }>,
          request('status') as Promise<StatusReport>,
        ])
        if (!alive) return
        setRows(screen.rows)
        setReceipt(printed.lines)
        setStatus(report)
      } catch (error) {
        if (alive) setMessage(messageOf(error))
      }
    }
    void poll()
    const timer = setInterval(() => void poll(), pollIntervalMs)
    return () => {
      alive = false
      clearInterval(timer)
    }
  }, [request, pollIntervalMs])

  const act = (cmd: string, args: Record<string, unknown>, note: string) => {
    setMessage(note)
    request(cmd, args).catch((error: unknown) => setMessage(messageOf(error)))
  }

  // One press at a time, in the order typed (docs/drivers.md, "Simulated presses").
  const presses = useMemo(() => createPressQueue((key) => request('sim.press', { key }), (error) => setMessage(messageOf(error))), [request])

  /** One key; false when it quits (the rest of a burst is dropped). */
  const handle = (input: string, key: TerminalKeyFlags): boolean => {
    // Ctrl+C arrives as input 'c' with ctrl set: check it before 'c' presents a card.
    if (input === 'q' || (key.ctrl && input === 'c')) {
      exit()
      onQuit()
      return false
    }
    const pressed = keyFor(input, key)
    if (pressed) {
      setMessage(`pressed ${pressed}`)
      void presses.push(pressed)
      return true
    }
    // Refs, not the rendered state: two keys can arrive before the next render.
    if (input === 'c') {
      const qr = SAMPLE_CCCD_QRS[cardsPresented.current % SAMPLE_CCCD_QRS.length] ?? ''
      cardsPresented.current += 1
      act('sim.card', { kind: 'cccd', text: qr }, 'sample CCCD presented')
    } else if (input === 'x') act('sim.card', { kind: 'cccd', text: BAD_CCCD_QR }, 'invalid CCCD presented')
    else if (input === 'w') act('sim.card', { kind: 'wiegand', text: SAMPLE_WIEGAND_BITS }, 'Wiegand card presented')
    else if (input === 't') {
      const open = !enclosureOpen.current
      enclosureOpen.current = open
      act('sim.tamper', { state: open ? 'open' : 'closed' }, open ? 'enclosure opened' : 'enclosure closed')
    } else if (input === 'm') act('maintenance', { on: false }, 'leaving maintenance')
    else if (input === 'p') {
      const out = !paperTakenOut.current
      paperTakenOut.current = out
      setPaperOut(out)
      act('sim.printer', { state: out ? 'paper-out' : 'paper-ok' }, out ? 'paper taken out' : 'paper loaded')
    }
    return true
  }

  useInput((input, key) => {
    // A burst typed faster than the terminal is read ("0912") arrives as one chunk: key by key.
    for (const one of splitTerminalInput(input, key)) if (!handle(one.input, one.key)) return
  }, { isActive: true })

  const online = status?.link.connected ?? false
  return (
    <Box flexDirection="column">
      <Text bold>citizen-station · {status?.station ?? '…'} · simulated</Text>
      <Box flexDirection="row" gap={2}>
        <Box flexDirection="column">
          <Text>Display</Text>
          <Box borderStyle="round" flexDirection="column" paddingX={1} width={24}>
            {rows.map((row, index) => (
              <Text key={index} color="greenBright">{row.padEnd(20)}</Text>
            ))}
          </Box>
          <Text dimColor>{HELP}</Text>
        </Box>
        <Box flexDirection="column">
          <Text>Printer roll{paperOut ? ' (paper out)' : ''}</Text>
          <Box borderStyle="single" flexDirection="column" paddingX={1} minWidth={34}>
            {(receipt ?? ['(nothing printed yet)']).slice(-18).map((line, index) => (
              <Text key={index}>{line}</Text>
            ))}
          </Box>
        </Box>
      </Box>
      <Text>
        broker: {status?.link.configured ? (online ? 'connected' : 'disconnected') : 'none: offline, submissions queued'} · outbox:{' '}
        {status?.outbox.depth ?? 0} waiting · screen: {status?.phase ?? '…'}
        {status?.maintenance.on ? ` · maintenance (${status.maintenance.reason ?? '?'})` : ''}
        {status?.maintenance.enclosureOpen ? ' · ENCLOSURE OPEN' : ''}
      </Text>
      {message ? <Text dimColor>{message}</Text> : null}
    </Box>
  )
}

export interface StartVirtualStationOptions {
  station: RunningStation
  stdin: NodeJS.ReadStream
  stdout: NodeJS.WriteStream
  onQuit: () => void
}

export function startVirtualStation(options: StartVirtualStationOptions): void {
  const request = (cmd: string, args: Record<string, unknown> = {}) => controlRequest(options.station.socketPath, cmd, args)
  render(<VirtualStation request={request} onQuit={options.onQuit} />, {
    stdin: options.stdin,
    stdout: options.stdout,
    exitOnCtrlC: false,
  })
}
