import { Box, render, Text, useApp, useInput } from 'ink'
import { useEffect, useMemo, useRef, useState } from 'react'
import type { KeyName } from '../../config/schema.js'
import { controlRequest } from '../control/control-client.js'
import { messageOf } from '../core/errors.js'
import type { RunningStation } from '../station.js'
import type { StatusReport } from '../status-report.js'
import { COLUMN_GAP, consoleLayout, DISPLAY_BOX_COLS, FALLBACK_COLUMNS, FALLBACK_ROWS, rollWindow, truncate } from './console-layout.js'
import { blockQr, lastQrPayload } from './block-qr.js'
import { createPressQueue, splitTerminalInput, type TerminalKeyFlags } from './press-queue.js'
import { BAD_CCCD_QR, SAMPLE_CCCD_QRS } from './sample-cards.js'

export interface VirtualStationProps {
  /** Sends a control command to the station (the same socket `station sim` uses). */
  request: (cmd: string, args?: Record<string, unknown>) => Promise<unknown>
  onQuit: () => void
  pollIntervalMs?: number
  /** The terminal's size; the frame is laid out to fit it (docs/architecture.md, "Virtual station"). */
  columns?: number
  rows?: number
}

const HELP = ['0-9 digits', 'Enter ok', 'Backspace/Esc back', 'c card', 'h chip', 'x bad card', 'w Wiegand card', 'p paper', 'r receipt QR', 't tamper', 'm leave maintenance', '↑/↓ roll', 'q quit']

/** Receipt width of the simulated printer (config/sim.yaml hardware.printer.lineWidthChars). */
const PAPER_COLS = 32

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
export function VirtualStation({ request, onQuit, pollIntervalMs = 150, columns = FALLBACK_COLUMNS, rows: terminalRows = FALLBACK_ROWS }: VirtualStationProps) {
  const { exit } = useApp()
  const [rows, setRows] = useState<string[]>(['', '', '', ''])
  const [receipt, setReceipt] = useState<string[] | null>(null)
  const [status, setStatus] = useState<StatusReport | null>(null)
  const [paperOut, setPaperOut] = useState(false)
  const [message, setMessage] = useState('')
  /** Lines the roll is scrolled up from the end of the receipt. */
  const [scrolledUp, setScrolledUp] = useState(0)
  const maxScroll = useRef(0)
  const cardsPresented = useRef(0)
  const paperTakenOut = useRef(false)
  const enclosureOpen = useRef(false)
  /** The printed QR drawn full screen (key r), until any key. */
  const [qrShown, setQrShown] = useState(false)
  // The key handler reads the ref: the key after r can arrive before the render that shows the QR.
  const qrOnScreen = useRef(false)
  const showQr = (shown: boolean) => {
    qrOnScreen.current = shown
    setQrShown(shown)
  }

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
    } else if (input === 'h') {
      // The chip of the sample card last presented (or the first): its CAN comes from that QR.
      const qr = SAMPLE_CCCD_QRS[Math.max(0, cardsPresented.current - 1) % SAMPLE_CCCD_QRS.length] ?? ''
      act('sim.card', { kind: 'chip', text: qr }, 'sample CCCD chip on the reader')
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
    if (qrOnScreen.current) {
      // Any key leaves the QR view; it is not also a key press on the panel.
      showQr(false)
      return
    }
    if (input === 'r') {
      if (lastQrPayload(receipt) === null) setMessage('no QR on the last receipt')
      else showQr(true)
      return
    }
    if (key.upArrow || key.downArrow) {
      const step = key.upArrow ? 1 : -1
      setScrolledUp((current) => Math.min(maxScroll.current, Math.max(0, current + step)))
      return
    }
    // A burst typed faster than the terminal is read ("0912") arrives as one chunk: key by key.
    for (const one of splitTerminalInput(input, key)) if (!handle(one.input, one.key)) return
  }, { isActive: true })

  if (qrShown) {
    const payload = lastQrPayload(receipt)
    if (payload !== null) return <ReceiptQrView payload={payload} columns={columns} rows={terminalRows} />
  }

  const online = status?.link.connected ?? false
  const statusItems = [
    `broker: ${status?.link.configured ? (online ? 'connected' : 'disconnected') : 'none: offline, submissions queued'}`,
    `outbox: ${status?.outbox.depth ?? 0} waiting`,
    `screen: ${status?.phase ?? '…'}`,
    ...(status?.maintenance.on ? [`maintenance (${status.maintenance.reason ?? '?'})`] : []),
    ...(status?.maintenance.enclosureOpen ? ['ENCLOSURE OPEN'] : []),
  ]
  const layout = consoleLayout({ columns, rows: terminalRows, paperCols: PAPER_COLS, help: HELP, status: statusItems })
  const paperCols = layout.rollBoxCols - 4
  const roll = rollWindow(receipt ?? ['(nothing printed yet)'], layout.rollLines, scrolledUp)
  maxScroll.current = roll.maxScroll
  const display = (
    <Box flexDirection="column" width={DISPLAY_BOX_COLS}>
      <Text>Display</Text>
      <Box borderStyle="round" flexDirection="column" paddingX={1} width={DISPLAY_BOX_COLS}>
        {rows.map((row, index) => (
          <Text key={index} color="greenBright">{truncate(row, 20).padEnd(20)}</Text>
        ))}
      </Box>
    </Box>
  )
  const printer = (
    <Box flexDirection="column" width={layout.rollBoxCols}>
      <Text>{truncate(`Printer roll${paperOut ? ' (paper out)' : ''}`, layout.rollBoxCols)}</Text>
      <Box borderStyle="single" flexDirection="column" paddingX={1} width={layout.rollBoxCols}>
        {roll.shown.map((line, index) => (
          <Text key={index}>{truncate(line, paperCols)}</Text>
        ))}
      </Box>
    </Box>
  )
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold>{truncate(`citizen-station · ${status?.station ?? '…'} · simulated`, columns)}</Text>
      <Box flexDirection={layout.sideBySide ? 'row' : 'column'} gap={layout.sideBySide ? COLUMN_GAP : 0}>
        {display}
        {printer}
      </Box>
      {layout.help.map((line, index) => (
        <Text key={`help-${index}`} dimColor>{line}</Text>
      ))}
      {layout.status.map((line, index) => (
        <Text key={`status-${index}`}>{line}</Text>
      ))}
      <Text dimColor>{truncate(message, columns)}</Text>
    </Box>
  )
}

/**
 * The last receipt's QR full screen, dark on light so a phone scans it whatever the terminal's
 * colours; a terminal too small for it says how big it must be.
 */
function ReceiptQrView({ payload, columns, rows }: { payload: string; columns: number; rows: number }) {
  const qr = blockQr(payload)
  // The title line and one spare row so the frame never reaches the terminal's last row.
  const fits = qr.cols <= columns && qr.rows + 2 <= rows
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold>{truncate('Receipt QR · any key: back', columns)}</Text>
      {fits ? (
        qr.lines.map((line, index) => (
          <Text key={index} color="black" backgroundColor="white">{line}</Text>
        ))
      ) : (
        <Text>{truncate(`The QR needs ${qr.cols}x${qr.rows + 2}: enlarge the terminal.`, columns)}</Text>
      )}
    </Box>
  )
}

export interface StartVirtualStationOptions {
  station: RunningStation
  stdin: NodeJS.ReadStream
  stdout: NodeJS.WriteStream
  onQuit: () => void
}

const CLEAR_SCREEN = '\x1b[2J\x1b[H'

/** The virtual station at the size of `stdout`, laid out again whenever the terminal is resized. */
function SizedVirtualStation({ stdout, ...props }: Omit<VirtualStationProps, 'columns' | 'rows'> & { stdout: NodeJS.WriteStream }) {
  const sizeOf = () => ({ columns: stdout.columns || FALLBACK_COLUMNS, rows: stdout.rows || FALLBACK_ROWS })
  const [size, setSize] = useState(sizeOf)
  useEffect(() => {
    const onResize = () => {
      // The terminal reflows the old frame to the new width, into more or fewer rows than ink
      // erases: start from a clean screen (ED 2, cursor home) and draw the frame at the new size.
      stdout.write(CLEAR_SCREEN)
      setSize(sizeOf())
    }
    stdout.on('resize', onResize)
    return () => void stdout.off('resize', onResize)
  }, [stdout])
  return <VirtualStation {...props} columns={size.columns} rows={size.rows} />
}

export function startVirtualStation(options: StartVirtualStationOptions): void {
  const request = (cmd: string, args: Record<string, unknown> = {}) => controlRequest(options.station.socketPath, cmd, args)
  render(<SizedVirtualStation stdout={options.stdout} request={request} onQuit={options.onQuit} />, {
    stdin: options.stdin,
    stdout: options.stdout,
    exitOnCtrlC: false,
  })
}
